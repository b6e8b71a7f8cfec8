"""A profile as a one-page PDF (WeasyPrint), with a QR code that leads to its public page.

The HTML is the page's own sheet template with the print stylesheet; WeasyPrint may read
only the app's static files and data: URLs (the QR code), never anything from the network,
so a PDF never waits on, or tells, another site. Rendering takes a good part of a second of
CPU: it runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import weakref
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from participation.lru import LRUCache
from participation.qr import qr_svg
from participation.settings import PROJECT_ROOT

STATIC_DIR: Final = (PROJECT_ROOT / "static").resolve()
STYLESHEETS: Final = (STATIC_DIR / "css" / "app.css", STATIC_DIR / "css" / "print.css")


class RemoteResourceRefused(ValueError):
    """WeasyPrint asked for something outside the static files; it is left out."""


def allowed(url: str) -> bool:
    """data: URLs and files under static/; nothing else (no network, no other file)."""
    if url.startswith("data:"):
        return True
    if not url.startswith("file://"):
        return False
    path = unquote(urlsplit(url).path)
    return Path(path).resolve().is_relative_to(STATIC_DIR)


@cache
def local_only_fetcher() -> Any:
    """WeasyPrint's URL fetcher, limited to what `allowed` lets through, no redirects.
    Made on first use: importing WeasyPrint loads pango, which the app needs only here."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not allowed(url):
                raise RemoteResourceRefused(f"not fetched: {url[:200]}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"data", "file"}, allow_redirects=False)


@lru_cache(maxsize=256)
def qr_data_url(url: str) -> str:
    """The QR code of `url` as a data: URL for an <img> (kept: the same few pages ask)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")


@cache
def _stylesheets() -> list[Any]:
    """app.css and print.css, parsed once per process (a tenth of a second each time)."""
    from weasyprint import CSS

    return [CSS(filename=str(path), url_fetcher=local_only_fetcher()) for path in STYLESHEETS]


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML

    base_url = STATIC_DIR.as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=local_only_fetcher())
    pdf: bytes = document.write_pdf(stylesheets=_stylesheets())  # no target: the bytes
    return pdf


# Rendered PDFs by their HTML's hash: the same sheet is the same PDF, so a crowd (or a
# flood of made-up query strings, which the kept pages tell apart) costs one rendering.
_RENDERED: Final[LRUCache[bytes]] = LRUCache(len, max_entries=256, max_cost=32 * 1024 * 1024)
# At most this many renderings at once per process: each takes a core for a good part of a
# second, and the worker threads are shared with the rest of the app.
RENDERINGS_AT_ONCE: Final = 2
# One limiter per event loop (a limiter belongs to the loop it is used in).
_limiters: Final[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]] = (
    weakref.WeakKeyDictionary()
)


async def render_pdf(html: str) -> bytes:
    """The PDF of a sheet's HTML, rendered in a worker thread (or as rendered before)."""
    key = hashlib.sha256(html.encode("utf-8")).digest()
    if (pdf := _RENDERED.get(key)) is not None:
        return pdf
    loop = asyncio.get_running_loop()
    if (limiter := _limiters.get(loop)) is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(RENDERINGS_AT_ONCE)
    pdf = await anyio.to_thread.run_sync(_write_pdf, html, limiter=limiter)
    _RENDERED.put(key, pdf)
    return pdf
