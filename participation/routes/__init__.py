"""One Controller per domain. Routes are thin: parse, call a service, render.

Pages answer with the full page, or with a partial when htmx asks (HX-Request).
"""

from __future__ import annotations

from typing import Annotated

from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.inputs import MAX_ID, parse_int

# The request's database session (provided app-wide in app.py).
Db = NamedDependency[AsyncSession]
# A submitted HTML form, field name -> value.
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
# An id in the query string; anything else, or beyond what a row can have, is a 400 that names
# the parameter. (Text in forms and queries is cleaned in one place: see middleware.py.)
QueryId = Annotated[int | None, QueryParameter(ge=0, le=MAX_ID)]
# Where to go after sign-in or a language switch; always passed through safe_next().
NextParam = Annotated[str | None, QueryParameter(name="next")]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: an attacker must not be able to bounce people to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def suggest_later(state: State, process_id: int, contribution_ids: list[int]) -> None:
    """Queue stored contributions for theme suggestions, tagged after the answer has gone out
    (see participation/suggestion_queue.py)."""
    state.suggestions.add(process_id, contribution_ids)


def chosen_ids(data: dict[str, str]) -> list[int]:
    """The contributions chosen with a list's checkboxes (`c-<id>` = "on")."""
    return [
        contribution_id
        for key, value in data.items()
        if key.startswith("c-")
        and value == "on"
        and (contribution_id := parse_int(key.removeprefix("c-"))) is not None
    ]
