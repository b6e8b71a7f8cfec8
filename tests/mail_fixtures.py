"""Fixtures for tests of mails the app collects and sends itself (the tracking news, the
moderators' digest): a local SMTP server, settings that send to it, and sessions that queue
mails as the app's do. A test module imports them by name (pytest finds them there)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Final

import pytest

from participation.db import SessionMaker, create_engine, create_sessionmaker
from participation.services.mail import MailContext, enable
from participation.settings import MailSettings, Settings
from tests.smtp_inbox import Inbox, smtp_inbox

BASE: Final = "http://testserver.local"
SENDER: Final = "Beteiligung Landkreis <beteiligung@example.org>"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


@pytest.fixture
def settings(settings: Settings, inbox: Inbox) -> Settings:
    mail = MailSettings(host="127.0.0.1", port=inbox.port, security="none", sender=SENDER)
    return replace(settings, base_url=BASE, mail=mail)


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[SessionMaker]:
    """Sessions that queue mails, as the app's do, with no sender running."""
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    enable(sessionmaker, MailContext(settings))
    yield sessionmaker
    await engine.dispose()
