"""Jinja2 templates and the small formatting filters the pages share."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from worklist.db.base import utcnow
from worklist.web.auth import Principal, login_csrf_token

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

SIDES = {"L": "Left", "R": "Right", "B": "Both breasts"}
QUADRANTS = {"UOQ": "upper outer quadrant", "UIQ": "upper inner quadrant",
             "LOQ": "lower outer quadrant", "LIQ": "lower inner quadrant"}


def local(value: datetime, zone: tzinfo) -> datetime:
    """A stored moment in the site's zone (stored moments are UTC; a naive one is taken as UTC)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)


def when_in(value: datetime | date | str | None, zone: tzinfo, with_time: bool = False) -> str:
    """A date, or date and time with the zone's abbreviation, as the site's clock shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # an ISO moment kept in an event's data
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        shown = local(value, zone)
        return shown.strftime("%Y-%m-%d %H:%M %Z" if with_time else "%Y-%m-%d")
    return value.isoformat()


@pass_context
def when(context: Context, value: datetime | date | str | None, with_time: bool = False) -> str:
    """Every page's dates and times, in the site's zone (``WORKLIST_TIMEZONE``)."""
    return when_in(value, context.get("zone") or UTC, with_time)


@pass_context
def local_day(context: Context, value: datetime | None) -> str:
    """The local day of a moment, as a date field's value (YYYY-MM-DD)."""
    return "" if value is None else local(value, context.get("zone") or UTC).date().isoformat()


def side(value: str | None) -> str:
    return SIDES.get(value or "", "Side not stated")


def location(value: dict[str, Any] | None) -> str:
    """A location as a radiologist would say it: "7 o'clock, lower outer quadrant, 7 cm from
    nipple". Empty when the reports gave none."""
    if not value:
        return ""
    parts: list[str] = []
    clock = value.get("clock")
    if isinstance(clock, int | float):
        hour = int(clock)
        parts.append(f"{hour}:30" if clock != hour else f"{hour} o'clock")
    quadrant = value.get("quadrant")
    if quadrant:
        parts.append(QUADRANTS.get(str(quadrant), str(quadrant)))
    depth = value.get("depth")
    if depth:
        parts.append(f"{depth} depth")
    distance = value.get("nipple_distance_mm")
    if isinstance(distance, int | float):
        parts.append(f"{distance / 10:g} cm from nipple")
    return ", ".join(parts)


def humanise(value: str | None) -> str:
    return (value or "").replace("-", " ").replace("_", " ").capitalize()


def age(birth: date | None, on: date | None = None) -> str:
    if birth is None:
        return ""
    today = on or utcnow().date()
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{years} y"


def person_name(value: str | None) -> str:
    """DICOM person names are FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX; show "FAMILY, Given"."""
    parts = (value or "").split("^")
    family = parts[0].strip()
    given = " ".join(p.strip().capitalize() for p in parts[1:3] if p.strip())
    return f"{family}, {given}" if family and given else family or given or "(no name)"


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.filters.update(
    when=when, local_day=local_day, side=side, location=location, humanise=humanise, age=age,
    person_name=person_name,
)


def render(
    request: Request, name: str, principal: Principal | None, status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    # Forms carry the session's CSRF token; before login, the login form's own.
    csrf = principal.csrf_token if principal is not None else login_csrf_token(request)
    settings = request.app.state.settings
    context |= {"user": principal, "csrf_token": csrf, "now": utcnow(), "zone": settings.zone,
                "zone_name": settings.timezone}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    # Pages show patient data: never keep them in shared caches or the browser's history cache.
    response.headers["Cache-Control"] = "no-store"
    return response
