"""The firm panel of a survey, for admins: upload the list of addresses (with the report of
rows not taken), write and preview the invitation, send the next batch and the reminders
that are due, and watch the response rate by WZ section and size class. And, public, the
opt-out page every panel mail links to.

Plain form posts answered with a redirect (or the page again with its messages and all input
kept), so it all works without JavaScript. The upload's report is the answer to its post:
it is shown once and holds the rows as they were typed.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_404_NOT_FOUND, HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import requires_admin
from participation.i18n import _, ngettext
from participation.models import Process, utcnow
from participation.models.surveys import Survey
from participation.routes import Db, FormData
from participation.routes.survey_admin import load_survey
from participation.routes.uploads import uploaded_table
from participation.services import panel_mail, survey_panel, surveys
from participation.services.errors import ValidationFailed
from participation.services.importing import UnreadableFile
from participation.services.mail import mail_context
from participation.services.panel_mail import MailText
from participation.services.survey_panel import UploadReport

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
REPORT_ROWS = 1000  # rows not taken shown on the page at most


def _url(survey: Survey, rest: str = "") -> str:
    return f"/admin/surveys/{survey.id}/panel{rest}"


async def _page(
    request: Request[Any, Any, Any],
    db: Db,
    state: State,
    survey: Survey,
    process: Process,
    *,
    text: MailText | None = None,
    errors: dict[str, str] | None = None,
    count: str = "",
    reminder_count: str = "",
    report: UploadReport | None = None,
    status_code: int = 200,
) -> Template:
    assert survey.id is not None
    base = state.settings.base_url or str(request.base_url).rstrip("/")
    return Template(
        "pages/survey_admin/panel.html",
        context={
            "survey": survey,
            "process": process,
            "rates": await survey_panel.response_rates(db, survey.id),
            "schedule": await panel_mail.schedule(db, survey),
            "text": text or MailText.of(survey, process),
            "preview": panel_mail.preview(state.settings, base, survey, process),
            "errors": errors or {},
            "count": count or str(panel_mail.BATCH_DEFAULT),
            "reminder_count": reminder_count or str(panel_mail.BATCH_DEFAULT),
            "report": report,
            "report_rows": REPORT_ROWS,
            "sending": mail_context(db) is not None,
            "open": surveys.survey_state(survey, utcnow()) is surveys.SurveyState.OPEN,
            "gap_days": panel_mail.REMINDER_GAP.days,
            "max_reminders": panel_mail.MAX_REMINDERS,
            "link": panel_mail.LINK,
            "organisation": panel_mail.ORGANISATION,
        },
        status_code=status_code,
    )


class SurveyPanelController(Controller):
    path = "/admin/surveys/{survey_id:int}/panel"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def show(
        self, request: Request[Any, Any, Any], db: Db, state: State, survey_id: FromPath[int]
    ) -> Template:
        survey, process = await load_survey(db, survey_id)
        return await _page(request, db, state, survey, process)

    @post("/list", request_max_body_size=UPLOAD_MAX_BYTES + 64 * 1024)
    async def upload(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        survey_id: FromPath[int],
        data: Upload,
    ) -> Template:
        """Add the file's addresses; the answer is the page with the report of the rows."""
        survey, process = await load_survey(db, survey_id)
        try:
            _name, _content, table = await uploaded_table(data.get("file"))
            # The file must have an address column: add_list says so the same way.
            report = await survey_panel.add_list(db, survey, table)
        except UnreadableFile as unreadable:
            return await _page(
                request,
                db,
                state,
                survey,
                process,
                errors={"file": str(unreadable)},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return await _page(request, db, state, survey, process, report=report)

    @post("/text")
    async def save_text(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        survey_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        text = MailText(data.get("subject", ""), data.get("body", ""))
        try:
            await panel_mail.save_text(db, survey, text)
        except ValidationFailed as failed:
            return await _page(
                request,
                db,
                state,
                survey,
                process,
                text=text,
                errors=failed.errors,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        flash(request, _("The invitation's text is saved. Please check the preview."), "success")
        return Redirect(_url(survey, "#preview-title"), status_code=303)

    @post("/send")
    async def send(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        survey_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """Invite the next `count` addresses of the list."""
        return await _send(request, db, state, survey_id, data, reminders=False)

    @post("/reminders")
    async def remind(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        survey_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """Remind up to `reminder_count` invitees who are due."""
        return await _send(request, db, state, survey_id, data, reminders=True)


async def _send(
    request: Request[Any, Any, Any],
    db: Db,
    state: State,
    survey_id: int,
    data: FormData,
    *,
    reminders: bool,
) -> Template | Redirect:
    survey, process = await load_survey(db, survey_id)
    field = "reminder_count" if reminders else "count"
    typed = data.get(field, "")
    try:
        count = panel_mail.parse_count(typed)
        if reminders:
            sent = await panel_mail.send_reminders(db, survey, process, count)
        else:
            sent = await panel_mail.send_invitations(db, survey, process, count)
    except ValidationFailed as failed:
        return await _page(
            request,
            db,
            state,
            survey,
            process,
            errors={field: next(iter(failed.errors.values()))},
            count="" if reminders else typed,
            reminder_count=typed if reminders else "",
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if reminders:
        message = ngettext(
            "%(num)d reminder is on its way.", "%(num)d reminders are on their way.", sent
        )
    else:
        message = ngettext(
            "%(num)d invitation is on its way.", "%(num)d invitations are on their way.", sent
        )
    flash(request, message % {"num": sent}, "success" if sent else "info")
    return Redirect(_url(survey), status_code=303)


OPT_OUT_TEMPLATE = "pages/surveys/opt_out.html"


class PanelOptOutController(Controller):
    """The opt-out link of every panel mail. GET only shows (mail scanners open links on
    their own); the button's post opts out."""

    path = "/abmelden/{token:str}"
    include_in_schema = False

    @get("/", cache=False)
    async def confirm(self, db: Db, token: FromPath[str]) -> Template:
        target = await survey_panel.opt_out_target(db, token)
        if target is None:
            return Template(
                OPT_OUT_TEMPLATE, context={"state": "invalid"}, status_code=HTTP_404_NOT_FOUND
            )
        done = target.invitee.opted_out
        return Template(
            OPT_OUT_TEMPLATE,
            context={
                "state": "done" if done else "confirm",
                "process_title": target.process_title,
                "token": token,
            },
        )

    @post("/")
    async def stop(self, db: Db, token: FromPath[str]) -> Template:
        target = await survey_panel.opt_out_target(db, token)
        if target is None:
            return Template(
                OPT_OUT_TEMPLATE, context={"state": "invalid"}, status_code=HTTP_404_NOT_FOUND
            )
        await survey_panel.opt_out(db, target.invitee)
        return Template(
            OPT_OUT_TEMPLATE, context={"state": "done", "process_title": target.process_title}
        )
