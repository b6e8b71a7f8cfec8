"""The prompts of a live session: questions such as "Was hindert Ihren Betrieb an der
Digitalisierung?", given when the session is opened (one per line) or added later, shown one
at a time. The facilitator moves to the next (or back); members' ideas answer the prompt shown
when they send them, and the facilitator may file a card under any of the session's prompts.

A session keeps the position of the prompt shown now; positions run 0, 1, 2, ... in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import MAX_ID
from participation.models import FocusGroupPrompt, FocusGroupSession, LiveFormat
from participation.services.errors import ValidationFailed

PROMPTS_MAX: Final = 12
PROMPT_MIN, PROMPT_MAX = 3, 300

# The format's name where a contribution says where it came from (Contribution.source_ref):
# stored, so in German whatever the reader's language, as the earlier "Fokusgruppe …".
_SOURCE_LABELS: Final = {
    LiveFormat.FOCUS_GROUP: "Fokusgruppe",
    LiveFormat.WORKSHOP: "Workshop",
    LiveFormat.EXPERT_TALK: "Fachgespräch",
    LiveFormat.CONFERENCE_TABLE: "Thementisch",
}


def source_label(format_: LiveFormat) -> str:
    return _SOURCE_LABELS[format_]


def _prompt_error(text: str) -> str | None:
    if len(text) < PROMPT_MIN:
        return _("A prompt needs at least %(min)d characters.") % {"min": PROMPT_MIN}
    if len(text) > PROMPT_MAX:
        return _("A prompt may be at most %(max)d characters long.") % {"max": PROMPT_MAX}
    return None


def parse_prompts(text: str) -> tuple[list[str], str | None]:
    """The prompts typed one per line (blank lines skipped), and what is wrong with them."""
    prompts = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(prompts) > PROMPTS_MAX:
        return prompts, _("Please give at most %(max)d prompts.") % {"max": PROMPTS_MAX}
    for prompt in prompts:
        if (error := _prompt_error(prompt)) is not None:
            return prompts, error
    return prompts, None


async def prompts_of(db: AsyncSession, session_id: int) -> list[FocusGroupPrompt]:
    query = (
        select(FocusGroupPrompt)
        .where(FocusGroupPrompt.session_id == session_id)
        .order_by(col(FocusGroupPrompt.position))
    )
    return list(await db.exec(query))


def current_prompt(
    session: FocusGroupSession, prompts: Sequence[FocusGroupPrompt]
) -> FocusGroupPrompt | None:
    """The prompt shown now: the one at the session's position (the last one if the
    position is past the end), None without prompts."""
    if not prompts:
        return None
    return next(
        (p for p in prompts if p.position == session.prompt_position),
        prompts[-1] if session.prompt_position > prompts[-1].position else prompts[0],
    )


async def prompt_in(
    db: AsyncSession, session: FocusGroupSession, prompt_id: int | None
) -> FocusGroupPrompt | None:
    """The session's prompt with this id; None for another session's or none."""
    if prompt_id is None or prompt_id > MAX_ID:
        return None
    prompt = await db.get(FocusGroupPrompt, prompt_id)
    return prompt if prompt is not None and prompt.session_id == session.id else None


def _must_be_running(session: FocusGroupSession) -> None:
    if session.closed_at is not None:
        message = _("The session is closed: its prompts stay as they are.")
        raise ValidationFailed({"prompt": message})


async def show_prompt(db: AsyncSession, session: FocusGroupSession, position: int) -> None:
    """Show the prompt at `position` from now on (the next or the previous one)."""
    _must_be_running(session)
    prompts = await prompts_of(db, session.id or 0)
    if not any(p.position == position for p in prompts):
        raise ValidationFailed({"prompt": _("This session has no such prompt.")})
    await db.exec(
        update(FocusGroupSession)
        .where(col(FocusGroupSession.id) == session.id)
        .values(prompt_position=position)
    )
    await db.commit()
    await db.refresh(session)


async def add_prompt(db: AsyncSession, session: FocusGroupSession, text: str) -> FocusGroupPrompt:
    """A prompt added at the end (it is not shown until the facilitator moves to it)."""
    _must_be_running(session)
    text = " ".join(text.split())
    if (error := _prompt_error(text)) is not None:
        raise ValidationFailed({"prompt": error})
    assert session.id is not None
    session_id = session.id
    for _attempt in range(3):  # two facilitators adding at once: the position is taken
        last = await db.exec(
            select(func.max(FocusGroupPrompt.position)).where(
                FocusGroupPrompt.session_id == session_id
            )
        )
        top = last.one()
        if top is not None and top + 1 >= PROMPTS_MAX:
            raise ValidationFailed(
                {"prompt": _("Please give at most %(max)d prompts.") % {"max": PROMPTS_MAX}}
            )
        prompt = FocusGroupPrompt(
            session_id=session_id, position=0 if top is None else top + 1, text=text
        )
        db.add(prompt)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            continue
        await db.refresh(session)
        return prompt
    raise ValidationFailed({"prompt": _("Please try again.")})
