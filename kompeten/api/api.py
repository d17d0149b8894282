"""The versioned REST API at /api/v1/ (django-ninja; OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs).

Each app's endpoints are a router in this package; they call the same services and scoping functions as the
pages do. Every error is ``{"code": "...", "detail": "..."}`` (kompeten/api/base.py, docs/api.md): a DomainError's
code and message, or what was wrong with the request and where (a malformed request also lists the problems in
``errors``, as pydantic reports them) — also for an unknown address under /api/v1/ (404 ``not_found``), a method the
address does not take (405 ``method_not_allowed``) and a missing or unknown token (401 ``not_authenticated``).
"""

import functools
import json
from importlib import import_module

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from kompeten.api.base import ApiError
from kompeten.api.certificates import router as certificates_router
from kompeten.core.errors import DomainError

WRITE_METHODS = {"post", "put", "patch", "delete"}
ERROR_SCHEMA = {
    "title": "ErrorOut",
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Stable machine code (docs/api.md lists them)."},
        "detail": {"type": "string", "description": "For people, in the user's language."},
    },
    "required": ["code", "detail"],
}
ERROR_DESCRIPTIONS = {
    401: "Not authenticated (no token or session, or an unknown, expired or revoked token)",
    403: "Forbidden: the caller's role may not do this",
    404: "Not found, or outside the caller's scope",
    409: "Conflict: a business rule said no, or the Idempotency-Key is in use",
    422: "The request is not valid, or the Idempotency-Key was used for another request",
    429: "Too many requests: wait `retry_after` seconds",
}
RATE_LIMITED = {"persons_lookup", "verify"}  # the operations behind a rate limit


class KompetenAPI(NinjaAPI):
    """NinjaAPI with the operation's URL name as its operationId, the common errors documented on every
    operation, and JSON error bodies for what ninja answers outside the operations (405)."""

    def get_openapi_operation_id(self, operation) -> str:
        return getattr(operation, "url_name", None) or super().get_openapi_operation_id(operation)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["ErrorOut"] = ERROR_SCHEMA
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                codes = [404, 422]
                if operation.get("security"):
                    codes += [401, 403]
                if method in WRITE_METHODS:
                    codes.append(409)
                if operation.get("operationId") in RATE_LIMITED:
                    codes.append(429)
                responses = operation["responses"]
                for code in sorted(codes):
                    responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code], **error})
        return schema

    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns


def _json_method_not_allowed(view):
    """ninja answers a method that an address does not take with a plain-text 405: make it an error body."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = HttpResponse(json.dumps({
                "code": "method_not_allowed",
                "detail": _("This address does not take %(method)s; it takes %(allowed)s.") % {
                    "method": request.method, "allowed": allowed},
            }), status=405, content_type="application/json; charset=utf-8")
            response["Allow"] = allowed
        return response

    return wrapped


api = KompetenAPI(
    title="Kompeten API",
    version="1",
    urls_namespace="api",
    description="Vocational training and competency certification. Certificate verification is public; everything "
                "else needs an API token (`Authorization: Bearer kpt_…`) or the pages' session. Errors are "
                '`{"code", "detail"}`; writes honour `Idempotency-Key`. See docs/api.md.',
)
api.add_router("/", certificates_router, tags=["certificates"])
for _module, _tag in [("persons", "persons"), ("programmes", "programmes"), ("selection", "selection"),
                      ("training", "training"), ("assessment", "assessment"), ("apprenticeships", "apprenticeships"),
                      ("jobs", "jobs"), ("reports", "reports"), ("exchange", "participant lists")]:
    api.add_router("/", import_module(f"kompeten.api.{_module}").router, tags=[_tag])

# Last: any other address under /api/v1/ is a JSON 404 (the project's 404 page is HTML).
_unknown = Router()


@_unknown.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False,
                        url_name="unknown")
def unknown(request, rest: str):
    raise ApiError(404, "not_found", _("There is no such address in the API."))


api.add_router("/", _unknown)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """422 with one readable sentence: which field, where, and what is wrong with it."""
    problems, body = [], _("request body")
    for problem in exc.errors:
        where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("body", "payload"))
        problems.append(f"{where or body}: {problem.get('msg', '')}")
    detail = _("The request is not valid: %(problems)s") % {"problems": "; ".join(problems)}
    errors = json.loads(json.dumps(exc.errors, default=str))  # pydantic's ctx may hold exceptions
    return api.create_response(request, {"code": "invalid", "detail": detail, "errors": errors}, status=422)


@api.exception_handler(ApiError)
def api_error(request, exc: ApiError):
    return api.create_response(request, exc.body(), status=exc.status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    """A business rule said no: 409 with the rule's stable code."""
    return api.create_response(request, exc.as_dict(), status=409)


@api.exception_handler(Http404)
def not_found(request, exc):
    """An object that does not exist or is outside the caller's scope: the same answer for both."""
    return api.create_response(request, {"code": "not_found", "detail": _("Not found, or not yours to see.")},
                               status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if isinstance(exc, AuthenticationError):
        body = {"code": "not_authenticated",
                "detail": _("Log in, or send an API token: Authorization: Bearer kpt_…")}
    elif isinstance(exc, Throttled):
        body = {"code": "rate_limited", "detail": _("Too many requests. Wait a moment and try again.")}
    elif exc.status_code == 403:
        body = {"code": "forbidden", "detail": str(exc)}
    elif exc.status_code == 400:  # a body that is not JSON at all: a malformed request, like any other
        return api.create_response(request, {"code": "invalid", "detail": _("The request is not valid: %(problem)s")
                                             % {"problem": str(exc)}, "errors": []}, status=422)
    else:
        body = {"code": "error", "detail": str(exc)}
    return api.create_response(request, body, status=exc.status_code)
