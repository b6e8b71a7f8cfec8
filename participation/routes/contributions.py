"""The list of a process's ideas (filters, search, sorting, pages); submitting an idea,
checking the form inline, similar ideas while typing. One published
idea's page is in routes/engagement.py, the private follow page in routes/follow.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import current_user
from participation.models import Channel, Segment
from participation.rate_limit import CHECK
from participation.routes import Db, FormData, suggest_later
from participation.routes.processes import load_process, process_page_context
from participation.services import idea_list
from participation.services.contributions import (
    IDEA_FIELDS,
    PUBLIC_SEGMENTS,
    IdeaForm,
    check_field,
    submit_idea,
)
from participation.services.errors import ValidationFailed
from participation.services.events.sites import list_sites
from participation.services.processes import list_themes
from participation.services.profiles import access, listing
from participation.services.similar import similar_ideas

# The idea form's body field; `body` names the raw request body in Litestar.
DraftBody = Annotated[str, QueryParameter(name="body")]


class ContributionController(Controller):
    include_in_schema = False

    @get("/processes/{slug:str}/ideen", cache=False, public_page=True)
    async def list_ideas(
        self, request: HTMXRequest, db: Db, state: State, slug: FromPath[str]
    ) -> Template:
        """Published ideas with filters in the URL: a GET form that works without JavaScript.
        htmx asks for the results alone (a filter changed) or for the next items ("more")."""
        overview = await load_process(db, slug)
        process_id = overview.process.id
        assert process_id is not None
        themes = await list_themes(db, process_id)
        sites = await list_sites(db, process_id)
        params = {name: request.query_params.get(name, "") for name in idea_list.PARAMS}
        filters, errors = idea_list.parse_filters(
            params, [t.slug for t in themes], [str(site.id) for site in sites]
        )
        ideas = await idea_list.list_ideas(
            db, process_id, filters, state.settings.page_size, overview.published_ideas
        )
        context = {
            "overview": overview,
            "process": overview.process,
            "filters": filters,
            "errors": errors,
            "ideas": ideas,
            "page_size": state.settings.page_size,
            "themes": themes,
            "municipalities": await idea_list.municipalities(db, process_id),
            "sites": sites,
            "sorts": idea_list.SORT_LABELS,
            "segments": list(Segment),
            "channels": list(Channel),
            # Staff who build profiles choose ideas here (services/profiles/drafting.py).
            "profile_choices": await listing.choices(db, process_id)
            if access.may_create(current_user(request))
            else None,
        }
        # One address, three answers: caches must tell them apart, and htmx restoring history
        # from the server gets the whole page.
        vary = {"Vary": "HX-Request, HX-Target"}
        htmx = request.htmx
        target = htmx.target if htmx and not htmx.history_restore_request else None
        if target == "idea-items":
            return Template(
                "partials/contributions/_idea_list_more.html", context=context, headers=vary
            )
        if target == "idea-results":
            return Template("partials/contributions/_idea_list.html", context=context, headers=vary)
        return Template("pages/contributions/list.html", context=context, headers=vary)

    @get("/processes/{slug:str}/ideas")
    async def list_ideas_english(self, request: HTMXRequest, slug: FromPath[str]) -> Redirect:
        """The list's address in English leads to the German one, filters and all."""
        query = f"?{request.url.query}" if request.url.query else ""
        return Redirect(f"/processes/{slug}/ideen{query}", status_code=301)

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
        suggest_later(state, process_id, [submitted.contribution.id or 0])
        return Redirect(f"/follow/{submitted.follow_token}?submitted=1", status_code=303)

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

    # Validation only, nothing stored: its own budget, not the address's writes.
    @post("/processes/{slug:str}/ideas/check/{field:str}", rate_limit=CHECK)
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
