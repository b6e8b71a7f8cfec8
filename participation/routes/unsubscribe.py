"""The link in every e-mail that stops the mails about one idea: a confirmation page, then a
form post. No follow token is needed, so a person who lost the first mail can still stop.

GET only shows: mail scanners and link previews open links on their own, and must not
unsubscribe anyone. A spent or forged token gets a 404 page that says so, not an error."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_404_NOT_FOUND

from participation.routes import Db
from participation.services.mail import (
    contribution_for_unsubscribe,
    mask_address,
    unsubscribe_by_link,
)

TEMPLATE = "pages/contributions/unsubscribe.html"


def _invalid() -> Template:
    return Template(TEMPLATE, context={"state": "invalid"}, status_code=HTTP_404_NOT_FOUND)


class UnsubscribeController(Controller):
    path = "/abbestellen/{token:str}"
    include_in_schema = False

    @get("/", cache=False)
    async def confirm(self, db: Db, state: State, token: FromPath[str]) -> Template:
        contribution = await contribution_for_unsubscribe(db, state.settings, token)
        if contribution is None or not contribution.notify_email:
            return _invalid()
        return Template(
            TEMPLATE,
            context={
                "state": "confirm",
                "title": contribution.title,
                "address": mask_address(contribution.notify_email),
                "token": token,
            },
        )

    @post("/")
    async def stop(self, db: Db, state: State, token: FromPath[str]) -> Template:
        title = await unsubscribe_by_link(db, state.settings, token)
        if title is None:
            return _invalid()
        return Template(TEMPLATE, context={"state": "done", "title": title})
