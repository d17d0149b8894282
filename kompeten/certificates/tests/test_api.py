"""The certificate API: POST /api/v1/verify, the Open Badge of a certificate, the published keys, the schema."""

import datetime
import importlib.util
import json

import pytest
from django.core.cache import cache

from kompeten.certificates import codec, services, verification
from kompeten.certificates.tests.helpers import approve_all, at

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/verify"
INVALID = {"status": "invalid", "reason": "invalid", "checks": [], "certificate": None}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cert(candidates, assessor, lsp_admin):
    approved = approve_all(candidates, assessor, lsp_admin)
    return services.issue_competency(approved[0], issued_at=at(2025, 5, 10))


def post(client, body, **extra):
    return client.post(VERIFY, data=json.dumps(body), content_type="application/json", **extra)


def test_verify_by_qr_and_by_code(client, cert):
    expected = verification.verify_code(cert.public_code)
    assert expected["status"] == "valid"
    for body in ({"qr": services.qr_text(cert)}, {"qr": cert.qr_digits}, {"code": cert.public_code},
                 {"code": services.format_code(cert.public_code).lower()}, {"code": cert.number}):
        response = post(client, body)
        assert response.status_code == 200, body
        answer = response.json()
        assert answer == json.loads(json.dumps(expected)), body  # exactly the structure of verification.py
        assert answer["certificate"]["holder_name"] == "Andi Pratama"
        assert [c["check"] for c in answer["checks"]] == ["signature", "issuer", "status", "competence"]
        assert all(c["ok"] for c in answer["checks"])
        assert "holder_birth_date" not in answer["certificate"] and "birth" not in json.dumps(answer)
        assert cert.person.nik not in response.content.decode()


def test_revoked_and_replaced(client, cert, lsp_admin):
    new = services.reissue(cert, reason="Name corrected", by=lsp_admin)
    answer = post(client, {"qr": cert.qr_digits}).json()
    assert answer["status"] == "revoked" and answer["reason"] == "Name corrected"
    assert answer["replaced_by"] == services.format_code(new.public_code)
    status = next(c for c in answer["checks"] if c["check"] == "status")
    assert status["ok"] is False and status["status"] == "revoked" and status["since"]


def test_invalid_gets_one_generic_answer(client, cert, caplog):
    digits = cert.qr_digits
    cose = codec.from_digits(digits)
    forged = codec.to_digits(cose.replace(b"Andi Pratama", b"Andi Pratame"))
    flipped = digits[:300] + str((int(digits[300]) + 1) % 10) + digits[301:]  # always a different digit
    bodies = [{"qr": forged}, {"qr": digits[:-1]}, {"qr": flipped}, {"qr": "nonsense"},
              {"qr": "9" * 50}, {"code": "AAAA-BBBB-CCCC"}, {"code": "no such number"}]
    with caplog.at_level("WARNING", logger="kompeten.verify"):
        for body in bodies:
            response = post(client, body)
            assert response.status_code == 200, body
            assert response.json() == INVALID, body
    assert len([r for r in caplog.records if r.name == "kompeten.verify"]) == len(bodies)  # every failure logged


def test_missing_fields_are_a_422_with_a_clear_message(client):
    for body in ({}, {"qr": ""}, {"code": "  "}, {"qr": None, "code": None}):
        response = post(client, body)
        assert response.status_code == 422, body
        assert '"qr"' in response.json()["detail"] and '"code"' in response.json()["detail"]
        assert response.json()["code"] == "invalid"
    response = client.post(VERIFY, data="", content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"].startswith("The request is not valid")
    response = post(client, {"qr": 12})
    assert response.status_code == 422 and "qr:" in response.json()["detail"]
    response = post(client, {"qr": "1" * 20000})
    assert response.status_code == 422 and "qr:" in response.json()["detail"]


def test_rate_limited(client, cert, monkeypatch):
    monkeypatch.setattr(verification, "RATE_LIMIT", 2)
    assert [post(client, {"code": cert.public_code}).status_code for _ in range(2)] == [200, 200]
    response = post(client, {"code": cert.public_code})
    assert response.status_code == 429 and "Wait a minute" in response.json()["detail"]
    assert response.json()["code"] == "rate_limited" and response["Retry-After"] == "60"
    # Another address is not limited.
    assert post(client, {"code": cert.public_code}, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_keys_json_shape(client, cert):
    keys = client.get("/.well-known/kompeten/keys.json").json()["keys"]
    entry = next(k for k in keys if k["kid"] == cert.key.kid)
    assert entry["kty"] == "OKP" and entry["crv"] == "Ed25519" and len(entry["x"]) == 43
    assert entry["iss"] == cert.issuer.iss and isinstance(entry["nbf"], int) and entry["status"] == "active"
    assert "d" not in entry  # never the private half


def test_openbadge(client, cert, lsp_admin):
    if importlib.util.find_spec("kompeten.certificates.badges") is None:
        pytest.skip("badges.py (Open Badges of certificates) is not written yet")
    url = f"/api/v1/certificates/{cert.public_code}/openbadge"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    document = response.json()
    assert "OpenBadgeCredential" in document["type"]
    assert document["credentialSubject"]["achievement"]["name"] == cert.title
    assert cert.person.nik not in response.content.decode()
    assert datetime.date(1999, 3, 12).isoformat() not in response.content.decode()
    # Any case and dashes; a revoked certificate keeps its badge (the status list says it is revoked).
    services.revoke(cert, reason="Forged", by=lsp_admin)
    formatted = services.format_code(cert.public_code).lower()
    assert client.get(f"/api/v1/certificates/{formatted}/openbadge").status_code == 200
    response = client.get("/api/v1/certificates/AAAABBBBCCCC/openbadge")
    assert response.status_code == 404 and response.json()["detail"] and response.json()["code"] == "not_found"


def test_openapi_schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["version"] == "1"
    assert "/api/v1/verify" in schema["paths"] and "/api/v1/certificates/{code}/openbadge" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200
