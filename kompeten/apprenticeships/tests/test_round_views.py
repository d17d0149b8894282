"""The matching round through its pages, from the open round to the certificate of apprenticeship: a job seeker
chooses offers, the province admin closes, matches (the result page says it is stable) and publishes, the
company signs and starts the agreement, the apprentice writes a logbook week, the company confirms it, the
flagged list picks the placement without confirmed weeks, and the final assessment issues the certificate."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kompeten.apprenticeships import matching, services
from kompeten.apprenticeships.models import (
    Application,
    LogbookEntry,
    MatchingRound,
    Placement,
    PlacementStatus,
    RoundStatus,
)
from kompeten.apprenticeships.tests.conftest import ROUND_DAY, make_offer
from kompeten.audit.models import AuditEntry
from kompeten.certificates.models import Certificate

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
START = datetime.date(2025, 7, 1)  # the offers' start (a Tuesday)


def at(time_machine, day: datetime.date):
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), tzinfo=WITA), tick=False)


@pytest.fixture
def retail_offer(other_company, programme_year, matching_round):
    from kompeten.apprenticeships.models import Mentor

    offer = make_offer(other_company, programme_year, title="Kasir Ritel", slots=2, locations=("64.74",),
                       matching_round=matching_round, approval_number="560/123/DISNAKER-BTG")
    offer.mentors.add(Mentor.objects.create(company=other_company, name="Sri Mulyani", position="Store manager"))
    return offer


def login(client, user):
    client.force_login(user)
    return client


def test_full_path_from_round_to_certificate(client, time_machine, offer, retail_offer, trained, apprentice_user,
                                             province_admin, company_user, other_company_user):
    at(time_machine, ROUND_DAY)
    offer.slots = 1
    offer.save(update_fields=["slots"])
    andi, dewi = trained[0], trained[1]

    # The job seeker sees the round's offers on the phone page and chooses two, in order.
    login(client, apprentice_user)
    page = client.get(reverse("apprenticeships:round_apply", args=[offer.matching_round_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "PT Tambang Maju" in html and "PT Ritel Sejahtera" in html and "Rp2.500.000" in html
    response = client.post(reverse("apprenticeships:round_apply", args=[offer.matching_round_id]),
                           {"choice_1": offer.pk, "choice_2": retail_offer.pk})
    assert response.status_code == 302 and response.url == reverse("apprenticeships:mine")
    assert list(Application.objects.filter(person=andi).order_by("rank").values_list("offer_id", flat=True)) == [
        offer.pk, retail_offer.pk]
    mine = client.get(reverse("apprenticeships:mine"))
    assert mine.status_code == 200 and "Your choices are in" in mine.content.decode()

    # Another candidate applies; the mining company ranks her first for its single slot.
    services.apply(dewi, offer.matching_round, [offer], by=province_admin)

    # The province admin closes the round, the company ranks, the admin matches.
    login(client, province_admin)
    round_url = reverse("apprenticeships:round_detail", args=[offer.matching_round_id])
    client.post(reverse("apprenticeships:round_close", args=[offer.matching_round_id]))
    assert MatchingRound.objects.get(pk=offer.matching_round_id).status == RoundStatus.CLOSED
    services.rank_applicants(offer, [Application.objects.get(person=dewi, offer=offer)], by=company_user)
    response = client.post(reverse("apprenticeships:round_match", args=[offer.matching_round_id]))
    assert response.status_code == 302
    matching_round = MatchingRound.objects.get(pk=offer.matching_round_id)
    assert matching_round.status == RoundStatus.MATCHED
    assert matching.blocking_pairs(matching_round) == []
    page = client.get(round_url).content.decode()
    assert "Stable: no blocking pair." in page
    assert "Publish the result" in page

    # Matching may run again until the result is published.
    assert client.post(reverse("apprenticeships:round_match", args=[matching_round.pk])).status_code == 302
    response = client.post(reverse("apprenticeships:round_publish", args=[matching_round.pk]), follow=True)
    assert "Result published: 2 agreements drafted." in response.content.decode()
    assert MatchingRound.objects.get(pk=matching_round.pk).status == RoundStatus.PUBLISHED
    andi_placement = Placement.objects.get(person=andi)
    dewi_placement = Placement.objects.get(person=dewi)
    assert andi_placement.company_id == retail_offer.company_id and andi_placement.status == PlacementStatus.DRAFT
    assert dewi_placement.company_id == offer.company_id
    # Publishing again is refused with the service's message.
    response = client.post(reverse("apprenticeships:round_publish", args=[matching_round.pk]), follow=True)
    assert "cannot do this now" in response.content.decode()

    # The candidate reads why they were placed at their second choice, in plain words.
    login(client, apprentice_user)
    html = client.get(reverse("apprenticeships:mine")).content.decode()
    assert ("PT Tambang Maju filled its 1 slot with a candidate it ranked higher: you were number 2 in its order, "
            "the last placed was number 1.") in html
    assert "You are placed at PT Ritel Sejahtera." in html
    assert andi_placement.agreement_number in html

    # The company signs and starts the agreement.
    at(time_machine, START)
    login(client, other_company_user)
    url = reverse("apprenticeships:placement_transition", args=[andi_placement.pk])
    assert client.post(url, {"status": "signed"}).status_code == 302
    assert client.post(url, {"status": "active", "on": "2025-07-01"}).status_code == 302
    andi_placement.refresh_from_db()
    assert andi_placement.status == PlacementStatus.ACTIVE and andi_placement.started_on == START
    services.transition(dewi_placement, "signed", by=company_user)
    services.transition(dewi_placement, "active", by=company_user, on=START)

    # The apprentice writes the week of 7 July; the company confirms it.
    at(time_machine, datetime.date(2025, 7, 9))
    login(client, apprentice_user)
    prefix = f"log{andi_placement.pk}-"
    response = client.post(reverse("apprenticeships:logbook_write", args=[andi_placement.pk]), {
        f"{prefix}week_start": "2025-07-07", f"{prefix}activities": "Belajar kasir dan stok gudang.",
        f"{prefix}practice_hours": "32", f"{prefix}theory_hours": "8", "next": reverse("apprenticeships:mine")})
    assert response.status_code == 302 and response.url == reverse("apprenticeships:mine")
    entry = LogbookEntry.objects.get(placement=andi_placement)
    assert entry.week_start == datetime.date(2025, 7, 7) and not entry.is_confirmed
    assert "Belajar kasir" in client.get(reverse("apprenticeships:mine")).content.decode()
    login(client, other_company_user)
    detail = client.get(reverse("apprenticeships:placement_detail", args=[andi_placement.pk])).content.decode()
    assert "Confirm this week" in detail
    response = client.post(reverse("apprenticeships:logbook_confirm", args=[entry.pk]), {"note": "Bagus"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.is_confirmed and entry.confirmed_by == other_company_user and entry.mentor_note == "Bagus"

    # Four weeks after the start: the placement without a confirmed week is flagged, the other is not.
    at(time_machine, datetime.date(2025, 7, 30))
    login(client, province_admin)
    flagged = client.get(reverse("apprenticeships:placement_list"), {"flagged": "on"})
    assert flagged.status_code == 200
    names = [p.person.full_name for p in flagged.context["page"]]
    assert names == ["Dewi Lestari"]
    everything = [p.person.full_name for p in client.get(reverse("apprenticeships:placement_list")).context["page"]]
    assert set(everything) == {"Andi Pratama", "Dewi Lestari"}
    html = client.get(reverse("apprenticeships:placement_detail", args=[dewi_placement.pk])).content.decode()
    assert "No logbook week confirmed for" in html
    home = client.get(reverse("apprenticeships:home"))
    assert home.status_code == 200 and home.context["flagged_count"] == 1

    # The company's final assessment: passed, and the certificate of apprenticeship is issued.
    at(time_machine, datetime.date(2025, 12, 31))
    login(client, other_company_user)
    response = client.post(reverse("apprenticeships:placement_complete", args=[andi_placement.pk]),
                           {"passed": "1", "score": "85", "notes": "Teliti dan disiplin."}, follow=True)
    assert response.status_code == 200
    andi_placement.refresh_from_db()
    assert andi_placement.status == PlacementStatus.COMPLETED and andi_placement.final_passed
    certificate = Certificate.objects.get(placement=andi_placement)
    assert certificate.number in response.content.decode()
    login(client, apprentice_user)
    html = client.get(reverse("apprenticeships:mine")).content.decode()
    assert certificate.number in html and reverse("certificates:pdf", args=[certificate.pk]) in html


def test_round_pages_for_staff(client, time_machine, offer, province_admin, operator_balikpapan, job_seeker,
                               company_user, programme_year):
    at(time_machine, ROUND_DAY)
    login(client, province_admin)
    assert client.get(reverse("apprenticeships:round_list")).status_code == 200
    response = client.post(reverse("apprenticeships:round_create"), {
        "programme_year": programme_year.pk, "name": "Pemagangan 2025 Putaran 2", "opens_at": "2025-08-01",
        "closes_at": "2025-08-20", "max_choices": "2", "pool": "all"})
    created = MatchingRound.objects.get(name="Pemagangan 2025 Putaran 2")
    assert response.status_code == 302 and created.status == RoundStatus.OPEN and created.max_choices == 2
    assert AuditEntry.objects.for_object(created).filter(action=AuditEntry.Action.CREATE).exists()
    bad = client.post(reverse("apprenticeships:round_create"), {
        "programme_year": programme_year.pk, "name": "Salah", "opens_at": "2025-08-20", "closes_at": "2025-08-01",
        "max_choices": "2", "pool": "all"})
    assert bad.status_code == 400 and not MatchingRound.objects.filter(name="Salah").exists()

    # An operator looks, without the buttons; the steps are the province admin's (404 for the operator).
    login(client, operator_balikpapan)
    page = client.get(reverse("apprenticeships:round_detail", args=[offer.matching_round_id]))
    assert page.status_code == 200 and "Close applications" not in page.content.decode()
    assert client.post(reverse("apprenticeships:round_close", args=[offer.matching_round_id])).status_code == 404
    assert client.get(reverse("apprenticeships:round_create")).status_code == 404
    for user in (job_seeker, company_user):
        login(client, user)
        assert client.get(reverse("apprenticeships:round_list")).status_code == 404
        assert client.get(reverse("apprenticeships:round_detail", args=[offer.matching_round_id])).status_code == 404


def test_apply_tells_why_not(client, time_machine, offer, job_seeker, trained, apprentice_user, company,
                             programme_year, matching_round):
    at(time_machine, ROUND_DAY)
    # A job seeker who has not completed a training is not in the round's pool.
    login(client, job_seeker)
    page = client.get(reverse("apprenticeships:round_apply", args=[matching_round.pk]))
    assert page.status_code == 200 and page.context["form"] is None
    assert "has not completed one" in page.content.decode()
    response = client.post(reverse("apprenticeships:round_apply", args=[matching_round.pk]),
                           {"choice_1": offer.pk}, follow=True)
    assert "has not completed one" in response.content.decode()
    assert not Application.objects.exists()

    # An offer whose requirements the candidate does not meet is shown with the reason, and cannot be chosen.
    young = make_offer(company, programme_year, title="Operator Muda", max_age=20, matching_round=matching_round)
    login(client, apprentice_user)
    page = client.get(reverse("apprenticeships:round_apply", args=[matching_round.pk]))
    assert "older than the maximum age" in page.content.decode()
    assert str(young.pk) not in [value for value, _label in page.context["form"].fields["choice_1"].choices]
    response = client.post(reverse("apprenticeships:round_apply", args=[matching_round.pk]), {"choice_1": young.pk})
    assert response.status_code == 400 and not Application.objects.exists()
    # The same offer twice is refused.
    second = make_offer(company, programme_year, title="Helper Mekanik", matching_round=matching_round)
    response = client.post(reverse("apprenticeships:round_apply", args=[matching_round.pk]),
                           {"choice_1": offer.pk, "choice_2": offer.pk})
    assert response.status_code == 400 and "only once" in response.content.decode()
    response = client.post(reverse("apprenticeships:round_apply", args=[matching_round.pk]),
                           {"choice_1": second.pk, "choice_2": offer.pk})
    assert response.status_code == 302
    assert list(Application.objects.order_by("rank").values_list("offer_id", flat=True)) == [second.pk, offer.pk]

    # After the round closes, the page says so.
    at(time_machine, datetime.date(2025, 6, 2))
    login(client, apprentice_user)  # the session of May has expired
    page = client.get(reverse("apprenticeships:round_apply", args=[matching_round.pk]))
    assert page.context["form"] is None and "accepted from" in page.content.decode()


def test_explanations_in_plain_words(offer, trained, matching_round, province_admin, company_user, time_machine):
    from kompeten.apprenticeships.views.rounds import explain

    at(time_machine, ROUND_DAY)
    for person in trained:
        services.apply(person, matching_round, [offer], by=province_admin)
    services.close_round(matching_round, by=province_admin)
    rejected = Application.objects.get(person=trained[2])
    services.decide(rejected, decision="rejected", by=company_user)
    offer.slots = 1
    offer.save(update_fields=["slots"])
    matching.match(matching_round, by=province_admin)
    texts = {a.person.full_name: explain(a) for a in Application.objects.select_related("offer__company", "person")}
    assert texts["Eko Saputra"] == "PT Tambang Maju did not accept your application."
    placed = [name for name, text in texts.items() if text == "You are placed at PT Tambang Maju."]
    assert len(placed) == 1
    other = next(name for name in texts if name not in placed and name != "Eko Saputra")
    assert texts[other] == ("PT Tambang Maju filled its 1 slot with a candidate it ranked higher: you were number 2 "
                            "in its order, the last placed was number 1.")


def test_home_by_role(client, offer, province_admin, operator_balikpapan, company_user, apprentice_user, assessor,
                      programme_year):
    from kompeten.programmes.models import Target

    Target.objects.create(programme_year=programme_year, kind=Target.Kind.APPRENTICES_PLACED, number=400)
    login(client, province_admin)
    page = client.get(reverse("apprenticeships:home"))
    assert page.status_code == 200 and page.context["progress"]["target"] == 400
    assert "Offers waiting for approval" in page.content.decode()
    login(client, operator_balikpapan)
    assert "Your trainees" in client.get(reverse("apprenticeships:home")).content.decode()
    login(client, company_user)
    html = client.get(reverse("apprenticeships:home")).content.decode()
    assert "PT Tambang Maju" in html and "Logbook weeks to confirm" in html
    login(client, apprentice_user)
    response = client.get(reverse("apprenticeships:home"))
    assert response.status_code == 302 and response.url == reverse("apprenticeships:mine")
    login(client, assessor)
    assert client.get(reverse("apprenticeships:home")).status_code == 404


def test_navigation_links(client, province_admin, company_user, apprentice_user):
    login(client, province_admin)
    html = client.get(reverse("apprenticeships:home")).content.decode()
    assert reverse("apprenticeships:round_list") in html and reverse("apprenticeships:placement_list") in html
    login(client, company_user)
    html = client.get(reverse("apprenticeships:home")).content.decode()
    assert reverse("apprenticeships:offer_list") in html
    login(client, apprentice_user)
    html = client.get(reverse("apprenticeships:mine")).content.decode()
    assert f'href="{reverse("apprenticeships:mine")}"' in html
