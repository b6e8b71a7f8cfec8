"""Triage as the pages show it: the spam flag's reasons in words ("4 links") and a text cut
into pieces, the personal data among them marked with its kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from participation.i18n import N_, gettext, ngettext
from participation.models import Contribution

PERSONAL_KINDS: Final = {
    "email": N_("e-mail address"),
    "phone": N_("phone number"),
    "iban": N_("IBAN"),
    "address": N_("street address"),
    "name": N_("name"),
}


def kind_label(kind: str) -> str:
    return gettext(PERSONAL_KINDS.get(kind, N_("personal data")))


def reason_text(code: str, figure: float) -> str:
    """One reason of the spam flag in words, with its figure."""
    n = int(figure)
    if code == "links":
        return ngettext("%(num)d link", "%(num)d links", n) % {"num": n}
    if code == "shouting":
        return gettext("%(share)d %% capital letters") % {"share": round(figure * 100)}
    if code == "repeated_characters":
        return gettext("a character %(n)d times in a row") % {"n": n}
    if code == "repeated_words":
        if float(figure).is_integer():
            return gettext("a word %(n)d times in a row") % {"n": n}
        return gettext("one word makes up %(share)d %% of the text") % {
            "share": round(figure * 100)
        }
    if code == "repeated_text":
        return gettext("the same text %(n)d times within a week") % {"n": n}
    if code == "insults":
        return ngettext("%(num)d insulting word", "%(num)d insulting words", n) % {"num": n}
    if code == "classifier":
        return gettext("resembles what moderators rejected as spam (%(p)d %%)") % {
            "p": round(figure * 100)
        }
    return code


@dataclass(frozen=True)
class Piece:
    text: str
    kind: str | None  # the personal data's kind; None for the text around it

    @property
    def label(self) -> str:
        return kind_label(self.kind) if self.kind else ""


@dataclass(frozen=True)
class TriageView:
    contribution: Contribution

    @property
    def spam_flagged(self) -> bool:
        return self.contribution.spam_flagged

    @property
    def reasons(self) -> list[str]:
        return [
            reason_text(str(r.get("code", "")), float(r.get("figure", 0)))
            for r in self.contribution.spam_reasons or []
        ]

    @property
    def spans(self) -> Sequence[dict[str, Any]]:
        return self.contribution.personal_data or []

    @property
    def personal_kinds(self) -> list[str]:
        """The kinds of personal data found, each once, in words."""
        kinds = dict.fromkeys(str(span.get("kind")) for span in self.spans)
        return [kind_label(kind) for kind in kinds]

    def pieces(self, field: str) -> list[Piece]:
        """The title's or text's pieces in order; spans that no longer fit the text (it was
        changed since) are left unmarked."""
        text = str(getattr(self.contribution, field))
        pieces: list[Piece] = []
        position = 0
        for span in sorted(
            (s for s in self.spans if s.get("field") == field), key=lambda s: int(s["start"])
        ):
            start, end = int(span["start"]), int(span["end"])
            if start < position or end > len(text) or start >= end:
                continue
            if start > position:
                pieces.append(Piece(text[position:start], None))
            pieces.append(Piece(text[start:end], str(span.get("kind"))))
            position = end
        if position < len(text):
            pieces.append(Piece(text[position:], None))
        return pieces


def triage_view(contribution: Contribution) -> TriageView:
    return TriageView(contribution)
