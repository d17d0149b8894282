"""What every router of the API shares: authentication, errors, pagination, access checks.

Contract for the routers (kompeten/api/<domain>.py, each a ``Router`` added in kompeten/api/api.py):

- ``AUTH`` on every non-public operation (``Router(auth=AUTH)``): a partner system's token
  (``Authorization: Bearer kpt_…``, kompeten/api/tokens.py) or the pages' own session (CSRF checked on unsafe
  methods). ``request.auth`` is the user in both cases; tokens act with the memberships of the user they belong to,
  so every queryset comes through the same scoping function the pages use (``Model.objects.visible_to(user)`` or
  the app's ``get_*_for_user``).
- Errors are ``{"code": "...", "detail": "..."}`` (``ErrorOut``) with stable codes: raise ``ApiError`` (or let a
  ``DomainError`` escape: 409 with its code) — never return a bare dict. Common codes: ``not_found`` (404, also for
  objects outside the caller's scope), ``forbidden`` (403, the role may not do this at all), ``invalid`` (422,
  malformed request; ``errors`` lists pydantic's problems), ``conflict`` (409), ``rate_limited`` (429),
  ``idempotency_key_reused`` (422), ``idempotency_in_progress`` (409), ``not_authenticated`` (401).
- Lists are paginated with ``@paginate(Pagination)``: ``?page=&page_size=`` (50 by default, at most 200);
  the answer is ``{"items": [...], "count": n}``. Filters are plain query parameters named like the fields.
- Writes take an input schema listing exactly the fields a caller may set (never roles, centres, memberships,
  ``is_staff`` or ids of other scopes: no mass assignment) and call the app's services. Every POST/PUT/PATCH/DELETE
  that creates or changes something is decorated with ``@idempotent`` (kompeten/api/idempotency.py), *below* the
  router decorator.
- Output schemas never carry NIK, birth date, address or phone unless the caller may see them (``can_see_personal``);
  company users never get them.
- Numbers and text that reach the database are bounded in the schema: ids with ``ObjectId`` / ``ObjectIdQuery``
  (1 to 2³¹-1), text with ``Text`` / ``TextQuery`` (no NUL character, which PostgreSQL refuses), so that no request
  can make the server fail (tests/test_api_schema.py runs schemathesis against every operation).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Schema
from ninja.pagination import PageNumberPagination
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import StringConstraints

MAX_ID = 2**31 - 1
NO_NUL = r"^[^\x00]*$"

# A path parameter that is an object's id; the same in a query parameter or a body field.
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="An object's id.")]
ObjectIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]


def Text(max_length: int, *, min_length: int | None = None):  # noqa: N802 (used like a type: ``name: Text(200)``)
    """Text in a body: at most ``max_length`` characters, no NUL (also inside ``Text(n) | None``)."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length, pattern=NO_NUL)]


def TextQuery(max_length: int = 100, **kwargs):  # noqa: N802
    """An optional query parameter of text: at most ``max_length`` characters, no NUL."""
    return Annotated[str | None, Query(max_length=max_length, pattern=NO_NUL, **kwargs)]


class ErrorOut(Schema):
    code: str = Field(description="Stable machine code (docs/api.md lists them).")
    detail: str = Field(description="For people, in the user's language.")


class ApiError(Exception):
    """An answer other than success: ``status`` (HTTP), ``code`` (stable), ``detail`` (for people, translated)."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any):
        self.status, self.code, self.detail, self.extra = status, code, str(detail), extra
        super().__init__(self.detail)

    def body(self) -> dict:
        return {"code": self.code, "detail": self.detail, **self.extra}


def not_found(detail: str | None = None) -> ApiError:
    return ApiError(404, "not_found", detail or _("Not found, or not yours to see."))


def forbidden(detail: str | None = None) -> ApiError:
    return ApiError(403, "forbidden", detail or _("Your role may not do this."))


def invalid(detail: str, **extra: Any) -> ApiError:
    """422 ``invalid``: the request is well-formed but a field's value is not acceptable."""
    return ApiError(422, "invalid", detail, **extra)


def form_invalid(form) -> ApiError:
    """422 ``invalid`` from a Django form's errors (the pages' forms hold the rules of a field; the API reuses them):
    ``errors`` lists ``{"loc": ["body", field], "msg": ..., "type": code}`` like pydantic's problems."""
    errors, problems = [], []
    for field, field_errors in form.errors.as_data().items():
        for error in field_errors:
            message = " ".join(str(m) for m in error.messages)
            errors.append({"loc": ["body", field] if field != "__all__" else ["body"], "msg": message,
                           "type": error.code or "invalid"})
            problems.append(f"{field}: {message}" if field != "__all__" else message)
    return ApiError(422, "invalid", _("The request is not valid: %(problems)s") % {"problems": "; ".join(problems)},
                    errors=errors)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` of a partner system (kompeten/api/tokens.py)."""

    def authenticate(self, request: HttpRequest, token: str):
        from kompeten.api.tokens import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
            request.api_token_used = True
        return user


class SessionAuth(APIKeyCookie):
    """The pages' own session (the CSRF token is checked on unsafe methods).

    Without a logged-in session the answer is 401 ``not_authenticated`` whatever the method; with one, an unsafe
    request without the page's CSRF token is 403 ``csrf_failed``.
    """

    def __init__(self):
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise ApiError(403, "csrf_failed", _("The CSRF check failed: send the page's CSRF token in the "
                                                 "X-CSRFToken header, or use an API token."))
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


AUTH = [TokenAuth(), SessionAuth()]


class Pagination(PageNumberPagination):
    """``?page=&page_size=``: 50 by default, at most 200."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int | None = Field(None, ge=1, le=200)

    def __init__(self, **kwargs):
        super().__init__(page_size=50, max_page_size=200, **kwargs)


def user_of(request: HttpRequest):
    """The user the request acts for (token or session)."""
    return request.auth


def require_role(request: HttpRequest, *roles: str) -> None:
    """403 ``forbidden`` unless the user holds one of ``roles`` (accounts.models.Role values)."""
    user = user_of(request)
    if not any(user.has_role(role) for role in roles):
        raise forbidden()


def can_see_personal(user, person) -> bool:
    """Whether ``user`` may receive the NIK, birth date, address and phone of ``person``: the person themself, the
    province admin, and the operators of centres in whose scope the person is (Person.objects.visible_to). Company
    users and assessors never."""
    from kompeten.accounts.models import Role
    from kompeten.registry.models import Person

    if person.user_id and person.user_id == user.pk:
        return True
    if user.has_role(Role.PROVINCE_ADMIN):
        return True
    if user.has_role(Role.CENTRE_OPERATOR):
        return Person.objects.visible_to(user).filter(pk=person.pk).exists()
    return False
