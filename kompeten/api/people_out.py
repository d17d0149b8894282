"""What the routers of assessment, certificates, apprenticeships, jobs and reports share: a person as the caller may
see them (the masked NIK and the birth date only for who may see them: kompeten/api/base.py ``can_see_personal``;
never the full NIK, the address or the phone, which are at /persons/{id}), the pages' 404 turned into the API's
``not_found``, lists mapped page by page, and a page form's refusal as 422 ``invalid``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Annotated, Union

from django.http import Http404
from ninja import Field, Schema

from kompeten.api.base import ApiError, can_see_personal, not_found

# A day in a body: within the years the programmes can concern (so that no date arithmetic of a rule overflows).
Day = Annotated[datetime.date, Field(ge=datetime.date(2000, 1, 1), le=datetime.date(2100, 12, 31))]


class PersonBrief(Schema):
    """A person as anyone who may see the object sees them: no NIK, birth date, address or phone."""

    id: int
    full_name: str


class PersonPersonal(PersonBrief):
    """A person as the person themself, the province admin and the operators of their centres see them here: the
    NIK masked and the birth date. The full NIK, the address and the phone are at ``GET /persons/{id}`` (where a
    staff member's look at the full NIK is audited)."""

    masked_nik: str
    birth_date: datetime.date


# The personal variant first: an answer with the personal keys is validated as such, one without as the brief one.
PersonOut = Union[PersonPersonal, PersonBrief]  # noqa: UP007 (pydantic reads the union in this order)


def personal_ids(user, persons: Iterable) -> set[int]:
    """The keys of ``persons`` whose personal data ``user`` may receive: ``can_see_personal`` for each (one query
    per person for an operator, none for anyone else; a page has at most 200)."""
    return {person.pk for person in {p.pk: p for p in persons if p is not None}.values()
            if can_see_personal(user, person)}


def person_out(person, personal: bool) -> dict:
    """The person's brief keys, and the personal ones only when ``personal``."""
    out = {"id": person.pk, "full_name": person.full_name}
    if personal:
        out |= {"masked_nik": person.masked_nik, "birth_date": person.birth_date}
    return out


def fetch(getter: Callable, *args, **kwargs):
    """The object of an app's ``get_*_for_user`` helper; its 404 (missing, or not the caller's) as ``not_found``."""
    try:
        return getter(*args, **kwargs)
    except Http404:
        raise not_found() from None


class Mapped:
    """A queryset that ninja's ``Pagination`` pages as usual (``count`` of the whole, one slice), each page's rows
    mapped by ``page(rows)`` to what the answer shows (so per-page work, like ``personal_ids``, is done once)."""

    def __init__(self, queryset, page: Callable[[list], list]):
        self.queryset, self.page = queryset, page

    def all(self):
        return self.queryset

    def __len__(self):
        return self.queryset.count()

    def __getitem__(self, index):
        rows = self.queryset[index]
        return self.page(list(rows) if isinstance(index, slice) else [rows])


def form_invalid(form, renames: dict[str, str] | None = None) -> ApiError:
    """base.form_invalid with the form's field names as the API calls them (``renames``): 422 ``invalid``, one
    sentence naming each field and its problem, ``errors`` as ``{"loc": ["body", field], "msg", "type"}``."""
    from django.utils.translation import gettext as _

    renames = renames or {}
    errors, problems = [], []
    for name, field_errors in form.errors.as_data().items():
        field = renames.get(name, name) if name != "__all__" else ""
        for error in field_errors:
            message = " ".join(str(m) for m in error.messages)
            errors.append({"loc": ["body", field] if field else ["body"], "msg": message,
                           "type": error.code or "invalid"})
            problems.append(f"{field}: {message}" if field else message)
    return ApiError(422, "invalid", _("The request is not valid: %(problems)s") % {"problems": "; ".join(problems)},
                    errors=errors)
