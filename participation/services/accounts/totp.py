"""Time-based one-time passwords (RFC 6238 over RFC 4226): 30-second steps, six digits,
HMAC-SHA1, as every authenticator app computes them. Pure functions; which step was last
accepted (replay) is kept by the caller (services/accounts/security.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from typing import Final
from urllib.parse import quote, urlencode

STEP_SECONDS: Final = 30
DIGITS: Final = 6
# A code of the step before or after counts too: clocks drift and people type slowly.
WINDOW: Final = 1
SECRET_BYTES: Final = 20  # 160 bits, as RFC 4226 recommends


def new_secret() -> str:
    """A random secret in base32 without padding (what authenticator apps take)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_for_step(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def code_at(secret: str, moment: datetime) -> str:
    return code_for_step(secret, step_at(moment))


def normalise_code(code: str) -> str:
    """A typed code without spaces or dashes ("123 456" is 123456)."""
    return "".join(code.split()).replace("-", "")


def matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The step (within ±WINDOW of `moment`) whose code `code` is, or None."""
    typed = normalise_code(code)
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    now = step_at(moment)
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):
        # Every step is compared, in constant time, so the time taken tells nothing.
        if hmac.compare_digest(code_for_step(secret, step), typed):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode({"secret": secret, "issuer": issuer, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}&digits={DIGITS}"


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
