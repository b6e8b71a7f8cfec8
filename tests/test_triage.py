"""Triage of new contributions: each spam signal stored with its reason, the same text again,
the insult list with moderators' additions, the process's own classifier past its threshold,
holding back in "after publishing" processes, personal data found at submission and after
edits, the queue's flags and filters, and who may change the insult list."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionStatus,
    InsultWord,
    ModerationMode,
    Process,
    Role,
    Segment,
    utcnow,
)
from participation.services import importing
from participation.services.importing import ImportOptions, guess_mapping, run_import
from participation.services.triage import classifier
from participation.services.triage.rescore import rescore_process
from participation.services.triage.scoring import (
    FLAG_FROM,
    REPEAT_WINDOW,
    TriageContext,
    enable,
    triage_new,
    use_var_dir,
)
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_staff,
    by_follow_token,
    de,
    field_error,
    follow_token_from,
    html,
    in_db,
    login,
    post_form,
    text_of,
    valid_idea,
)
from tests.moderation_helpers import add_item, decide, stored

SPAM_BODY = (
    "Günstige Angebote: https://a.example http://b.example www.c.example https://d.example "
    "jetzt zugreifen"
)
RECEIVED = (
    "We have received it. A moderator will read it soon; then it appears on the process page."
)
PHONE_BODY = (
    "Bitte rufen Sie mich an unter 0171 2345678, ich wohne in der Lindenstraße 12 und "
    "kann den Radweg zeigen."
)


def submit(client: Client, **fields: str) -> str:
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(**fields))
    assert response.status_code == 303, response.text
    return follow_token_from(response)


def submitted(client: Client, settings: Settings, **fields: str) -> Contribution:
    token = submit(client, **fields)
    return in_db(settings, lambda s: by_follow_token(s, token))


def codes(contribution: Contribution) -> dict[str, float]:
    return {r["code"]: r["figure"] for r in contribution.spam_reasons or []}


# --- signals ---------------------------------------------------------------------------------


def test_links_are_stored_with_their_count(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = submitted(client, settings, body=SPAM_BODY)
    assert codes(idea) == {"links": 4}
    assert idea.spam_score == pytest.approx(0.7)
    assert idea.spam_flagged
    assert idea.text_hash is not None


def test_a_plain_idea_has_a_score_of_nothing(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = submitted(client, settings)
    assert idea.spam_score == 0.0
    assert idea.spam_reasons == []
    assert not idea.spam_flagged
    assert not idea.has_personal_data


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("BITTE ENDLICH EINEN RADWEG BAUEN, DAS IST DOCH UNMÖGLICH SO!!", "shouting"),
        (
            "Radweg bitte!!!!!!!!!!!! Sofort, das ist wichtig für alle Kinder.",
            "repeated_characters",
        ),
        ("Radweg Radweg Radweg, bitte bauen Sie den Weg nach Kornbach.", "repeated_words"),
    ],
)
def test_each_rule_of_the_text_is_a_reason(
    client: Client, settings: Settings, process: Process, body: str, code: str
) -> None:
    assert code in codes(submitted(client, settings, body=body))


def test_the_same_text_again_counts_in_the_process(
    client: Client, settings: Settings, process: Process
) -> None:
    body = "Bitte bauen Sie einen sicheren Radweg zwischen Kornbach und Auenbrück."
    first = submitted(client, settings, body=body)
    # Case, punctuation and spacing aside it is the same text.
    second = submitted(client, settings, body=body.upper().replace(".", "!!") + "  ")
    third = submitted(client, settings, body=body)
    assert "repeated_text" not in codes(first)
    assert codes(second)["repeated_text"] == 2
    assert codes(third)["repeated_text"] == 3
    assert third.spam_score is not None
    assert second.spam_score is not None
    assert third.spam_score > second.spam_score >= FLAG_FROM


async def test_repeats_count_only_in_the_process_and_the_window(session: AsyncSession) -> None:
    process = await add_process(session)
    other = await add_process(session, slug="anderes", title="Anderes Verfahren")
    body = "Bitte bauen Sie einen sicheren Radweg zwischen Kornbach und Auenbrück."
    old = _item(process, body, created_at=utcnow() - REPEAT_WINDOW - timedelta(1))
    elsewhere = _item(other, body)
    for earlier in (old, elsewhere):
        await triage_new(session, [earlier])
        session.add(earlier)
    await session.commit()
    new = _item(process, body)
    await triage_new(session, [new])
    assert new.text_hash == old.text_hash == elsewhere.text_hash
    assert "repeated_text" not in codes(new)


async def test_short_answers_are_not_repeats(session: AsyncSession) -> None:
    process = await add_process(session)
    items = [_item(process, "Keine Angabe.") for _ in range(3)]
    await triage_new(session, items)
    assert all(item.text_hash is None and not item.spam_reasons for item in items)


def _item(process: Process, body: str, **fields: Any) -> Contribution:
    assert process.id is not None
    return Contribution(
        process_id=process.id, title="Radweg", body=body, segment=Segment.RESIDENT, **fields
    )


# --- insults ---------------------------------------------------------------------------------


def test_a_shipped_insult_flags_the_idea(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = submitted(client, settings, body="Die Planer im Rathaus sind doch alle Idioten.")
    assert codes(idea) == {"insults": 1}
    assert idea.spam_flagged


def test_moderators_extend_the_list_without_hitting_place_names(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    response = post_form(
        staff_client, "/moderation/triage/words", {"word": "Schwein", "scope": SLUG}
    )
    assert response.status_code == 303, response.text
    page = html(staff_client.get("/moderation/triage/words").text)
    assert "schwein" in text_of(page.select_one("main") or page)
    staff_client.post("/logout")  # a resident submits
    place = submitted(staff_client, settings, body="Der Bahnhof in Schweinfurt braucht Radständer.")
    insult = submitted(
        staff_client, settings, title="Zum Amt", body="Der Sachbearbeiter ist ein Schwein, echt."
    )
    assert "insults" not in codes(place)
    assert codes(insult) == {"insults": 1}


async def test_words_for_all_processes_and_for_one(session: AsyncSession) -> None:
    process = await add_process(session)
    other = await add_process(session, slug="anderes", title="Anderes Verfahren")
    assert other.id is not None
    session.add_all(
        [
            InsultWord(process_id=None, word="blindgänger"),
            InsultWord(process_id=other.id, word="lump"),
        ]
    )
    await session.commit()
    item = _item(process, "Ein Blindgänger und ein Lump haben das geplant.")
    await triage_new(session, [item])
    assert codes(item) == {"insults": 1}  # the other process's word does not count here


def test_bad_words_are_refused_next_to_the_field(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    for word, status in (("zwei Wörter", 422), ("idiot", 422), ("", 422)):
        response = post_form(staff_client, "/moderation/triage/words", {"word": word})
        assert response.status_code == status
        assert field_error(html(response.text), "word")
    response = post_form(staff_client, "/moderation/triage/words", {"word": "lump", "scope": "nix"})
    assert response.status_code == 422
    assert 'value="lump"' in response.text  # nothing typed is lost


def test_removing_a_word(staff_client: Client, settings: Settings, process: Process) -> None:
    post_form(staff_client, "/moderation/triage/words", {"word": "lump"})

    async def word_ids(session: AsyncSession) -> list[int]:
        return [w.id for w in await session.exec(select(InsultWord)) if w.id is not None]

    (word_id,) = in_db(settings, word_ids)
    response = post_form(staff_client, f"/moderation/triage/words/{word_id}/delete")
    assert response.status_code == 303
    assert in_db(settings, word_ids) == []
    assert post_form(staff_client, f"/moderation/triage/words/{word_id}/delete").status_code == 404


@pytest.mark.parametrize("role", [None, Role.EVALUATOR, Role.FACILITATOR, Role.EDITOR])
def test_only_moderators_and_admins_keep_the_list(
    client: Client, settings: Settings, process: Process, role: Role | None
) -> None:
    if role is not None:
        in_db(settings, lambda s: add_staff(s, f"{role.value}@example.org", role))
        assert login(client, f"{role.value}@example.org").status_code == 303
    response = client.get("/moderation/triage/words", follow_redirects=False)
    assert response.status_code in {302, 303, 401, 403}
    posted = post_form(client, "/moderation/triage/words", {"word": "lump"})
    assert posted.status_code in {302, 303, 401, 403}
    assert in_db(settings, lambda s: _count_words(s)) == 0


async def _count_words(session: AsyncSession) -> int:
    return len(list(await session.exec(select(InsultWord))))


def test_admins_keep_the_list_too(client: Client, settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    assert login(client, "admin@example.org").status_code == 303
    assert client.get("/moderation/triage/words").status_code == 200


# --- hold-back -------------------------------------------------------------------------------


@pytest.fixture
def open_process(settings: Settings) -> Process:
    """An idea call that publishes at once (post-moderation)."""
    return in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))


def test_after_publishing_a_high_score_waits_for_a_moderator(
    client: Client, settings: Settings, open_process: Process
) -> None:
    plain = submitted(client, settings)
    token = submit(client, title="Angebote", body=SPAM_BODY)
    spam = in_db(settings, lambda s: by_follow_token(s, token))
    assert plain.status is ContributionStatus.PUBLISHED
    assert spam.status is ContributionStatus.PENDING
    assert spam.published_at is None
    # The author is told neutrally that it will be read first.
    page = client.get(f"/follow/{token}?submitted=1")
    assert de(RECEIVED) in page.text
    assert "Spam" not in page.text


def test_a_flag_below_the_threshold_still_publishes(
    client: Client, settings: Settings, open_process: Process
) -> None:
    idea = submitted(
        client,
        settings,
        body="Mehr dazu: https://a.example und https://b.example und https://c.example",
    )
    assert idea.spam_flagged  # 3 links: 0.6, flagged for the queue
    assert idea.status is ContributionStatus.PUBLISHED


def test_the_threshold_is_a_setting(settings: Settings, open_process: Process) -> None:
    from litestar.testing import TestClient

    from participation.app import create_app

    with TestClient(create_app(replace(settings, spam_hold_threshold=0.95))) as lenient:
        idea = submitted(lenient, settings, body=SPAM_BODY)
    assert idea.status is ContributionStatus.PUBLISHED
    assert idea.spam_flagged


def test_comments_are_held_back_too(
    client: Client, settings: Settings, open_process: Process
) -> None:
    idea = in_db(settings, lambda s: add_idea(s, open_process))
    url = f"/processes/{SLUG}/ideas/{idea.id}/comments"
    response = post_form(client, url, {"body": SPAM_BODY, "segment": "resident", "consent": "on"})
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("comment=pending#comments")


def test_before_publishing_nothing_changes(
    client: Client, settings: Settings, process: Process
) -> None:
    assert submitted(client, settings).status is ContributionStatus.PENDING
    assert submitted(client, settings, body=SPAM_BODY).status is ContributionStatus.PENDING


# --- other ways in ---------------------------------------------------------------------------


async def test_imported_rows_are_scored(session: AsyncSession) -> None:
    process = await add_process(session)
    table = importing.read_table(
        "karten.csv",
        "Titel;Beschreibung\nKontakt;Rufen Sie an: 0171 2345678, Hauptstraße 5\n"
        "Werbung;https://a.example https://b.example https://c.example https://d.example\n".encode(),
    )
    options = ImportOptions(mapping=guess_mapping(table.header), time_zone="Europe/Berlin")
    ids = await run_import(session, process, table, options)
    rows = {
        c.title: c
        for c in await session.exec(select(Contribution).where(col(Contribution.id).in_(ids)))
    }
    assert rows["Kontakt"].has_personal_data
    assert rows["Werbung"].spam_flagged
    assert rows["Werbung"].status is ContributionStatus.PUBLISHED  # staff imported it so


async def test_focus_group_ideas_are_scored(session: AsyncSession) -> None:
    from participation.services import focus_groups
    from tests.test_focus_groups import _session_with_ideas

    process = await add_process(session)
    group = await _session_with_ideas(session, process)
    ids = await focus_groups.close_session(session, group)
    rows = list(await session.exec(select(Contribution).where(col(Contribution.id).in_(ids))))
    assert rows
    assert all(row.spam_score is not None for row in rows)


# --- personal data ---------------------------------------------------------------------------


def test_personal_data_is_stored_as_spans(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = submitted(client, settings, body=PHONE_BODY)
    assert idea.has_personal_data
    kinds = {(s["field"], s["kind"]) for s in idea.personal_data or []}
    assert kinds == {("body", "phone"), ("body", "address")}
    phone = next(s for s in idea.personal_data or [] if s["kind"] == "phone")
    assert idea.body[phone["start"] : phone["end"]] == "0171 2345678"


def test_personal_data_is_found_again_after_an_edit(
    client: Client, settings: Settings, process: Process
) -> None:
    token = submit(client, body=PHONE_BODY)
    idea = in_db(settings, lambda s: by_follow_token(s, token))
    form = {
        "title": idea.title,
        "body": "Ohne Telefonnummer: ein Radweg nach Kornbach.",
        "municipality": "",
    }
    response = post_form(client, f"/follow/{token}/{idea.id}/edit", form)
    assert response.status_code == 303, response.text
    edited = stored(settings, idea.id)
    assert not edited.has_personal_data
    assert edited.personal_data is None


# --- the queue -------------------------------------------------------------------------------


def test_queue_filters_and_flags(
    client: Client, staff_client: Client, settings: Settings, process: Process
) -> None:
    plain = submitted(client, settings)
    spam = submitted(client, settings, title="Angebote", body=SPAM_BODY)
    personal = submitted(client, settings, title="Anruf", body=PHONE_BODY)

    def ids(url: str) -> list[int]:
        page = html(staff_client.get(url).text)
        return [int(str(a["id"]).removeprefix("item-")) for a in page.select("article.queue-item")]

    assert set(ids("/moderation")) == {plain.id, spam.id, personal.id}
    assert ids("/moderation?spam=1") == [spam.id]
    assert ids("/moderation?personal=1") == [personal.id]
    page = html(staff_client.get("/moderation").text)
    flag = text_of(page.select_one(f"#item-{spam.id} .triage-flag--spam"))  # type: ignore[arg-type]
    assert "4" in flag
    marks = page.select(f"#item-{personal.id} mark.pii")
    assert next(text_of(m) for m in marks).startswith("0171 2345678")
    options = {text_of(o) for o in page.select("#queue-spam option")}
    assert any("(1)" in option for option in options)


def test_personal_data_in_a_title_is_marked_in_the_queue_and_on_the_item_page(
    client: Client, staff_client: Client, settings: Settings, process: Process
) -> None:
    titled = submitted(
        client, settings, title="Rückruf unter 0171 2345678", body="Der Radweg an der Schule fehlt."
    )
    queue = html(staff_client.get("/moderation?personal=1").text)
    marks = queue.select(f"#item-{titled.id}-title mark.pii")
    assert [text_of(m).split(" (")[0] for m in marks] == ["0171 2345678"]
    item = html(staff_client.get(f"/moderation/contributions/{titled.id}").text)
    assert [text_of(m).split(" (")[0] for m in item.select("h1 mark.pii")] == ["0171 2345678"]


# --- the classifier --------------------------------------------------------------------------


SPAM_TEXTS = [
    f"Billige Kredite ohne Schufa sofort, Angebot {n} nur heute klicken" for n in range(21)
]


async def test_classifier_learns_only_past_the_threshold(
    session: AsyncSession, tmp_path: Path
) -> None:
    process = await add_process(session)
    assert process.id is not None
    moderator = await add_actor(session, "mod@example.org")
    use_var_dir(session, tmp_path)
    for n in range(21):
        await add_item(
            session,
            process,
            title=f"Radweg {n}",
            body=f"Ein sicherer Radweg für Kornbach Nummer {n}.",
            status=ContributionStatus.PUBLISHED,
        )
    rejected = [await add_item(session, process, title="Kredit", body=text) for text in SPAM_TEXTS]
    from participation.services import moderation

    for item in rejected[:19]:
        assert item.id is not None
        await moderation.reject(session, item.id, moderator, "Werbung", code="spam")
    with pytest.raises(classifier.NotEnough):
        await classifier.retrain(session, tmp_path, process.id)
    probe = _item(process, "Kredite ohne Schufa, sofort klicken")
    await triage_new(session, [probe])
    before = probe.spam_score or 0.0
    assert "classifier" not in codes(probe)

    for item in rejected[19:]:
        assert item.id is not None
        await moderation.reject(session, item.id, moderator, "Werbung", code="abuse")
    waiting = await add_item(session, process, title="Kredit", body="Kredite ohne Schufa, klicken")
    waiting_id = waiting.id
    session.info.clear()  # as in a job: the retraining brings its own model directory
    result = await classifier.retrain(session, tmp_path, process.id)
    assert result.rescored == 1  # the waiting item, scored again with the new model
    rescored = await session.exec(
        select(Contribution.spam_reasons).where(Contribution.id == waiting_id)
    )
    assert "classifier" in {r["code"] for r in rescored.one() or []}
    assert result.trained
    assert result.examples.spam == 21
    assert classifier.model_path(tmp_path, process.id).exists()
    probe = _item(process, "Kredite ohne Schufa, sofort klicken")
    await triage_new(session, [probe])
    assert "classifier" in codes(probe)
    assert (probe.spam_score or 0.0) > before
    plain = _item(process, "Ein sicherer Radweg nach Auenbrück.")
    await triage_new(session, [plain])
    assert "classifier" not in codes(plain)
    # The same decisions again: nothing to learn.
    assert not (await classifier.retrain(session, tmp_path, process.id)).trained


def test_rejecting_as_spam_is_recorded(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    item = in_db(settings, lambda s: add_item(s, process))
    response = decide(
        staff_client, settings, item.id, "reject", {"reason": "Werbung", "reason_code": "spam"}
    )
    assert response.status_code == 303, response.text

    async def code(session: AsyncSession) -> str | None:
        from participation.models import ModerationEvent

        event = (await session.exec(select(ModerationEvent))).one()
        return event.reason_code

    assert in_db(settings, code) == "spam"


# --- backfill --------------------------------------------------------------------------------


async def test_rescoring_scores_existing_contributions_in_batches(session: AsyncSession) -> None:
    process = await add_process(session)
    assert process.id is not None
    for n in range(5):
        await add_idea(
            session, process, title=f"Idee {n}", body=SPAM_BODY if n == 3 else PHONE_BODY
        )
    assert (await session.exec(select(Contribution.spam_score))).all() == [None] * 5
    progress: list[int] = []
    assert await rescore_process(session, process.id, batch_size=2, progress=progress.append) == 5
    assert progress == [2, 4, 5]
    rows = list(await session.exec(select(Contribution).order_by(col(Contribution.id))))
    assert all(r.spam_score is not None for r in rows)
    assert [r.has_personal_data for r in rows] == [True, True, True, False, True]
    # The four same texts count as repeats of the ones before them.
    assert [codes(r).get("repeated_text") for r in rows] == [None, 2, 3, None, 4]
    assert await rescore_process(session, process.id, only_unscored=True) == 0


def test_the_rescore_command(
    settings: Settings, process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    from participation.cli import main

    in_db(settings, lambda s: add_idea(s, process, body=SPAM_BODY))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    result = CliRunner().invoke(main, ["triage", "rescore", "--process", SLUG])
    assert result.exit_code == 0, result.output
    assert "Scored 1 contributions" in result.output
    missing = CliRunner().invoke(main, ["triage", "rescore", "--process", "nix"])
    assert missing.exit_code != 0


def test_enable_keeps_other_session_info(settings: Settings) -> None:
    from participation.db import create_engine, create_sessionmaker

    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    maker.configure(info={"other": 1})
    enable(maker, TriageContext())
    assert set(maker.kw["info"]) == {"other", "participation.triage"}
