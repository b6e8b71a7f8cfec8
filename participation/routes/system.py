"""Health check, the privacy page and the language switch."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import Cookie, State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from participation.health import HealthCheck
from participation.middleware import LOCALE_COOKIE
from participation.routes import NextParam, safe_next
from participation.settings import SUPPORTED_LOCALES

log = logging.getLogger("participation")


class SystemController(Controller):
    include_in_schema = False

    @get("/healthz", cache=False)
    async def healthz(self, state: State) -> Response[dict[str, Any]]:
        """200 when the app can write to its database, 503 otherwise (for load balancers and
        the container's health check): a database that answers reads but refuses writes
        would turn every submission into an error page. Asked on a connection of its own
        within HEALTH_TIMEOUT, so a busy request pool shows as `connections.busy`, not as a
        database that is down (see participation/health.py)."""
        check: HealthCheck = state.health
        health = await check.check()
        return Response(check.report(health), status_code=200 if health.ok else 503)

    @get("/privacy", public_page=True)
    async def privacy(self, state: State) -> Template:
        # The page names the period after which personal data is deleted.
        return Template(
            "pages/system/privacy.html",
            context={"retention_days": state.settings.retention_days},
        )

    @get("/lang/{code:str}")
    async def switch_language(self, code: FromPath[str], next_: NextParam = None) -> Redirect:
        if code not in SUPPORTED_LOCALES:
            raise NotFoundException()
        return Redirect(
            safe_next(next_),
            status_code=303,
            cookies=[
                Cookie(key=LOCALE_COOKIE, value=code, max_age=365 * 24 * 3600, samesite="lax")
            ],
        )
