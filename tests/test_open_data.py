"""The open-data ZIP of a process: its files and fields from real rows, nothing unpublished
or personal in it, the licence in README.md and datapackage.json, no download without a
licence, the formula guard, the kept file renewed after a change, the process page's link,
the admin's choice of licence and the API's list of resources."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    DataLicence,
    FocusGroupIdea,
    ModerationAction,
    ModerationEvent,
    Process,
    ProfileStatus,
    Role,
    Segment,
    ThemeSource,
)
from participation.services import open_data
from participation.services.open_data.resources import ALWAYS, WITH_PLAN
from participation.settings import Settings
from tests.focus_group_helpers import add_member, add_session
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    add_staff,
    add_themes,
    attr,
    de,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.plan_rows import published_plan
from tests.profile_rows import add_profile
from tests.sql_statements import recorded

URL = f"/processes/{SLUG}/offene-daten.zip"
SECRET_MAIL = "geheim@example.org"
TOKEN_HASH = "f" * 64
# Words of rows that must not be in the package: each belongs to one unpublished or
# personal thing the rows below make.
SECRETS = (
    SECRET_MAIL,
    TOKEN_HASH,
    "Tischlerei Holz",  # a firm's organisation name
    "10-49",  # its size class
    "Wartende Idee",  # pending
    "Abgelehnte Idee",  # rejected
    "Versteckte Idee",  # hidden
    "Zusammengeführte Idee",  # merged
    "Wartender Kommentar",  # a pending comment
    "Kommentar unter versteckter Idee",  # a published comment on a hidden idea
    "Antwort auf versteckten Kommentar",  # a published reply to a hidden comment
    "Versteckter Kommentar",
    "Blauwal",  # a pupil's pseudonym
    "BBS Auetal, Klasse 11b",  # the focus group's session
    "Grund: Werbung",  # a moderation reason
    "Entwurf Steckbrief",  # a draft profile
    "Umfrage radwege, Antwort",  # where a survey answer came from
)


@dataclass(frozen=True)
class Rows:
    idea: int
    comment: int
    reply: int
    focus: int
    survey: int
    risky: int
    profile: int
    radwege: int  # the confirmed action field's id


async def _add_rows(session: AsyncSession, process: Process) -> Rows:
    process.data_licence = DataLicence.DL_DE_BY_2_0
    session.add(process)
    themes = await add_themes(session, process)
    idea = await add_idea(session, process, segment=Segment.FIRM)
    idea.organisation_name = "Tischlerei Holz"
    idea.organisation_sector = "C"
    idea.organisation_size = "10-49"
    idea.municipality = "Kornbach"
    idea.notify_email = SECRET_MAIL
    idea.follow_token_hash = TOKEN_HASH
    idea.answer = "Danke, wir prüfen das."
    session.add(idea)
    assert idea.id is not None
    for title, status in (
        ("Wartende Idee", ContributionStatus.PENDING),
        ("Abgelehnte Idee", ContributionStatus.REJECTED),
        ("Zusammengeführte Idee", ContributionStatus.MERGED),
    ):
        await add_idea(session, process, title=title, status=status)
    hidden = await add_idea(
        session, process, title="Versteckte Idee", status=ContributionStatus.HIDDEN
    )

    async def comment(parent: int, body: str, status: ContributionStatus, **more: Any) -> int:
        made = await add_idea(
            session,
            process,
            title="",
            body=body,
            kind=ContributionKind.COMMENT,
            parent_id=parent,
            status=status,
        )
        for name, value in more.items():
            setattr(made, name, value)
        session.add(made)
        await session.commit()
        return made.id or 0

    published = ContributionStatus.PUBLISHED
    comment_id = await comment(idea.id, "Ein guter Vorschlag.", published)
    reply = await comment(idea.id, "Finde ich auch.", published, reply_to_id=comment_id)
    hidden_comment = await comment(idea.id, "Versteckter Kommentar", ContributionStatus.HIDDEN)
    await comment(
        idea.id, "Antwort auf versteckten Kommentar", published, reply_to_id=hidden_comment
    )
    await comment(idea.id, "Wartender Kommentar", ContributionStatus.PENDING)
    await comment(hidden.id or 0, "Kommentar unter versteckter Idee", published)
    fg_session = await add_session(session, process, title="BBS Auetal, Klasse 11b")
    member = await add_member(session, fg_session, "Blauwal")
    focus = await add_idea(
        session,
        process,
        title="Fahrradständer an der Schule",
        segment=Segment.PUPIL,
        channel=Channel.FOCUS_GROUP,
        imported_ratings={"dots": 4},
    )
    session.add(
        FocusGroupIdea(
            session_id=fg_session.id or 0,
            member_id=member.id,
            title="Fahrradständer",
            contribution_id=focus.id,
        )
    )
    survey = await add_idea(
        session,
        process,
        title="Was fehlt Ihrem Betrieb?",
        body="Eine Busanbindung des Gewerbegebiets.",
        kind=ContributionKind.SURVEY_ANSWER,
        channel=Channel.SURVEY,
    )
    survey.source_ref = "Umfrage radwege, Antwort 7"
    risky = await add_idea(session, process, title="=cmd|' /C calc'!A0", body="-2 Radwege")
    risky.municipality = "@Kornbach"
    session.add_all(
        [
            survey,
            risky,
            ContributionTheme(
                contribution_id=idea.id,
                theme_id=themes["radwege"].id or 0,
                source=ThemeSource.CONFIRMED,
            ),
            ContributionTheme(
                contribution_id=idea.id,
                theme_id=themes["schule"].id or 0,
                source=ThemeSource.SUGGESTED,
                score=0.4,
            ),
            ModerationEvent(
                contribution_id=hidden.id,
                action=ModerationAction.HIDE,
                from_status=published,
                to_status=ContributionStatus.HIDDEN,
                reason="Grund: Werbung",
            ),
        ]
    )
    await session.commit()
    profile = await add_profile(
        session, process, title="Radnetz Auetal", sources=[idea], themes=[themes["radwege"]]
    )
    await add_profile(session, process, title="Entwurf Steckbrief", status=ProfileStatus.DRAFT)
    return Rows(
        idea=idea.id,
        comment=comment_id,
        reply=reply,
        focus=focus.id or 0,
        survey=survey.id or 0,
        risky=risky.id or 0,
        profile=profile.id or 0,
        radwege=themes["radwege"].id or 0,
    )


@pytest.fixture
def rows(settings: Settings, process: Process) -> Rows:
    return in_db(settings, lambda s: _add_rows(s, process))


def _zip(client: Client) -> zipfile.ZipFile:
    response = client.get(URL)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    day = datetime.now(UTC).date().isoformat()
    disposition = response.headers["content-disposition"]
    assert f'filename="{SLUG}-open-data-' in disposition
    assert re.search(rf"{SLUG}-open-data-\d{{4}}-\d{{2}}-\d{{2}}\.zip", disposition)
    assert day[:4] in disposition
    return zipfile.ZipFile(io.BytesIO(response.content))


def _table(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(f"{name}.csv").decode("utf-8")
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_zip_holds_every_file_and_field(client: Client, rows: Rows) -> None:
    archive = _zip(client)
    assert sorted(archive.namelist()) == sorted(
        [*(r.path for r in ALWAYS), "datapackage.json", "README.md"]
    )
    for resource in ALWAYS:
        header = archive.read(resource.path).decode("utf-8").split("\r\n")[0]
        assert header == ",".join(c.name for c in resource.columns)
    contributions = {int(r["id"]): r for r in _table(archive, "contributions")}
    assert sorted(contributions) == sorted([rows.idea, rows.focus, rows.survey, rows.risky])
    idea = contributions[rows.idea]
    assert idea["kind"] == "idea"
    assert idea["channel"] == "idea_call"
    assert idea["segment"] == "firm"
    assert idea["municipality"] == "Kornbach"
    assert idea["title"] == "Radweg nach Kornbach"
    assert idea["answer"] == "Danke, wir prüfen das."
    # The kept count, as the ideas list shows it: every published comment and reply.
    assert idea["comments"] == "3"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", idea["published_at"])
    assert contributions[rows.focus]["focus_group_dots"] == "4"
    assert idea["focus_group_dots"] == ""
    assert contributions[rows.survey]["kind"] == "survey_answer"
    assert contributions[rows.survey]["title"] == "Was fehlt Ihrem Betrieb?"
    comments = _table(archive, "comments")
    assert [(int(c["id"]), c["reply_to_id"]) for c in comments] == [
        (rows.comment, ""),
        (rows.reply, str(rows.comment)),
    ]
    assert {c["contribution_id"] for c in comments} == {str(rows.idea)}
    # Only the confirmed action field, not the suggestion.
    assert _table(archive, "contribution_action_fields") == [
        {"contribution_id": str(rows.idea), "action_field_id": str(rows.radwege)}
    ]
    assert [f["name"] for f in _table(archive, "action_fields")] == [
        "Radwege",
        "Schulwege",
        "Bus und Bahn",
    ]
    assert [p["title"] for p in _table(archive, "profiles")] == ["Radnetz Auetal"]
    assert _table(archive, "profile_sources") == [
        {"profile_id": str(rows.profile), "contribution_id": str(rows.idea)}
    ]
    assert _table(archive, "profile_action_fields") == [
        {
            "profile_id": str(rows.profile),
            "action_field_id": str(rows.radwege),
            "is_primary": "true",
        }
    ]


def test_nothing_unpublished_or_personal_is_in_it(client: Client, rows: Rows) -> None:
    archive = _zip(client)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8")
    for secret in SECRETS:
        assert secret not in everything, secret


def test_formula_starts_are_defused(client: Client, rows: Rows) -> None:
    archive = _zip(client)
    risky = next(r for r in _table(archive, "contributions") if r["id"] == str(rows.risky))
    assert risky["title"] == "'=cmd|' /C calc'!A0"
    assert risky["body"] == "'-2 Radwege"
    assert risky["municipality"] == "'@Kornbach"


def test_readme_and_descriptor_name_the_licence(client: Client, rows: Rows) -> None:
    archive = _zip(client)
    readme = archive.read("README.md").decode("utf-8")
    licence = de("Data licence Germany – attribution – version 2.0")
    assert licence == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    assert licence in readme
    assert "https://www.govdata.de/dl-de/by-2-0" in readme
    year = datetime.now(UTC).year
    # The attribution text: publisher (year): title, licence, its address.
    assert f"> Beteiligung ({year}): Radwege im Auetal, {licence}, https://www.govdata" in readme
    assert "http://testserver.local/processes/radwege-auetal" in readme
    for resource in ALWAYS:
        assert f"### {resource.path}" in readme
        for column in resource.columns:
            assert f"| {column.name} | {column.type} | {de(column.description)} |" in readme
    assert de("The plan (priority groups and scores): it is not published yet.") in readme
    # The codes that can occur, with their labels.
    assert f"- **kind**: `idea` ({de('Idea')}), `survey_answer` ({de('Survey answer')})" in readme
    assert f"`resident` ({de('Resident')})" in readme
    package = json.loads(archive.read("datapackage.json"))
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"] == [
        {
            "name": "dl-de-by-2.0",
            "path": "https://www.govdata.de/dl-de/by-2-0",
            "title": licence,
        }
    ]
    assert [r["path"] for r in package["resources"]] == [r.path for r in ALWAYS]
    contributions = package["resources"][0]
    assert contributions["dialect"]["delimiter"] == ","
    assert contributions["bytes"] == archive.getinfo("contributions.csv").file_size
    assert contributions["schema"]["primaryKey"] == ["id"]
    assert [f["name"] for f in contributions["schema"]["fields"]] == [
        c.name for c in ALWAYS[0].columns
    ]


def test_no_licence_no_download(client: Client, process: Process) -> None:
    assert client.get(URL).status_code == 404
    assert client.get(f"/api/v1/processes/{SLUG}/open-data").status_code == 404
    page = html(client.get(f"/processes/{SLUG}").text)
    assert page.select_one("#open-data") is None
    assert client.get("/processes/gibt-es-nicht/offene-daten.zip").status_code == 404


def test_the_process_page_links_the_download_with_licence_and_size(
    client: Client, rows: Rows
) -> None:
    section = one(html(client.get(f"/processes/{SLUG}").text), "#open-data")
    link = one(section, f'a[href="{URL}"]')
    assert text_of(link) == de("Download open data (ZIP)")  # not written yet: no size
    licence = one(section, 'a[rel="license"]')
    assert attr(licence, "href") == "https://www.govdata.de/dl-de/by-2-0"
    size = len(client.get(URL).content)
    section = one(html(client.get(f"/processes/{SLUG}").text), "#open-data")
    shown = text_of(one(section, f'a[href="{URL}"]'))
    assert shown == de("Download open data (ZIP, %(size)s)") % {
        "size": f"{max(1, round(size / 1000))} KB"
    }


def _kept(settings: Settings, process: Process) -> Path:
    found = open_data.kept_package(settings.var_dir, process.id or 0, "de")
    assert found is not None
    return found.path


def _age(path: Path, minutes: float) -> None:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def test_the_kept_file_is_renewed_after_a_change(
    client: Client, settings: Settings, process: Process, rows: Rows
) -> None:
    first = _zip(client)
    kept = _kept(settings, process)
    _age(kept, 2)
    assert _zip(client).read("contributions.csv") == first.read("contributions.csv")
    assert _kept(settings, process) == kept  # served as kept, not written again
    new = in_db(settings, lambda s: add_idea(s, process, title="Neue Idee am Markt"))
    # Within MIN_AGE of the last writing the kept file still serves.
    assert b"Neue Idee am Markt" not in _zip(client).read("contributions.csv")
    _age(kept, 6)
    renewed = _zip(client)
    assert b"Neue Idee am Markt" in renewed.read("contributions.csv")
    assert _kept(settings, process) != kept
    assert str(new.id).encode() in renewed.read("contributions.csv")


def test_an_old_file_is_renewed_without_a_stamped_change(
    client: Client, settings: Settings, process: Process, rows: Rows
) -> None:
    _zip(client)
    kept = _kept(settings, process)
    _age(kept, 61)
    before = kept.stat().st_mtime
    _zip(client)
    assert _kept(settings, process).stat().st_mtime > before


def test_the_plan_goes_in_once_published(client: Client, settings: Settings) -> None:
    made = in_db(settings, published_plan)

    async def licensed(session: AsyncSession) -> None:
        process = await session.get(Process, made.process.id)
        assert process is not None
        process.data_licence = DataLicence.CC_BY_4_0
        session.add(process)
        await session.commit()

    in_db(settings, licensed)
    response = client.get(f"/processes/{made.process.slug}/offene-daten.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    for resource in WITH_PLAN:
        assert resource.path in archive.namelist()
    groups = _table(archive, "plan_groups")
    assert [g["name"] for g in groups] == ["Premium+", "Premium", "Weitere Projektideen"]
    entries = _table(archive, "plan_entries")
    assert [e["rank"] for e in entries] == ["1", "2", "3", "4"]
    assert entries[0]["score"] == "4.0"
    scores = _table(archive, "plan_scores")
    assert scores
    assert {s["profile_id"] for s in scores} <= {e["profile_id"] for e in entries}
    organisations = _table(archive, "profile_organisations")
    assert {"profile_id", "role", "kind", "name"} == set(organisations[0])
    assert "'=Radverein" in [o["name"] for o in organisations]
    readme = archive.read("README.md").decode("utf-8")
    assert "https://creativecommons.org/licenses/by/4.0/" in readme
    # Named by its Open Definition id, as Frictionless and GovData expect.
    assert json.loads(archive.read("datapackage.json"))["licenses"][0]["name"] == "CC-BY-4.0"
    assert de("The plan (priority groups and scores): it is not published yet.") not in readme


def test_the_api_lists_the_resources(client: Client, rows: Rows) -> None:
    response = client.get(f"/api/v1/processes/{SLUG}/open-data")
    assert response.status_code == 200
    body = response.json()
    assert body["download"] == f"http://testserver.local{URL}"
    assert body["license"]["name"] == "dl-de-by-2.0"
    assert [r["name"] for r in body["resources"]] == [r.name for r in ALWAYS]
    assert body["resources"][0]["fields"][0]["name"] == "id"


def test_the_admin_sets_and_removes_the_licence(
    client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    assert login(client, "admin@example.org").status_code == 303
    edit = f"/admin/processes/{SLUG}/edit"

    def form() -> dict[str, str]:
        page = html(client.get(edit).text)
        fields = {
            str(attr(tag, "name")): str(tag.get("value", ""))
            for tag in page.select("form.admin-form input")
            if tag.get("name") and tag.get("type") not in {"checkbox", "radio", "submit"}
        }
        return fields | {
            "moderation_mode": "before_publishing",
            "channel-idea_call": "on",
            "phases-0-kind": "idea_call",
            "action": "save",
        }

    assert one(html(client.get(edit).text), "#data_licence-").has_attr("checked")
    bad = post_form(client, edit, form() | {"data_licence": "gpl"})
    assert bad.status_code == 422
    assert de("Please choose one of the licences, or none.") in bad.text
    response = post_form(client, edit, form() | {"data_licence": "cc0-1.0"})
    assert response.status_code == 303, response.text
    saved = in_db(settings, lambda s: s.get(Process, process.id))
    assert saved is not None
    assert saved.data_licence is DataLicence.CC0_1_0
    assert one(html(client.get(edit).text), "#data_licence-cc0-1\\.0").has_attr("checked")
    assert client.get(URL).status_code == 200
    assert post_form(client, edit, form() | {"data_licence": ""}).status_code == 303
    assert client.get(URL).status_code == 404


async def _statements(session: AsyncSession, process: Process, tmp_path: Path) -> int:
    with recorded() as statements:
        await open_data.ensure_package(
            session, process, tmp_path, publisher="Beteiligung", process_url="http://x"
        )
    return len(statements.runs)


async def test_statements_do_not_grow_with_rows(
    session: AsyncSession, process: Process, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is one streamed statement, read in batches, whatever the process holds."""
    await _add_rows(session, process)
    monkeypatch.setattr(open_data.resources, "BATCH", 3)
    first = await _statements(session, process, tmp_path / "a")
    for n in range(20):
        await add_idea(session, process, title=f"Idee {n}")
    assert await _statements(session, process, tmp_path / "b") == first
