"""The ideas list: filters, sorting, pages that keep the filters, htmx partials, empty results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import delete, event
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import translations_for
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Process,
    Segment,
    Support,
    ThemeSource,
    utcnow,
)
from participation.services import moderation
from participation.services.idea_list import IdeaFilters, Sort, list_ideas, parse_filters
from participation.services.processes import Page
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_themes,
    attr,
    de,
    html,
    in_db,
    one,
    text_of,
)

LIST = f"/processes/{SLUG}/ideen"


def _titles(text: str) -> list[str]:
    return [text_of(h3) for h3 in html(text).select("#idea-items h3")]


async def _seed(session: AsyncSession, process: Process) -> dict[str, Contribution]:
    """Four published ideas of different kinds, one pending, with supports and comments."""
    assert process.id is not None
    themes = await add_themes(session, process)
    now = utcnow()
    ideas = {
        "rad": await add_idea(
            session, process, title="Radweg nach Kornbach", created_at=now - timedelta(days=4)
        ),
        "bus": await add_idea(
            session,
            process,
            title="Mehr Busse am Abend",
            body="Nach 20 Uhr fährt kein Bus mehr nach Auenbrück.",
            segment=Segment.PUPIL,
            created_at=now - timedelta(days=3),
        ),
        "firma": await add_idea(
            session,
            process,
            title="Glasfaser im Gewerbegebiet",
            body="Unsere Firma braucht schnelles Internet im Gewerbegebiet.",
            segment=Segment.FIRM,
            created_at=now - timedelta(days=2),
        ),
        "werk": await add_idea(
            session,
            process,
            title="Schulweg sicherer machen",
            body="Vor der Grundschule fahren Autos zu schnell.",
            created_at=now - timedelta(days=1),
        ),
    }
    await add_idea(session, process, title="Noch nicht geprüft", status=ContributionStatus.PENDING)
    ideas["rad"].municipality = "Kornbach"
    ideas["werk"].channel = Channel.WORKSHOP
    session.add_all([ideas["rad"], ideas["werk"]])
    session.add(
        ContributionTheme(
            contribution_id=ideas["bus"].id or 0,
            theme_id=themes["oepnv"].id or 0,
            source=ThemeSource.CONFIRMED,
        )
    )
    # Only a suggestion: does not count for the filter.
    session.add(
        ContributionTheme(
            contribution_id=ideas["rad"].id or 0,
            theme_id=themes["oepnv"].id or 0,
            source=ThemeSource.SUGGESTED,
        )
    )
    for i in range(3):
        session.add(Support(contribution_id=ideas["bus"].id or 0, supporter_hash=f"b{i}"))
    session.add(Support(contribution_id=ideas["firma"].id or 0, supporter_hash="f0"))
    for status in (ContributionStatus.PUBLISHED, ContributionStatus.PUBLISHED):
        session.add(_comment(process, ideas["firma"], status))
    session.add(_comment(process, ideas["rad"], ContributionStatus.PUBLISHED))
    for _i in range(3):  # pending comments do not count
        session.add(_comment(process, ideas["bus"], ContributionStatus.PENDING))
    await session.commit()
    return ideas


def _comment(process: Process, idea: Contribution, status: ContributionStatus) -> Contribution:
    return Contribution(
        process_id=process.id or 0,
        kind=ContributionKind.COMMENT,
        parent_id=idea.id,
        body="Ein Kommentar dazu.",
        segment=Segment.RESIDENT,
        status=status,
    )


async def _list(session: AsyncSession, process: Process, **kw: Any) -> list[str]:
    page = await list_ideas(session, process.id or 0, IdeaFilters(**kw), per_page=10)
    return [i.contribution.title for i in page.items]


# --- service -----------------------------------------------------------------------------------


async def test_filters_and_sorts(session: AsyncSession, process: Process) -> None:
    await _seed(session, process)
    assert await _list(session, process) == [
        "Schulweg sicherer machen",
        "Glasfaser im Gewerbegebiet",
        "Mehr Busse am Abend",
        "Radweg nach Kornbach",
    ]
    assert await _list(session, process, theme="oepnv") == ["Mehr Busse am Abend"]
    assert await _list(session, process, segment="firm") == ["Glasfaser im Gewerbegebiet"]
    assert await _list(session, process, channel="workshop") == ["Schulweg sicherer machen"]
    assert await _list(session, process, municipality="kornbach") == ["Radweg nach Kornbach"]
    supported = await _list(session, process, sort=Sort.SUPPORTED.value)
    assert supported[:2] == ["Mehr Busse am Abend", "Glasfaser im Gewerbegebiet"]
    discussed = await _list(session, process, sort=Sort.DISCUSSED.value)
    assert discussed[:2] == ["Glasfaser im Gewerbegebiet", "Radweg nach Kornbach"]
    assert await _list(session, process, q="Bus", segment="pupil") == ["Mehr Busse am Abend"]
    assert await _list(session, process, q="Bus", segment="firm") == []


async def test_counts_on_each_idea(session: AsyncSession, process: Process) -> None:
    await _seed(session, process)
    page = await list_ideas(session, process.id or 0, IdeaFilters(), per_page=10)
    counts = {i.contribution.title: (i.supports, i.comments) for i in page.items}
    assert counts["Mehr Busse am Abend"] == (3, 0)
    assert counts["Glasfaser im Gewerbegebiet"] == (1, 2)


async def _kept(session: AsyncSession, idea: Contribution) -> tuple[int, int]:
    row = await session.exec(
        select(Contribution.support_count, Contribution.comment_count).where(
            col(Contribution.id) == idea.id
        )
    )
    support_count, comment_count = row.one()
    return support_count, comment_count


async def test_kept_counts_follow_every_change(session: AsyncSession, process: Process) -> None:
    """The kept counts move with the rows, whichever way a comment or support changes."""
    idea = await add_idea(session, process)
    other = await add_idea(session, process, title="Mehr Busse am Abend")
    moderator = await add_actor(session, "mod@example.org")
    published = _comment(process, idea, ContributionStatus.PUBLISHED)
    waiting = _comment(process, idea, ContributionStatus.PENDING)
    session.add_all([published, waiting])
    await session.commit()
    reply = _comment(process, idea, ContributionStatus.PUBLISHED)
    reply.reply_to_id = published.id
    session.add_all([reply, Support(contribution_id=idea.id or 0, supporter_hash="x")])
    await session.commit()
    assert await _kept(session, idea) == (1, 2)  # the reply counts, the waiting one not yet

    await moderation.approve(session, waiting.id or 0, moderator)
    assert await _kept(session, idea) == (1, 3)
    await moderation.hide(session, published.id or 0, moderator, "Beleidigend.")
    assert await _kept(session, idea) == (1, 2)
    await session.exec(delete(Contribution).where(col(Contribution.id) == reply.id))
    await session.exec(delete(Support).where(col(Support.contribution_id) == idea.id))
    await session.commit()
    assert await _kept(session, idea) == (0, 1)
    # A comment moved to another idea (as merging ideas does) counts there.
    waiting.parent_id = other.id
    session.add(waiting)
    await session.commit()
    assert (await _kept(session, idea), await _kept(session, other)) == ((0, 0), (0, 1))


async def test_pages(session: AsyncSession, process: Process) -> None:
    await _seed(session, process)
    first = await list_ideas(session, process.id or 0, IdeaFilters(), per_page=3)
    assert (first.total, first.pages, len(first.items)) == (4, 2, 3)
    last = await list_ideas(session, process.id or 0, IdeaFilters(page=99), per_page=3)
    assert last.page == 2
    assert [i.contribution.title for i in last.items] == ["Radweg nach Kornbach"]


def test_parse_filters_refuses_unknown_values() -> None:
    filters, errors = parse_filters(
        {"segment": "alien", "channel": "fax", "theme": "nope", "sort": "random", "page": "x"},
        ["radwege"],
    )
    assert set(errors) == {"segment", "channel", "theme", "sort", "page"}
    assert filters == IdeaFilters()
    filters, errors = parse_filters({"sort": "relevance", "q": " "}, [])
    assert errors == {}
    assert filters.effective_sort is Sort.NEWEST  # nothing to be relevant to
    filters, _errors = parse_filters({"q": "Radweg"}, [])
    assert filters.effective_sort is Sort.RELEVANCE


def test_query_string_keeps_filters() -> None:
    filters = IdeaFilters(theme="radwege", q="Schule Weg", sort="supported", page=3)
    query = parse_qs(filters.query_string(page=4))
    assert query == {
        "theme": ["radwege"],
        "q": ["Schule Weg"],
        "sort": ["supported"],
        "page": ["4"],
    }
    assert "page" not in parse_qs(filters.query_string(page=1))


# --- routes ------------------------------------------------------------------------------------


def test_list_page(client: Client, settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: _seed(s, process))
    response = client.get(LIST)
    assert response.status_code == 200
    page = html(response.text)
    assert _titles(response.text)[0] == "Schulweg sicherer machen"
    assert "Noch nicht geprüft" not in response.text
    form = one(page, "form.filters")
    assert attr(form, "method") == "get"
    assert attr(form, "hx-push-url") == "true"
    for name in ("q", "theme", "segment", "channel", "municipality", "sort"):
        one(form, f"[name={name}]")
    first = one(page, "#idea-items > li:first-child")
    assert "0 " in text_of(one(first, ".idea__counts"))


def test_process_page_links_to_the_list(client: Client, process: Process) -> None:
    page = html(client.get(f"/processes/{SLUG}").text)
    one(page, f"a[href='{LIST}']")


def _counts_text(supports: int, comments: int) -> str:
    german = translations_for("de")
    return (
        german.ungettext("%(num)d support", "%(num)d supports", supports) % {"num": supports}
        + " · "
        + german.ungettext("%(num)d comment", "%(num)d comments", comments) % {"num": comments}
    )


def test_process_page_ideas_link_to_their_pages_with_their_counts(
    client: Client, settings: Settings, process: Process
) -> None:
    ideas = in_db(settings, lambda s: _seed(s, process))
    page = html(client.get(f"/processes/{SLUG}").text)
    cards = {text_of(one(card, "h3")): card for card in page.select("#ideas li.idea")}
    assert list(cards) == [
        "Schulweg sicherer machen",
        "Glasfaser im Gewerbegebiet",
        "Mehr Busse am Abend",
        "Radweg nach Kornbach",
    ]
    for key, title, supports, comments in (
        ("bus", "Mehr Busse am Abend", 3, 0),
        ("firma", "Glasfaser im Gewerbegebiet", 1, 2),
    ):
        card = cards[title]
        assert attr(one(card, "h3 a"), "href") == f"/processes/{SLUG}/ideas/{ideas[key].id}"
        assert text_of(one(card, ".idea__counts")) == _counts_text(supports, comments)


@contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL statements the app sends meanwhile (any engine of this process)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_process_page_and_list_run_a_fixed_number_of_queries(
    client: Client, settings: Settings, process: Process
) -> None:
    urls = [f"/processes/{SLUG}", f"{LIST}?sort=supported", f"{LIST}?sort=discussed"]
    in_db(settings, lambda s: _seed(s, process))
    client.get(urls[0])  # the first request sets up the session and CSRF cookies

    def queries() -> list[int]:
        found = []
        for url in urls:
            with _statements() as seen:
                assert client.get(url).status_code == 200
            found.append(len(seen))
        return found

    few = queries()

    async def more(session: AsyncSession) -> None:
        for i in range(25):
            idea = await add_idea(session, process, title=f"Noch eine Idee Nummer {i}")
            session.add(Support(contribution_id=idea.id or 0, supporter_hash=f"m{i}"))
            session.add(_comment(process, idea, ContributionStatus.PUBLISHED))
        await session.commit()

    in_db(settings, more)
    assert queries() == few


def test_filters_in_the_url_and_in_page_links(
    client: Client, settings: Settings, process: Process
) -> None:
    ideas = in_db(settings, lambda s: _seed(s, process))
    response = client.get(LIST, params={"segment": "firm", "q": "Internet"})
    assert _titles(response.text) == ["Glasfaser im Gewerbegebiet"]
    page = html(response.text)
    assert attr(one(page, "#segment option[selected]"), "value") == "firm"
    assert attr(one(page, "#q"), "value") == "Internet"
    assert f"/processes/{SLUG}/ideas/{ideas['firma'].id}" in response.text


def test_pagination_keeps_filters(client: Client, settings: Settings, process: Process) -> None:
    async def many(session: AsyncSession) -> None:
        for i in range(25):
            await add_idea(session, process, title=f"Radweg Nummer {i:02d}")
        await add_idea(session, process, title="Etwas anderes", body="Ganz ohne Räder hier.")

    in_db(settings, many)
    response = client.get(LIST, params={"q": "Radweg", "sort": "newest"})
    page = html(response.text)
    assert len(page.select("#idea-items > li")) == settings.page_size
    next_link = one(page, ".pagination a[rel=next]")
    query = parse_qs(urlsplit(attr(next_link, "href")).query)
    assert query == {"q": ["Radweg"], "sort": ["newest"], "page": ["2"]}
    more = one(page, "#idea-paging .more a")
    assert attr(more, "hx-target") == "#idea-items"
    # "Load more" via htmx: only the next items and the paging block, out of band.
    fragment = client.get(attr(more, "hx-get"), headers={**HTMX, "HX-Target": "idea-items"}).text
    part = html(fragment)
    assert "<html" not in fragment
    assert len(part.select("li.idea")) == settings.page_size
    assert attr(one(part, "#idea-paging"), "hx-swap-oob") == "outerHTML"
    # The address bar follows, and that address opened directly says where in the list it is.
    assert attr(more, "hx-push-url") == "true"
    later = html(client.get(attr(more, "href")).text)
    first = settings.page_size + 1
    assert text_of(one(later, "#idea-range")).startswith(
        de("Ideas %(first)d to %(last)d of %(total)d.")
        % {"first": first, "last": 2 * settings.page_size, "total": 25}
    )
    back = one(later, "#idea-range a")
    assert parse_qs(urlsplit(attr(back, "href")).query) == {"q": ["Radweg"], "sort": ["newest"]}
    assert page.select("#idea-range") == []  # the first page needs no such line


def test_htmx_filter_answers_with_the_results_alone(
    client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: _seed(s, process))
    response = client.get(
        LIST, params={"theme": "oepnv"}, headers={**HTMX, "HX-Target": "idea-results"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert _titles(response.text) == ["Mehr Busse am Abend"]


def test_empty_results_offer_to_clear(client: Client, settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: _seed(s, process))
    response = client.get(LIST, params={"q": "Raumschiff"})
    page = html(response.text)
    assert de("No ideas match your search and filters.") in text_of(one(page, "#idea-results"))
    assert one(page, f"#idea-results a[href='{LIST}']")


def test_bad_filter_values_get_a_message_not_an_error(
    client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: _seed(s, process))
    response = client.get(
        LIST, params={"segment": "alien", "sort": "x", "page": "zwei", "q": '"(*'}
    )
    assert response.status_code == 200
    page = html(response.text)
    assert text_of(one(page, "#segment-error"))
    assert attr(one(page, "#segment"), "aria-invalid") == "true"
    assert len(_titles(response.text)) == 4  # '"(*' holds no word to search for


def test_control_characters_are_dropped(client: Client, process: Process) -> None:
    response = client.get(LIST, params={"municipality": "Korn\x00bach", "q": "Rad\x00weg\x07"})
    assert response.status_code == 200
    api = client.get(API, params={"municipality": "\x00", "q": "\x00"})
    assert api.status_code == 200
    filters, _errors = parse_filters({"municipality": "Korn\x00bach\n", "q": "a\tb"}, [])
    assert (filters.municipality, filters.q) == ("Kornbach", "ab")


def test_answers_vary_with_htmx(client: Client, process: Process) -> None:
    response = client.get(LIST)
    assert "HX-Request" in response.headers["vary"]
    restore = client.get(
        LIST, headers={**HTMX, "HX-Target": "idea-results", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


def test_unknown_process_is_404(client: Client) -> None:
    assert client.get("/processes/gibt-es-nicht/ideen").status_code == 404


def test_english_address_redirects(client: Client, process: Process) -> None:
    response = client.get(f"/processes/{SLUG}/ideas?q=Rad", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"{LIST}?q=Rad"


# --- JSON API ----------------------------------------------------------------------------------

API = f"/api/v1/processes/{SLUG}/contributions"


def test_api_filters_search_sort_and_pages(
    client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: _seed(s, process))
    body = client.get(API, params={"per_page": 2}).json()
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (4, 2, 1, 2)
    assert [i["title"] for i in body["items"]] == [
        "Schulweg sicherer machen",
        "Glasfaser im Gewerbegebiet",
    ]
    assert body["items"][1]["supports"] == 1
    assert body["items"][1]["comments"] == 2
    body = client.get(API, params={"sort": "supported", "per_page": 1}).json()
    assert body["items"][0]["title"] == "Mehr Busse am Abend"
    body = client.get(API, params={"q": "Busse", "theme": "oepnv"}).json()
    assert [i["title"] for i in body["items"]] == ["Mehr Busse am Abend"]
    body = client.get(API, params={"municipality": "Kornbach", "channel": "idea_call"}).json()
    assert [i["title"] for i in body["items"]] == ["Radweg nach Kornbach"]
    body = client.get(API, params={"q": '"( *'}).json()
    assert body["total"] == 4


def test_api_refuses_unknown_values_with_400(client: Client, process: Process) -> None:
    for params in ({"segment": "alien"}, {"theme": "gibt-es-nicht"}, {"sort": "random"}):
        response = client.get(API, params=params)
        assert response.status_code == 400, params
        body = response.json()
        name = next(iter(params))
        assert name in body["extra"]
        assert body["detail"]
    assert client.get(API, params={"per_page": 101}).status_code == 400
    assert client.get(API, params={"page": 0}).status_code == 400


def test_page_links_stay_few_however_many_pages() -> None:
    """The first, the last and two either side of the current page, with gaps marked: at
    100,000 ideas a link per page made the process page 10,000 links long."""

    def numbers(page: int, pages: int) -> list[int | None]:
        return Page(items=[], page=page, pages=pages, total=pages * 10).numbers

    assert numbers(500, 10_000) == [1, None, 498, 499, 500, 501, 502, None, 10_000]
    assert numbers(1, 10_000) == [1, 2, 3, None, 10_000]
    assert numbers(4, 6) == [1, 2, 3, 4, 5, 6]
    assert numbers(1, 1) == [1]
