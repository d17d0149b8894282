"""The versioned REST API at /api/v1/ (django-ninja; OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs).

Each app's endpoints are a router in this package; they call the same services and scoping functions as the
pages do. Errors are ``{"detail": "..."}``: a DomainError's message, or what was wrong with the request and
where (a malformed request also lists the problems in ``errors``, as pydantic reports them).
"""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

from kompeten.api.certificates import router as certificates_router

api = NinjaAPI(
    title="Kompeten API",
    version="1",
    urls_namespace="api",
    description="Vocational training and competency certification. Certificate verification is public.",
)
api.add_router("/", certificates_router, tags=["certificates"])


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """422 with one readable sentence: which field, where, and what is wrong with it."""
    problems = []
    for problem in exc.errors:
        where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("body", "payload"))
        problems.append(f"{where or _('request body')}: {problem.get('msg', '')}")
    detail = _("The request is not valid: %(problems)s") % {"problems": "; ".join(problems)}
    return api.create_response(request, {"detail": detail, "errors": exc.errors}, status=422)
