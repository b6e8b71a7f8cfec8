"""The account rules as services: TOTP codes, recovery codes, invitation and reset links,
the last-admin rule and the per-account sign-in lock (routes: tests/test_accounts_pages.py)."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.labels import label
from participation.models import (
    AccountEvent,
    AccountEventKind,
    AccountLink,
    LinkPurpose,
    OutgoingMail,
    Role,
    User,
    utcnow,
)
from participation.services.accounts import admin, by_link, links, lock, security, totp
from participation.services.errors import ValidationFailed
from participation.services.mail import MailContext, enable
from participation.services.users import SignInLocked, authenticate, check_password
from participation.settings import MailSettings, Settings
from tests.helpers import PASSWORD, add_staff

NEW_PASSWORD = "ein ganz anderes langes Passwort"
# RFC 6238, appendix B: the SHA-1 secret and its 8-digit codes (the last six digits here).
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_CODES = [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")]


# --- TOTP -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "code"), RFC_CODES)
def test_codes_match_the_rfc_test_vectors(seconds: int, code: str) -> None:
    assert totp.code_at(RFC_SECRET, datetime.fromtimestamp(seconds, UTC)) == code


def test_a_code_counts_one_step_either_side_and_no_further() -> None:
    secret, now = totp.new_secret(), datetime(2026, 12, 6, 14, 0, 10, tzinfo=UTC)
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        code = totp.code_for_step(secret, step + offset)
        assert totp.matching_step(secret, code, now) == step + offset
        assert totp.matching_step(secret, code[:3] + " " + code[3:], now) == step + offset
    for offset in (-2, 2):
        code = totp.code_for_step(secret, step + offset)
        if code not in {totp.code_for_step(secret, step + o) for o in (-1, 0, 1)}:
            assert totp.matching_step(secret, code, now) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "abcdef", now) is None


def test_the_provisioning_address_names_the_site_and_account() -> None:
    uri = totp.provisioning_uri("ABCDEFGH", "anna@example.org", "Beteiligung")
    assert uri.startswith("otpauth://totp/Beteiligung:anna@example.org?")
    assert "secret=ABCDEFGH" in uri
    assert "issuer=Beteiligung" in uri
    assert "digits=6" in uri


async def _with_totp(session: AsyncSession, email: str = "zwei@example.org") -> tuple[User, str]:
    user = await add_staff(session, email)
    secret = totp.new_secret()
    # The first code confirms the setup; a new login then needs a later step's code.
    await security.enable_totp(
        session, user, secret, totp.code_for_step(secret, totp.step_at(utcnow()) - 1)
    )
    return user, secret


async def test_a_code_is_taken_once(session: AsyncSession) -> None:
    user, secret = await _with_totp(session)
    code = totp.code_at(secret, utcnow())
    assert await security.check_second_factor(session, user, code)
    assert not await security.check_second_factor(session, user, code)  # replay
    # The code of the step used at setup (an earlier one) is refused too.
    earlier = totp.code_for_step(secret, totp.step_at(utcnow()) - 1)
    assert not await security.check_second_factor(session, user, earlier)


async def test_setup_needs_a_right_code(session: AsyncSession) -> None:
    user = await add_staff(session, "setup@example.org")
    with pytest.raises(ValidationFailed) as failed:
        await security.enable_totp(session, user, totp.new_secret(), "000000x")
    assert "code" in failed.value.errors
    assert user.totp_secret is None


async def test_recovery_codes_work_once_each(session: AsyncSession) -> None:
    user, _secret = await _with_totp(session)
    assert user.id is not None
    codes = await security.new_recovery_codes(session, user)
    assert len(codes) == len(set(codes)) == security.RECOVERY_CODES
    assert await security.check_second_factor(session, user, codes[0].upper())
    assert not await security.check_second_factor(session, user, codes[0])
    assert await security.remaining_recovery_codes(session, user.id) == 9
    # New codes replace the old ones.
    fresh = await security.new_recovery_codes(session, user)
    assert not await security.check_second_factor(session, user, codes[1])
    assert await security.check_second_factor(session, user, fresh[1])
    kinds = (await session.exec(select(AccountEvent.kind))).all()
    assert kinds.count(AccountEventKind.RECOVERY_CODE_USED) == 2


async def test_turning_off_needs_the_password_and_an_optional_role(session: AsyncSession) -> None:
    user, _secret = await _with_totp(session)
    with pytest.raises(ValidationFailed):
        await security.disable_totp(session, user, "falsch", frozenset())
    with pytest.raises(ValidationFailed):
        await security.disable_totp(session, user, PASSWORD, frozenset({"moderator"}))
    await security.disable_totp(session, user, PASSWORD, frozenset({"admin"}))
    assert user.totp_secret is None


# --- the per-account lock ---------------------------------------------------------------------


async def test_ten_wrong_codes_lock_the_account_and_are_logged(session: AsyncSession) -> None:
    user, secret = await _with_totp(session)
    for _ in range(lock.FAILURES_BEFORE_LOCK - 1):
        assert not await security.check_second_factor(session, user, "000000")
    with pytest.raises(SignInLocked) as locked:
        await security.check_second_factor(session, user, "000000")
    assert locked.value.until > utcnow() + timedelta(minutes=14)
    # Locked: the right code and the right password are refused too, also in another spelling.
    with pytest.raises(SignInLocked):
        await security.check_second_factor(session, user, totp.code_at(secret, utcnow()))
    with pytest.raises(SignInLocked):
        await check_password(session, user.email.upper(), PASSWORD)
    events = (await session.exec(select(AccountEvent.kind))).all()
    assert events.count(AccountEventKind.LOCKED) == 1


async def test_wrong_passwords_lock_the_account_and_success_clears_it(
    session: AsyncSession,
) -> None:
    user = await add_staff(session, "konto@example.org")
    for _ in range(3):
        assert await authenticate(session, user.email, "falsch") is None
    assert user.failed_sign_ins == 3
    assert await authenticate(session, user.email, PASSWORD) is not None
    await session.refresh(user)
    assert user.failed_sign_ins == 0
    assert user.locked_until is None


# --- invitations ------------------------------------------------------------------------------


async def test_an_invitation_sets_name_and_password_once(session: AsyncSession) -> None:
    boss = await add_staff(session, "chefin@example.org", Role.ADMIN)
    made = await admin.invite(session, boss, " Neu@Example.org ", "evaluator")
    assert not made.mailed  # no mail configured: the admin is shown the link
    assert made.user.email == "neu@example.org"
    assert made.user.role is Role.EVALUATOR
    assert await check_password(session, "neu@example.org", "") is None  # no password yet
    with pytest.raises(ValidationFailed) as weak:
        await by_link.accept_invitation(session, made.token, "Nora Neu", "kurz", "kurz")
    assert set(weak.value.errors) == {"password"}
    user = await by_link.accept_invitation(
        session, made.token, " Nora  Neu ", NEW_PASSWORD, NEW_PASSWORD
    )
    assert user.display_name == "Nora Neu"
    assert await authenticate(session, "neu@example.org", NEW_PASSWORD) is not None
    with pytest.raises(ValidationFailed) as reused:
        await by_link.accept_invitation(session, made.token, "Nora", NEW_PASSWORD, NEW_PASSWORD)
    assert "link" in reused.value.errors
    kinds = (await session.exec(select(AccountEvent.kind).order_by(col(AccountEvent.id)))).all()
    assert kinds == [AccountEventKind.INVITED, AccountEventKind.JOINED]


async def test_an_invitation_expires_after_seven_days(session: AsyncSession) -> None:
    boss = await add_staff(session, "chefin@example.org", Role.ADMIN)
    made = await admin.invite(session, boss, "spaet@example.org", "moderator")
    await session.exec(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    await session.commit()
    assert await by_link.link_works(session, made.token, LinkPurpose.INVITATION) is None


async def test_sending_again_voids_the_old_link(session: AsyncSession) -> None:
    boss = await add_staff(session, "chefin@example.org", Role.ADMIN)
    first = await admin.invite(session, boss, "zweimal@example.org", "moderator")
    second = await admin.renew_invitation(session, boss, first.user)
    assert await by_link.link_works(session, first.token, LinkPurpose.INVITATION) is None
    assert await by_link.link_works(session, second.token, LinkPurpose.INVITATION) is not None
    with pytest.raises(ValidationFailed) as taken:
        await admin.invite(session, boss, "zweimal@example.org", "moderator")
    assert "email" in taken.value.errors
    with pytest.raises(ValidationFailed):
        await admin.invite(session, boss, "dritte@example.org", "kaiser")


# --- password reset ---------------------------------------------------------------------------


async def _reset_link(session: AsyncSession, user: User) -> str:
    token = await links.new_link(session, user, LinkPurpose.PASSWORD_RESET)
    await session.commit()
    return token


async def test_a_reset_link_works_once_and_ends_other_sessions(session: AsyncSession) -> None:
    user = await add_staff(session, "vergessen@example.org")
    generation = user.session_generation
    token = await _reset_link(session, user)
    with pytest.raises(ValidationFailed) as mismatch:
        await by_link.reset_password(session, token, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert "password_repeat" in mismatch.value.errors
    await by_link.reset_password(session, token, NEW_PASSWORD, NEW_PASSWORD)
    assert user.session_generation == generation + 1
    assert await authenticate(session, user.email, NEW_PASSWORD) is not None
    with pytest.raises(ValidationFailed) as reused:
        await by_link.reset_password(session, token, PASSWORD, PASSWORD)
    assert "link" in reused.value.errors


async def test_a_reset_link_expires_after_an_hour(session: AsyncSession) -> None:
    user = await add_staff(session, "stunde@example.org")
    token = await _reset_link(session, user)
    link = (await session.exec(select(AccountLink))).one()
    assert timedelta(minutes=59) < link.expires_at - utcnow() <= timedelta(hours=1)
    link.expires_at = utcnow() - timedelta(seconds=1)
    session.add(link)
    await session.commit()
    with pytest.raises(ValidationFailed):
        await by_link.reset_password(session, token, NEW_PASSWORD, NEW_PASSWORD)


# --- the last admin ---------------------------------------------------------------------------


async def test_the_last_active_admin_stays(session: AsyncSession) -> None:
    boss = await add_staff(session, "chefin@example.org", Role.ADMIN)
    with pytest.raises(ValidationFailed) as demoted:
        await admin.change_role(session, boss, boss, "moderator")
    assert "last_admin" in demoted.value.errors
    with pytest.raises(ValidationFailed):
        await admin.set_active(session, boss, boss, False)
    # An invited admin without a password does not count; a deactivated one neither.
    await admin.invite(session, boss, "eingeladen@example.org", "admin")
    await add_staff(session, "inaktiv@example.org", Role.ADMIN, active=False)
    with pytest.raises(ValidationFailed):
        await admin.set_active(session, boss, boss, False)
    second = await add_staff(session, "zweite@example.org", Role.ADMIN)
    await admin.change_role(session, second, boss, "moderator")
    assert boss.role is Role.MODERATOR
    with pytest.raises(ValidationFailed):
        await admin.set_active(session, second, second, False)
    event = (
        await session.exec(
            select(AccountEvent).where(col(AccountEvent.kind) == AccountEventKind.ROLE_CHANGED)
        )
    ).one()
    assert event.actor_id == second.id
    # In the site's language when it was written.
    assert event.detail == f"{label(Role.ADMIN)} → {label(Role.MODERATOR)}"


async def test_reset_requests_mail_known_addresses_three_times_an_hour(
    session: AsyncSession, settings: Settings
) -> None:
    user = await add_staff(session, "oft@example.org")
    mailing = replace(
        settings,
        base_url="https://beteiligung.example.org",
        mail=MailSettings(host="127.0.0.1", port=1, security="none", sender="b@example.org"),
    )
    engine = create_engine(mailing)
    sessionmaker = create_sessionmaker(engine)
    enable(sessionmaker, MailContext(mailing))
    try:
        await by_link.request_reset(sessionmaker, "niemand@example.org")
        for _ in range(by_link.RESETS_PER_HOUR + 2):
            await by_link.request_reset(sessionmaker, " OFT@example.org ")
    finally:
        await engine.dispose()
    mails = (await session.exec(select(OutgoingMail))).all()
    assert [m.recipient for m in mails] == [user.email] * by_link.RESETS_PER_HOUR
    assert "https://beteiligung.example.org/passwort-neu/" in mails[-1].body
    # Only the newest link works.
    works = (
        await session.exec(select(AccountLink).where(col(AccountLink.spent_at).is_(None)))
    ).all()
    assert len(works) == 1
