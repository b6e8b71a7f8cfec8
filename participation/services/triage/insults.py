"""The insult list as moderators keep it: the shipped words (nlp/data/insults_de.txt) plus
the words they add, for one process or for all processes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.insults import COMPOUND_MARK, InsultList, insult_list, normalise_entry, shipped_entries
from participation.i18n import _
from participation.models import InsultWord, Process, User, utcnow
from participation.services.accounts.remit import Scope
from participation.services.errors import NotFound, ValidationFailed

# The most words one process (or the global list) takes: the list is read on every
# submission.
MAX_WORDS: Final = 500


def _applies_to(process_id: int) -> ColumnElement[bool]:
    return or_(col(InsultWord.process_id) == process_id, col(InsultWord.process_id).is_(None))


async def insult_list_for(session: AsyncSession, process_id: int) -> InsultList:
    """The shipped list with the words added for this process and for all (one query)."""
    words = await session.exec(select(InsultWord.word).where(_applies_to(process_id)))
    return insult_list(list(words))


async def visible_processes(session: AsyncSession, remit: Scope) -> list[Process]:
    """The processes whose word lists a moderator with this remit may see and change (the
    list for all processes: only those without a remit)."""
    query = select(Process).where(remit.processes_in(Process.id)).order_by(col(Process.title))
    return list(await session.exec(query))


@dataclass(frozen=True)
class WordLists:
    shipped: Sequence[str]
    everywhere: Sequence[InsultWord]  # added for all processes
    by_process: dict[int, list[InsultWord]]


async def word_lists(session: AsyncSession, processes: Sequence[Process]) -> WordLists:
    ids = [p.id for p in processes if p.id is not None]
    rows = await session.exec(
        select(InsultWord)
        .where(or_(col(InsultWord.process_id).in_(ids), col(InsultWord.process_id).is_(None)))
        .order_by(col(InsultWord.word))
    )
    everywhere: list[InsultWord] = []
    by_process: dict[int, list[InsultWord]] = {}
    for row in rows:
        if row.process_id is None:
            everywhere.append(row)
        else:
            by_process.setdefault(row.process_id, []).append(row)
    return WordLists(shipped_entries(), everywhere, by_process)


async def add_word(
    session: AsyncSession, actor: User, text: str, process: Process | None
) -> InsultWord:
    """Add a word for `process` (None: all processes). Raises ValidationFailed (field
    "word") for anything but one word, or a word the list has already."""
    entry = normalise_entry(text)
    if entry is None:
        raise ValidationFailed(
            {"word": _("Please enter one word of letters, optionally starting with *.")}
        )
    process_id = process.id if process is not None else None
    where = (
        col(InsultWord.process_id) == process_id
        if process_id is not None
        else col(InsultWord.process_id).is_(None)
    )
    present = list(await session.exec(select(InsultWord.word).where(where)))
    shipped = {word.lstrip(COMPOUND_MARK) for word in shipped_entries()}
    if entry in present or entry.lstrip(COMPOUND_MARK) in shipped:
        raise ValidationFailed({"word": _("This word is on the list already.")})
    if len(present) >= MAX_WORDS:
        raise ValidationFailed(
            {"word": _("The list is full (%(n)d words): remove some first.") % {"n": MAX_WORDS}}
        )
    word = InsultWord(process_id=process_id, word=entry, added_by_id=actor.id, created_at=utcnow())
    session.add(word)
    await session.commit()
    return word


async def remove_word(session: AsyncSession, word_id: int) -> str:
    word = await session.get(InsultWord, word_id)
    if word is None:
        raise NotFound(_("This word is not on the list."))
    await session.exec(delete(InsultWord).where(col(InsultWord.id) == word_id))
    await session.commit()
    return word.word
