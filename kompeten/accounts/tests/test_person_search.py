"""The job seeker search never puts a NIK in a URL (kompeten/registry/views.py person_list and person_export): every
address it produces — redirects, pushed HTMX addresses, pages, export links — is checked; and NIK lookups are
rate-limited."""

import re
from html import unescape
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import make_person
from kompeten.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LIST = "registry:person_list"


def nik_forms(nik):
    """The NIK as digits and as typed with separators; also its birth-date part, which identifies too."""
    return {nik, f"{nik[:6]} {nik[6:12]} {nik[12:]}", nik[6:12] + nik[12:]}


def urls_in(html):
    return [unescape(url) for url in re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', html)]


def assert_no_nik(urls, nik):
    for url in urls:
        plain = unquote(unquote(url))
        digits = re.sub(r"\D", "", plain)
        assert nik not in digits, url
        for form in nik_forms(nik):
            assert form not in plain, url


def search(client, q, **extra):
    """Post the search form and follow every redirect; every address on the way and on the final page."""
    response = client.post(reverse(LIST), {"q": q, **extra})
    seen = [reverse(LIST)]
    while response.status_code in (301, 302, 303):
        seen.append(response["Location"])
        response = client.get(response["Location"])
    seen += urls_in(response.content.decode())
    return response, seen


def test_a_nik_search_lists_the_person_without_the_nik_in_any_url(client, operator_balikpapan, person_balikpapan):
    client.force_login(operator_balikpapan)
    nik = person_balikpapan.nik
    first = client.post(reverse(LIST), {"q": f"{nik[:6]} {nik[6:12]} {nik[12:]}", "never_trained": "1"})
    assert first.status_code == 303 and "s=" in first["Location"] and "never_trained=1" in first["Location"]
    response, seen = search(client, nik, never_trained="1")
    assert response.status_code == 200 and person_balikpapan.full_name in response.content.decode()
    assert_no_nik(seen, nik)
    # The export of this search, by its token.
    export = [url for url in seen if url.startswith(reverse("registry:person_export")) and "format=csv" in url]
    assert export
    response = client.get(export[0])
    assert response.status_code == 200 and nik in response.content.decode()
    assert response.content.decode().count("\n") == 2  # the header and the one person found
    note = AuditEntry.objects.get(action="export").note
    assert nik not in note and nik[-4:] in note


def test_the_live_search_pushes_an_address_without_the_nik(client, operator_balikpapan, person_balikpapan):
    client.force_login(operator_balikpapan)
    response = client.post(reverse(LIST), {"q": person_balikpapan.nik}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and person_balikpapan.full_name in response.content.decode()
    pushed = response["HX-Push-Url"]
    assert pushed.startswith(reverse(LIST) + "?s=")
    assert_no_nik([pushed, *urls_in(response.content.decode())], person_balikpapan.nik)
    assert 'id="person-rows"' in response.content.decode() and 'id="person-export"' in response.content.decode()
    assert person_balikpapan.full_name in client.get(pushed).content.decode()


def test_pages_of_a_search_keep_the_token(client, operator_balikpapan, balikpapan):
    for serial in range(10, 62):
        make_person(full_name=f"Budi Nomor {serial}", serial=serial, registered_centre=balikpapan)
    client.force_login(operator_balikpapan)
    response, seen = search(client, "Budi Nomor")
    page_two = [url for url in seen if "page=2" in url]
    assert page_two and "s=" in page_two[0] and "Budi" not in page_two[0]
    assert "Budi Nomor" in client.get(reverse(LIST) + page_two[0]).content.decode()


def test_a_nik_in_the_url_is_refused(client, operator_balikpapan, person_balikpapan):
    client.force_login(operator_balikpapan)
    for name, extra in ((LIST, {}), ("registry:person_export", {"format": "csv"})):
        response = client.get(reverse(name), {"q": person_balikpapan.nik, **extra})
        assert response.status_code == 302 and response["Location"] == reverse(LIST)
        assert_no_nik([response["Location"]], person_balikpapan.nik)
    # Not even next to a valid token.
    token = client.post(reverse(LIST), {"q": "Budi"})["Location"].split("s=")[1]
    response = client.get(reverse(LIST), {"s": token, "q": person_balikpapan.nik})
    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    # An unknown token exports nothing.
    response = client.get(reverse("registry:person_export"), {"s": "not-a-token", "format": "csv"})
    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    assert not AuditEntry.objects.filter(action="export").exists()
    # A name in a link still searches.
    assert person_balikpapan.full_name in client.get(reverse(LIST), {"q": "Budi"}).content.decode()


def test_a_search_token_belongs_to_its_session(client, operator_balikpapan, person_balikpapan, person_bontang):
    client.force_login(operator_balikpapan)
    location = client.post(reverse(LIST), {"q": person_balikpapan.nik})["Location"]
    other = type(client)()
    other.force_login(operator_balikpapan)
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = other.get(location).content.decode()
    assert "That search has expired" in page
    assert client.get(location).content.decode().count('class="nik"') == 1


def test_nik_lookups_are_rate_limited_per_user(client, operator_balikpapan, province_admin, person_balikpapan,
                                               settings):
    settings.KOMPETEN_RATE_LIMITS = {"nik-lookup-user": (3, 600)}
    client.force_login(operator_balikpapan)
    for _ in range(3):
        assert client.post(reverse(LIST), {"q": person_balikpapan.nik}, REMOTE_ADDR="10.0.0.1").status_code == 303
    response = client.post(reverse(LIST), {"q": person_balikpapan.nik}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429 and "Too many searches by NIK" in response.content.decode()
    assert response["Retry-After"]
    # Searching by name is not a NIK lookup; another user is not limited.
    assert client.post(reverse(LIST), {"q": "Budi"}).status_code == 303
    client.force_login(province_admin)
    assert client.post(reverse(LIST), {"q": person_balikpapan.nik}).status_code == 303


def test_nik_lookups_are_rate_limited_per_address(client, operator_balikpapan, operator_bontang, person_balikpapan,
                                                  settings):
    settings.KOMPETEN_RATE_LIMITS = {"nik-lookup-ip": (2, 600)}
    for user in (operator_balikpapan, operator_bontang):
        client.force_login(user)
        assert client.post(reverse(LIST), {"q": person_balikpapan.nik}).status_code == 303
    assert client.post(reverse(LIST), {"q": person_balikpapan.nik}).status_code == 429
    assert client.post(reverse(LIST), {"q": person_balikpapan.nik}, REMOTE_ADDR="10.9.9.9").status_code == 303


def test_the_search_stays_scoped(client, operator_balikpapan, person_bontang):
    client.force_login(operator_balikpapan)
    response, seen = search(client, person_bontang.nik)
    assert person_bontang.full_name not in response.content.decode()
    assert_no_nik(seen, person_bontang.nik)
