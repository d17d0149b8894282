"""Helpers of the API tests of assessment, certificates, apprenticeships, jobs and reports."""

import json

PERSONAL_KEYS = {"nik", "masked_nik", "birth_date", "address", "phone"}


def call(client, user, method: str, path: str, body=None, *, key: str | None = None, **query):
    """``method`` on /api/v1``path`` as ``user`` (the pages' session), with an ``Idempotency-Key`` when given."""
    client.force_login(user)
    headers = {"Idempotency-Key": key} if key else {}
    url = f"/api/v1{path}"
    if method == "get":
        return client.get(url, query, headers=headers)
    return getattr(client, method)(url, data=json.dumps(body if body is not None else {}),
                                   content_type="application/json", headers=headers)


def assert_error(response, status: int, code: str) -> dict:
    """The answer is ``status`` with exactly the error body ``{"code", "detail"}`` (and its optional extras)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    return body


def personal_keys_in(data) -> set[str]:
    """Every personal key anywhere in a JSON answer."""
    found = set()
    if isinstance(data, dict):
        found |= PERSONAL_KEYS & set(data)
        for value in data.values():
            found |= personal_keys_in(value)
    elif isinstance(data, list):
        for value in data:
            found |= personal_keys_in(value)
    return found


def make_placement(person, offer, *, status="active", number="PKL-TEST-0001", **extra):
    """A placement of ``person`` on ``offer`` in ``status``, written directly (the services are tested on their
    own)."""
    import datetime

    from kompeten.apprenticeships.models import Placement

    return Placement.objects.create(person=person, offer=offer, company=offer.company, source="direct",
                                    agreement_number=number, start_date=offer.start_date,
                                    end_date=offer.start_date + datetime.timedelta(days=180), status=status,
                                    started_on=offer.start_date if status != "draft" else None, **extra)
