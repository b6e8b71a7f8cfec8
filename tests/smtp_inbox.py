"""A real SMTP server for tests (aiosmtpd on a free local port) that keeps what it receives."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from threading import Lock
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the local SMTP server received: (envelope recipients, parsed message)."""

    port: int = 0
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first `count` messages, waiting for the app's sender to deliver them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return [message for _rcpt, message in self.messages]
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mails, got {len(self.messages)}")

    def to(self, address: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages delivered to one address, oldest first, once there are `count`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [message for rcpt, message in self.messages if address in rcpt]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mails to {address}, got {len(found)}")


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # SMTP's line ends


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    received.port = controller.port
    try:
        yield received
    finally:
        controller.stop()
