"""The published plan (participation/services/evaluation/plan.py, routes/plan.py and
routes/plan_api.py): its groups in order with scores on the criteria's scale, the view by
action field with the indicators' latest values, how it was rated, the PDF, the workbook and
the JSON API; nothing of it while the plan is not published."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    OrganisationKind,
    OrganisationRole,
    PlanEntry,
    Role,
    Segment,
    User,
)
from participation.services.errors import NotFound
from participation.services.evaluation import plan, publication
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_process,
    add_staff,
    attr,
    field_error,
    first_match,
    html,
    in_db,
    in_locale,
    login,
    one,
    post_form,
    text_of,
)
from tests.plan_rows import PublishedPlan, published_plan
from tests.profile_rows import add_profile
from tests.sql_statements import recorded
from tests.test_profiles_public import _inflated


async def test_the_plan_is_read_in_group_order_with_scores_and_the_method(
    session: AsyncSession,
) -> None:
    built = await published_plan(session)
    found = await plan.plan_of(session, built.made.process_id)
    a, b, c, d = (p.id for p in built.made.profiles)
    assert [g.group.name for g in found.groups] == ["Premium+", "Premium", "Weitere Projektideen"]
    assert [[p.id for p in g.profiles] for g in found.groups] == [[a], [b], [c, d]]
    assert [p.rank for p in found.profiles] == [1, 2, 3, 4]
    first, second = built.made.criteria
    top = found.groups[0].profiles[0]
    assert top.score == 4.0
    assert top.criteria[first.id or 0].mean == 4.0
    assert (top.lead, [t.slug for t in top.themes]) == ("Stadtwerke", ["radwege", "schule"])
    last = found.groups[2].profiles[1]
    assert (last.criteria[first.id or 0].mean, last.criteria[second.id or 0].mean) == (0.0, 4.0)
    with in_locale("de"):
        assert found.score_of(last) == "1,3 von 4"
    with in_locale("en"):
        assert found.score_of(top) == "4.0 of 4"
    method = found.method
    assert (method.evaluators, method.rounds) == (2, 1)
    assert [method.share(c) for c in method.criteria] == [67, 33]
    contributions = method.contributions
    assert contributions.total == 4  # the source A and B share counts once
    assert dict(contributions.by_segment)[Segment.PUPIL] == 2
    assert dict(contributions.by_channel) == {
        Channel.IDEA_CALL: 1, Channel.SURVEY: 1, Channel.FOCUS_GROUP: 2,
        Channel.WORKSHOP: 0, Channel.IMPORT: 0,
    }  # fmt: skip
    premium_plus, premium, rest = (g.progress for g in found.groups)
    assert (premium_plus.in_implementation, premium_plus.mean) == (1, 40)
    assert (premium.completed, premium.mean) == (1, 100)
    assert rest.mean is None
    assert not rest.any


async def test_the_plan_by_action_field_has_leads_and_latest_indicator_values(
    session: AsyncSession,
) -> None:
    built = await published_plan(session)
    found = await plan.plan_of(session, built.made.process_id)
    a, b, _c, d = (p.id for p in built.made.profiles)
    fields = {f.theme.slug if f.theme else None: f for f in found.fields}
    assert list(fields) == ["radwege", "schule", None]
    radwege = fields["radwege"]
    assert radwege.theme is not None
    assert radwege.theme.lead_organisation == "Landkreis Auetal"
    assert [p.id for p in radwege.profiles] == [a, b]
    assert radwege.progress.mean == 70
    [latest] = radwege.indicators
    assert (latest.indicator.name, latest.value) == ("Kilometer Radweg", 14.0)
    assert latest.measured_on is not None
    assert latest.measured_on.isoformat() == "2026-06-01"
    [no_value] = fields["schule"].indicators
    assert (no_value.value, no_value.measured_on) == (None, None)
    assert [p.id for p in fields[None].profiles] == [d]


async def test_an_unpublished_plan_is_not_found(session: AsyncSession) -> None:
    built = await published_plan(session, publish=False)
    with pytest.raises(NotFound):
        await plan.plan_of(session, built.made.process_id)
    preview = await plan.plan_of(session, built.made.process_id, published_only=False)
    assert len(preview.profiles) == 4


# --- the pages, the files and the API --------------------------------------------------------

PLAN = f"/processes/{SLUG}/plan"


@pytest.fixture
def built(settings: Settings) -> PublishedPlan:
    return in_db(settings, published_plan)


def test_the_plan_page_shows_groups_scores_and_the_method(
    client: Client, built: PublishedPlan
) -> None:
    response = client.get(PLAN)
    assert response.status_code == 200
    page = html(response.text)
    assert text_of(one(page, "h1")) == "Der Plan: Radwege im Auetal"
    headings = [text_of(h) for h in page.select(".plan-group h2")]
    assert headings == ["Premium+ (1)", "Premium (1)", "Weitere Projektideen (2)"]
    titles = [text_of(a) for a in page.select(".plan-profile__title a")]
    assert titles == ["A", "B", "C", "D"]
    a = built.made.profiles[0]
    assert (
        attr(first_match(page, ".plan-profile__title a"), "href")
        == f"/processes/{SLUG}/steckbriefe/{a.id}"
    )
    first = text_of(first_match(page, ".plan-profile"))
    for shown in ("4,0 von 4", "Radwege", "Stadtwerke", "40 %"):
        assert shown in first
    assert "<strong>wichtigsten</strong>" in response.text  # the group's Markdown
    progress = text_of(one(page, "#progress-caption").find_parent("table"))  # type: ignore[arg-type]
    assert "Premium+ 1 1 0 40 %" in progress
    method = text_of(one(page, "#method"))
    for shown in ("So wurde bewertet", "Wirkung", "67 %", "33 %", "4 = trifft voll zu"):
        assert shown in method
    assert "Bewertende 2" in method
    assert "Bewertungsrunden 1" in method
    assert "Beiträge hinter dem Plan 4" in method
    assert attr(one(page, ".plan-views a[aria-current='page']"), "href") == PLAN


def test_the_plan_by_action_field_and_in_english(client: Client, built: PublishedPlan) -> None:
    page = html(client.get(f"{PLAN}?ansicht=handlungsfelder").text)
    current = one(page, ".plan-views a[aria-current='page']")
    assert attr(current, "href") == f"{PLAN}?ansicht=handlungsfelder"
    fields = [text_of(h) for h in page.select(".plan-field h2")]
    assert fields == ["Radwege (2)", "Schulwege (1)", "Ohne Handlungsfeld (1)"]
    radwege = text_of(first_match(page, ".plan-field"))
    assert "Federführung im Handlungsfeld Landkreis Auetal" in radwege
    assert "14 (1. Juni 2026)" in radwege
    assert "Premium+" in radwege
    client.cookies.set("lang", "en")
    english = html(client.get(f"{PLAN}?ansicht=handlungsfelder&lang=en").text)
    assert "How the profiles were rated" in text_of(english)


def test_the_plan_is_404_until_published_and_linked_from_the_process_page(
    client: Client, settings: Settings
) -> None:
    built = in_db(settings, lambda s: published_plan(s, publish=False))
    for path in (PLAN, f"{PLAN}.pdf", f"{PLAN}.xlsx", f"/api/v1/processes/{SLUG}/plan"):
        assert client.get(path).status_code == 404, path
    assert f'href="{PLAN}"' not in client.get(f"/processes/{SLUG}").text
    in_db(settings, lambda s: _publish(s, built))
    assert client.get(PLAN).status_code == 200
    assert f'href="{PLAN}"' in client.get(f"/processes/{SLUG}").text


async def _publish(session: AsyncSession, built: PublishedPlan) -> None:
    admin = await session.get(User, built.made.admin.id)
    assert admin is not None
    await publication.publish_plan(session, built.made.process_id, admin)


def test_the_plan_page_runs_the_same_statements_whatever_its_size(
    client: Client, settings: Settings, built: PublishedPlan
) -> None:
    assert client.get(PLAN).status_code == 200
    with recorded() as few:
        assert client.get(f"{PLAN}?ansicht=handlungsfelder").status_code == 200
    in_db(settings, lambda s: _more_profiles(s, built, 12))
    with recorded() as many:
        page = client.get(f"{PLAN}?ansicht=handlungsfelder")
    assert page.status_code == 200
    assert "Projekt 11" in page.text
    assert len(many.runs) == len(few.runs)


async def _more_profiles(session: AsyncSession, built: PublishedPlan, n: int) -> None:
    """`n` more placed profiles in the last group, each with an indicator and a value."""
    rest = built.groups[2].id or 0
    for i in range(n):
        profile = await add_profile(
            session, built.process, title=f"Projekt {i}",
            themes=[built.themes["oepnv"]], indicators=[(f"Wert {i}", "0", "5")],
            organisations=[(f"Träger {i}", OrganisationKind.OTHER, OrganisationRole.LEAD)],
        )  # fmt: skip
        session.add(
            PlanEntry(profile_id=profile.id or 0, group_id=rest, round_id=built.made.round_id)
        )
    await session.commit()


def _outline(pdf: bytes) -> list[str]:
    """The titles of the PDF's bookmarks (WeasyPrint makes one per heading) and its own."""
    titles = []
    # UTF-16 as hex where a title is not plain ASCII, else a literal string.
    for hexed, literal in re.findall(
        rb"/Title\s*(?:<feff([0-9a-fA-F]+)>|\(((?:[^()\\]|\\.)*)\))", _inflated(pdf)
    ):
        titles.append(
            bytes.fromhex(hexed.decode()).decode("utf-16-be")
            if hexed
            else re.sub(rb"\\(.)", rb"\1", literal).decode("latin-1")
        )
    return titles


def test_the_plan_as_pdf_has_a_page_per_profile_of_the_first_group(
    client: Client, built: PublishedPlan
) -> None:
    response = client.get(f"{PLAN}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    outline = _outline(pdf)
    assert "Radwege im Auetal" in outline  # the cover
    assert "So wurde bewertet" in outline
    assert {"Premium+ (1)", "Premium (1)", "Weitere Projektideen (2)"} <= set(outline)
    # Cover, method, groups, and one page for A, the one profile of Premium+.
    assert outline.count("A") == 1
    assert "B" not in outline
    pages = len(re.findall(rb"/Type\s*/Page\b", _inflated(pdf)))
    assert pages >= 4


def test_the_plan_as_workbook(client: Client, built: PublishedPlan) -> None:
    response = client.get(f"{PLAN}.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Plan", "Kriterien"]
    rows = [list(r) for r in workbook["Plan"].iter_rows(values_only=True)]
    header = rows[0]
    assert header[:5] == ["Gruppe", "Rang", "Steckbrief-ID", "Titel", "Punktzahl"]
    assert "Wirkung: Mittelwert" in header
    assert "Kosten: Spannweite" in header
    by_title = {row[3]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert [row[3] for row in rows[1:]] == ["A", "B", "C", "D"]
    a, b = by_title["A"], by_title["B"]
    assert (a["Gruppe"], a["Rang"], a["Punktzahl"], a["Wirkung: Mittelwert"]) == (
        "Premium+", 1, 4, 4,
    )  # fmt: skip
    assert (a["Bewertungen"], a["Handlungsfeld"], a["Federführung"]) == (2, "Radwege", "Stadtwerke")
    assert b["Federführung"] == "'=Radverein"  # no formula
    d = by_title["D"]  # rated 0 and 4 by one evaluator: no spread within a criterion
    assert (d["Wirkung: Mittelwert"], d["Kosten: Mittelwert"], d["Wirkung: Spannweite"]) == (
        0,
        4,
        0,
    )
    assert (d["Punktzahl"], d["Bewertende"], d["Handlungsfeld"]) == (1.3333, 1, None)
    criteria = [list(r) for r in workbook["Kriterien"].iter_rows(values_only=True)]
    assert criteria[1][:4] == ["Wirkung", None, 2, 67]  # no description
    assert ["4", "trifft voll zu"] in criteria  # the scale, trailing blanks trimmed


def test_the_plan_in_the_api(client: Client, built: PublishedPlan) -> None:
    response = client.get(f"/api/v1/processes/{SLUG}/plan")
    assert response.status_code == 200
    body = response.json()
    assert [g["name"] for g in body["groups"]] == ["Premium+", "Premium", "Weitere Projektideen"]
    top = body["groups"][0]["profiles"][0]
    a = built.made.profiles[0]
    assert top["id"] == a.id
    assert top["url"] == f"/processes/{SLUG}/steckbriefe/{a.id}"
    assert (top["score"], top["rank"], top["lead"], top["horizon"]) == (
        4.0,
        1,
        "Stadtwerke",
        "short",
    )
    assert top["action_fields"] == ["radwege", "schule"]
    assert {c["mean"] for c in top["criteria"]} == {4.0}
    assert [(c["name"], c["weight"], c["share_percent"]) for c in body["criteria"]] == [
        ("Wirkung", 2.0, 67), ("Kosten", 1.0, 33),
    ]  # fmt: skip
    assert body["scale"]["max"] == 4
    assert body["published_at"]
    assert (body["evaluators"], body["rounds"], body["contributions"]) == (2, 1, 4)
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/processes/{slug}/plan" in schema["paths"]
    assert "PlanItem" in schema["components"]["schemas"]


# --- publishing from the groups page ---------------------------------------------------------

GROUPS = f"/admin/processes/{SLUG}/bewertung/gruppen"


def test_an_admin_publishes_takes_back_and_answers_from_the_groups_page(
    client: Client, settings: Settings
) -> None:
    built = in_db(settings, lambda s: published_plan(s, publish=False))
    in_db(settings, lambda s: add_staff(s, "chef@example.org", Role.ADMIN))
    assert login(client, "chef@example.org").status_code == 303
    page = html(client.get(GROUPS).text)
    section = one(page, "section.plan-admin")
    assert "Der Plan ist nicht öffentlich." in text_of(section)
    assert [text_of(a) for a in section.select(".plan-admin__profiles a")] == ["A", "B", "C", "D"]
    assert "4,0 von 4" in text_of(section)
    assert section.select_one(f"a[href='{PLAN}']") is None

    published = post_form(client, f"{GROUPS[:-8]}/plan/veroeffentlichen")
    assert published.status_code == 303
    page = html(client.get(GROUPS).text)
    assert "Der Plan ist mit 4 Steckbriefen veröffentlicht." in text_of(page)
    assert one(page, f"section.plan-admin a[href='{PLAN}']")
    assert client.get(PLAN).status_code == 200

    too_long = post_form(client, f"{GROUPS[:-8]}/plan/antwort", {"general_answer": "x" * 5001})
    assert too_long.status_code == 422
    assert field_error(html(too_long.text), "general_answer")
    answer = "Alle Beiträge bleiben im **Bericht** dokumentiert."
    saved = post_form(client, f"{GROUPS[:-8]}/plan/antwort", {"general_answer": answer})
    assert saved.status_code == 303
    assert answer in client.get(GROUPS).text

    assert post_form(client, f"{GROUPS[:-8]}/plan/zuruecknehmen").status_code == 303
    assert client.get(PLAN).status_code == 404
    assert built.made.process_id


def test_publishing_without_places_is_refused_with_a_message(
    client: Client, settings: Settings
) -> None:
    in_db(settings, add_process)
    in_db(settings, lambda s: add_staff(s, "chef@example.org", Role.ADMIN))
    assert login(client, "chef@example.org").status_code == 303
    assert post_form(client, f"{GROUPS[:-8]}/plan/veroeffentlichen").status_code == 303
    page = html(client.get(GROUPS).text)
    assert "Noch kein Steckbrief hat einen Platz im Plan" in text_of(page)
    assert client.get(PLAN).status_code == 404
