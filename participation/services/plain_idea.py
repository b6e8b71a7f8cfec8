"""The idea form in plain language ("Einfache Sprache"): the normal idea form's questions, one
per step, with short help texts (services/plain_help.py), a progress count and a way back.

Nothing is stored before the last step: the answers travel from step to step in hidden
fields of the page, so an idea never sent leaves no personal data behind. Each step checks
its own fields with the idea form's rules (`check_field` in services/contributions.py), and
sending goes through `submit_idea` like the normal form: the same validation, deadline and
channel, spam triage, consent, mails and moderation. This module only decides which step
comes when.

To add a step (e.g. a choice of site): give IdeaForm the field and the idea form its rule,
add a PlainStep to STEPS in the place it should be asked with its `applies` rule, a template
`partials/plain_language/_step_<name>.html` for its question, and a help text under the
step's name in services/plain_help.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from participation.i18n import N_, _
from participation.models import Process, Segment, Site
from participation.services.contributions import (
    IDEA_FIELDS,
    PUBLIC_SEGMENTS,
    IdeaForm,
    check_field,
)
from participation.services.plain_help import help_text
from participation.wz2008 import section_name

# The form fields that are ticked boxes (sent as "on" while ticked).
_CHECKBOXES: Final = frozenset({"notify_consent", "consent"})
# The answers to "Who are you?" in plain words, in the order the normal form offers them.
SEGMENT_LABELS: Final[dict[str, str]] = {
    Segment.RESIDENT.value: N_("I live here."),
    Segment.PUPIL.value: N_("I go to school or I am an apprentice."),
    Segment.FIRM.value: N_("I write for a firm."),
    Segment.OTHER.value: N_("Something else."),
}
SIZE_LABELS: Final[dict[str, str]] = {
    "1-9": N_("1 to 9 people"),
    "10-49": N_("10 to 49 people"),
    "50-249": N_("50 to 249 people"),
    "250+": N_("250 people or more"),
}


@dataclass(frozen=True)
class PlainContext:
    """What decides which steps a person is asked, beside their own answers."""

    process: Process
    mail_enabled: bool  # the site sends e-mail: the contact step is asked
    # The process's sites (e.g. its vocational schools): the site step is asked when there
    # are any.
    sites: Sequence[Site] = ()


def _always(_form: IdeaForm, _context: PlainContext) -> bool:
    return True


def _firms(form: IdeaForm, _context: PlainContext) -> bool:
    return form.is_firm


def _with_sites(_form: IdeaForm, context: PlainContext) -> bool:
    return bool(context.sites)


def _with_mail(_form: IdeaForm, context: PlainContext) -> bool:
    return context.mail_enabled


@dataclass(frozen=True)
class PlainStep:
    """One step: the idea form's fields it asks, its question (a message id; firms may get
    their own wording), and when it is asked."""

    name: str
    fields: tuple[str, ...]
    question: str
    firm_question: str = ""
    applies: Callable[[IdeaForm, PlainContext], bool] = _always

    def heading(self, form: IdeaForm) -> str:
        if form.is_firm and self.firm_question:
            return _(self.firm_question)
        return _(self.question)

    @property
    def template(self) -> str:
        return f"partials/plain_language/_step_{self.name}.html"


CHECK_STEP: Final = "check"
STEPS: Final[tuple[PlainStep, ...]] = (
    PlainStep("idea", ("title",), N_("What is your idea?")),
    PlainStep("more", ("body",), N_("Tell us more about your idea.")),
    PlainStep("who", ("segment",), N_("Who are you?")),
    PlainStep("place", ("municipality",), N_("Where do you live?"), N_("Where is your firm?")),
    PlainStep(
        "site", ("site",), N_("Does your idea come from one of these places?"), applies=_with_sites
    ),
    PlainStep("firm-name", ("organisation_name",), N_("What is your firm called?"), applies=_firms),
    PlainStep(
        "firm-sector", ("organisation_sector",), N_("What does your firm do?"), applies=_firms
    ),
    PlainStep("firm-size", ("organisation_size",), N_("How big is your firm?"), applies=_firms),
    PlainStep(
        "contact",
        ("notify_email", "notify_consent"),
        N_("Do you want news by e-mail?"),
        applies=_with_mail,
    ),
    # The consent is asked last, beside the answers it agrees to.
    PlainStep(CHECK_STEP, ("consent",), N_("Check and send")),
)
_BY_NAME: Final = {step.name: step for step in STEPS}
# Every field a step asks is a field of the idea form with a rule.
assert {f for step in STEPS for f in step.fields} <= set(IDEA_FIELDS)


@dataclass(frozen=True)
class StepView:
    """A step as the page shows it: where it is in the person's way through the form."""

    step: PlainStep
    number: int
    total: int
    heading: str
    help: str
    hidden: Sequence[tuple[str, str]]  # the other answers, carried along
    errors: dict[str, str]

    @property
    def is_first(self) -> bool:
        return self.number == 1

    @property
    def is_last(self) -> bool:
        return self.step.name == CHECK_STEP


def steps_for(form: IdeaForm, context: PlainContext) -> list[PlainStep]:
    """The steps this person is asked, given their answers so far (firms get three more)."""
    return [step for step in STEPS if step.applies(form, context)]


def step_named(name: str) -> PlainStep:
    """A step by its name; an unknown name (a forged form) is the first step."""
    return _BY_NAME.get(name, STEPS[0])


def check_step(form: IdeaForm, step: PlainStep) -> dict[str, str]:
    """The messages for the fields of one step: the idea form's own rules."""
    return {name: message for name in step.fields if (message := check_field(form, name))}


def _value(form: IdeaForm, name: str) -> str:
    value = getattr(form, name)
    if name in _CHECKBOXES:
        return "on" if value else ""
    return str(value)


def carried(form: IdeaForm, step: PlainStep) -> list[tuple[str, str]]:
    """The answers of every other step, as hidden fields; the step's own fields are shown."""
    return [
        (name, value)
        for name in IDEA_FIELDS
        if name not in step.fields and (value := _value(form, name))
    ]


def view(
    form: IdeaForm,
    context: PlainContext,
    step: PlainStep,
    errors: dict[str, str] | None = None,
) -> StepView:
    steps = steps_for(form, context)
    if step not in steps:  # e.g. a firm's step after the answer "firm" was changed
        step = steps[0]
    form.errors = dict(errors or {})
    return StepView(
        step=step,
        number=steps.index(step) + 1,
        total=len(steps),
        heading=step.heading(form),
        help=help_text(context.process.plain_help, step.name),
        hidden=carried(form, step),
        errors=form.errors,
    )


def move(form: IdeaForm, context: PlainContext, current: str, go: str) -> StepView:
    """The step to show after the person pressed a button on step `current`: "next" checks
    the step's answers first and stays with their messages when one is wrong; "back" and
    "change-<step>" (from the check step's list) keep the answers and check nothing."""
    step = step_named(current)
    if go == "back":
        earlier = [s for s in steps_for(form, context) if STEPS.index(s) < STEPS.index(step)]
        return view(form, context, earlier[-1] if earlier else step)
    if go.startswith("change-"):
        return view(form, context, step_named(go.removeprefix("change-")))
    if errors := check_step(form, step):
        return view(form, context, step, errors)
    later = [s for s in steps_for(form, context) if STEPS.index(s) > STEPS.index(step)]
    return view(form, context, later[0] if later else step)


def first_failing(form: IdeaForm, context: PlainContext, errors: dict[str, str]) -> StepView:
    """The first step with a message after a failed send, showing the messages of its fields;
    messages no step shows (there should be none) go with the check step."""
    steps = steps_for(form, context)
    for step in steps:
        own = {name: errors[name] for name in step.fields if name in errors}
        if own:
            return view(form, context, step, own)
    return view(form, context, step_named(CHECK_STEP), errors)


@dataclass(frozen=True)
class Answer:
    """One answer on the check step: the step it was given on, and the answer in words."""

    step: PlainStep
    label: str
    text: str


def answers(form: IdeaForm, context: PlainContext) -> list[Answer]:
    """What the person answered, step by step, for the check step."""
    shown: list[Answer] = []
    for step in steps_for(form, context):
        if step.name == CHECK_STEP:
            continue
        shown.append(Answer(step, step.heading(form), _answer_text(form, step, context)))
    return shown


def site_choices(sites: Sequence[Site]) -> list[tuple[str, str]]:
    """The answers to the site step: each site, and none."""
    named = [
        (str(site.id), f"{site.name} ({site.place})" if site.place else site.name) for site in sites
    ]
    return [*named, ("", _("None of these"))]


def _answer_text(form: IdeaForm, step: PlainStep, context: PlainContext) -> str:
    if step.name == "site":
        return dict(site_choices(context.sites)).get(form.site, "")
    if step.name == "who":
        label = SEGMENT_LABELS.get(form.segment)
        return _(label) if label else ""
    if step.name == "firm-sector":
        return section_name(form.organisation_sector)
    if step.name == "firm-size":
        size = SIZE_LABELS.get(form.organisation_size)
        return _(size) if size else ""
    if step.name == "contact":
        return form.notify_email.strip()
    return " ".join(_value(form, name) for name in step.fields).strip()


def segment_choices() -> list[tuple[str, str]]:
    """The answers to "Who are you?" as (value, words), as the normal form offers them."""
    return [(s.value, _(SEGMENT_LABELS[s.value])) for s in PUBLIC_SEGMENTS]


def size_choices() -> list[tuple[str, str]]:
    return [(size, _(label)) for size, label in SIZE_LABELS.items()]
