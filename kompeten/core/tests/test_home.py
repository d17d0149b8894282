import pytest
from django.urls import reverse

from kompeten.programmes.models import Target
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db


def test_anonymous_sees_landing(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert reverse("registry:register") in response.content.decode()
    assert reverse("apprenticeships:company_register") in response.content.decode()  # companies find their way in


def test_job_seeker_goes_to_own_profile(client, job_seeker):
    client.force_login(job_seeker)
    assert client.get(reverse("core:home"))["Location"] == reverse("registry:my_profile")


@pytest.mark.parametrize(("persona", "start"), [
    ("company_user", "apprenticeships:home"), ("assessor", "assessment:event_list"),
    ("lsp_admin", "assessment:event_list"),
])
def test_company_users_assessors_and_lsp_managers_start_on_their_own_work(client, request, persona, start):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("core:home"))["Location"] == reverse(start)


def test_province_admin_stays_on_the_overview(client, province_admin):
    client.force_login(province_admin)
    assert client.get(reverse("core:home")).status_code == 200


def test_operator_dashboard_counts_own_centre_against_target(client, operator_balikpapan, balikpapan,
                                                             batch_balikpapan, person_balikpapan, person_bontang):
    Target.objects.create(programme_year=batch_balikpapan.programme_year, kind="trained", centre=balikpapan,
                          number=4)
    Enrolment.objects.create(batch=batch_balikpapan, person=person_balikpapan, source="operator", status="completed")
    client.force_login(operator_balikpapan)
    response = client.get(reverse("core:home"))
    centres = response.context["centres"]
    assert [c.pk for c in centres] == [balikpapan.pk]
    assert centres[0].trained == 1 and centres[0].target_trained == 4 and centres[0].trained_percent == 25
    assert response.context["person_count"] == 1


def test_language_switch_to_english(client):
    del client.cookies["django_language"]
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    assert '<html lang="en">' in response.content.decode()


def test_indonesian_by_default_whatever_the_browser_says(client):
    del client.cookies["django_language"]  # the suite's client chose English; a new visitor has not
    response = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.wsgi_request.LANGUAGE_CODE == "id" and response["Content-Language"] == "id"
    client.cookies["django_language"] = "en"
    assert client.get(reverse("core:home")).wsgi_request.LANGUAGE_CODE == "en"
    client.cookies["django_language"] = "xx"
    assert client.get(reverse("core:home")).wsgi_request.LANGUAGE_CODE == "id"
