"""Submitting an idea, checking the form inline, similar ideas while typing, one published
idea, and the private follow page."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
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
    published_idea,
    submit_idea,
)
from participation.services.errors import ValidationFailed
from participation.services.similar import similar_ideas
from participation.services.tagging import suggest_in_background

# The idea form's body field; `body` names the raw request body in Litestar.
DraftBody = Annotated[str, QueryParameter(name="body")]


class ContributionController(Controller):
    include_in_schema = False

    @post("/processes/{slug:str}/ideas")
    async def submit(
        self, db: Db, state: State, slug: FromPath[str], data: FormData
    ) -> Redirect | Template:
        overview = await load_process(db, slug)
        process_id = overview.process.id
        assert process_id is not None
        form = IdeaForm.from_form(data)
        try:
            submitted = await submit_idea(db, overview, form)
        except ValidationFailed as failed:
            # Re-render the page with everything the person typed and a message per field;
            # without JavaScript this is when the similar ideas show.
            form.errors = failed.errors
            context = await process_page_context(db, state, overview, 1, form)
            context["similar"] = await similar_ideas(
                db, state.settings.var_dir, process_id, form.title, form.body
            )
            return Template(
                "pages/processes/detail.html",
                context=context,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        # Themes are suggested after the answer has gone out: the author does not wait for
        # the tagger, and if it fails the idea is stored all the same.
        suggest = BackgroundTask(
            suggest_in_background,
            state.sessionmaker,
            state.settings.var_dir,
            process_id,
            [submitted.contribution.id or 0],
        )
        return Redirect(
            f"/follow/{submitted.follow_token}?submitted=1", status_code=303, background=suggest
        )

    @get("/processes/{slug:str}/ideas/similar", cache=False)
    async def similar(
        self,
        db: Db,
        state: State,
        slug: FromPath[str],
        title: FromQuery[str] = "",
        text: DraftBody = "",
    ) -> Template:
        """Up to five published ideas like the draft, for the panel beside the idea form
        (htmx asks as the person types). An empty or short draft gets an empty panel."""
        overview = await load_process(db, slug)
        assert overview.process.id is not None
        ideas = await similar_ideas(db, state.settings.var_dir, overview.process.id, title, text)
        return Template(
            "partials/contributions/_similar.html",
            context={"similar": ideas, "process": overview.process},
        )

    @get("/processes/{slug:str}/ideas/{idea_id:int}")
    async def idea(self, db: Db, slug: FromPath[str], idea_id: FromPath[int]) -> Template:
        """One published idea, e.g. linked from the similar-ideas panel."""
        overview = await load_process(db, slug)
        assert overview.process.id is not None
        found = await published_idea(db, overview.process.id, idea_id)
        if found is None:
            raise NotFoundException()
        return Template(
            "pages/contributions/idea.html",
            context={"process": overview.process, "idea": found},
        )

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
