"""Rating through the staff API with personal access tokens
(participation/routes/ratings_staff_api.py): who may call, the rounds with progress, a
round's criteria and profiles, draft and submission, others' ratings hidden until one's own
is in, conflicts of interest, closed rounds and bad values."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    EvaluationAction,
    EvaluationEvent,
    Rating,
    Role,
    RoundProfile,
    User,
)
from participation.services import tokens
from participation.services.evaluation import ratings, rounds
from participation.settings import Settings
from tests.helpers import Client, add_actor, add_staff, csrf_token, de, in_db, login
from tests.profile_rows import add_profile
from tests.sql_statements import recorded
from tests.test_ratings import Jury, entries, make_jury

BASE = "/api/v1/staff/rounds"


@pytest.fixture
def jury(settings: Settings) -> Jury:
    return in_db(settings, make_jury)


def _token(settings: Settings, user: User) -> dict[str, str]:
    async def make(session: AsyncSession) -> str:
        return (await tokens.create_token(session, user, "Bewertungsskript")).token

    return {"Authorization": f"Bearer {in_db(settings, make)}"}


def _sheet(jury: Jury, profile_id: int | None = None) -> str:
    return f"{BASE}/{jury.round_id}/profiles/{profile_id or jury.wlan.id}"


def _body(jury: Jury, *values: int | None, submit: bool = False, why: str = "") -> dict[str, Any]:
    return {
        "ratings": [
            {"criterion_id": c.id, "value": v, "justification": why if v is not None else ""}
            for c, v in zip(jury.criteria, values, strict=False)
        ],
        "submit": submit,
    }


def _events(settings: Settings, jury: Jury) -> list[tuple[EvaluationAction, dict[str, Any]]]:
    async def read(session: AsyncSession) -> list[tuple[EvaluationAction, dict[str, Any]]]:
        rows = await session.exec(
            select(EvaluationEvent)
            .where(col(EvaluationEvent.round_id) == jury.round_id)
            .order_by(col(EvaluationEvent.id))
        )
        return [(e.action, e.details) for e in rows if e.action != EvaluationAction.ROUND_OPENED]

    return in_db(settings, read)


def test_a_token_of_an_assigned_rater_is_required(
    client: Client, settings: Settings, jury: Jury
) -> None:
    put = _body(jury, 1)
    conflict = f"{_sheet(jury)}/conflict"
    assert client.get(BASE).status_code == 401
    assert client.get(_sheet(jury)).status_code == 401
    assert client.put(_sheet(jury), json=put).status_code == 401
    assert client.post(conflict, json={}).status_code == 401
    wrong = {"Authorization": "Bearer pat_gibt-es-nicht"}
    assert client.get(BASE, headers=wrong).status_code == 401

    moderator = in_db(settings, lambda s: add_actor(s, "mod@example.org", Role.MODERATOR))
    as_moderator = _token(settings, moderator)
    assert client.get(BASE, headers=as_moderator).status_code == 403
    assert client.put(_sheet(jury), json=put, headers=as_moderator).status_code == 403

    # An admin may rate, but is not in this round: nothing of it is theirs.
    as_admin = _token(settings, jury.admin)
    assert client.get(BASE, headers=as_admin).json() == []
    for url in (f"{BASE}/{jury.round_id}", _sheet(jury), f"{BASE}/999999"):
        refused = client.get(url, headers=as_admin)
        assert refused.status_code == 403, url
        assert refused.json()["detail"]
    assert client.put(_sheet(jury), json=put, headers=as_admin).status_code == 403
    assert client.post(conflict, json={}, headers=as_admin).status_code == 403

    # Rates the "schule" field only: the bus is not theirs.
    as_schools = _token(settings, jury.schools)
    bus = _sheet(jury, jury.bus.id)
    refused = client.get(bus, headers=as_schools)
    assert refused.status_code == 403
    assert refused.json()["detail"] == de("This profile is not yours to rate in this round.")
    assert client.put(bus, json=put, headers=as_schools).status_code == 403
    assert client.get(_sheet(jury), headers=as_schools).status_code == 200

    async def stored(session: AsyncSession) -> list[Rating]:
        return list(await session.exec(select(Rating)))

    assert in_db(settings, stored) == []


def test_a_browser_session_reads_but_does_not_write(client: Client, settings: Settings) -> None:
    jury = in_db(settings, lambda s: make_jury(s, add_staff))
    assert login(client, "anna@example.org").status_code == 303
    assert client.get(BASE).json()[0]["id"] == jury.round_id
    assert client.get(_sheet(jury)).json()["state"] == "open"
    token = csrf_token(client)
    put = client.put(_sheet(jury), json=_body(jury, 1), headers={"x-csrftoken": token})
    assert put.status_code == 401
    assert client.get(_sheet(jury)).json()["state"] == "open"


def test_an_evaluator_saves_a_draft_then_submits(
    client: Client, settings: Settings, jury: Jury
) -> None:
    headers = _token(settings, jury.anna)
    first, second, third, fourth = (c.id for c in jury.criteria)

    listed = client.get(BASE, headers=headers).json()
    assert listed == [
        {
            "id": jury.round_id,
            "title": "Bewertung",
            "process_id": jury.process.id,
            "process_title": jury.process.title,
            "due_on": "2099-03-31",
            "status": "open",
            "assigned": 2,
            "rated": 0,
        }
    ]
    detail = client.get(f"{BASE}/{jury.round_id}", headers=headers).json()
    assert (detail["scale_min"], detail["scale_max"]) == (0, 4)
    assert [c["id"] for c in detail["criteria"]] == [first, second, third, fourth]
    levels = detail["criteria"][0]["levels"]
    assert [level["value"] for level in levels] == [0, 1, 2, 3, 4]
    assert levels[4]["description"] == "trifft voll zu"
    assert [(p["title"], p["state"]) for p in detail["profiles"]] == [
        ("Rufbus", "open"),
        ("WLAN", "open"),
    ]

    draft = client.put(_sheet(jury), json=_body(jury, 1, None, 3, why="Erst 2028"), headers=headers)
    assert draft.status_code == 200, draft.text
    sheet = draft.json()
    assert sheet["state"] == "draft"
    assert sheet["may_rate"] is True
    assert [(r["criterion_id"], r["value"]) for r in sheet["rows"]] == [
        (first, 1),
        (second, None),
        (third, 3),
        (fourth, None),
    ]
    assert sheet["rows"][0]["justification"] == "Erst 2028"
    assert client.get(_sheet(jury), headers=headers).json() == sheet

    # A submission needs every criterion; nothing of it is stored when one is missing.
    incomplete = client.put(
        _sheet(jury), json=_body(jury, 1, None, 3, submit=True), headers=headers
    )
    assert incomplete.status_code == 400
    assert set(incomplete.json()["errors"]) == {f"value-{second}", f"value-{fourth}"}
    assert incomplete.json()["errors"][f"value-{second}"] == de(
        "Please rate this criterion before submitting."
    )
    assert client.get(_sheet(jury), headers=headers).json()["state"] == "draft"

    submitted = client.put(_sheet(jury), json=_body(jury, 1, 2, 3, 4, submit=True), headers=headers)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted"
    assert [r["value"] for r in submitted.json()["rows"]] == [1, 2, 3, 4]
    assert client.get(BASE, headers=headers).json()[0]["rated"] == 1
    states = client.get(f"{BASE}/{jury.round_id}", headers=headers).json()["profiles"]
    assert [p["state"] for p in states] == ["open", "submitted"]
    assert _events(settings, jury) == [
        (
            EvaluationAction.RATING_SAVED,
            {"values": {str(first): 1, str(third): 3}, "changed": False},
        ),
        (
            EvaluationAction.RATING_SUBMITTED,
            {
                "values": {str(first): 1, str(second): 2, str(third): 3, str(fourth): 4},
                "changed": False,
            },
        ),
    ]


def test_others_ratings_show_only_after_one_s_own_submission(
    client: Client, settings: Settings, jury: Jury
) -> None:
    wlan = jury.wlan.id or 0
    given = entries(jury, 4, 4, 4, 4, reason="Sehr dringend")
    in_db(
        settings, lambda s: ratings.save_sheet(s, jury.round_id, wlan, jury.ben, given, submit=True)
    )
    headers = _token(settings, jury.anna)
    before = client.get(_sheet(jury), headers=headers)
    assert before.json()["compared"] is False
    assert all(row["comparison"] is None for row in before.json()["rows"])
    assert "Sehr dringend" not in before.text
    draft = client.put(_sheet(jury), json=_body(jury, 0, 0, 0, 0), headers=headers)
    assert draft.json()["compared"] is False
    assert "Sehr dringend" not in draft.text

    after = client.put(_sheet(jury), json=_body(jury, 2, 4, 4, 4, submit=True), headers=headers)
    sheet = after.json()
    assert sheet["compared"] is True
    first = sheet["rows"][0]["comparison"]
    assert first["mean"] == 3.0
    assert first["disagreement"] is True  # 2 and 4: two levels apart
    assert [(o["value"], o["justification"]) for o in first["others"]] == [(4, "Sehr dringend")]
    assert sheet["disagreements"] == 1
    assert sheet["rows"][1]["comparison"]["disagreement"] is False
    assert client.get(_sheet(jury), headers=headers).json() == sheet


def test_a_conflict_of_interest_is_declared_with_a_note(
    client: Client, settings: Settings, jury: Jury
) -> None:
    headers = _token(settings, jury.anna)
    client.put(_sheet(jury), json=_body(jury, 3), headers=headers)
    conflict = f"{_sheet(jury)}/conflict"
    too_long = client.post(conflict, json={"note": "x" * 501}, headers=headers)
    assert too_long.status_code == 400
    assert set(too_long.json()["errors"]) == {"note"}

    note = "Meine Organisation ist Lead-Partner."
    declared = client.post(conflict, json={"note": note}, headers=headers)
    assert declared.status_code == 201, declared.text
    assert declared.json()["note"] == note
    assert declared.json()["profile_id"] == jury.wlan.id
    sheet = client.get(_sheet(jury), headers=headers).json()
    assert (sheet["state"], sheet["may_rate"], sheet["conflict_note"]) == ("conflict", False, note)
    assert all(row["value"] is None for row in sheet["rows"])  # the draft is deleted

    refused = client.put(_sheet(jury), json=_body(jury, 1, 1, 1, 1, submit=True), headers=headers)
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "conflict_declared",
        "message": de("You declared a conflict of interest for this profile."),
    }
    assert client.get(BASE, headers=headers).json()[0]["rated"] == 1
    again = client.post(conflict, json={}, headers=headers)
    assert again.status_code == 201
    assert again.json()["note"] == note  # declaring again changes nothing
    assert [action for action, _details in _events(settings, jury)] == [
        EvaluationAction.RATING_SAVED,
        EvaluationAction.CONFLICT_DECLARED,
    ]


def test_a_closed_round_takes_no_changes(client: Client, settings: Settings, jury: Jury) -> None:
    headers = _token(settings, jury.anna)
    client.put(_sheet(jury), json=_body(jury, 3), headers=headers)
    in_db(settings, lambda s: rounds.close_round(s, jury.round_id, jury.admin))

    refused = client.put(_sheet(jury), json=_body(jury, 1, 1, 1, 1, submit=True), headers=headers)
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "round_closed",
        "message": de("This rating round is closed: ratings can no longer be changed."),
    }
    assert client.post(f"{_sheet(jury)}/conflict", json={}, headers=headers).status_code == 409
    sheet = client.get(_sheet(jury), headers=headers).json()
    assert (sheet["round_status"], sheet["may_rate"], sheet["state"]) == ("closed", False, "draft")
    assert sheet["rows"][0]["value"] == 3
    assert client.get(f"{BASE}/{jury.round_id}", headers=headers).json()["status"] == "closed"
    assert client.get(BASE, headers=headers).json() == []  # only open rounds are listed


def test_bad_values_are_answered_per_field(client: Client, settings: Settings, jury: Jury) -> None:
    headers = _token(settings, jury.anna)
    first, second = (c.id for c in jury.criteria[:2])
    body = _body(jury, 7, 2, why="")
    body["ratings"][1]["justification"] = "x" * 2001
    body["ratings"].append({"criterion_id": 999_999, "value": 1})
    wrong = client.put(_sheet(jury), json=body, headers=headers)
    assert wrong.status_code == 400
    errors = wrong.json()["errors"]
    assert errors == {
        f"value-{first}": de("Please choose a level from %(low)d to %(high)d.")
        % {"low": 0, "high": 4},
        f"justification-{second}": de("At most %(n)d characters, please.") % {"n": 2000},
        "value-999999": de("This process has no criterion with this id."),
    }
    twice = _body(jury, 1)
    twice["ratings"].append({"criterion_id": first, "value": 2})
    assert set(client.put(_sheet(jury), json=twice, headers=headers).json()["errors"]) == {
        f"value-{first}"
    }
    reason_only = _body(jury, None)
    reason_only["ratings"][0]["justification"] = "Ohne Wert"
    assert client.put(_sheet(jury), json=reason_only, headers=headers).status_code == 400
    not_a_number = {"ratings": [{"criterion_id": first, "value": "viel"}]}
    assert client.put(_sheet(jury), json=not_a_number, headers=headers).status_code == 400
    assert client.put(_sheet(jury), json={"submit": True}, headers=headers).status_code == 400
    too_many = {"ratings": [{"criterion_id": n} for n in range(101)]}
    assert set(client.put(_sheet(jury), json=too_many, headers=headers).json()["errors"]) == {
        "ratings"
    }
    assert client.get(_sheet(jury), headers=headers).json()["state"] == "open"


def test_reading_runs_the_same_statements_for_a_larger_round(
    client: Client, settings: Settings, jury: Jury
) -> None:
    """The rounds, a round and a sheet do not query per profile, rating or evaluator."""
    headers = _token(settings, jury.anna)
    urls = (BASE, f"{BASE}/{jury.round_id}", _sheet(jury))

    def counts() -> list[int]:
        found = []
        for url in urls:
            with recorded() as statements:
                assert client.get(url, headers=headers).status_code == 200, url
            found.append(len(statements.runs))
        return found

    async def rate(session: AsyncSession, profile_id: int, users: list[User]) -> None:
        given = entries(jury, 3, 3, 3, 3, reason="Begründet")
        for user in users:
            await ratings.save_sheet(session, jury.round_id, profile_id, user, given, submit=True)

    in_db(settings, lambda s: rate(s, jury.wlan.id or 0, [jury.anna, jury.ben]))
    counts()  # the token's first use is noted once
    small = counts()

    async def grow(session: AsyncSession) -> None:
        more = [await add_profile(session, jury.process, title=f"Mehr {n}") for n in range(10)]
        session.add_all(RoundProfile(round_id=jury.round_id, profile_id=p.id or 0) for p in more)
        await session.commit()
        for profile in more:
            await rate(session, profile.id or 0, [jury.anna, jury.ben])
        await rate(session, jury.wlan.id or 0, [jury.schools])  # a third to compare with

    in_db(settings, grow)
    assert client.get(BASE, headers=headers).json()[0]["rated"] == 11
    assert counts() == small


def test_the_endpoints_are_in_the_schema(client: Client) -> None:
    schema = client.get("/schema/openapi.json").json()
    paths = schema["paths"]
    sheet = paths["/api/v1/staff/rounds/{round_id}/profiles/{profile_id}"]
    assert set(paths["/api/v1/staff/rounds"]) >= {"get"}
    assert set(paths["/api/v1/staff/rounds/{round_id}"]) >= {"get"}
    assert set(sheet) >= {"get", "put"}
    assert "post" in paths["/api/v1/staff/rounds/{round_id}/profiles/{profile_id}/conflict"]
    assert sheet["put"]["tags"] == ["staff"]
    assert {"200", "400", "409"} <= set(sheet["put"]["responses"])
    components = schema["components"]["schemas"]
    assert {"RoundItem", "RoundDetailItem", "SheetItem", "SheetInput", "ConflictItem"} <= set(
        components
    )
