"""The selection services on a small round: apply, allocate, publish, offers and the reserve list."""

import datetime
import hashlib

import pytest

from conftest import make_batch, make_person
from kompeten.core.errors import DomainError
from kompeten.registry.models import PriorTraining
from kompeten.selection import allocation, services
from kompeten.selection.models import ApplicationStatus, Offer, OfferStatus, PriorityRule, RoundStatus
from kompeten.training.models import Enrolment
from kompeten.training.services import enrol, seats_free

pytestmark = pytest.mark.django_db

TZ = datetime.UTC
OPENS = datetime.datetime(2025, 1, 6, 8, tzinfo=TZ)
DURING = datetime.datetime(2025, 1, 10, 8, tzinfo=TZ)
CLOSES = datetime.datetime(2025, 1, 20, 16, tzinfo=TZ)
RESULTS = datetime.datetime(2025, 1, 24, 8, tzinfo=TZ)


def applicant(serial, *, trained=False, sex="L", village="64.71.05.1008", **extra):
    extra.setdefault("education_id", "SMA")
    person = make_person(serial=serial, sex=sex, full_name=f"Pelamar {serial}", birth_date=datetime.date(2000, 1, 15),
                         village_id=village, employment_status="unemployed", **extra)
    if trained:
        PriorTraining.objects.create(person=person, source="lpk", year=2022, institution="LPK", vocation="Las")
    return person


@pytest.fixture
def round_(balikpapan, programme_year, operator_balikpapan):
    first = make_batch(balikpapan, programme_year, capacity=2, start=datetime.date(2025, 2, 3),
                       end=datetime.date(2025, 2, 28))
    second = make_batch(balikpapan, programme_year, capacity=2, start=datetime.date(2025, 3, 3),
                        end=datetime.date(2025, 3, 28))
    for batch in (first, second):
        batch.status = "open"
        batch.save()
    round_ = services.create_round(
        programme_year=programme_year, name="Seleksi Februari 2025", centres=[balikpapan], opens_at=OPENS,
        closes_at=CLOSES, results_at=RESULTS, rules=[PriorityRule.NEVER_TRAINED, PriorityRule.DOMICILE],
        batches=[first, second], by=operator_balikpapan, uses_document_check=False,
    )
    services.open_round(round_, by=operator_balikpapan)
    round_.first, round_.second = first, second
    return round_


def test_open_publishes_only_the_hash(round_):
    assert round_.status == RoundStatus.OPEN
    assert hashlib.sha256(round_.seed.encode()).hexdigest() == round_.seed_hash
    assert round_.public_seed == ""


class TestApply:
    def test_ranked_choices(self, round_, operator_balikpapan):
        person = applicant(1)
        application = services.apply(round_, person, [round_.second.pk, round_.first.pk], by=None, now=DURING)
        assert [(c.rank, c.batch_id) for c in application.choices.all()] == [(1, round_.second.pk),
                                                                             (2, round_.first.pk)]

    @pytest.mark.parametrize(("choices", "code"), [
        ([], "no_choices"), ("dup", "duplicate_choice"), ("foreign", "batch_not_in_round"), ("six", "too_many_choices"),
    ])
    def test_bad_choices(self, round_, choices, code, bontang, programme_year):
        ids = [] if choices == [] else {
            "dup": [round_.first.pk, round_.first.pk], "foreign": [make_batch(bontang, programme_year).pk],
            "six": list(range(1, 7))}[choices]
        with pytest.raises(DomainError) as error:
            services.apply(round_, applicant(2), ids, by=None, now=DURING)
        assert error.value.code == code

    def test_outside_dates_and_twice(self, round_):
        person = applicant(3)
        with pytest.raises(DomainError) as error:
            services.apply(round_, person, [round_.first.pk], by=None, now=CLOSES + datetime.timedelta(minutes=1))
        assert error.value.code == "round_not_open"
        services.apply(round_, person, [round_.first.pk], by=None, now=DURING)
        with pytest.raises(DomainError) as error:
            services.apply(round_, person, [round_.second.pk], by=None, now=DURING)
        assert error.value.code == "already_applied"

    def test_ineligible_is_explained(self, round_):
        package = round_.first.package
        package.max_age = 20
        package.save()
        with pytest.raises(DomainError) as error:
            services.apply(round_, applicant(4), [round_.first.pk], by=None, now=DURING)
        assert error.value.code == "not_eligible" and "20" in error.value.message


def run_round(round_, persons, choices, operator):
    applications = [services.apply(round_, p, c, by=None, now=DURING) for p, c in zip(persons, choices, strict=True)]
    services.close_round(round_, by=operator)
    summary = services.run_allocation(round_, by=operator)
    return applications, summary


class TestAllocation:
    def test_never_trained_first_and_cutoffs(self, round_, operator_balikpapan):
        trained = [applicant(10 + i, trained=True) for i in range(3)]
        fresh = [applicant(20 + i) for i in range(3)]
        order = [round_.first.pk, round_.second.pk]
        applications, summary = run_round(round_, trained + fresh, [order] * 6, operator_balikpapan)
        statuses = {a.person_id: a.status for a in round_.applications.all()}
        assert summary["admitted"] == 4
        assert all(statuses[p.pk] == ApplicationStatus.ADMITTED for p in fresh)
        assert sum(statuses[p.pk] == ApplicationStatus.ADMITTED for p in trained) == 1
        first = round_.round_batches.get(batch=round_.first)
        assert first.cutoffs["open"]["vector"] == [1, 1]  # the first choice went to never-trained applicants

    def test_explanation_names_the_deciding_rule(self, round_, operator_balikpapan):
        trained = [applicant(30 + i, trained=True) for i in range(3)]
        fresh = [applicant(40 + i) for i in range(2)]
        order = [round_.first.pk, round_.second.pk]
        run_round(round_, fresh + trained, [order] * 5, operator_balikpapan)
        got_second = [a for a in round_.applications.all() if a.assigned_choice and a.assigned_choice.rank == 2]
        assert got_second
        rows = allocation.explain(got_second[0])
        assert len(rows) == 1 and rows[0]["batch"] == round_.first
        assert rows[0]["categories"][0]["rule"] == PriorityRule.NEVER_TRAINED

    def test_reserved_seats_for_women(self, round_, operator_balikpapan):
        rb = round_.round_batches.get(batch=round_.first)
        rb.reserves = {"women": 1}
        rb.save()
        men = [applicant(50 + i) for i in range(3)]
        woman = applicant(60, sex="P", trained=True)  # lower priority, but a reserved seat is hers
        run_round(round_, [*men, woman], [[round_.first.pk]] * 4, operator_balikpapan)
        woman_app = round_.applications.get(person=woman)
        assert woman_app.status == ApplicationStatus.ADMITTED and woman_app.seat_category == "women"

    def test_recompute_from_published_inputs(self, round_, operator_balikpapan, tmp_path):
        from kompeten.selection import csvio

        persons = [applicant(70 + i, trained=i % 2 == 0) for i in range(7)]
        run_round(round_, persons, [[round_.first.pk, round_.second.pk]] * 7, operator_balikpapan)
        allocation.export_inputs(round_, tmp_path)
        assert csvio.allocate_dir(tmp_path) == allocation.stored_result(round_)


class TestOffers:
    @pytest.fixture
    def published(self, round_, operator_balikpapan):
        persons = [applicant(80 + i) for i in range(5)]
        run_round(round_, persons, [[round_.first.pk]] * 5, operator_balikpapan)
        services.publish(round_, by=operator_balikpapan, now=RESULTS)
        return round_

    def test_publish_makes_offers_and_reveals_seed(self, published):
        assert published.public_seed == published.seed
        assert Offer.objects.filter(status=OfferStatus.OPEN).count() == 2

    def test_open_offers_hold_seats(self, published, operator_balikpapan):
        assert seats_free(published.first) == 0
        with pytest.raises(DomainError) as error:
            enrol(published.first, applicant(99), by=operator_balikpapan)
        assert error.value.code == "batch_full"

    def test_accept_enrols(self, published):
        offer = Offer.objects.filter(status=OfferStatus.OPEN).first()
        enrolment = services.accept_offer(offer, by=None, now=RESULTS + datetime.timedelta(days=1))
        assert enrolment.batch == published.first and enrolment.source == "selection"
        assert seats_free(published.first) == 0

    def test_decline_goes_to_reserve_list_in_order(self, published):
        rb = published.round_batches.get(batch=published.first)
        waiting = services.reserve_list(rb)
        assert len(waiting) == 3
        offer = Offer.objects.filter(status=OfferStatus.OPEN).first()
        services.decline_offer(offer, by=None, now=RESULTS + datetime.timedelta(hours=1))
        new = Offer.objects.get(status=OfferStatus.OPEN, from_reserve_list=True)
        assert new.application == waiting[0].application
        assert Offer.objects.filter(status=OfferStatus.OPEN).count() == 2  # never overbooked

    def test_expired_offers_pass_on(self, published):
        later = RESULTS + datetime.timedelta(days=published.offer_days, hours=1)
        with pytest.raises(DomainError) as error:
            services.accept_offer(Offer.objects.filter(status=OfferStatus.OPEN).first(), by=None, now=later)
        assert error.value.code == "offer_expired"
        assert services.expire_offers(now=later) == 2
        assert Offer.objects.filter(status=OfferStatus.OPEN, from_reserve_list=True).count() == 2
        assert not Enrolment.objects.exists()


def test_recompute_command(round_, operator_balikpapan):
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    persons = [applicant(200 + i, trained=i % 3 == 0) for i in range(6)]
    run_round(round_, persons, [[round_.second.pk, round_.first.pk]] * 6, operator_balikpapan)
    out = StringIO()
    call_command("selection", "recompute", str(round_.pk), stdout=out)
    report = json.loads(out.getvalue())
    assert report["identical"] and report["admitted"] == 4
    # A tampered seat is detected: in an application's seat, or in the stored allocation result.
    application = round_.applications.filter(assigned_choice__isnull=False).first()
    original = application.assigned_choice
    application.assigned_choice = application.choices.exclude(pk=original.pk).first()
    application.save()
    with pytest.raises(CommandError):
        call_command("selection", "recompute", str(round_.pk), stdout=StringIO())
    application.assigned_choice = original
    application.save()
    call_command("selection", "recompute", str(round_.pk), stdout=StringIO())  # restored: identical again
    round_.refresh_from_db()
    round_.allocation_result[application.public_ref] = None
    round_.save()
    with pytest.raises(CommandError):
        call_command("selection", "recompute", str(round_.pk), stdout=StringIO())
    # A seed that does not match its published hash is refused.
    round_.seed = "0" * 64
    round_.save()
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("selection", "recompute", str(round_.pk), stdout=StringIO())


def test_results_are_sent_in_indonesian(round_, operator_balikpapan, django_capture_on_commit_callbacks, mailoutbox):
    from kompeten.selection.notifications import ConsoleSMS

    ConsoleSMS.sent.clear()
    persons = [applicant(300 + i, email=f"p{i}@example.test", phone=f"+62812000030{i}") for i in range(3)]
    run_round(round_, persons, [[round_.first.pk]] * 3, operator_balikpapan)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(round_, by=operator_balikpapan, now=RESULTS)
    assert len(mailoutbox) == 3 and len(ConsoleSMS.sent) == 3
    bodies = sorted(m.body for m in mailoutbox)
    assert sum("daftar ulang" in b for b in bodies) == 2  # two seats, in Indonesian
    assert all(m.to[0].endswith("@example.test") for m in mailoutbox)


def test_published_inputs_download_recomputes_the_result(round_, operator_balikpapan, client, tmp_path):
    import io
    import zipfile

    from django.urls import reverse

    from kompeten.selection import csvio

    persons = [applicant(400 + i, trained=i % 2 == 1) for i in range(6)]
    run_round(round_, persons, [[round_.first.pk, round_.second.pk]] * 6, operator_balikpapan)
    url = reverse("selection:round_inputs", args=[round_.pk])
    assert client.get(url).status_code == 404  # allocated, not published yet
    services.publish(round_, by=operator_balikpapan, now=RESULTS)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(tmp_path)
        text = "".join(archive.read(name).decode() for name in archive.namelist())
    assert round_.seed in text and round_.closing_digest in text
    for person in persons:
        assert person.full_name not in text and person.nik not in text
    assert csvio.allocate_dir(tmp_path) == allocation.stored_result(round_)
