"""The calibration view and the priority groups in the browser (routes/evaluation_plan.py):
the table in rank order with flags and sorting, groups defined with errors kept as typed or
taken over from the preset, the proposal, a move with its reason; admins only."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Rating, Role, utcnow
from participation.services.evaluation import groups
from participation.services.evaluation.calibration import calibration
from participation.services.evaluation.groups import GroupRow
from participation.settings import Settings
from tests.evaluation_rows import Round, rated_round
from tests.helpers import SLUG, Client, add_staff, html, in_db, login, one, post_form, text_of

GROUPS = f"/admin/processes/{SLUG}/bewertung/gruppen"


async def _disagreeing(session: AsyncSession) -> Round:
    """The rated round, and evaluator two rates B too: 1 on the first criterion where
    evaluator one gave 3, two levels apart. Scores: A 4.0, C 3.0, B 2.33, D 1.33."""
    made = await rated_round(session)
    b = made.profiles[1]
    for criterion, value in zip(made.criteria, (1, 3), strict=True):
        session.add(
            Rating(
                round_id=made.round_id,
                profile_id=b.id or 0,
                evaluator_id=made.evaluators[1].id or 0,
                criterion_id=criterion.id or 0,
                value=value,
                submitted_at=utcnow(),
            )
        )
    await session.commit()
    return made


def _admin(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, "chefin@example.org", Role.ADMIN))
    assert login(client, "chefin@example.org").status_code == 303
    return client


def _titles(client: Client, url: str) -> list[str]:
    page = html(client.get(url).text)
    return [text_of(one(row, "th a")) for row in page.select("table.calibration tbody tr")]


def test_the_calibration_view_ranks_flags_and_sorts(client: Client, settings: Settings) -> None:
    made = in_db(settings, _disagreeing)
    admin = _admin(client, settings)
    url = f"/admin/bewertung/runden/{made.round_id}/kalibrierung"
    page = html(admin.get(url).text)
    rows = page.select("table.calibration tbody tr")
    assert [text_of(one(r, "th a")) for r in rows] == ["A", "C", "B", "D"]
    flagged = [text_of(one(r, "th a")) for r in page.select("tr.calibration__flagged")]
    assert flagged == ["B"]
    assert "besprechen" in text_of(rows[2])
    assert "2,33" in text_of(rows[2])
    assert _titles(admin, f"{url}?sort=title") == ["A", "B", "C", "D"]
    assert _titles(admin, f"{url}?sort=flags") == ["B", "A", "C", "D"]
    assert _titles(admin, f"{url}?sort=unbekannt") == ["A", "C", "B", "D"]
    # No groups yet: proposing says what to do first.
    refused = post_form(admin, f"/admin/bewertung/runden/{made.round_id}/gruppen-vorschlagen")
    assert refused.status_code == 303
    assert "zuerst die Prioritätsgruppen" in text_of(html(admin.get(url).text))
    assert admin.get("/admin/bewertung/runden/999999/kalibrierung").status_code == 404


def test_groups_are_defined_proposed_and_a_profile_moved(
    client: Client, settings: Settings
) -> None:
    made = in_db(settings, _disagreeing)
    admin = _admin(client, settings)
    # Typed with mistakes: answered on the form, what was typed kept.
    typed = {
        "group-0-name": "Premium+",
        "group-0-size": "1",
        "group-0-threshold": "3",
        "group-1-name": "Premium",
        "group-1-size": "eins",
        "group-2-name": "Weitere",
    }
    answer = post_form(admin, GROUPS, typed)
    assert answer.status_code == 422
    page = html(answer.text)
    assert "Entweder eine Zahl" in text_of(one(page, ".error-summary"))
    assert one(page, "#group-1-size")["value"] == "eins"
    assert one(page, "#group-0-size").get("aria-invalid") == "true"
    added = html(post_form(admin, GROUPS, {**typed, "add": "1"}).text)
    assert len(added.select("fieldset.form-row")) == 4

    saved = post_form(admin, GROUPS, {**typed, "group-0-threshold": "", "group-1-size": "1"})
    assert saved.status_code == 303
    assert post_form(admin, f"{GROUPS}/vorlage").status_code == 303  # groups exist: refused
    assert "bereits Prioritätsgruppen" in text_of(html(admin.get(GROUPS).text))

    url = f"/admin/bewertung/runden/{made.round_id}/kalibrierung"
    proposed = post_form(admin, f"/admin/bewertung/runden/{made.round_id}/gruppen-vorschlagen")
    assert proposed.status_code == 303
    page = html(admin.get(url).text)
    assert "4 Steckbriefe in die Gruppen eingeordnet" in text_of(page)
    placed = {
        text_of(one(r, "th a")): text_of(r.select("td")[-1]).split(" ")[0]
        for r in page.select("table.calibration tbody tr")
    }
    assert placed == {"A": "Premium+", "C": "Premium", "B": "Weitere", "D": "Weitere"}

    b = made.profiles[1].id
    move = f"/admin/bewertung/runden/{made.round_id}/steckbriefe/{b}/verschieben"
    premium = one(page, f"#group-{b}").select("option")
    premium_id = next(str(o["value"]) for o in premium if text_of(o) == "Premium")
    post_form(admin, move, {"group": premium_id, "reason": " "})
    assert "Bitte begründen" in text_of(html(admin.get(url).text))
    post_form(admin, move, {"group": premium_id, "reason": "Schnell umsetzbar"})
    row = one(html(admin.get(url).text), f"#profile-{b}")
    assert "Premium (verschoben: Schnell umsetzbar)" in text_of(row)


def test_only_admins_calibrate(client: Client, settings: Settings) -> None:
    made = in_db(settings, rated_round)
    for role in (Role.MODERATOR, Role.EVALUATOR, Role.EDITOR):
        email = f"{role.value}@example.org"

        async def staff(session: AsyncSession, email: str = email, role: Role = role) -> None:
            await add_staff(session, email, role)

        in_db(settings, staff)
        client.cookies.clear()
        assert login(client, email).status_code == 303
        url = f"/admin/bewertung/runden/{made.round_id}/kalibrierung"
        assert client.get(url).status_code == 403


async def test_the_distribution_marks_each_groups_lowest_score(session: AsyncSession) -> None:
    made = await _disagreeing(session)
    await groups.save_groups(
        session, made.process_id, [GroupRow(name="Oben", size="2"), GroupRow(name="Rest")]
    )
    view = await calibration(session, made.round_id)
    marked = {(b.low, b.high): list(b.boundaries) for b in view.bins if b.boundaries}
    assert marked == {(3.0, 3.5): ["Oben"]}  # the second of the top two, C, scores 3.0
    assert sum(b.count for b in view.bins) == 4
