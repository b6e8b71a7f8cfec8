"""The private follow link: the person's contributions with status and answer; editing one
while it is in moderation, deleting one (after a confirmation page), downloading all as JSON.

The token in the URL is the only key: whoever has the link may do all of this, as the
page says. Nothing here sets a cookie."""

from __future__ import annotations

import json

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from participation.routes import Db, FormData, suggest_later
from participation.services.errors import NotFound, ValidationFailed
from participation.services.follow import (
    EditForm,
    FollowedContribution,
    FollowPage,
    edit_contribution,
    export_data,
    follow_page,
    followed_item,
    unsubscribe,
)
from participation.services.follow import delete_contribution as delete_for_good


async def _page_or_404(db: Db, token: str) -> FollowPage:
    page = await follow_page(db, token)
    if page is None:
        raise NotFoundException()
    return page


async def _followed_or_404(
    db: Db, token: str, contribution_id: int
) -> tuple[FollowPage, FollowedContribution]:
    try:
        return await followed_item(db, token, contribution_id)
    except NotFound:
        raise NotFoundException() from None


class FollowController(Controller):
    path = "/follow/{token:str}"
    include_in_schema = False

    @get("/", cache=False)
    async def follow(
        self,
        db: Db,
        token: FromPath[str],
        submitted: FromQuery[bool] = False,
        saved: FromQuery[bool] = False,
        unsubscribed: FromQuery[bool] = False,
    ) -> Template:
        page = await _page_or_404(db, token)
        return Template(
            "pages/contributions/follow.html",
            context={
                "page": page,
                "submitted": submitted,
                "saved": saved,
                "unsubscribed": unsubscribed,
                "token": token,
            },
        )

    @post("/unsubscribe")
    async def unsubscribe(self, db: Db, token: FromPath[str]) -> Redirect:
        """Stop the e-mails: a plain form post, so it works without JavaScript."""
        if not await unsubscribe(db, token):
            raise NotFoundException()
        return Redirect(f"/follow/{token}?unsubscribed=1", status_code=303)

    @get("/{contribution_id:int}/edit", cache=False)
    async def edit_form(
        self, db: Db, token: FromPath[str], contribution_id: FromPath[int]
    ) -> Template:
        page, followed = await _followed_or_404(db, token, contribution_id)
        return Template(
            "pages/contributions/follow_edit.html",
            context={
                "page": page,
                "item": followed,
                "form": EditForm.of(followed.contribution),
                "token": token,
            },
        )

    @post("/{contribution_id:int}/edit")
    async def edit(
        self,
        db: Db,
        state: State,
        token: FromPath[str],
        contribution_id: FromPath[int],
        data: FormData,
    ) -> Redirect | Template:
        form = EditForm.from_form(data)
        try:
            contribution = await edit_contribution(db, token, contribution_id, form)
        except NotFound:
            raise NotFoundException() from None
        except ValidationFailed as failed:
            form.errors = failed.errors
            page, followed = await followed_item(db, token, contribution_id)
            return Template(
                "pages/contributions/follow_edit.html",
                context={"page": page, "item": followed, "form": form, "token": token},
                status_code=HTTP_409_CONFLICT
                if "form" in failed.errors
                else HTTP_422_UNPROCESSABLE_ENTITY,
            )
        # New words may mean other action fields: suggest again once the answer is out.
        suggest_later(state, contribution.process_id, [contribution_id])
        return Redirect(f"/follow/{token}?saved=1", status_code=303)

    @get("/{contribution_id:int}/delete", cache=False)
    async def confirm_delete(
        self, db: Db, token: FromPath[str], contribution_id: FromPath[int]
    ) -> Template:
        """The confirmation step, a page of its own so it works without JavaScript."""
        page, followed = await _followed_or_404(db, token, contribution_id)
        return Template(
            "pages/contributions/follow_delete.html",
            context={"page": page, "item": followed, "token": token},
        )

    @post("/{contribution_id:int}/delete")
    async def delete(
        self, db: Db, token: FromPath[str], contribution_id: FromPath[int]
    ) -> Template:
        try:
            page, _followed = await followed_item(db, token, contribution_id)
            title = await delete_for_good(db, token, contribution_id)
        except NotFound:
            raise NotFoundException() from None
        # Other contributions under the same link (if any) stay reachable.
        remaining = len(page.items) - 1
        return Template(
            "pages/contributions/follow_deleted.html",
            context={
                "title": title,
                "process": page.process,
                "token": token,
                "remaining": remaining,
            },
        )

    @get("/export.json", cache=False)
    async def export(self, db: Db, token: FromPath[str]) -> Response[bytes]:
        page = await _page_or_404(db, token)
        body = json.dumps(export_data(page), ensure_ascii=False, indent=2).encode()
        return Response(
            body,
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="beitraege-{page.process.slug}.json"'
            },
        )
