"""Addresses that carry a private token or code: whoever has one may act with it, so it stays
out of logs (`redact`, `RedactTokens`) and out of browser caches (`is_private`, see
middleware.py).

- /follow/<token>: an author's contributions (edit, delete, download)
- /umfrage/<token>: a survey response, from an invitation or the open link
- /abbestellen/<token>: stops the e-mails about an idea
- /abmelden/<token>: stops the firm panel's survey e-mails of a process
- /mitmachen/<code>: a focus group and its pupils' pages
- /einladung/<token>, /passwort-neu/<token>: set a staff account's password
"""

from __future__ import annotations

import logging
import re
from typing import Final

PRIVATE_PREFIXES: Final = (
    "follow",
    "umfrage",
    "abbestellen",
    "abmelden",
    "mitmachen",
    "einladung",
    "passwort-neu",
)
# Also percent-encoded, as in a `next=%2Ffollow%2F…` query of an access log line.
_TOKEN: Final = re.compile(
    rf"(/|%2F)({'|'.join(PRIVATE_PREFIXES)})(/|%2F)[^/?#&%\s\"']+", re.IGNORECASE
)
REDACTED: Final = "***"


def redact(text: str) -> str:
    """`text` with the token of every private address in it replaced by ***."""
    return _TOKEN.sub(rf"\1\2\3{REDACTED}", text)


def is_private(path: str) -> bool:
    """A path that begins with a private address (its pages must not be cached)."""
    found = _TOKEN.match(path)
    return found is not None and found[1] == "/"


class RedactTokens(logging.Filter):
    """Takes tokens out of log records, e.g. uvicorn's access log (`participation serve`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True
