"""Submitting an idea, checking the form inline, and the private follow page."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.routes import Db, FormData
from participation.routes.processes import load_process, process_page_context
from participation.services.contributions import (
    IDEA_FIELDS,
    PUBLIC_SEGMENTS,
    IdeaForm,
    check_field,
    find_by_follow_token,
    submit_idea,
)
from participation.services.errors import ValidationFailed


class ContributionController(Controller):
    include_in_schema = False

    @post("/processes/{slug:str}/ideas")
    async def submit(
        self, db: Db, state: State, slug: FromPath[str], data: FormData
    ) -> Redirect | Template:
        overview = await load_process(db, slug)
        form = IdeaForm.from_form(data)
        try:
            submitted = await submit_idea(db, overview, form)
        except ValidationFailed as failed:
            # Re-render the page with everything the person typed and a message per field.
            form.errors = failed.errors
            context = await process_page_context(db, state, overview, 1, form)
            return Template(
                "pages/processes/detail.html",
                context=context,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/follow/{submitted.follow_token}?submitted=1", status_code=303)

    @post("/processes/{slug:str}/ideas/check/{field:str}")
    async def check(
        self, request: HTMXRequest, slug: FromPath[str], field: FromPath[str], data: FormData
    ) -> Template:
        """Inline validation for htmx: the one field again, with its message if any."""
        if field not in IDEA_FIELDS:
            raise NotFoundException()
        form = IdeaForm.from_form(data)
        if message := check_field(form, field):
            form.errors[field] = message
        return Template(
            "partials/contributions/_idea_field.html",
            context={"form": form, "field": field, "slug": slug, "segments": PUBLIC_SEGMENTS},
        )

    @get("/follow/{token:str}", cache=False)
    async def follow(
        self, db: Db, token: FromPath[str], submitted: FromQuery[bool] = False
    ) -> Template:
        followed = await find_by_follow_token(db, token)
        if followed is None:
            raise NotFoundException()
        return Template(
            "pages/contributions/follow.html",
            context={"followed": followed, "submitted": submitted, "token": token},
        )
