"""A process in Leichte Sprache, and its idea form in plain language ("Einfache Sprache"), one
question per step (services/plain_idea.py). The steps work without JavaScript: each answer
is sent with the page and carried to the next step in hidden fields; sending the last step
submits the idea through the same service as the normal form."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from participation.rate_limit import CHECK
from participation.routes import Db, FormData, suggest_later
from participation.routes.processes import load_process
from participation.services import plain_idea
from participation.services.contributions import IdeaForm, submit_idea
from participation.services.errors import ValidationFailed
from participation.services.events.sites import list_sites
from participation.services.markdown import render_plain_markdown
from participation.services.processes import IdeasNotAccepted, ProcessOverview


async def _context(db: Db, state: State, overview: ProcessOverview) -> plain_idea.PlainContext:
    return plain_idea.PlainContext(
        process=overview.process,
        mail_enabled=state.settings.mail is not None,
        sites=await list_sites(db, overview.process.id or 0),
    )


def _step_page(
    plain: plain_idea.PlainContext,
    overview: ProcessOverview,
    form: IdeaForm,
    shown: plain_idea.StepView | None,
    closed_status: int = HTTP_409_CONFLICT,
) -> Template:
    """A step of the plain form; `shown` None: the call takes no ideas (the reason instead,
    answered with `closed_status`)."""
    context: dict[str, Any] = {
        "overview": overview,
        "process": overview.process,
        "form": form,
        "shown": shown,
        "segment_choices": plain_idea.segment_choices(),
        "size_choices": plain_idea.size_choices(),
        "site_choices": plain_idea.site_choices(plain.sites),
        "answers": plain_idea.answers(form, plain) if shown is not None and shown.is_last else [],
    }
    if shown is None:
        status = closed_status
    else:
        status = HTTP_422_UNPROCESSABLE_ENTITY if shown.errors else 200
    return Template("pages/plain_language/idea_step.html", context=context, status_code=status)


class PlainLanguageController(Controller):
    include_in_schema = False

    @get("/processes/{slug:str}/leichte-sprache", public_page=True)
    async def plain_page(self, db: Db, slug: FromPath[str]) -> Template:
        """The process in Leichte Sprache; only when an admin has written it."""
        overview = await load_process(db, slug)
        if not overview.process.plain_description:
            raise NotFoundException()
        return Template(
            "pages/plain_language/process.html",
            context={
                "overview": overview,
                "process": overview.process,
                "description_html": render_plain_markdown(overview.process.plain_description),
            },
        )

    @get("/processes/{slug:str}/einfach", public_page=True)
    async def start(self, db: Db, state: State, slug: FromPath[str]) -> Template:
        """The first step, empty."""
        overview = await load_process(db, slug)
        form = IdeaForm()
        plain = await _context(db, state, overview)
        if not overview.accepts_ideas:
            return _step_page(plain, overview, form, None, closed_status=HTTP_200_OK)
        shown = plain_idea.view(form, plain, plain_idea.STEPS[0])
        return _step_page(plain, overview, form, shown)

    # Moving between steps stores nothing: the budget of checks, not of writes.
    @post("/processes/{slug:str}/einfach", rate_limit=CHECK)
    async def move(self, db: Db, state: State, slug: FromPath[str], data: FormData) -> Template:
        """Another step: the next one once this step's answers pass, else this one again with
        its messages; back, or to a step to change, with every answer kept."""
        overview = await load_process(db, slug)
        form = IdeaForm.from_form(data)
        plain = await _context(db, state, overview)
        if not overview.accepts_ideas:
            return _step_page(plain, overview, form, None)
        shown = plain_idea.move(form, plain, data.get("step", ""), data.get("go", "next"))
        return _step_page(plain, overview, form, shown)

    @post("/processes/{slug:str}/einfach/senden")
    async def send(
        self, db: Db, state: State, slug: FromPath[str], data: FormData
    ) -> Redirect | Template:
        """Submit the idea as the normal form does; a message sends the person back to the
        step it belongs to, with every answer kept."""
        overview = await load_process(db, slug)
        form = IdeaForm.from_form(data)
        try:
            submitted = await submit_idea(db, overview, form)
        except IdeasNotAccepted:
            return _step_page(await _context(db, state, overview), overview, form, None)
        except ValidationFailed as failed:
            plain = await _context(db, state, overview)
            shown = plain_idea.first_failing(form, plain, failed.errors)
            return _step_page(plain, overview, form, shown)
        assert overview.process.id is not None
        suggest_later(state, overview.process.id, [submitted.contribution.id or 0])
        return Redirect(f"/follow/{submitted.follow_token}?submitted=1", status_code=303)
