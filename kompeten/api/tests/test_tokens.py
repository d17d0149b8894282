"""API tokens (kompeten/api/tokens.py), ``kompeten apitoken``, and how the API authenticates and answers errors."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from kompeten.api.models import ApiToken
from kompeten.api.tokens import digest, issue_token, revoke_token, user_for_token
from kompeten.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_issue_stores_only_the_digest_and_is_audited(operator_balikpapan, province_admin):
    token, text = issue_token(operator_balikpapan, name="SIAPkerja", days=30, by=province_admin)
    assert text.startswith("kpt_") and len(text) == 44
    assert token.prefix == text[:8] and token.digest == digest(text) and text not in token.digest
    assert not ApiToken.objects.filter(digest=text).exists()
    assert token.expires_at - token.created_at == datetime.timedelta(days=30)
    entry = AuditEntry.objects.get(object_type="api.apitoken", action="create")
    assert entry.actor == province_admin and text not in json.dumps(entry.changes) + entry.object_label
    assert user_for_token(text) == operator_balikpapan


def test_unknown_revoked_expired_and_inactive_tokens_are_refused(operator_balikpapan):
    token, text = issue_token(operator_balikpapan, name="t", days=1)
    for wrong in ("", "kpt_", text[:-1] + ("a" if text[-1] != "a" else "b"), text + "x", "Bearer " + text):
        assert user_for_token(wrong) is None
    with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
        assert user_for_token(text) is None
    revoke_token(token)
    assert user_for_token(text) is None
    assert AuditEntry.objects.filter(object_type="api.apitoken", action="update").count() == 1
    revoke_token(token)  # again: nothing more to audit
    assert AuditEntry.objects.filter(object_type="api.apitoken", action="update").count() == 1
    _token, other = issue_token(operator_balikpapan, name="t2", days=None)
    operator_balikpapan.is_active = False
    operator_balikpapan.save()
    assert user_for_token(other) is None


def test_last_use_is_recorded_at_most_once_a_minute(operator_balikpapan, django_assert_num_queries):
    token, text = issue_token(operator_balikpapan, name="t")
    start = datetime.datetime(2025, 3, 1, 8, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        user_for_token(text)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False), django_assert_num_queries(1):
        user_for_token(text)
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        user_for_token(text)
    token.refresh_from_db()
    assert token.last_used_at == start + datetime.timedelta(seconds=61)


def test_cli_create_list_revoke(operator_balikpapan):
    out, err = io.StringIO(), io.StringIO()
    call_command("apitoken", "create", "--user", "OPERATOR@blki-balikpapan.test", "--name", "Skillhub", "--days",
                 "90", stdout=out, stderr=err)
    text = out.getvalue().strip()
    assert user_for_token(text) == operator_balikpapan and "shown only now" in err.getvalue()
    listing = io.StringIO()
    call_command("apitoken", "list", "--json", stdout=listing)
    rows = json.loads(listing.getvalue())
    assert [(r["prefix"], r["name"], r["active"]) for r in rows] == [(text[:8], "Skillhub", True)]
    assert text not in listing.getvalue()
    call_command("apitoken", "revoke", text[:8], stdout=io.StringIO())
    assert user_for_token(text) is None
    plain = io.StringIO()
    call_command("apitoken", "list", stdout=plain)
    assert "revoked" in plain.getvalue()
    with pytest.raises(CommandError, match="no user"):
        call_command("apitoken", "create", "--user", "nobody@example.test", "--name", "x")
    with pytest.raises(CommandError, match="No token"):
        call_command("apitoken", "revoke", "kpt_zzzz")


def get(client, path, token=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1{path}", **headers, **extra)


def test_errors_are_code_and_detail(client, operator_balikpapan, person_bontang):
    text = issue_token(operator_balikpapan, name="t")[1]
    cases = [
        (get(client, "/persons"), 401, "not_authenticated"),
        (get(client, "/persons", token="kpt_" + "x" * 40), 401, "not_authenticated"),
        (get(client, f"/persons/{person_bontang.pk}", token=text), 404, "not_found"),
        (get(client, "/persons/me", token=text), 403, "forbidden"),
        (get(client, "/no/such/address", token=text), 404, "not_found"),
        (get(client, "/persons?centre=abc", token=text), 422, "invalid"),
        (client.delete("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {text}"), 405, "method_not_allowed"),
        (client.post("/api/v1/persons", "{not json", content_type="application/json",
                     HTTP_AUTHORIZATION=f"Bearer {text}"), 422, "invalid"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (response.request["PATH_INFO"], response.content)
        body = response.json()
        assert body["code"] == code and isinstance(body["detail"], str) and body["detail"], body
    assert cases[6][0]["Allow"]


def test_session_calls_need_the_csrf_token(operator_balikpapan, batch_balikpapan):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator_balikpapan)
    assert client.get("/api/v1/batches").status_code == 200
    path = f"/api/v1/batches/{batch_balikpapan.pk}/capacity"
    refused = client.post(path, json.dumps({"capacity": 20}), content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    client.get("/")  # the page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    done = client.post(path, json.dumps({"capacity": 20}), content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert done.status_code == 200
    # A token needs no CSRF token; anonymous unsafe calls are 401, not a CSRF refusal.
    text = issue_token(operator_balikpapan, name="t")[1]
    assert Client(enforce_csrf_checks=True).post(path, json.dumps({"capacity": 21}), content_type="application/json",
                                                 HTTP_AUTHORIZATION=f"Bearer {text}").status_code == 200
    anonymous = Client(enforce_csrf_checks=True).post(path, "{}", content_type="application/json")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"


def test_a_token_acts_with_its_users_memberships(client, operator_bontang, batch_balikpapan, batch_bontang):
    text = issue_token(operator_bontang, name="t")[1]
    ids = {row["id"] for row in get(client, "/batches", token=text).json()["items"]}
    assert ids == {batch_bontang.pk}
    membership = operator_bontang.memberships.get()
    membership.is_active = False
    membership.save()
    assert get(client, "/batches", token=text).status_code == 403


def test_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    ops = {op["operationId"] for methods in schema["paths"].values() for op in methods.values()}
    assert {"persons_list", "batches_create", "rounds_apply", "attendance_record"} <= ops
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    persons = schema["paths"]["/api/v1/persons"]["get"]
    assert persons["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"}


def test_component_names_are_not_shared_by_two_models():
    """ninja names a schema component after its class: two different classes of one name would overwrite each
    other in the document (and answers would no longer match it)."""
    import typing

    from pydantic import BaseModel

    from kompeten.api.api import api

    seen: dict[str, set] = {}

    def walk(annotation):
        for arg in typing.get_args(annotation):
            walk(arg)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            classes = seen.setdefault(annotation.__name__, set())
            if annotation in classes:
                return
            classes.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)

    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.response_models.values():
                    if hasattr(model, "model_fields"):
                        walk(model.model_fields["response"].annotation)
                for model in operation.models:
                    for field in model.model_fields.values():
                        walk(field.annotation)
    ignored = {"Input", "NinjaResponseSchema"}  # ninja's own wrappers, never components of their own

    def same(classes) -> bool:  # ninja's Paged<Item> is made per operation, the same each time
        return len({json.dumps(c.model_json_schema(), sort_keys=True) for c in classes}) == 1

    clashes = {name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
               for name, classes in seen.items() if len(classes) > 1 and name not in ignored and not same(classes)}
    assert not clashes, f"rename one of the classes: {clashes}"
