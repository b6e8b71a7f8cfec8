"""The admin's evaluation pages over HTTP: only admins reach them; the preset criteria; the
criteria form with its rows and scale, mistakes shown at their fields with everything typed
kept, and a change after the first rating saved only when confirmed; opening a round over
chosen profiles with evaluators for all profiles or one action field, every mistake at its
field; the round page with progress; closing; and the log in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Criterion,
    EvaluationAction,
    EvaluationEvent,
    Process,
    ProfileStatus,
    Rating,
    RatingRound,
    Role,
    RoundEvaluator,
    RoundProfile,
    RoundStatus,
    User,
    utcnow,
)
from participation.services.evaluation import criteria
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_staff,
    add_themes,
    field_error,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.profile_rows import add_profile
from tests.sql_statements import recorded

BASE = f"/admin/processes/{SLUG}/bewertung"


def _admin(client: Client, settings: Settings) -> User:
    user = in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    assert login(client, "admin@example.org").status_code == 303
    return user


async def _criteria(session: AsyncSession) -> list[Criterion]:
    return list(await session.exec(select(Criterion).order_by(col(Criterion.position))))


async def _events(session: AsyncSession) -> list[EvaluationEvent]:
    return list(await session.exec(select(EvaluationEvent).order_by(col(EvaluationEvent.id))))


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.EVALUATOR, Role.EDITOR, Role.FACILITATOR])
def test_only_admins_open_the_evaluation_pages(
    client: Client, settings: Settings, process: Process, role: Role
) -> None:
    in_db(settings, lambda s: add_staff(s, "staff@example.org", role))
    assert login(client, "staff@example.org").status_code == 303
    for path in ("", "/kriterien", "/runden/neu", "/protokoll"):
        assert client.get(BASE + path).status_code == 403, path
    assert client.get("/admin/bewertung/runden/1").status_code == 403
    assert post_form(client, f"{BASE}/vorlage").status_code == 403


def test_an_admin_takes_over_the_preset_once(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    empty = html(client.get(BASE).text)
    assert "Kriterien des Digitalisierungsplans übernehmen" in text_of(empty)
    response = post_form(client, f"{BASE}/vorlage")
    assert response.status_code == 303
    page = html(client.get(BASE).text)
    table = text_of(one(page, "table:has(#criteria-caption)"))
    assert "Zeitnahe Umsetzbarkeit" in table
    assert "25 %" in table
    assert "4 = trifft voll zu" in text_of(one(page, ".scale-levels"))
    assert "Kriterien des Digitalisierungsplans übernehmen" not in text_of(page)
    # Twice: told, nothing doubled.
    post_form(client, f"{BASE}/vorlage")
    assert "Dieses Verfahren hat bereits Kriterien." in client.get(BASE).text
    assert len(in_db(settings, _criteria)) == 4


def _criteria_form(**overrides: str) -> dict[str, str]:
    return {
        "crit-0-id": "",
        "crit-0-name": "Wirkung",
        "crit-0-description": "Was sich ändert",
        "crit-0-weight": "2",
        "crit-1-id": "",
        "crit-1-name": "Kosten",
        "crit-1-description": "",
        "crit-1-weight": "1,5",
        "scale_max": "2",
        "level-0": "nein",
        "level-1": "teils",
        "level-2": "ja",
        "min_ratings": "3",
        "action": "save",
    } | overrides


def test_criteria_and_scale_are_saved_from_the_form(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    form = html(client.get(f"{BASE}/kriterien").text)
    # No criteria yet: one empty row, the default scale's five levels.
    assert one(form, "#crit-0-name")["value"] == ""
    assert len(form.select("input[id^=level-]")) == 5
    response = post_form(client, f"{BASE}/kriterien", _criteria_form())
    assert response.status_code == 303, response.text
    assert [(c.name, c.weight) for c in in_db(settings, _criteria)] == [
        ("Wirkung", 2.0),
        ("Kosten", 1.5),
    ]
    assert process.id is not None
    setup = in_db(settings, lambda s: criteria.setup_of(s, process.id or 0))
    assert (setup.scale_max, setup.levels, setup.min_ratings) == (2, ["nein", "teils", "ja"], 3)
    again = html(client.get(f"{BASE}/kriterien").text)
    assert one(again, "#crit-1-weight")["value"] == "1,5"
    # The same form once more changes nothing and logs nothing.
    logged = len(in_db(settings, _events))
    response = post_form(
        client,
        f"{BASE}/kriterien",
        _criteria_form(**{"crit-0-id": str(in_db(settings, _criteria)[0].id)})
        | {"crit-1-id": str(in_db(settings, _criteria)[1].id)},
    )
    assert response.status_code == 303
    assert "Es wurde nichts geändert." in client.get(BASE).text
    assert len(in_db(settings, _events)) == logged


def test_mistakes_come_back_at_their_fields_with_everything_typed(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    typed = _criteria_form(
        **{
            "crit-0-name": "",
            "crit-0-description": "Ohne Namen",
            "crit-1-weight": "sehr viel",
            "level-1": "",
            "min_ratings": "0",
        }
    )
    response = post_form(client, f"{BASE}/kriterien", typed)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "crit-0-name") == "Bitte geben Sie dem Kriterium einen Namen."
    assert "Zahl" in field_error(page, "crit-1-weight")
    assert one(page, "#crit-1-weight")["value"] == "sehr viel"
    assert one(page, "#crit-0-description").get_text() == "Ohne Namen"
    assert field_error(page, "level-1") == "Bitte beschreiben Sie diese Stufe."
    assert field_error(page, "min_ratings")
    assert one(page, ".error-summary a[href='#crit-1-weight']")
    assert in_db(settings, _criteria) == []


def test_rows_and_levels_are_added_without_javascript_and_nothing_is_saved(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    added = html(post_form(client, f"{BASE}/kriterien", _criteria_form(action="crit-add")).text)
    assert one(added, "#crit-2-name")["value"] == ""
    assert one(added, "#crit-1-name")["value"] == "Kosten"
    levels = html(
        post_form(client, f"{BASE}/kriterien", _criteria_form(action="levels", scale_max="4")).text
    )
    assert [one(levels, f"#level-{i}")["value"] for i in range(5)] == [
        "nein",
        "teils",
        "ja",
        "",
        "",
    ]
    assert in_db(settings, _criteria) == []


def test_after_the_first_rating_a_change_needs_the_tick(
    client: Client, settings: Settings, process: Process
) -> None:
    admin = _admin(client, settings)

    async def rated(session: AsyncSession) -> list[Criterion]:
        made = await criteria.apply_preset(session, process.id or 0, admin)
        setup = await criteria.setup_of(session, process.id or 0)
        setup.first_rating_at = utcnow()
        session.add(setup)
        await session.commit()
        return made

    made = in_db(settings, rated)
    page = html(client.get(f"{BASE}/kriterien").text)
    assert "Es wurden bereits Bewertungen gespeichert" in text_of(page)
    form = {
        str(field["name"]): str(field.get("value", ""))
        for field in page.select("form.admin-form input[name]")
        if field["name"] != "_csrf_token"
    } | {f"crit-{i}-description": c.description for i, c in enumerate(made)}
    form["crit-3-weight"] = "3"
    response = post_form(client, f"{BASE}/kriterien", form | {"action": "save"})
    assert response.status_code == 409
    asked = html(response.text)
    assert "Ich habe verstanden, dass sich alle Punktzahlen ändern" in text_of(asked)
    assert one(asked, "#confirm").get("checked") is None
    assert one(asked, "#crit-3-weight")["value"] == "3"
    assert [c.weight for c in in_db(settings, _criteria)] == [1.0] * 4

    response = post_form(client, f"{BASE}/kriterien", form | {"action": "save", "confirm": "on"})
    assert response.status_code == 303
    assert [c.weight for c in in_db(settings, _criteria)] == [1.0, 1.0, 1.0, 3.0]
    log = html(client.get(f"{BASE}/protokoll").text)
    assert "Gewicht von „Nachhaltigkeit“: 1 → 3" in text_of(log)
    assert "Kriterien geändert" in text_of(log)


def _round_form(**overrides: str) -> dict[str, str]:
    return {"title": "Bewertung 2027", "scope": "ready", "due_on": ""} | overrides


def test_a_round_over_chosen_profiles_with_two_evaluators(
    client: Client, settings: Settings, process: Process
) -> None:
    admin = _admin(client, settings)
    themes = in_db(settings, lambda s: add_themes(s, process))
    jury = in_db(settings, lambda s: add_staff(s, "jury@example.org", Role.EVALUATOR))
    schools = in_db(settings, lambda s: add_staff(s, "schule@example.org", Role.EVALUATOR))
    in_db(settings, lambda s: add_staff(s, "mod2@example.org", Role.MODERATOR))
    wlan = in_db(
        settings,
        lambda s: add_profile(
            s, process, title="WLAN", status=ProfileStatus.DRAFT, themes=[themes["schule"]]
        ),
    )
    bus = in_db(
        settings,
        lambda s: add_profile(
            s, process, title="Rufbus", status=ProfileStatus.READY, themes=[themes["oepnv"]]
        ),
    )
    in_db(settings, lambda s: add_profile(s, process, title="Ohne", status=ProfileStatus.READY))

    page = html(client.get(f"{BASE}/runden/neu").text)
    raters = text_of(one(page, "#evaluators"))
    # Named as their accounts are: by the address's first part until they choose a name.
    assert "jury (Bewertung)" in raters
    assert "admin (Administration)" in raters
    assert "mod2" not in raters
    assert "Entwurf (1)" in text_of(one(page, "#profiles"))

    due = (utcnow().date() + timedelta(days=14)).isoformat()
    response = post_form(
        client,
        f"{BASE}/runden/neu",
        _round_form(scope="chosen", due_on=due)
        | {
            f"p-{wlan.id}": "on",
            f"p-{bus.id}": "on",
            f"e-{jury.id}": "on",
            f"t-{jury.id}": "",
            f"e-{schools.id}": "on",
            f"t-{schools.id}": str(themes["schule"].id),
            f"t-{admin.id}": str(themes["oepnv"].id),  # not ticked: not assigned
        },
    )
    assert response.status_code == 303, response.text
    round_url = response.headers["location"]

    async def stored(session: AsyncSession) -> tuple[set[int], set[tuple[int, int | None]]]:
        profiles = set(await session.exec(select(RoundProfile.profile_id)))
        evaluators = await session.exec(select(RoundEvaluator.user_id, RoundEvaluator.theme_id))
        return profiles, set(evaluators)

    profiles, evaluators = in_db(settings, stored)
    assert profiles == {wlan.id, bus.id}
    assert evaluators == {(jury.id, None), (schools.id, themes["schule"].id)}

    # One submitted rating: the jury has rated one of two.
    async def rate(session: AsyncSession) -> None:
        criterion = Criterion(process_id=process.id or 0, name="Wirkung")
        session.add(criterion)
        await session.flush()
        round_ = (await session.exec(select(RatingRound))).one()
        session.add(
            Rating(
                round_id=round_.id or 0,
                profile_id=bus.id or 0,
                evaluator_id=jury.id or 0,
                criterion_id=criterion.id or 0,
                value=3,
                submitted_at=utcnow(),
            )
        )
        await session.commit()

    in_db(settings, rate)
    round_page = html(client.get(round_url).text)
    progress = text_of(one(round_page, ".evaluator-progress"))
    assert "jury (alle Steckbriefe): 1 von 2 bewertet" in progress
    assert "schule (Schulwege): 0 von 1 bewertet" in progress
    rows = text_of(one(round_page, "table:has(#round-profiles-caption) tbody"))
    assert "Rufbus Bus und Bahn" in rows
    overview = text_of(html(client.get(BASE).text))
    assert "Bewertung 2027" in overview
    assert "1 von 2 bewertet" in overview

    # Closing: the page says so and offers it no more; the log has both.
    close = post_form(client, round_url + "/close")
    assert close.status_code == 303
    closed = html(client.get(round_url).text)
    assert "geschlossen" in text_of(one(closed, "h1 + .meta"))
    assert not closed.select("form[action$='/close']")
    assert in_db(settings, lambda s: s.get(RatingRound, int(round_url.rsplit("/", 1)[1])))
    log = text_of(html(client.get(f"{BASE}/protokoll").text))
    assert "Runde geschlossen: Bewertung 2027" in log
    assert "Runde eröffnet: Bewertung 2027" in log
    assert "2 Steckbriefe" in log
    assert "2 Bewertende" in log


def test_a_round_that_cannot_be_opened_keeps_what_was_typed(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    themes = in_db(settings, lambda s: add_themes(s, process))
    jury = in_db(settings, lambda s: add_staff(s, "jury@example.org", Role.EVALUATOR))
    chosen = {
        f"e-{jury.id}": "on",
        f"t-{jury.id}": str(themes["oepnv"].id),
    }
    response = post_form(
        client,
        f"{BASE}/runden/neu",
        _round_form(scope="chosen", due_on="31.02.2027") | chosen,
    )
    assert response.status_code == 422
    page = html(response.text)
    assert "mindestens einen Steckbrief" in field_error(page, "profiles")
    assert "TT.MM.JJJJ" in field_error(page, "due_on")
    assert one(page, "#title")["value"] == "Bewertung 2027"
    assert one(page, "#due_on")["value"] == "31.02.2027"
    assert one(page, "#scope-chosen").has_attr("checked")
    assert one(page, f"#e-{jury.id}").has_attr("checked")
    assert one(page, f"#t-{jury.id} option[selected]")["value"] == str(themes["oepnv"].id)

    empty = html(post_form(client, f"{BASE}/runden/neu", _round_form(title="  ")).text)
    assert field_error(empty, "title")
    assert "bereit zur Bewertung" in field_error(empty, "profiles")
    assert "mindestens eine" in field_error(empty, "evaluators")
    past = (utcnow().date() - timedelta(days=1)).isoformat()
    late = html(post_form(client, f"{BASE}/runden/neu", _round_form(due_on=past)).text)
    assert "Vergangenheit" in field_error(late, "due_on")
    assert in_db(settings, lambda s: s.exec(select(RatingRound))).all() == []


def test_an_unknown_round_is_a_404_and_closing_it_too(client: Client, settings: Settings) -> None:
    _admin(client, settings)
    assert client.get("/admin/bewertung/runden/999999").status_code == 404
    assert post_form(client, "/admin/bewertung/runden/999999/close").status_code == 404
    assert client.get("/admin/processes/gibt-es-nicht/bewertung").status_code == 404


def test_the_log_is_paged_newest_first(
    client: Client, settings: Settings, process: Process
) -> None:
    admin = _admin(client, settings)

    async def many(session: AsyncSession) -> None:
        session.add_all(
            EvaluationEvent(
                process_id=process.id or 0,
                actor_id=admin.id,
                action=EvaluationAction.ROUND_CLOSED,
                details={"note": f"Eintrag {i}"},
            )
            for i in range(60)
        )
        await session.commit()

    in_db(settings, many)
    first = html(client.get(f"{BASE}/protokoll").text)
    rows = first.select("table:has(#evaluation-log-caption) tbody tr")
    assert len(rows) == 50
    assert "note: Eintrag 59" in text_of(rows[0])
    assert "admin Runde geschlossen" in text_of(rows[0])
    assert "60 Einträge" in text_of(one(first, "#evaluation-log-caption"))
    second = html(client.get(f"{BASE}/protokoll?page=2").text)
    assert len(second.select("table:has(#evaluation-log-caption) tbody tr")) == 10
    assert client.get(f"{BASE}/protokoll?page=abc").status_code == 200


def test_the_process_page_links_to_the_evaluation(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)
    page = html(client.get(f"/admin/processes/{SLUG}/edit").text)
    assert one(page, f"a[href='{BASE}']")


def test_a_closed_round_stays_closed_in_the_overview(
    client: Client, settings: Settings, process: Process
) -> None:
    _admin(client, settings)

    async def closed(session: AsyncSession) -> None:
        session.add(RatingRound(process_id=process.id or 0, title="Alt", status=RoundStatus.CLOSED))
        await session.commit()

    in_db(settings, closed)
    overview = html(client.get(BASE).text)
    assert "geschlossen" in text_of(one(overview, ".round-card"))


def test_the_overview_and_a_round_run_the_same_statements_however_many_rounds(
    client: Client, settings: Settings, process: Process
) -> None:
    admin = _admin(client, settings)
    themes = in_db(settings, lambda s: add_themes(s, process))

    async def rounds(session: AsyncSession, number: int, profiles: int) -> int:
        """`number` rounds over `profiles` new profiles each, every admin-assigned evaluator
        once for all and once for an action field; the last round's id."""
        last = 0
        for index in range(number):
            round_ = RatingRound(process_id=process.id or 0, title=f"Runde {index}")
            session.add(round_)
            await session.flush()
            last = round_.id or 0
            for p in range(profiles):
                profile = await add_profile(
                    session, process, title=f"P{index}-{p}", themes=[themes["schule"]]
                )
                session.add(RoundProfile(round_id=last, profile_id=profile.id or 0))
            session.add(RoundEvaluator(round_id=last, user_id=admin.id or 0))
            session.add(
                RoundEvaluator(round_id=last, user_id=admin.id or 0, theme_id=themes["oepnv"].id)
            )
        await session.commit()
        return last

    def statements(path: str) -> int:
        with recorded() as ran:
            assert client.get(path).status_code == 200
        return len(ran.runs)

    few = in_db(settings, lambda s: rounds(s, 1, 2))
    overview, round_page = statements(BASE), statements(f"/admin/bewertung/runden/{few}")
    many = in_db(settings, lambda s: rounds(s, 6, 12))
    assert statements(BASE) == overview
    assert statements(f"/admin/bewertung/runden/{many}") == round_page
    text = text_of(html(client.get(f"/admin/bewertung/runden/{many}").text))
    assert "admin (alle Steckbriefe): 0 von 12 bewertet" in text
