"""Input that must never reach the database or end in a 500: NUL bytes and invisible or
spoofing characters in every form, query string and JSON body; numbers that are no numbers;
ids beyond any row; JSON nested too deep.

`test_nul_and_invisible_characters_in_every_form` posts to every form the app shows (found by
opening every page as an admin, a resident, a respondent and a pupil) and to every other POST
route, so a form added later is covered without a new test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from bs4 import Tag
from httpx import Response
from litestar import Litestar
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.inputs import MAX_ID, clean_json, clean_text, parse_int
from participation.models import Contribution, Process
from participation.models.focus_groups import FocusGroupMember
from participation.models.surveys import QuestionKind
from participation.services.pseudonyms import clean_pseudonym, is_rude, pseudonym_key
from participation.settings import Settings
from tests.focus_group_helpers import join, stored_session
from tests.helpers import (
    PASSWORD,
    SLUG,
    Client,
    add_staff,
    csrf_token,
    de,
    field_error,
    german,
    html,
    in_db,
    login,
    post_form,
    valid_idea,
)
from tests.site_rows import ADMIN, Site, build_site, route_of, routes
from tests.survey_builders import ABOUT_RESIDENT, answer

# A NUL byte (PostgreSQL refuses it in text), a zero-width space and a right-to-left override.
NASTY = "\x00\u200b\u202e"


def nasty(text: str) -> str:
    return f"{text[:3]}{NASTY}{text[3:]}"


# --- the one place: inputs.py -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Radweg", "Radweg"),
        ("Rad\x00weg\x07", "Radweg"),
        ("Zeile 1\r\nZeile 2\tTab", "Zeile 1\r\nZeile 2\tTab"),
        ("\u200b" * 6, ""),  # zero-width spaces only: nothing shows
        ("\u3164\u2800 \u00a0\u0301", ""),  # Hangul filler, blank Braille, spaces, an accent
        ("   ", ""),
        ("\u202exaM", "xaM"),  # a right-to-left override would show it as "Max"
        ("Stra\u00dfe", "Straße"),
        ("Cafe\u0301", "Café"),  # composed (NFC)
        ("100 m² für ½ Preis", "100 m² für ½ Preis"),  # but not NFKC: what was meant stays
        ("👩\u200d💻", "👩💻"),  # a joiner in an emoji goes too
        ("\ud800x", "x"),  # a lone surrogate is no text
    ],
)
def test_clean_text(typed: str, kept: str) -> None:
    assert clean_text(typed) == kept


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("7", 7),
        (" 12 ", 12),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (str(2**63), None),
        ("9" * 5000, None),  # int() would refuse it with an error of its own
        ("²", None),  # "²".isdigit() is true
        ("٣", None),  # an Arabic-Indic three
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_int(typed: str | None, number: int | None) -> None:
    assert parse_int(typed) == number


def test_parse_int_in_a_range() -> None:
    assert parse_int("5", 1, 5) == 5
    assert parse_int("6", 1, 5) is None
    assert parse_int("0", 1, 5) is None


def test_clean_json_cleans_keys_and_values_and_refuses_deep_nesting() -> None:
    assert clean_json({"ti\x00tle": ["a\x00b", 1, True, None]}) == {"title": ["ab", 1, True, None]}
    deep: Any = []
    for _level in range(40):
        deep = [deep]
    with pytest.raises(ValueError, match="nested"):
        clean_json(deep)


# --- every form of the app --------------------------------------------------------------------


@pytest.fixture
def site(client: Client, settings: Settings) -> Site:
    return build_site(client, settings)


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]]
    multipart: bool = False

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        return self.action, frozenset(name for name, _value in self.fields)


# Posted last, once everything else was: they end what other forms need (a session, a login,
# an item in the queue) or start slow work.
_LAST = re.compile(r"/(approve|hide|delete|close|logout|dismiss-reports|cluster|retrain)$")
_TEXT = "Sichere Radwege zur Schule"
_LONG_TEXT = "Viele Kinder fahren mit dem Rad zur Schule, aber es gibt kaum sichere Wege."


def _input_value(element: Tag) -> str | None:
    kind = str(element.get("type") or "text").lower()
    value = str(element.get("value") or "")
    limit = int(str(element.get("maxlength") or 1000))
    if kind in {"hidden", "date", "datetime-local", "time", "number", "color", "range"}:
        return value or ("2" if kind == "number" else value)
    if kind in {"checkbox", "radio"}:
        return value or "on"
    if kind in {"submit", "button", "reset", "image", "file"}:
        return None
    if kind == "email":
        return nasty("mod@example.org")
    return nasty((value or _TEXT)[: max(limit - len(NASTY), 3)])


def _fields(form: Tag) -> list[tuple[str, str]]:
    """What a browser sends for `form` once every text field holds NASTY, every box is ticked,
    the first radio button and option are chosen and the first named button is pressed."""
    fields: list[tuple[str, str]] = []
    radios: set[str] = set()
    for element in form.select("input[name], textarea[name], select[name]"):
        name = str(element["name"])
        if element.name == "textarea":
            limit = int(str(element.get("maxlength") or 1000))
            fields.append((name, nasty((element.get_text() or _LONG_TEXT)[: limit - 3])))
        elif element.name == "select":
            options = [str(o.get("value", o.get_text())) for o in element.select("option")]
            chosen = [str(o.get("value", "")) for o in element.select("option[selected]")]
            fields.append((name, (chosen or [o for o in options if o] or [""])[0]))
        elif (value := _input_value(element)) is not None:
            if element.get("type") == "radio":
                if name in radios:
                    continue
                radios.add(name)
            fields.append((name, value))
    button = form.select_one("button[name], input[type=submit][name]")
    if button is not None:
        fields.append((str(button["name"]), str(button.get("value", ""))))
    return fields


def forms_on(page: str, url: str) -> Iterator[Form]:
    """The page's POST forms, and the htmx field checks inside them (posted with the form)."""
    for form in html(page).select("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue
        fields = _fields(form)
        multipart = form.get("enctype") == "multipart/form-data"
        yield Form(str(form.get("action") or url), fields, multipart)
        for checked in form.select("[hx-post]"):
            if checked is not form:
                yield Form(str(checked["hx-post"]), fields)


@dataclass
class Crawl:
    client: Client
    get_routes: list[str]
    post_routes: list[str]
    site: Site
    posted: set[tuple[str, frozenset[str]]] = field(default_factory=set)
    posted_routes: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def check(self, what: str, response: Response) -> None:
        if response.status_code >= 500:
            self.failures.append(f"{what} -> {response.status_code}")

    def pages(self) -> list[Form]:
        found: list[Form] = []
        for template in self.get_routes:
            url = self.site.fill(template)
            response = self.client.get(url)
            self.check(f"GET {url}", response)
            if "text/html" in response.headers.get("content-type", ""):
                found += [f for f in forms_on(response.text, url) if f.key not in self.posted]
        return found

    def post(self, form: Form) -> None:
        self.posted.add(form.key)
        if (template := route_of(self.post_routes, form.action)) is not None:
            self.posted_routes.add(template)
        fields = [(name, value) for name, value in form.fields if name != "_csrf_token"]
        data = [*fields, ("_csrf_token", csrf_token(self.client))]
        if form.multipart:
            csv = b"titel,text\nRadweg,Ein sicherer Radweg fehlt\n"
            response = self.client.post(
                form.action,
                data=dict(data),
                files={"file": ("ideen.csv", csv, "text/csv")},
                follow_redirects=False,
            )
        else:
            response = self.client.post(
                form.action,
                content=urlencode(data),
                headers={"content-type": "application/x-www-form-urlencoded"},
                follow_redirects=False,
            )
        self.check(f"POST {form.action} {dict(form.fields)}", response)


def test_nul_and_invisible_characters_in_every_form(
    client: Client, app: Litestar, settings: Settings, site: Site
) -> None:
    crawl = Crawl(client, routes(app, "GET"), routes(app, "POST"), site)
    last: list[Form] = []
    # The first round as a resident (the sign-in form shows only then), the others as an admin.
    # Each round finds the forms the one before opened up: the pupil's page after choosing a
    # pseudonym, the survey's next page after the first.
    for round_ in range(7):
        if round_ == 1:
            assert login(client, ADMIN).status_code == 303
        found = crawl.pages()
        if not found and round_ > 0:
            break
        for form in found:
            if form.key in crawl.posted:
                continue
            if _LAST.search(form.action):
                last.append(form)
                crawl.posted.add(form.key)
            else:
                crawl.post(form)
    # The routes no page showed a form for get a form of every usual field name.
    for template in crawl.post_routes:
        if template not in crawl.posted_routes and not _LAST.search(template):
            names = {"title", "body", "reason", "note", "email", "pseudonym", "code", "text"}
            crawl.post(Form(site.fill(template), [(n, nasty(_LONG_TEXT)) for n in names]))
    for form in last:
        crawl.post(form)

    assert crawl.failures == []
    # The forms in which NUL bytes gave 500 on PostgreSQL were among those posted.
    assert {
        "/login",
        "/follow/{token:str}/{contribution_id:int}/edit",
        "/processes/{slug:str}/ideas/{idea_id:int}/comments",
        "/processes/{slug:str}/contributions/{contribution_id:int}/report",
        "/focus-groups",
        "/focus-groups/{session_id:int}/ideas",
        "/mitmachen/{code:str}",
        "/moderation/contributions/{contribution_id:int}/reject",
    } <= crawl.posted_routes
    assert set(crawl.post_routes) <= crawl.posted_routes | {
        t for t in crawl.post_routes if _LAST.search(t)
    }
    # Nothing stored holds a NUL byte, a zero-width space or a direction override.
    assert in_db(settings, stored_nasty_texts) == []


async def stored_nasty_texts(session: AsyncSession) -> list[str]:
    found = []
    for table in SQLModel.metadata.sorted_tables:
        connection = await session.connection()
        for row in (await connection.execute(sa.select(table))).mappings():
            for column, value in row.items():
                if isinstance(value, str) and any(char in value for char in NASTY):
                    found.append(f"{table.name}.{column}: {value!r}")
    return found


# --- JSON and query strings -------------------------------------------------------------------


def test_json_api_drops_nul_and_invisible_characters(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = {**valid_idea(title=nasty(_TEXT), body=nasty(_LONG_TEXT)), "consent": True}
    response = client.post(f"/api/v1/processes/{SLUG}/ideas", json=idea)
    assert response.status_code == 201, response.text
    stored = in_db(settings, lambda s: s.get(Contribution, response.json()["id"]))
    assert stored is not None
    assert (stored.title, stored.body) == (_TEXT, _LONG_TEXT)


def test_json_nested_too_deep_is_a_400(client: Client, process: Process) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client.post(
        f"/api/v1/processes/{SLUG}/ideas",
        content=deep,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_broken_json_is_a_400(client: Client, process: Process) -> None:
    response = client.post(
        f"/api/v1/processes/{SLUG}/ideas",
        content=b'{"title": "Radweg',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        f"/processes/{SLUG}?q=Rad%00weg",
        f"/processes/{SLUG}/ideen?q=Rad%00weg&municipality=Korn%00bach",
        f"/api/v1/processes/{SLUG}/contributions?q=Rad%00weg&municipality=%00",
        f"/processes/{SLUG}/ideas/similar?title=Rad%00weg&body=%00",
        "/login?next=/%00",
        "/processes/%00",
        "/follow/%00",
        "/umfrage/%00",
        "/abbestellen/1.%00",
        "/mitmachen/%00",
    ],
)
def test_nul_in_query_strings_and_paths(client: Client, process: Process, url: str) -> None:
    assert client.get(url).status_code < 500


# --- invisible and spoofing text --------------------------------------------------------------


def test_a_title_of_zero_width_spaces_is_no_title(client: Client, process: Process) -> None:
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(title="\u200b" * 6))
    assert response.status_code == 422
    assert field_error(html(response.text), "title") == german("Please give your idea a title.")
    api = client.post(
        f"/api/v1/processes/{SLUG}/ideas",
        json={**valid_idea(title="\u200b\u2060\u3164"), "consent": True},
    )
    assert api.status_code == 422
    assert "title" in api.json()["errors"]


def test_a_right_to_left_override_cannot_fake_a_taken_pseudonym(
    client: Client, settings: Settings, process: Process
) -> None:
    stored_session(settings, process)
    assert join(client, "Max").status_code == 303
    client.cookies.clear()
    # Shown as "Max" in a browser; without the override it is what it is: "xaM".
    assert join(client, "\u202exaM").status_code == 303
    client.cookies.clear()
    # Cyrillic "а" and "х" look like Latin ones: the same name as "Max", so it is taken.
    taken = join(client, "M\u0430\u0445")
    assert taken.status_code == 422
    names = in_db(settings, lambda s: s.exec(select(FocusGroupMember.pseudonym)))
    assert sorted(names) == ["Max", "xaM"]


def test_pseudonym_key_ignores_invisible_and_look_alike_characters() -> None:
    assert pseudonym_key("Ma\u200bx") == pseudonym_key("Max") == pseudonym_key("Ｍａｘ")
    assert pseudonym_key("M\u0430\u0445") == pseudonym_key("Max")
    assert pseudonym_key("\u202exaM") == "xam"
    assert clean_pseudonym(" \u202e xaM\u200b ") == "xaM"
    assert is_rude("fu\u0441k")  # a Cyrillic "с"


# --- numbers ----------------------------------------------------------------------------------


def test_ids_beyond_any_row_are_404_on_every_route(
    client: Client, app: Litestar, settings: Settings, site: Site
) -> None:
    """SQLite overflows at 2**63, PostgreSQL's integer at 2**31: neither may reach a query."""
    assert login(client, ADMIN).status_code == 303
    checked = []
    for method in ("GET", "POST"):
        for template in routes(app, method):
            if ":int}" not in template:
                continue
            for too_big in (2**31, 2**63):
                url = site.fill(re.sub(r"\{\w+:int\}", str(too_big), template))
                if method == "GET":
                    response = client.get(url)
                else:
                    response = post_form(client, url, {"body": _LONG_TEXT})
                assert response.status_code == 404, (method, url, response.status_code)
                checked.append(template)
    assert len(set(checked)) >= 25
    api = client.get(f"/api/v1/processes/{SLUG}/ideas/{2**63}/comments")
    assert api.status_code == 404
    assert "idea_id" in api.json()["detail"]


def test_superscript_digits_are_no_numbers(client: Client, settings: Settings, site: Site) -> None:
    comment = {"body": _LONG_TEXT, "segment": "resident", "consent": "on", "reply_to": "²"}
    response = post_form(client, f"/processes/{SLUG}/ideas/{site.idea_id}/comments", comment)
    assert response.status_code == 303  # a top-level comment: what was typed is kept
    # The list shows its first page; the API says what is wrong, naming the parameter.
    assert client.get(f"/processes/{SLUG}/ideen?page=²").status_code == 200
    assert client.get(f"/processes/{SLUG}?page=²").status_code == 400
    api = client.get(f"/api/v1/processes/{SLUG}/contributions?page=²")
    assert api.status_code == 400
    assert "page" in api.text

    built, token = site.survey, site.survey_token
    assert answer(client, token, ABOUT_RESIDENT).status_code == 303
    scale = built.q(QuestionKind.SCALE)
    single = built.q(QuestionKind.SINGLE_CHOICE)
    response = answer(client, token, {"page": "1", scale: "²", single: "²"})
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, scale) == de("Please choose a value from 1 to 5.")
    assert field_error(page, single) == de("Please choose one of the options.")
    assert answer(client, token, {"page": "²"}).status_code < 500


def test_a_password_is_taken_as_typed(client: Client, settings: Settings) -> None:
    """Passwords are compared, never stored: cleaning them would lock people out."""
    in_db(settings, lambda s: add_staff(s, "zw@example.org"))
    assert login(client, "zw@example.org", PASSWORD + "\u200b").status_code != 303
    assert login(client, "zw@example.org", PASSWORD).status_code == 303
