"""Behind nginx: the client's address comes from X-Real-IP, but only when the request comes from a trusted proxy
(the per-address NIK search limit shows which address Kompeten counted)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROXY = "10.10.0.2"


def search(client, person, real_ip, remote=PROXY):
    return client.post(reverse("registry:person_list"), {"q": person.nik}, REMOTE_ADDR=remote,
                       HTTP_X_REAL_IP=real_ip).status_code


def test_a_trusted_proxy_passes_on_the_client_address(client, settings, operator_balikpapan, person_balikpapan):
    settings.KOMPETEN_TRUSTED_PROXIES = [PROXY]
    settings.KOMPETEN_RATE_LIMITS = {"nik-lookup-ip": (1, 600)}
    client.force_login(operator_balikpapan)
    assert search(client, person_balikpapan, "203.0.113.7") == 303
    assert search(client, person_balikpapan, "203.0.113.8") == 303  # another client behind the same proxy
    assert search(client, person_balikpapan, "203.0.113.7") == 429  # the first client again


def test_the_header_is_ignored_from_anyone_else(client, settings, operator_balikpapan, person_balikpapan):
    settings.KOMPETEN_TRUSTED_PROXIES = [PROXY]
    settings.KOMPETEN_RATE_LIMITS = {"nik-lookup-ip": (1, 600)}
    client.force_login(operator_balikpapan)
    assert search(client, person_balikpapan, "203.0.113.7", remote="198.51.100.1") == 303
    # A client that makes up X-Real-IP is still counted by its own address.
    assert search(client, person_balikpapan, "203.0.113.9", remote="198.51.100.1") == 429
    # A header that is not an address is ignored even from the proxy.
    assert search(client, person_balikpapan, "not-an-ip") == 303
    assert search(client, person_balikpapan, "also-not") == 429


def test_without_trusted_proxies_every_client_is_the_proxy(client, settings, operator_balikpapan,
                                                            person_balikpapan):
    settings.KOMPETEN_TRUSTED_PROXIES = []
    settings.KOMPETEN_RATE_LIMITS = {"nik-lookup-ip": (1, 600)}
    client.force_login(operator_balikpapan)
    assert search(client, person_balikpapan, "203.0.113.7") == 303
    assert search(client, person_balikpapan, "203.0.113.8") == 429
