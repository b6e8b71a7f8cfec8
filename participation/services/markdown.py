"""Markdown for text staff write (a process's description), rendered safely for the public.

CommonMark with raw HTML switched off: any HTML in the source comes out escaped. Links may
only point to http(s), mailto or a path on this site; images are off, because the page may
load nothing from another site (privacy, content-security policy).
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# The description sits under the page's h2 ("What this is about"): its headings start at h3.
_HEADING_SHIFT = 2


def _safe_link(url: str) -> bool:
    target = url.strip().lower()
    if target.startswith(_SAFE_SCHEMES):
        return True
    # A path on this site or an anchor; "//host" would leave the site, "x:" is a scheme.
    if target.startswith(("/", "#", "?")) and not target.startswith("//"):
        return True
    return ":" not in target.split("/", 1)[0] and not target.startswith("//")


def _shifted_heading(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Renders an opening or closing heading tag `_HEADING_SHIFT` levels down (at most h6)."""
    token = tokens[idx]
    token.tag = f"h{min(6, int(token.tag[1]) + _HEADING_SHIFT)}"
    return self.renderToken(tokens, idx, options, env)


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if href.startswith(("http://", "https://")):
        # Another site learns nothing about where the reader came from.
        token.attrSet("rel", "noopener noreferrer nofollow")
    return self.renderToken(tokens, idx, options, env)


def _create(breaks: bool = False) -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "breaks": breaks}
    md = MarkdownIt("commonmark", options)
    md.disable("image")
    md.validateLink = _safe_link  # type: ignore[method-assign]
    md.add_render_rule("heading_open", _shifted_heading)
    md.add_render_rule("heading_close", _shifted_heading)
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _create()
# Leichte Sprache puts every sentence on a line of its own: a line break stays one.
_MD_LINES = _create(breaks=True)


def render_markdown(source: str) -> Markup:
    """Safe HTML for Markdown text: raw HTML escaped, unsafe links left as plain text."""
    return Markup(_MD.render(source or ""))  # noqa: S704 - html is off, links are checked


def render_plain_markdown(source: str) -> Markup:
    """As render_markdown, with every line break kept (texts in Leichte Sprache)."""
    return Markup(_MD_LINES.render(source or ""))  # noqa: S704 - html is off, links are checked
