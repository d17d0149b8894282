"""Schemathesis against the API's own OpenAPI document, once per role, through the WSGI application (no server).

For every operation of /api/v1/openapi.json, a bounded number of requests generated from the schema (valid ones,
and some that break it) is sent as each persona — anonymous, a job seeker, the operator of BLKI Balikpapan, the
province admin, a company user and an assessor — with the persona's API token. No answer may be a server error,
and every answer must conform to the schema: its status code documented, its content type and body those the schema
says. Hypothesis is derandomized, so a run is the same every time; every request is rolled back, so each meets the
same data.
"""

import contextlib
import datetime

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import make_batch

ROLES = {"anonymous": None, "job_seeker": "job_seeker", "operator": "operator_balikpapan",
         "province_admin": "province_admin", "company_user": "company_user", "assessor": "assessor"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {"positive": 2, "negative": 1}  # per operation and role: the run stays well under a minute


@pytest.fixture
def wsgi_app():
    """The project's WSGI handler, without closing the database connection after each request (the test's
    transaction lives on it), as Django's test client does."""
    from django.core import signals
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def data(person_balikpapan, person_bontang, batch_balikpapan, bontang, programme_year, job_seeker, company_user,
         assessor, operator_balikpapan, province_admin):
    """A little of everything, so that generated ids sometimes meet real objects (ids start at 1)."""
    from kompeten.programmes.models import Target
    from kompeten.training.models import Enrolment

    make_batch(bontang, programme_year, start=datetime.date(2025, 4, 7), end=datetime.date(2025, 4, 30))
    Enrolment.objects.create(batch=batch_balikpapan, person=person_balikpapan, source="operator")
    Target.objects.create(programme_year=programme_year, kind="certified", number=1500)


_loaded = {}


def api_schema(app):
    """The operations as schemathesis reads them, loaded once per test process and pointed at this test's
    application."""
    if "schema" not in _loaded:
        _loaded["schema"] = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        _loaded["operations"] = [result.ok() for result in _loaded["schema"].get_all_operations()]
        _loaded["cases"] = {}
    _loaded["schema"].app = app
    return _loaded["operations"]


def cases(operation, mode) -> list:
    """``EXAMPLES[mode]`` requests generated for the operation, once per test process (derandomized: the same every
    time) and sent again as each persona. None in negative mode for an operation with nothing to break (a path
    parameter that is any text has no constraint to violate)."""
    key = (operation.label, mode)
    if key not in _loaded["cases"]:
        collected = []

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES[mode.value], derandomize=True, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        def collect(case):
            collected.append(case)

        with contextlib.suppress(Unsatisfiable):
            collect()
        _loaded["cases"][key] = collected
    return _loaded["cases"][key]


def check(case, token) -> str | None:
    """One generated request as the persona (every request rolled back); the failure of the checks, if any."""
    case.cookies = {}
    case.headers = {key: value for key, value in (case.headers or {}).items()
                    if key.lower() not in ("authorization", "cookie")}
    if token:
        case.headers["Authorization"] = f"Bearer {token}"
    with transaction.atomic():
        response = case.call()
        transaction.set_rollback(True)
    try:
        case.validate_response(response, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as failure:
        return f"{case.method} {case.formatted_path}: {str(failure)[:1500]}"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_schemathesis(role, request, data, wsgi_app):
    from kompeten.api.tokens import issue_token

    token = issue_token(request.getfixturevalue(ROLES[role]), name="schemathesis", days=1)[1] if ROLES[role] else None
    failures = {}
    for operation in api_schema(wsgi_app):
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            for case in cases(operation, mode):
                if operation.label not in failures and (failure := check(case, token)):
                    failures[operation.label] = f"({mode.value}) {failure}"
    assert not failures, f"{len(failures)} operations failed as {role}:\n\n" + "\n\n".join(failures.values())
