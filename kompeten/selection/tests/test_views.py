"""The selection pages, persona by persona: applying, stages, the round's buttons, results, offers, what-if."""

import datetime

import pytest
from django.urls import reverse

from conftest import make_batch, make_person, make_user
from kompeten.audit.models import AuditEntry
from kompeten.programmes.models import TrainingPackage
from kompeten.registry.models import Person, PriorTraining
from kompeten.selection import services
from kompeten.selection.models import (
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    PriorityRule,
    RoundBatch,
    RoundStatus,
    SelectionRound,
)
from kompeten.training.models import Enrolment

pytestmark = pytest.mark.django_db

TZ = datetime.UTC
OPENS = datetime.datetime(2025, 1, 6, 8, tzinfo=TZ)
DURING = datetime.datetime(2025, 1, 10, 8, tzinfo=TZ)
CLOSES = datetime.datetime(2025, 1, 20, 16, tzinfo=TZ)
AFTER = datetime.datetime(2025, 1, 22, 8, tzinfo=TZ)
RESULTS = datetime.datetime(2025, 1, 24, 8, tzinfo=TZ)
VILLAGE_BALIKPAPAN = "64.71.05.1008"  # Sepinggan Baru, Kota Balikpapan
VILLAGE_BONTANG = "64.74.02.1001"


def applicant(serial, *, trained=False, village=VILLAGE_BALIKPAPAN, birth_date=datetime.date(2000, 1, 15),
              user=None, **extra):
    """A job seeker of 25 in 2025, SMA, not working, living in Balikpapan unless told otherwise."""
    extra.setdefault("sex", "L")
    person = make_person(serial=serial, full_name=f"Pelamar {serial}", birth_date=birth_date, village_id=village,
                         education_id="SMA", employment_status="unemployed", user=user, **extra)
    if trained:
        PriorTraining.objects.create(person=person, source="lpk", year=2022, institution="LPK", vocation="Las")
    return person


def seeker_person(user, **changes):
    """The job seeker persona's own record, made complete (education, village) for eligibility."""
    Person.objects.filter(user=user).update(education_id="SMA", village_id=VILLAGE_BALIKPAPAN,
                                            employment_status="unemployed", **changes)
    return Person.objects.get(user=user)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(DURING, tick=False)
    return time_machine


@pytest.fixture
def round_(balikpapan, programme_year, operator_balikpapan):
    """An open round of BLKI Balikpapan with two batches of one seat each; never-trained first, then domicile."""
    first = make_batch(balikpapan, programme_year, capacity=1, start=datetime.date(2025, 2, 3),
                       end=datetime.date(2025, 2, 28))
    second = make_batch(balikpapan, programme_year, capacity=1, start=datetime.date(2025, 3, 3),
                        end=datetime.date(2025, 3, 28))
    round_ = services.create_round(
        programme_year=programme_year, name="Seleksi Februari 2025", centres=[balikpapan], opens_at=OPENS,
        closes_at=CLOSES, results_at=RESULTS, rules=[PriorityRule.NEVER_TRAINED, PriorityRule.DOMICILE],
        batches=[first, second], by=operator_balikpapan, uses_test=True, uses_document_check=False,
    )
    services.open_round(round_, by=operator_balikpapan)
    round_.first, round_.second = first, second
    return round_


def allocate_and_publish(round_, by):
    services.close_round(round_, by=by)
    services.run_allocation(round_, by=by)
    services.publish(round_, by=by)


class TestApply:
    def test_job_seeker_applies_with_ranked_choices(self, client, job_seeker, round_, frozen):
        person = seeker_person(job_seeker)
        client.force_login(job_seeker)
        url = reverse("selection:apply", args=[round_.pk])
        page = client.get(url)
        assert page.status_code == 200 and "choice_1" in page.context["form"].fields
        response = client.post(url, {"choice_1": round_.second.pk, "choice_2": round_.first.pk})
        assert response.status_code == 302 and response["Location"] == reverse("selection:my_applications")
        application = Application.objects.get(round=round_, person=person)
        assert [(c.rank, c.batch_id) for c in application.choices.all()] == [(1, round_.second.pk),
                                                                             (2, round_.first.pk)]
        mine = client.get(reverse("selection:my_applications"))
        assert mine.status_code == 200 and round_.name in mine.content.decode()

    def test_ineligible_batch_shows_why_and_cannot_be_chosen(self, client, job_seeker, round_, frozen, balikpapan,
                                                             programme_year, operator_balikpapan):
        seeker_person(job_seeker, birth_date=datetime.date(1995, 1, 15))  # 30 in 2025
        package = TrainingPackage.objects.create(centre=balikpapan, vocation=round_.first.package.vocation,
                                                 code="muda", name="Operator Muda", hours=160, max_age=25,
                                                 required_documents=[])
        young = make_batch(balikpapan, programme_year, package=package)
        services.add_batch(round_, young, by=None)
        client.force_login(job_seeker)
        url = reverse("selection:apply", args=[round_.pk])
        page = client.get(url)
        reasons = {rb.batch_id: rb.reasons for rb in page.context["round_batches"]}
        assert reasons[young.pk] == ["Older than the maximum age (25) on the first day of training."]
        assert reasons[round_.first.pk] == []
        assert "Older than the maximum age (25)" in page.content.decode()
        offered = {value for value, _label in page.context["form"].fields["choice_1"].choices}
        assert str(young.pk) not in offered and str(round_.first.pk) in offered
        response = client.post(url, {"choice_1": young.pk})
        assert response.status_code == 400 and not Application.objects.exists()

    def test_cannot_apply_twice(self, client, job_seeker, round_, frozen):
        seeker_person(job_seeker)
        client.force_login(job_seeker)
        url = reverse("selection:apply", args=[round_.pk])
        client.post(url, {"choice_1": round_.first.pk})
        page = client.get(url)
        assert page.context["form"] is None and page.context["existing"] is not None
        response = client.post(url, {"choice_1": round_.second.pk}, follow=True)
        assert "You have already applied in this round." in response.content.decode()
        application = Application.objects.get()
        assert [c.batch_id for c in application.choices.all()] == [round_.first.pk]

    def test_duplicate_choice_is_refused(self, client, job_seeker, round_, frozen):
        seeker_person(job_seeker)
        client.force_login(job_seeker)
        response = client.post(reverse("selection:apply", args=[round_.pk]),
                               {"choice_1": round_.first.pk, "choice_2": round_.first.pk})
        assert response.status_code == 400 and not Application.objects.exists()

    def test_round_not_open_takes_no_application(self, client, job_seeker, round_, time_machine):
        seeker_person(job_seeker)
        time_machine.move_to(AFTER, tick=False)
        client.force_login(job_seeker)
        url = reverse("selection:apply", args=[round_.pk])
        assert client.get(url).context["form"] is None
        client.post(url, {"choice_1": round_.first.pk})
        assert not Application.objects.exists()

    def test_round_list_shows_open_rounds_to_job_seekers(self, client, job_seeker, round_, frozen,
                                                         operator_balikpapan, balikpapan, programme_year):
        services.create_round(programme_year=programme_year, name="Draf", centres=[balikpapan], opens_at=OPENS,
                              closes_at=CLOSES, results_at=RESULTS, rules=[], by=operator_balikpapan)
        client.force_login(job_seeker)
        response = client.get(reverse("selection:round_list"))
        assert [r.pk for r in response.context["open_rounds"]] == [round_.pk]
        assert "Draf" not in response.content.decode()


class TestStages:
    def test_operator_records_stage_results(self, client, operator_balikpapan, round_, frozen):
        round_.uses_document_check = True
        round_.save()
        application = services.apply(round_, applicant(1), [round_.first.pk], by=None)
        client.force_login(operator_balikpapan)
        url = reverse("selection:application_stage", args=[application.pk])
        assert client.post(url, {"stage": "documents", "documents-value": "1"}).status_code == 302
        assert client.post(url, {"stage": "test", "test-value": "78"}).status_code == 302
        application.refresh_from_db()
        assert application.documents_ok is True and application.test_score == 78
        assert application.test_by == operator_balikpapan and application.test_at is not None
        page = client.get(reverse("selection:application_detail", args=[application.pk]))
        assert "Entered by Operator Balikpapan" in page.content.decode()

    def test_score_out_of_range_and_unused_stage(self, client, operator_balikpapan, round_, frozen):
        application = services.apply(round_, applicant(2), [round_.first.pk], by=None)
        client.force_login(operator_balikpapan)
        url = reverse("selection:application_stage", args=[application.pk])
        assert client.post(url, {"stage": "test", "test-value": "150"}).status_code == 400
        client.post(url, {"stage": "interview", "interview-value": "60"})  # the round has no interview
        application.refresh_from_db()
        assert application.test_score is None and application.interview_score is None

    def test_outsider_operator_cannot_record(self, client, operator_bontang, round_, frozen):
        application = services.apply(round_, applicant(3), [round_.first.pk], by=None)
        client.force_login(operator_bontang)
        url = reverse("selection:application_stage", args=[application.pk])
        assert client.post(url, {"stage": "test", "test-value": "90"}).status_code == 404
        application.refresh_from_db()
        assert application.test_score is None


class TestRoundPages:
    def test_operator_creates_a_round(self, client, operator_balikpapan, balikpapan, bontang, programme_year):
        client.force_login(operator_balikpapan)
        url = reverse("selection:round_create")
        form = client.get(url).context["form"]
        assert list(form.fields["centres"].queryset) == [balikpapan]  # only the centres the operator sees
        data = {"name": "Seleksi Maret", "programme_year": programme_year.pk, "centres": [balikpapan.pk],
                "opens_at": "2025-03-01T08:00", "closes_at": "2025-03-10T16:00", "results_at": "2025-03-12T08:00",
                "offer_days": "3", "rule_1": "domicile", "rule_2": "never_trained", "uses_document_check": "on"}
        response = client.post(url, data)
        round_ = SelectionRound.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("selection:round_detail",
                                                                               args=[round_.pk])
        assert round_.rules == ["domicile", "never_trained"] and round_.status == RoundStatus.DRAFT
        assert list(round_.centres.all()) == [balikpapan]

    def test_round_form_refuses_duplicate_rules_and_foreign_centres(self, client, operator_balikpapan, bontang,
                                                                    programme_year):
        client.force_login(operator_balikpapan)
        data = {"name": "X", "programme_year": programme_year.pk, "centres": [bontang.pk],
                "opens_at": "2025-03-01T08:00", "closes_at": "2025-02-10T16:00", "results_at": "2025-03-12T08:00",
                "offer_days": "3", "rule_1": "domicile", "rule_2": "domicile"}
        response = client.post(reverse("selection:round_create"), data)
        assert response.status_code == 200 and not SelectionRound.objects.exists()
        assert set(response.context["form"].errors) == {"centres", "closes_at", "__all__"}

    def test_round_moves_through_the_buttons(self, client, operator_balikpapan, balikpapan, programme_year,
                                             time_machine):
        time_machine.move_to(OPENS - datetime.timedelta(days=1), tick=False)
        batch = make_batch(balikpapan, programme_year, capacity=2)
        round_ = services.create_round(programme_year=programme_year, name="Seleksi", centres=[balikpapan],
                                       opens_at=OPENS, closes_at=CLOSES, results_at=RESULTS,
                                       rules=[PriorityRule.NEVER_TRAINED], by=operator_balikpapan,
                                       uses_document_check=False)
        client.force_login(operator_balikpapan)
        detail = reverse("selection:round_detail", args=[round_.pk])
        transition = reverse("selection:round_transition", args=[round_.pk])
        # No batch yet: opening is refused with the service's message.
        page = client.post(transition, {"action": "open"}, follow=True)
        assert "Add at least one open batch" in page.content.decode()
        client.post(reverse("selection:round_add_batch", args=[round_.pk]), {"batch": batch.pk})
        assert RoundBatch.objects.get(round=round_).seats == 2
        client.post(transition, {"action": "open"})
        round_.refresh_from_db()
        assert round_.status == RoundStatus.OPEN and round_.seed_hash
        time_machine.move_to(DURING, tick=False)
        for serial in range(3):
            services.apply(round_, applicant(10 + serial, trained=serial == 0), [batch.pk], by=None)
        # A wrong button for the status: a message, no change.
        page = client.post(transition, {"action": "publish"}, follow=True)
        assert page.status_code == 200
        round_.refresh_from_db()
        assert round_.status == RoundStatus.OPEN
        time_machine.move_to(AFTER, tick=False)
        client.force_login(operator_balikpapan)  # the session of a week ago has expired
        for action, status in (("close", RoundStatus.CLOSED), ("allocate", RoundStatus.ALLOCATED),
                               ("publish", RoundStatus.PUBLISHED)):
            assert client.post(transition, {"action": action})["Location"] == detail
            round_.refresh_from_db()
            assert round_.status == status, action
        assert Offer.objects.filter(batch=batch, status=OfferStatus.OPEN).count() == 2
        assert round_.seed_revealed
        page = client.get(detail)
        assert page.status_code == 200 and page.context["round_batches"][0].admitted == 2

    def test_reserved_seats_per_group(self, client, operator_balikpapan, round_):
        rb = round_.round_batches.get(batch=round_.first)
        client.force_login(operator_balikpapan)
        url = reverse("selection:round_batch_reserves", args=[rb.pk])
        client.post(url, {"women": "1", "disability": "", "regency:64.74": ""})
        rb.refresh_from_db()
        assert rb.reserves == {"women": 1}
        assert AuditEntry.objects.filter(object_type="selection.roundbatch", action="update").exists()
        response = client.post(url, {"women": "1", "regency:64.74": "1"})  # 2 reserved of 1 seat
        assert response.status_code == 400
        rb.refresh_from_db()
        assert rb.reserves == {"women": 1}

    def test_public_round_page_shows_cutoffs_and_seed_not_people(self, client, round_, frozen,
                                                                  operator_balikpapan):
        persons = [applicant(20), applicant(21, trained=True)]
        for person in persons:
            services.apply(round_, person, [round_.first.pk], by=None)
        url = reverse("selection:round_results", args=[round_.pk])
        before = client.get(url).content.decode()
        assert round_.seed_hash in before and round_.seed not in before
        frozen.move_to(AFTER, tick=False)
        allocate_and_publish(round_, operator_balikpapan)
        round_.refresh_from_db()
        page = client.get(url).content.decode()
        assert round_.seed in page and f"kompeten selection recompute {round_.pk}" in page
        assert "Never trained before: <strong>yes</strong>" in page
        for person in persons:
            assert person.full_name not in page and person.nik not in page and person.masked_nik not in page


@pytest.fixture
def published(round_, frozen, job_seeker, operator_balikpapan):
    """Published: the never-trained applicant takes the first batch, the trained job seeker gets the second."""
    fresh = applicant(30)
    seeker = seeker_person(job_seeker, declared_prior_training=True)
    services.apply(round_, fresh, [round_.first.pk], by=None)
    services.apply(round_, seeker, [round_.first.pk, round_.second.pk], by=job_seeker)
    frozen.move_to(AFTER, tick=False)
    allocate_and_publish(round_, operator_balikpapan)
    round_.fresh, round_.seeker = fresh, seeker
    return round_


class TestResults:
    def test_applicant_sees_result_and_why_not_the_first_choice(self, client, job_seeker, published):
        client.force_login(job_seeker)
        page = client.get(reverse("selection:my_applications"))
        application = page.context["applications"][0]
        assert application.status == ApplicationStatus.ADMITTED and application.assigned_choice.rank == 2
        [row] = application.explanation
        assert row["batch"] == published.first
        [category] = row["categories"]
        assert category["rule"] == PriorityRule.NEVER_TRAINED
        assert [p["value"] for p in category["cutoff_parts"]] == ["yes", "yes"]
        assert [p["value"] for p in row["own_parts"]] == ["no", "yes"]
        html = page.content.decode()
        assert "Decided by:" in html and "Never trained before" in html and "confirm before" in html
        assert published.fresh.full_name not in html  # the cutoff is a priority, never a person

    def test_applicant_accepts_the_offer(self, client, job_seeker, published):
        offer = Offer.objects.get(application__person=published.seeker)
        client.force_login(job_seeker)
        response = client.post(reverse("selection:offer_accept", args=[offer.pk]))
        assert response.status_code == 302
        offer.refresh_from_db()
        assert offer.status == OfferStatus.ACCEPTED
        assert Enrolment.objects.filter(person=published.seeker, batch=published.second).exists()
        again = client.post(reverse("selection:offer_accept", args=[offer.pk]), follow=True)
        assert "This offer is no longer open." in again.content.decode()

    def test_expired_offer_is_refused(self, client, job_seeker, published, frozen):
        offer = Offer.objects.get(application__person=published.seeker)
        frozen.move_to(offer.expires_at + datetime.timedelta(minutes=1), tick=False)
        client.force_login(job_seeker)
        client.post(reverse("selection:offer_accept", args=[offer.pk]))
        assert not Enrolment.objects.filter(person=published.seeker).exists()

    def test_decline_passes_the_seat_on(self, client, job_seeker, published):
        offer = Offer.objects.get(application__person=published.seeker)
        client.force_login(job_seeker)
        client.post(reverse("selection:offer_decline", args=[offer.pk]))
        offer.refresh_from_db()
        assert offer.status == OfferStatus.DECLINED

    def test_other_job_seeker_cannot_answer(self, client, published):
        offer = Offer.objects.get(application__person=published.seeker)
        other = make_user("lain@example.test", "job_seeker")
        applicant(31, user=other)
        client.force_login(other)
        assert client.post(reverse("selection:offer_accept", args=[offer.pk])).status_code == 404
        assert client.post(reverse("selection:offer_decline", args=[offer.pk])).status_code == 404
        offer.refresh_from_db()
        assert offer.status == OfferStatus.OPEN
        assert published.seeker.full_name not in client.get(reverse("selection:my_applications")).content.decode()

    def test_operator_sees_the_explanation_too(self, client, operator_balikpapan, published):
        application = Application.objects.get(person=published.seeker)
        client.force_login(operator_balikpapan)
        page = client.get(reverse("selection:application_detail", args=[application.pk]))
        assert page.status_code == 200 and page.context["explanation"][0]["batch"] == published.first


class TestReserveList:
    def test_waiting_applicants_in_priority_order(self, client, operator_balikpapan, round_, frozen):
        first = applicant(40)
        outside = applicant(41, trained=True, village=VILLAGE_BONTANG)
        local = applicant(42, trained=True)
        for person in (outside, local, first):
            services.apply(round_, person, [round_.first.pk], by=None)
        frozen.move_to(AFTER, tick=False)
        allocate_and_publish(round_, operator_balikpapan)
        rb = round_.round_batches.get(batch=round_.first)
        client.force_login(operator_balikpapan)
        page = client.get(reverse("selection:round_batch_detail", args=[rb.pk]))
        assert [c.application.person for c in page.context["waiting"]] == [local, outside]
        html = page.content.decode()
        assert html.index(local.full_name) < html.index(outside.full_name)
        # The admitted applicant declines: "offer free seats" offers the seat to the first one waiting.
        Offer.objects.filter(application__person=first).update(status=OfferStatus.DECLINED)
        client.post(reverse("selection:offer_free_seats", args=[rb.pk]))
        assert Offer.objects.get(application__person=local, status=OfferStatus.OPEN).from_reserve_list

    def test_outsider_operator_gets_404(self, client, operator_bontang, round_):
        rb = round_.round_batches.get(batch=round_.first)
        client.force_login(operator_bontang)
        assert client.get(reverse("selection:round_batch_detail", args=[rb.pk])).status_code == 404
        assert client.post(reverse("selection:offer_free_seats", args=[rb.pk])).status_code == 404


class TestWhatIf:
    def test_lower_capacity_shows_a_difference_and_saves_nothing(self, client, province_admin, round_, frozen,
                                                                 operator_balikpapan):
        for serial in range(4):
            services.apply(round_, applicant(50 + serial), [round_.first.pk, round_.second.pk], by=None)
        frozen.move_to(AFTER, tick=False)
        services.close_round(round_, by=operator_balikpapan)
        services.run_allocation(round_, by=operator_balikpapan)

        def state():
            return (list(Application.objects.order_by("pk").values_list("status", "assigned_choice", "lottery")),
                    list(RoundBatch.objects.order_by("pk").values_list("seats", "cutoffs")),
                    AuditEntry.objects.count(), SelectionRound.objects.get().status)

        before = state()
        client.force_login(province_admin)
        url = reverse("selection:what_if", args=[round_.pk])
        assert client.get(url).context["comparison"] is None
        response = client.get(url, {"run": "1", "rule_1": "never_trained", "rule_2": "domicile",
                                    f"seats_{round_.first.pk}": "0", f"seats_{round_.second.pk}": "1"})
        comparison = response.context["comparison"]
        admitted = next(row for row in comparison["totals"] if row["label"] == "Admitted")
        assert (admitted["before"], admitted["after"], admitted["diff"]) == (2, 1, -1)
        first = next(row for row in comparison["batches"] if row["seats_before"] == 1 and row["seats_after"] == 0)
        assert first["diff"] == -1
        assert comparison["moved"] >= 1
        assert comparison["regencies"][0]["label"] == "Kota Balikpapan"
        assert state() == before

    def test_duplicate_rules_are_refused(self, client, province_admin, round_):
        services.close_round(round_, by=province_admin)
        client.force_login(province_admin)
        response = client.get(reverse("selection:what_if", args=[round_.pk]),
                              {"run": "1", "rule_1": "domicile", "rule_2": "domicile"})
        assert response.context["comparison"] is None and response.context["form"].errors

    def test_not_while_registration_is_open(self, client, province_admin, round_):
        client.force_login(province_admin)
        response = client.get(reverse("selection:what_if", args=[round_.pk]), {"run": "1", "rule_1": "domicile"})
        assert response.context["comparison"] is None

    def test_only_the_province_admin(self, client, operator_balikpapan, round_):
        client.force_login(operator_balikpapan)
        assert client.get(reverse("selection:what_if", args=[round_.pk])).status_code == 404


class TestAccess:
    @pytest.fixture
    def objects(self, round_, frozen, job_seeker):
        application = services.apply(round_, seeker_person(job_seeker), [round_.first.pk], by=job_seeker)
        offer = Offer.objects.create(application=application, batch=round_.first,
                                     expires_at=DURING + datetime.timedelta(days=3))
        rb = round_.round_batches.get(batch=round_.first)
        return {
            "selection:round_detail": round_.pk, "selection:round_transition": round_.pk,
            "selection:round_add_batch": round_.pk, "selection:application_list": round_.pk,
            "selection:what_if": round_.pk, "selection:round_batch_detail": rb.pk,
            "selection:round_batch_reserves": rb.pk, "selection:offer_free_seats": rb.pk,
            "selection:application_detail": application.pk, "selection:application_stage": application.pk,
            "selection:offer_accept": offer.pk, "selection:offer_decline": offer.pk,
        }

    def test_outsider_operator_gets_404_everywhere(self, client, operator_bontang, objects):
        client.force_login(operator_bontang)
        for name, pk in objects.items():
            url = reverse(name, args=[pk])
            assert {client.get(url).status_code, client.post(url).status_code} <= {404, 405}, name

    def test_other_job_seeker_gets_404_everywhere(self, client, objects):
        other = make_user("lain@example.test", "job_seeker")
        applicant(60, user=other)
        client.force_login(other)
        for name, pk in objects.items():
            url = reverse(name, args=[pk])
            assert {client.get(url).status_code, client.post(url).status_code} <= {404, 405}, name

    def test_draft_round_is_hidden(self, client, operator_bontang, job_seeker, balikpapan, programme_year,
                                   operator_balikpapan):
        draft = services.create_round(programme_year=programme_year, name="Draf", centres=[balikpapan],
                                      opens_at=OPENS, closes_at=CLOSES, results_at=RESULTS, rules=[],
                                      by=operator_balikpapan)
        for url in (reverse("selection:round_results", args=[draft.pk]), reverse("selection:apply", args=[draft.pk])):
            assert client.get(url).status_code in (302, 404)
            for user in (operator_bontang, job_seeker):
                client.force_login(user)
                assert client.get(url).status_code == 404, (url, user)
            client.logout()

    @pytest.mark.parametrize(("name", "method"), [
        ("selection:round_transition", "get"), ("selection:round_add_batch", "get"),
        ("selection:offer_free_seats", "get"), ("selection:round_batch_reserves", "get"),
        ("selection:application_stage", "get"), ("selection:offer_accept", "get"), ("selection:offer_decline", "get"),
        ("selection:round_detail", "post"), ("selection:round_results", "post"), ("selection:what_if", "post"),
        ("selection:application_list", "post"), ("selection:round_batch_detail", "post"),
        ("selection:application_detail", "post"),
    ])
    def test_wrong_method(self, client, province_admin, job_seeker, objects, name, method):
        user = job_seeker if name.startswith("selection:offer_") else province_admin
        client.force_login(user)
        url = reverse(name, args=[objects[name] if name in objects else objects["selection:round_detail"]])
        assert getattr(client, method)(url).status_code == 405


class TestApplicationList:
    def test_scoped_filtered_and_query_count_is_flat(self, client, operator_balikpapan, operator_bontang, round_,
                                                     frozen, django_assert_max_num_queries):
        for serial in range(12):
            choices = [round_.first.pk, round_.second.pk] if serial % 2 else [round_.second.pk]
            services.apply(round_, applicant(70 + serial), choices, by=None)
        client.force_login(operator_balikpapan)
        url = reverse("selection:application_list", args=[round_.pk])
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.context["page"].paginator.count == 12
        filtered = client.get(url, {"batch": round_.first.pk})
        assert filtered.context["page"].paginator.count == 6
        client.force_login(operator_bontang)
        assert client.get(url).status_code == 404


def test_a_shared_round_is_run_by_the_province(client, operator_balikpapan, operator_bontang, province_admin,
                                                balikpapan, bontang, programme_year):
    from conftest import make_batch

    shared = services.create_round(programme_year=programme_year, name="Seleksi bersama",
                                   centres=[balikpapan, bontang], opens_at=OPENS, closes_at=CLOSES,
                                   results_at=RESULTS, rules=[], by=province_admin,
                                   batches=[make_batch(balikpapan, programme_year)])
    url = reverse("selection:round_transition", args=[shared.pk])
    for operator in (operator_bontang, operator_balikpapan):
        client.force_login(operator)
        assert client.post(url, {"action": "open"}).status_code == 404
    shared.refresh_from_db()
    assert shared.status == "draft"
    client.force_login(province_admin)
    client.post(url, {"action": "open"})
    shared.refresh_from_db()
    assert shared.status == "open"
