"""Checks a long-running command makes before it starts anything: ports it must listen on, and
settings that would make it run but not do its job. Each problem is one line naming the variable."""

from __future__ import annotations

import errno
import logging
import socket

import typer

from worklist.metrics import exposition
from worklist.notifications.readiness import configuration_problems
from worklist.settings import Settings

log = logging.getLogger("worklist.startup")

EXIT_PORT = 2


def _reason(error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return "is already in use (another worklist, or another program, holds it)"
    if error.errno == errno.EACCES:
        return "needs privileges (ports below 1024) or is refused by the system"
    if error.errno == errno.EADDRNOTAVAIL:
        return "is on an address this machine does not have"
    return f"cannot be opened ({error.strerror or type(error).__name__})"


def port_problem(host: str, port: int, variable: str, error: OSError) -> str:
    return f"port {port} on {host or '*'} ({variable}) {_reason(error)}"


def fail_on_port(host: str, port: int, variable: str, error: OSError) -> typer.Exit:
    """Say in one line which port and which variable, and end the command."""
    typer.echo(f"worklist: {port_problem(host, port, variable, error)}", err=True)
    return typer.Exit(code=EXIT_PORT)


def bind(host: str, port: int, variable: str) -> socket.socket:
    """A listening socket on ``host:port``, or the command ends naming the port's variable.
    Servers are handed the socket, so nothing else can take the port in between."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        raise fail_on_port(host, port, variable, error) from None


def ensure_free(host: str, port: int, variable: str) -> None:
    """For servers that bind for themselves: check the port before anything else starts."""
    bind(host, port, variable).close()


def warn_about_notifications(settings: Settings) -> None:
    """Processes that send or schedule reminders say at start-up when they would reach nobody
    (``GET /health`` says it too)."""
    for problem in configuration_problems(settings):
        log.warning("%s", problem)


def start_metrics(settings: Settings, *, forked_children: bool = False) -> None:
    """The process's metrics port (``WORKLIST_METRICS_PORT``), when one is set. ``forked_children``:
    the work runs in forked children (a prefork worker, a listener pool), whose counts are summed."""
    if not settings.metrics_port:
        return
    ensure_free(settings.metrics_host, settings.metrics_port, "WORKLIST_METRICS_PORT")
    if forked_children:
        exposition.serve_port_for_forked_children(settings)
    else:
        exposition.serve_port(settings)
