"""Profiles as a working group edits them: the form's checks, saves as revisions, conflicts
between two editors, restoring, the history's diff, sources with their kept count, who may
edit, and the internal comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Channel,
    ContributionKind,
    IndicatorValue,
    OutgoingMail,
    Profile,
    ProfileIndicator,
    ProfileRevision,
    ProfileStatus,
    Role,
    Segment,
)
from participation.services.errors import ValidationFailed
from participation.services.mail import MailContext, enable
from participation.services.profiles import access, editing, history, sources, working_group
from participation.services.profiles.fields import ProfileForm, apply_row_action, validate
from participation.settings import Settings
from tests.helpers import add_actor, add_idea, add_process, add_themes
from tests.profile_rows import add_profile


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Glasfaser für alle Schulen",
        "summary": "Alle Schulen des Kreises bekommen bis 2028 einen Glasfaseranschluss.",
        "problem": "Viele Schulen haben **unter 50 Mbit/s**.",
        "goal": "Gigabit an jeder Schule.",
        "measures": "- Bedarf erheben\n- Förderantrag stellen",
        "segment-pupil": "on",
        "target_groups": "Schulträger",
        "horizon": "medium",
        "cost_min": "250.000",
        "cost_max": "1 200 000 €",
        "funding": "Gigabitförderung des Bundes",
        "status": "draft",
        "org-0-name": "Landkreis Auetal",
        "org-0-kind": "administration",
        "org-0-role": "lead",
        "org-1-name": "Realschule Auetal",
        "org-1-kind": "school",
        "org-1-role": "partner",
        "ind-0-name": "Schulen mit Glasfaser",
        "ind-0-unit": "Anzahl",
        "ind-0-baseline": "12",
        "ind-0-target": "40",
        "ind-0-due": "Ende 2028",
    }
    return data | overrides


def test_the_form_turns_typed_amounts_rows_and_themes_into_a_snapshot() -> None:
    snapshot = validate(ProfileForm.from_form(_form(**{"theme-7": "on"})), theme_ids={7})
    assert snapshot["cost_min"] == 250_000
    assert snapshot["cost_max"] == 1_200_000
    assert snapshot["target_segments"] == [Segment.PUPIL.value]
    assert snapshot["further_themes"] == [7]
    assert [o["role"] for o in snapshot["organisations"]] == ["lead", "partner"]
    assert snapshot["indicators"][0]["target"] == "40"


def test_the_form_names_each_mistake_at_its_field_and_keeps_the_input() -> None:
    form = ProfileForm.from_form(
        _form(
            title="",
            cost_min="viel",
            cost_max="",
            primary_theme="99",
            horizon="bald",
            **{"org-1-role": "lead", "ind-1-unit": "Prozent"},
        )
    )
    assert validate(form, theme_ids={7}) == {}
    assert set(form.errors) == {
        "title",
        "cost_min",
        "primary_theme",
        "horizon",
        "organisations",
        "ind-1-name",
    }
    # Nothing typed is lost: the form shows it again.
    assert form.cost_min == "viel"
    assert form.indicators[1].unit == "Prozent"


def test_the_upper_cost_must_not_be_below_the_lower() -> None:
    form = ProfileForm.from_form(_form(cost_min="500000", cost_max="1000"))
    validate(form, theme_ids=set())
    assert "cost_max" in form.errors


def test_rows_are_added_and_removed_without_saving() -> None:
    form = ProfileForm.from_form(_form())
    assert apply_row_action(form, "org-add")
    assert len(form.organisations) == 3
    assert apply_row_action(form, "org-remove-0")
    assert [o.name for o in form.organisations] == ["Realschule Auetal", ""]
    assert not apply_row_action(form, "save")


async def _setup(session: AsyncSession) -> tuple[Any, Any, Any, dict[str, Any]]:
    process = await add_process(session)
    themes = await add_themes(session, process)
    editor = await add_actor(session, "ag@example.org", Role.EDITOR)
    moderator = await add_actor(session, "mod@example.org", Role.MODERATOR)
    return process, editor, moderator, themes


def _snapshot(themes: dict[str, Any], **overrides: str) -> dict[str, Any]:
    data = _form(**({"primary_theme": str(themes["schule"].id)} | overrides))
    return validate(ProfileForm.from_form(data), {t.id for t in themes.values()})


async def test_a_profile_is_created_with_its_sources_and_first_revision(
    session: AsyncSession,
) -> None:
    process, _editor, moderator, themes = await _setup(session)
    other = await add_process(session, slug="anderes-verfahren")
    idea = await add_idea(session, process)
    answer = await add_idea(
        session,
        process,
        kind=ContributionKind.SURVEY_ANSWER,
        channel=Channel.SURVEY,
        segment=Segment.FIRM,
    )
    foreign = await add_idea(session, other)
    assert idea.id
    assert answer.id
    assert foreign.id

    profile = await editing.create_profile(
        session, process.id or 0, _snapshot(themes), moderator, [idea.id, answer.id, foreign.id]
    )
    assert profile.version == 1
    assert profile.source_count == 2  # the other process's idea is left out
    assert await sources.linked_ids(session, profile.id or 0) == {idea.id, answer.id}
    stored = await editing.snapshot_of(session, profile)
    assert stored == _snapshot(themes)
    revisions = (await session.exec(select(ProfileRevision))).all()
    assert [r.version for r in revisions] == [1]
    assert "title" in revisions[0].changed_fields


async def test_a_save_on_top_of_a_newer_one_is_refused_with_what_changed(
    session: AsyncSession,
) -> None:
    process, editor, moderator, themes = await _setup(session)
    profile = await editing.create_profile(session, process.id or 0, _snapshot(themes), moderator)
    pid = profile.id or 0

    # Both opened version 1; the moderator saves first.
    await editing.save_profile(
        session, pid, _snapshot(themes, goal="Gigabit bis 2027."), 1, moderator
    )
    with pytest.raises(editing.ProfileConflict) as raised:
        await editing.save_profile(
            session, pid, _snapshot(themes, title="Schnelles Netz"), 1, editor
        )
    conflict = raised.value
    assert conflict.current_version == 2
    assert conflict.current["goal"] == "Gigabit bis 2027."
    assert [r.version for r in conflict.since] == [2]
    stored = await session.get(Profile, pid)
    assert stored is not None
    await session.refresh(stored)
    assert stored.title == "Glasfaser für alle Schulen"  # the stale save wrote nothing

    # Saving again on the version shown with the conflict goes through.
    _, changed = await editing.save_profile(
        session, pid, _snapshot(themes, goal="Gigabit bis 2027.", title="Schnelles Netz"), 2, editor
    )
    assert changed == ["title"]


async def test_an_unchanged_save_makes_no_revision(session: AsyncSession) -> None:
    process, _editor, moderator, themes = await _setup(session)
    profile = await editing.create_profile(session, process.id or 0, _snapshot(themes), moderator)
    saved, changed = await editing.save_profile(
        session, profile.id or 0, _snapshot(themes), 1, moderator
    )
    assert changed == []
    assert saved.version == 1


async def test_restoring_brings_back_the_content_but_keeps_the_status(
    session: AsyncSession,
) -> None:
    process, _editor, moderator, themes = await _setup(session)
    profile = await editing.create_profile(session, process.id or 0, _snapshot(themes), moderator)
    pid = profile.id or 0
    await editing.save_profile(
        session, pid, _snapshot(themes, title="Neu", **{"org-1-name": ""}), 1, moderator
    )
    await editing.set_status(session, pid, ProfileStatus.PUBLISHED, 2, moderator)

    restored, changed = await editing.restore(session, pid, 1, 3, moderator)
    assert set(changed) == {"title", "organisations"}
    assert restored.version == 4
    assert restored.status is ProfileStatus.PUBLISHED
    assert restored.published_at is not None
    now = await editing.snapshot_of(session, restored)
    assert now["title"] == "Glasfaser für alle Schulen"
    assert len(now["organisations"]) == 2
    entries, older = await history.history(session, pid, {})
    assert [e.revision.version for e in entries] == [4, 3, 2, 1]
    assert entries[0].revision.restored_from == 1
    assert not older


async def test_the_history_shows_each_changed_field_as_lines_removed_and_added(
    session: AsyncSession,
) -> None:
    process, _editor, moderator, themes = await _setup(session)
    profile = await editing.create_profile(session, process.id or 0, _snapshot(themes), moderator)
    await editing.save_profile(
        session,
        profile.id or 0,
        _snapshot(
            themes,
            measures="- Bedarf erheben\n- Ausschreibung vorbereiten",
            primary_theme=str(themes["oepnv"].id),
        ),
        1,
        moderator,
    )
    names = {t.id or 0: t.name for t in themes.values()}
    entries, _older = await history.history(session, profile.id or 0, names)
    newest = {change.name: change for change in entries[0].changes}
    assert set(newest) == {"measures", "primary_theme"}
    measures = [(line.kind, line.text) for line in newest["measures"].lines]
    assert ("same", "- Bedarf erheben") in measures
    assert ("removed", "- Förderantrag stellen") in measures
    assert ("added", "- Ausschreibung vorbereiten") in measures
    theme = [(line.kind, line.text) for line in newest["primary_theme"].lines]
    assert theme == [("removed", "Schulwege"), ("added", "Bus und Bahn")]
    assert entries[0].author == "mod@example.org"


async def test_sources_are_linked_once_and_unlinked_with_the_count_kept(
    session: AsyncSession,
) -> None:
    process, _editor, moderator, themes = await _setup(session)
    ideas = [await add_idea(session, process, title=f"Idee {n}") for n in range(3)]
    ids = [i.id or 0 for i in ideas]
    profile = await editing.create_profile(
        session, process.id or 0, _snapshot(themes), moderator, ids[:2]
    )
    assert await sources.link(session, profile, ids, moderator, note="aus dem Cluster") == 1
    await session.refresh(profile)
    assert profile.source_count == 3
    assert await sources.unlink(session, profile, [ids[0], 999_999]) == 1
    await session.refresh(profile)
    assert profile.source_count == 2
    page = await sources.page_of_sources(session, profile.id or 0)
    assert page.total == 2
    assert {row.contribution.id for row in page.items} == set(ids[1:])
    assert {row.link.note for row in page.items} == {"", "aus dem Cluster"}

    # One contribution can feed several profiles.
    second = await editing.create_profile(
        session, process.id or 0, _snapshot(themes, title="Zweites"), moderator, ids[1:2]
    )
    assert second.source_count == 1


async def test_editors_edit_only_their_working_groups_profiles(session: AsyncSession) -> None:
    process, editor, moderator, themes = await _setup(session)
    facilitator = await add_actor(session, "fg@example.org", Role.FACILITATOR)
    profile = await editing.create_profile(session, process.id or 0, _snapshot(themes), moderator)
    pid = profile.id or 0
    assert access.may_create(moderator)
    assert not access.may_create(editor)
    assert await access.may_edit(session, moderator, pid)
    assert not await access.may_edit(session, editor, pid)
    assert not await access.may_edit(session, facilitator, pid)
    assert not await access.may_edit(session, None, pid)

    assert await working_group.add_member(session, pid, editor.id or 0, moderator)
    assert not await working_group.add_member(session, pid, editor.id or 0, moderator)
    assert await access.may_edit(session, editor, pid)
    assert [u.email for u in await working_group.members(session, pid)] == ["ag@example.org"]
    assert editor not in await working_group.candidates(session, pid)
    assert await working_group.remove_member(session, pid, editor.id or 0)
    assert not await access.may_edit(session, editor, pid)


async def test_internal_comments_are_kept_in_order_and_checked(session: AsyncSession) -> None:
    process, editor, moderator, themes = await _setup(session)
    profile = await editing.create_profile(session, process.id or 0, _snapshot(themes), moderator)
    pid = profile.id or 0
    await working_group.add_comment(session, pid, "Kostenschätzung fehlt noch.", editor)
    await working_group.add_comment(session, pid, " Kommt bis Freitag. ", moderator)
    with pytest.raises(ValidationFailed):
        await working_group.add_comment(session, pid, "   ", editor)
    rows = await working_group.comments(session, pid)
    assert [(r.comment.body, r.author) for r in rows] == [
        ("Kostenschätzung fehlt noch.", "ag@example.org"),
        ("Kommt bis Freitag.", "mod@example.org"),
    ]


async def test_publishing_through_a_save_queues_the_authors_mail_with_the_change(
    settings: Settings,
) -> None:
    settings = replace(settings, base_url="https://beteiligung.example")
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    enable(sessions, MailContext(settings))
    try:
        async with sessions() as session:
            process, _editor, moderator, themes = await _setup(session)
            idea = await add_idea(session, process)
            idea.notify_email = "autorin@example.org"
            idea.notify_consent_at = idea.created_at
            idea.notify_locale = "de"
            session.add(idea)
            await session.commit()
            profile = await editing.create_profile(
                session, process.id or 0, _snapshot(themes), moderator, [idea.id or 0]
            )
            await editing.set_status(session, profile.id or 0, ProfileStatus.READY, 1, moderator)
            assert (await session.exec(select(OutgoingMail))).all() == []
            await editing.set_status(
                session, profile.id or 0, ProfileStatus.PUBLISHED, 2, moderator
            )
            mails = (await session.exec(select(OutgoingMail))).all()
            assert [m.recipient for m in mails] == ["autorin@example.org"]
            assert "Glasfaser für alle Schulen" in mails[0].body
    finally:
        await engine.dispose()


async def test_saving_a_profile_keeps_its_indicators_measured_values(
    session: AsyncSession,
) -> None:
    """Indicators are updated in place: a save (a status change too) keeps their recorded
    values, a renamed indicator keeps its own, only a removed one loses them."""
    process = await add_process(session)
    actor = await add_actor(session, Role.ADMIN)
    profile = await add_profile(
        session, process, indicators=[("Schulen mit Glasfaser", "3", "14"), ("Tablets", "0", "9")]
    )
    assert profile.id is not None
    fibre, tablets = await session.exec(
        select(ProfileIndicator).order_by(col(ProfileIndicator.position))
    )
    session.add_all(
        IndicatorValue(indicator_id=i.id or 0, value=v, measured_on=date(2027, 6, 30))
        for i, v in ((fibre, 7.0), (tablets, 4.0))
    )
    await session.commit()

    async def values() -> dict[str, float]:
        rows = await session.exec(
            select(ProfileIndicator.name, IndicatorValue.value).join(
                IndicatorValue, col(IndicatorValue.indicator_id) == ProfileIndicator.id
            )
        )
        return dict(rows.all())

    await editing.set_status(session, profile.id, ProfileStatus.IN_IMPLEMENTATION, 1, actor)
    assert await values() == {"Schulen mit Glasfaser": 7.0, "Tablets": 4.0}

    # A new indicator first, the others after it: each keeps its own values.
    snapshot = await editing.snapshot_of(session, profile)
    new = {"name": "Lehrkräfte fortgebildet", "unit": "", "baseline": "", "target": "", "due": ""}
    snapshot["indicators"] = [new, *snapshot["indicators"]]
    await editing.save_profile(session, profile.id, snapshot, 2, actor)
    assert await values() == {"Schulen mit Glasfaser": 7.0, "Tablets": 4.0}

    # The fibre one renamed, the tablets removed: the renamed one keeps its values.
    snapshot = await editing.snapshot_of(session, profile)
    snapshot["indicators"] = [new, {**snapshot["indicators"][1], "name": "Schulen am Netz"}]
    await editing.save_profile(session, profile.id, snapshot, 3, actor)
    assert await values() == {"Schulen am Netz": 7.0}
