"""``GET /metrics`` for Prometheus, behind its own bearer token (``WORKLIST_METRICS_TOKEN``).

A token that opens the metrics and nothing else: the scraper never holds a credential that reads
patients. With no token set the route does not exist (404).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry

from worklist.metrics.exposition import CONTENT_TYPE, render, web_registry
from worklist.web.auth import tokens_match

router = APIRouter()


def _registry(request: Request) -> CollectorRegistry:
    state = request.app.state
    if getattr(state, "metrics_registry", None) is None:
        state.metrics_registry = web_registry(state.sessions)
    registry: CollectorRegistry = state.metrics_registry
    return registry


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    expected = request.app.state.settings.metrics_token
    if not expected:
        return Response("metrics are off (WORKLIST_METRICS_TOKEN is empty)\n", status_code=404,
                        media_type="text/plain")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not tokens_match(token.strip(), expected):
        return Response("a bearer token is required\n", status_code=401, media_type="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    return Response(render(_registry(request)), media_type=CONTENT_TYPE)
