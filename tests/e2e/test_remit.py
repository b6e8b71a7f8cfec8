"""A remit in real browsers: the demo's administrator limits a new moderator to one action
field of the demo process on the remit page; the moderator then opens an item of that field
and is told plainly, on an accessible page, that an item of another field lies outside their
remit. axe and phone width on every page state."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, ContributionTheme, Theme, ThemeSource, User
from tests.e2e.conftest import (
    LiveServer,
    check,
    create_staff,
    expect_console_errors,
    submit_login,
)

pytestmark = pytest.mark.e2e

MODERATOR = ("feld-e2e@example.org", "Feld-Auetal-2026-lang")


def _field_and_items(server: LiveServer) -> tuple[int, str, int, int, int]:
    """The moderator's id, an action field's name, an idea of it and one of no field."""

    async def find(session: AsyncSession) -> tuple[int, str, int, int, int]:
        user = (await session.exec(select(User).where(User.email == MODERATOR[0]))).one()
        tagged = (
            await session.exec(
                select(ContributionTheme.contribution_id, Theme)
                .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
                .where(ContributionTheme.source != ThemeSource.REJECTED)
                .order_by(col(ContributionTheme.contribution_id))
            )
        ).all()
        contribution_id, theme = tagged[0]
        in_field = {c for c, t in tagged if t.id == theme.id}
        outside = (
            await session.exec(
                select(Contribution.id)
                .where(
                    Contribution.process_id == theme.process_id,
                    col(Contribution.id).not_in(in_field),
                )
                .order_by(col(Contribution.id))
            )
        ).first()
        assert outside is not None
        return user.id or 0, theme.name, theme.id or 0, contribution_id, outside

    return server.in_db(find)


def test_an_admin_limits_a_moderator_to_one_action_field(
    browser: Browser, live_server: LiveServer
) -> None:
    create_staff(live_server, *MODERATOR, "moderator")
    user_id, field_name, field_id, inside, outside = _field_and_items(live_server)

    lines = (live_server.var_dir / "demo-login.txt").read_text().split("\n")
    admin = browser.new_context(locale="de-DE").new_page()
    admin.goto(live_server.url + "/login")
    submit_login(admin, lines[2], lines[3])
    admin.goto(f"{live_server.url}/admin/users/{user_id}/zustaendigkeit")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Zuständigkeit von feld-e2e")
    check(admin)
    process = admin.locator("fieldset", has=admin.get_by_label(field_name, exact=True))
    # "Only these fields" without a field: the message at the process, nothing saved.
    process.get_by_label("Nur diese Handlungsfelder:").check()
    admin.get_by_role("button", name="Zuständigkeit speichern").click()
    expect(
        process.get_by_text("Bitte kreuzen Sie mindestens ein Handlungsfeld an.")
    ).to_be_visible()
    check(admin)
    process.get_by_label(field_name, exact=True).check()
    admin.get_by_role("button", name="Zuständigkeit speichern").click()
    expect(admin.get_by_text("Die Zuständigkeit ist gespeichert.")).to_be_visible()
    remit = admin.locator("section", has=admin.get_by_role("heading", name="Zuständigkeit"))
    expect(remit.get_by_role("listitem")).to_contain_text(field_name)
    check(admin)
    remit.get_by_role("link", name="Zuständigkeit ändern").click()
    expect(admin.locator(f"#field-{field_id}")).to_be_checked()

    moderator = browser.new_context(locale="de-DE").new_page()
    moderator.goto(live_server.url + "/login")
    submit_login(moderator, *MODERATOR)
    moderator.goto(f"{live_server.url}/moderation/contributions/{inside}")
    expect(moderator.get_by_role("heading", level=1)).not_to_have_text(
        "Außerhalb Ihrer Zuständigkeit"
    )
    expect_console_errors(moderator.context, 403)
    answer = moderator.goto(f"{live_server.url}/moderation/contributions/{outside}")
    assert answer is not None
    assert answer.status == 403
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Außerhalb Ihrer Zuständigkeit")
    check(moderator)
