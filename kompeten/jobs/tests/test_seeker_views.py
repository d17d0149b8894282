"""The job seeker's side: recommended open vacancies with reasons, invitations with accept / decline (their own
only; anyone else's is a 404), and the note when they do not consent to being shown to companies."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_person, make_user
from kompeten.jobs import services
from kompeten.jobs.models import Invitation, Vacancy
from kompeten.reference.models import Kbji
from kompeten.registry.models import Consent, Person
from kompeten.registry.services import record_consent
from kompeten.training.models import Enrolment

TODAY = timezone.localdate()


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def consent(person, given=True):
    record_consent(person, purpose=Consent.Purpose.SHARE_COMPANIES, given=given, channel=Consent.Channel.WEB,
                   by=None)


@pytest.fixture
def seeker(job_seeker, completed_batch):
    """Siti Aminah (the ``job_seeker``), trained in the batch's vocation, living in Balikpapan."""
    person = Person.objects.get(user=job_seeker)
    person.village_id = "64.71.05.1002"
    person.save(update_fields=["village"])
    Enrolment.objects.create(batch=completed_batch, person=person, source="operator", status="completed",
                             final_test_passed=True)
    return person


@pytest.fixture
def vacancy(company, completed_batch):
    vacancy = Vacancy(company=company, title="Mekanik Sepeda Motor", occupation=Kbji.objects.get(code="7231"),
                      sector_id="motorcycle_repair", number_needed=2, region_id="64.71", wage_min=3_500_000,
                      valid_from=TODAY - datetime.timedelta(days=5), valid_until=TODAY + datetime.timedelta(days=60))
    return services.save_vacancy(vacancy, vocations=[completed_batch.package.vocation], by=None)


@pytest.fixture
def invitation(vacancy, seeker, company_user):
    consent(seeker)
    return services.invite(vacancy, seeker, by=company_user, message="Silakan datang ke bengkel kami.")


def test_mine_shows_recommendations_with_reasons_invitations_and_no_consent_note(client, job_seeker, seeker,
                                                                                 vacancy):
    client.force_login(job_seeker)
    response = client.get(reverse("jobs:mine"))
    assert response.status_code == 200
    html = page(response)
    assert response.context["consenting"] is False
    assert "Companies cannot find you" in html and reverse("registry:my_profile") in html
    recommended = response.context["recommended"]
    assert [r["vacancy"] for r in recommended] == [vacancy]
    assert recommended[0]["reasons"] and all(reason in html.replace("&#x27;", "'")
                                             for reason in recommended[0]["reasons"])
    assert "Mekanik Sepeda Motor" in html and "PT Tambang Maju" in html and "from Rp3.500.000" in html

    consent(seeker)
    html = page(client.get(reverse("jobs:mine")))
    assert "Companies cannot find you" not in html


def test_job_seeker_accepts_an_invitation(client, job_seeker, invitation):
    client.force_login(job_seeker)
    html = page(client.get(reverse("jobs:mine")))
    assert "Silakan datang ke bengkel kami." in html and reverse("jobs:answer", args=[invitation.pk]) in html

    response = client.post(reverse("jobs:answer", args=[invitation.pk]), {"answer": "accept"}, follow=True)
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.answered_at is not None
    assert any("PT Tambang Maju can now see your phone number" in m for m in messages_of(response))

    response = client.post(reverse("jobs:answer", args=[invitation.pk]), {"answer": "decline"}, follow=True)
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert any("already been answered" in m for m in messages_of(response))


def test_job_seeker_declines_and_a_bad_answer_changes_nothing(client, job_seeker, invitation):
    client.force_login(job_seeker)
    response = client.post(reverse("jobs:answer", args=[invitation.pk]), {"answer": "maybe"}, follow=True)
    invitation.refresh_from_db()
    assert invitation.status == "sent" and messages_of(response)
    assert client.get(reverse("jobs:answer", args=[invitation.pk])).status_code == 405
    client.post(reverse("jobs:answer", args=[invitation.pk]), {"answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == "declined"


def test_another_job_seeker_cannot_answer_it(client, invitation, company_user):
    other = make_user("rina@example.test", "job_seeker", full_name="Rina Wati")
    make_person(full_name="Rina Wati", serial=31, user=other)
    for user in (other, company_user):
        client.force_login(user)
        response = client.post(reverse("jobs:answer", args=[invitation.pk]), {"answer": "accept"})
        assert response.status_code == 404, user
    client.force_login(other)
    response = client.get(reverse("jobs:mine"))
    assert response.context["invitations"] == [] and "Silakan datang" not in page(response)
    invitation.refresh_from_db()
    assert invitation.status == "sent"
    assert client.post(reverse("jobs:answer", args=[Invitation.objects.count() + 99]),
                       {"answer": "accept"}).status_code == 404


def test_mine_is_for_job_seekers_only(client, company_user, operator_balikpapan):
    for user in (company_user, operator_balikpapan):
        client.force_login(user)
        assert client.get(reverse("jobs:mine")).status_code == 404
    client.logout()
    assert client.get(reverse("jobs:mine")).status_code == 302
