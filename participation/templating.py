"""The Jinja environment: autoescaping, gettext, and the helpers templates use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from participation import dates, i18n
from participation.auth import AREAS, current_user
from participation.labels import label
from participation.models import User
from participation.services.markdown import render_markdown
from participation.services.triage.view import triage_view
from participation.settings import PROJECT_ROOT, SUPPORTED_LOCALES, Settings

TEMPLATE_DIR = PROJECT_ROOT / "templates"


def _formatters(time_zone: str) -> dict[str, Any]:
    """The date filters every template uses (see participation/dates.py): `date`,
    `datetime`, `last_day` for exclusive ends, and `iso` for <time datetime>."""

    def day(value: date | None) -> str:
        return dates.format_day(value, time_zone)

    def moment(value: datetime | None) -> str:
        return dates.format_moment(value, time_zone)

    def last_day(end: datetime | None) -> str:
        return dates.format_last_day(end, time_zone)

    def iso(value: datetime | None) -> str:
        return dates.format_iso(value, time_zone)

    return {"date": day, "datetime": moment, "last_day": last_day, "iso": iso}


@pass_context
def _staff_user(context: Mapping[str, Any]) -> User | None:
    request = context.get("request")
    return current_user(request) if request is not None else None


@pass_context
def _may_open(context: Mapping[str, Any], area: str) -> bool:
    """Whether the signed-in user's role may open a staff area (see auth.AREAS): the
    navigation shows only links that lead somewhere for them."""
    return AREAS[area].allows(_staff_user(context))


@pass_context
def _flash_messages(context: Mapping[str, Any]) -> list[dict[str, str]]:
    """Messages stored by litestar.plugins.flash.flash(), shown once. Error pages that
    arise outside the session middleware have no session: they show none."""
    request = context.get("request")
    if request is None or "session" not in request.scope or not request.session:
        return []
    messages: list[dict[str, str]] = request.session.pop("_messages", [])
    return messages


def format_euros(amount: int) -> str:
    """Whole euros as people of the reader's language write them: "250.000 €", "€250,000"."""
    locale = i18n.current_locale.get()
    # The locale's currency pattern without its cents: estimates are in whole euros.
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, "EUR", locale=locale, format=pattern, currency_digits=False)


def create_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a typo in a template fails loudly in tests
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext,
        i18n.ngettext,
        newstyle=True,
        pgettext=i18n.pgettext,
        npgettext=i18n.npgettext,
    )
    env.filters.update(_formatters(settings.time_zone))
    # Messages stored untranslated (a background job's outcome), in the reader's language.
    env.filters["translated"] = i18n.show_stored
    # Text staff write in Markdown (descriptions, profiles), rendered safely.
    env.filters["markdown"] = render_markdown
    env.filters["euros"] = format_euros
    # A similarity as people read it in their language: 0,83 in German, 0.83 in English.
    env.filters["score"] = lambda value: format_decimal(
        value, format="0.00", locale=i18n.number_locale()
    )

    @pass_context
    def public_url(context: Mapping[str, Any], path: str) -> str:
        """An absolute link for people to keep: BASE_URL when set, else this request's host."""
        base = settings.base_url or str(context["request"].base_url).rstrip("/")
        return base + path

    env.globals.update(
        label=label,
        current_locale=i18n.current_locale.get,
        supported_locales=SUPPORTED_LOCALES,
        site_name=settings.site_name,
        # The idea form asks for an e-mail address only when the site can send mail.
        mail_enabled=settings.mail is not None,
        public_url=public_url,
        staff_user=_staff_user,
        may_open=_may_open,
        flash_messages=_flash_messages,
        # Spam flags and marked personal data on moderators' pages (services/triage/view.py).
        triage=triage_view,
    )
    return env


def create_template_config(settings: Settings) -> TemplateConfig[JinjaTemplateEngine]:
    engine = JinjaTemplateEngine.from_environment(create_environment(settings))
    return TemplateConfig(instance=engine)
