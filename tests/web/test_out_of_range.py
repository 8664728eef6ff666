"""Every parameter of every route, given values out of any sensible range: the answer is a 4xx
with a sentence that says what is wrong (or an ordinary answer), never a 500.

The routes and their parameters are read from the application itself (the API routes the
OpenAPI schema lists and the pages it leaves out), so a route added later is swept too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.web.conftest import bearer
from tests.web.seed import SEED_PATIENT_ID, Seeded

HOSTILE = [
    "99999999999999999999", "-99999999999999999999", "2147483648", "0", "-1", "1e309",
    "9999-12-31", "0001-01-01", "2024-02-30", "a\x00b", "\x1b[2J", "x" * 5000,
]
PATH_VALUES = {"item_id": "seed_item", "finding_id": "seed_finding",
               "patient_pk": "seed_patient_pk", "user_pk": None, "token_pk": None}
SENTENCE = re.compile(r"[A-Za-z]{3,}[ ,:][^<>]*[A-Za-z]{3,}")
"""At least two words: a message a person can act on, not an empty body or a code."""


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    dependant: Dependant


def _routes(app: FastAPI) -> list[Route]:
    """Every route with its full path, the pages (left out of the schema) included."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path != "/health":
            for method in sorted(set(context.methods or ()) - {"HEAD"}):
                found.append(Route(str(context.path), method, route.dependant))
    return found


def _user_for(path: str) -> str:
    return "ada" if path.startswith("/admin") else "rafa"


def _valid_path(route: Route, seeded: Seeded, ids: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for param in route.dependant.path_params:
        source = PATH_VALUES.get(param.name, "")
        if param.name in ids:
            values[param.name] = ids[param.name]
        elif source:
            values[param.name] = getattr(seeded, source)
        elif param.name == "patient_id":
            values[param.name] = SEED_PATIENT_ID
        else:
            values[param.name] = 1
    return values


def _parameters(route: Route) -> list[tuple[str, str]]:
    """(where, name) of every parameter a caller can send: path, query, form field or JSON field."""
    found = [("path", p.alias) for p in route.dependant.path_params]
    found += [("query", p.alias) for p in route.dependant.query_params]
    for param in route.dependant.body_params:
        annotation = param.field_info.annotation
        fields = getattr(annotation, "model_fields", None)
        if fields:
            found += [("json", name) for name in fields]
        else:
            found.append(("form", param.alias))
    return found


VALID_FIELDS = {"reason": "done", "note": "called", "verdict": "concordant-benign",
                "role": "coordinator", "name": "feed", "expires_days": "30"}


def _send(client: TestClient, route: Route, headers: dict[str, str], path: dict[str, Any],
          where: str, name: str, value: str) -> Any:
    """One hostile value; every other body field valid, so the value reaches the handler."""
    url = route.path.format(**(path | ({name: quote(value, safe="")} if where == "path" else {})))
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if where == "query":
        kwargs["params"] = {name: value}
    fields = [field for kind, field in _parameters(route) if kind in ("json", "form")]
    body = {field: VALID_FIELDS.get(field, "x") for field in fields}
    if where in ("json", "form"):
        body[name] = value
    if body:
        kwargs["json" if any(k == "json" for k, _ in _parameters(route)) else "data"] = body
    return client.request(route.method, url, **kwargs)


def _says_why(response: Any) -> bool:
    if response.headers.get("content-type", "").startswith("application/json"):
        detail = response.json().get("detail")
        if isinstance(detail, list):
            return all(SENTENCE.search(str(problem.get("msg", ""))) for problem in detail)
        return bool(SENTENCE.search(str(detail)))
    message = re.search(r'role="alert">(.*?)</p>', response.text, re.S)
    return bool(message and SENTENCE.search(message.group(1)))


def test_every_parameter_of_every_route_answers_out_of_range_values_with_a_4xx_sentence(
    app: FastAPI, seeded: Seeded, sweep_ids: dict[str, int]
) -> None:
    failures: list[str] = []
    swept = 0
    # A 500 is an answer to count here, not an exception to stop at.
    client = TestClient(app, raise_server_exceptions=False)
    for route in _routes(app):
        headers = bearer(seeded, _user_for(route.path))
        path = _valid_path(route, seeded, sweep_ids)
        for where, name in _parameters(route):
            for value in HOSTILE:
                if where == "path" and not value.strip():
                    continue
                swept += 1
                response = _send(client, route, headers, path, where, name, value)
                if response.status_code >= 500:
                    failures.append(f"{route.path} {where} {name}={value[:24]!r}: "
                                    f"{response.status_code}")
                elif response.status_code >= 400 and not _says_why(response):
                    failures.append(f"{route.path} {where} {name}={value[:24]!r}: "
                                    f"{response.status_code} without a sentence")
    assert swept > 300
    assert not failures, "\n".join(failures)


@pytest.fixture
def sweep_ids(seeded: Seeded) -> dict[str, int]:
    """Ids of rows that routes address by key beyond the seed's own (users, tokens)."""
    return {}
