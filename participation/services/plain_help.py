"""The help texts of the plain-language idea form ("Einfache Sprache"): one per step, each with
a default in plain words, which an admin may replace per process with a text of their own in
Leichte Sprache (Process.plain_help); and the rules for what an admin may store there.

A leaf module (no other service imported), so the process administration and the plain form
can both use it. A new step of the plain form (services/plain_idea.py) that wants a help text
adds its entry here under the step's name: the admin form lists it by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from participation.i18n import N_, _, current_locale

PLAIN_DESCRIPTION_MAX: Final = 20_000
PLAIN_HELP_MAX: Final = 1_000
# The admin writes these texts in German Leichte Sprache: pages in another language keep the
# defaults, which are translated.
ADMIN_TEXT_LOCALE: Final = "de"


@dataclass(frozen=True)
class PlainHelp:
    """A step's help text: its key (the step's name), what the admin form calls the step,
    and the default text (message ids, translated when shown)."""

    key: str
    step_label: str
    default: str


HELP_TEXTS: Final[tuple[PlainHelp, ...]] = (
    PlainHelp(
        "idea",
        N_("Your idea in one sentence"),
        N_(
            "Write your idea in one short sentence. "
            "For example: There should be a bench at the bus stop."
        ),
    ),
    PlainHelp(
        "more",
        N_("More about the idea"),
        N_(
            "What is the problem now? What should be better? Who does your idea help? "
            "Write 2 or 3 sentences."
        ),
    ),
    PlainHelp(
        "who",
        N_("Who are you?"),
        N_("Choose one answer. We do not ask for your name."),
    ),
    PlainHelp(
        "place",
        N_("Place"),
        N_(
            "Write the name of your town or village. You can also leave this empty. "
            "For a firm: write the town of the firm."
        ),
    ),
    PlainHelp(
        "site",
        N_("Site"),
        N_(
            "Some ideas come from a school or another place of this process. "
            "Is that so with your idea? Then choose the place. If not: choose “None of these”."
        ),
    ),
    PlainHelp(
        "firm-name",
        N_("Name of the firm"),
        N_("Write the name of your firm. We do not publish it with your idea."),
    ),
    PlainHelp(
        "firm-sector",
        N_("What the firm does"),
        N_("Choose what your firm does. Choose the answer that fits best."),
    ),
    PlainHelp(
        "firm-size",
        N_("Size of the firm"),
        N_("How many people work in your firm? Choose one answer."),
    ),
    PlainHelp(
        "contact",
        N_("E-mail"),
        N_(
            "You can give your e-mail address. Then we write to you when something happens "
            "with your idea. You can also leave this empty."
        ),
    ),
    PlainHelp(
        "check",
        N_("Check and send"),
        N_(
            "Read your answers. Is something wrong? Then press “Change”. "
            "Is everything right? Then tick the box and press “Send idea”."
        ),
    ),
)
HELP_KEYS: Final = frozenset(entry.key for entry in HELP_TEXTS)
_DEFAULTS: Final = {entry.key: entry.default for entry in HELP_TEXTS}


def help_text(own: Mapping[str, str], key: str) -> str:
    """The help text a step shows: the admin's own (on German pages), else the default."""
    text = own.get(key, "")
    if text and current_locale.get() == ADMIN_TEXT_LOCALE:
        return text
    return _(_DEFAULTS[key]) if key in _DEFAULTS else ""


def help_field(key: str) -> str:
    """The admin form's field name for a step's help text."""
    return f"plain_help-{key}"


def read_help_fields(data: Mapping[str, str]) -> dict[str, str]:
    """The help texts as typed into the admin form, every known step, verbatim."""
    return {entry.key: data.get(help_field(entry.key), "") for entry in HELP_TEXTS}


def clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def stored_help(typed: Mapping[str, str]) -> dict[str, str]:
    """What is kept: the texts an admin wrote, cleaned; empty ones are left out (the default
    shows), as are keys no step knows."""
    return {key: text for key in sorted(HELP_KEYS) if (text := clean_text(typed.get(key, "")))}


def check_plain_texts(description: str, typed_help: Mapping[str, str]) -> dict[str, str]:
    """A message per field that is too long (field names as in the admin form)."""
    errors: dict[str, str] = {}
    if len(clean_text(description)) > PLAIN_DESCRIPTION_MAX:
        errors["plain_description"] = _("Please use at most %(n)d characters.") % {
            "n": PLAIN_DESCRIPTION_MAX
        }
    for key, text in typed_help.items():
        if len(clean_text(text)) > PLAIN_HELP_MAX:
            errors[help_field(key)] = _("Please use at most %(n)d characters.") % {
                "n": PLAIN_HELP_MAX
            }
    return errors
