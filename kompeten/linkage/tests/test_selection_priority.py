"""The done-when story, end to end through the pages and services: an operator imports an old participant list;
its records are linked or queued; a reviewer resolves the queue; the applicant's "never trained" priority changes
in the selection's allocation and the applicant sees why; a contest answered "different persons" gives it back; a
merge is undone."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_batch, make_person
from kompeten.linkage import services
from kompeten.linkage.models import Link, MergeEvent, ReviewItem, ReviewStatus, SourceRecord
from kompeten.linkage.tests.factories import csv_bytes, import_rows, register, sure_row, unsure_row
from kompeten.registry import services as registry
from kompeten.registry.models import Person, PriorTraining
from kompeten.selection import allocation
from kompeten.selection import services as selection
from kompeten.selection.models import ApplicationStatus, PriorityRule

pytestmark = pytest.mark.django_db

OPENS = datetime.datetime(2025, 1, 6, 8, tzinfo=datetime.UTC)


def never_trained_input(round_, person) -> int:
    """The value of the "never trained" rule in the allocation's priority vector of the person's choice."""
    _instance, _batches, _applications, checked, rules = allocation.build_inputs(round_)
    index = rules.index(PriorityRule.NEVER_TRAINED)
    [vector] = [vector for choice, _reasons, vector in checked if choice.application.person_id == person.pk]
    return vector[index]


@pytest.fixture
def round_(balikpapan, programme_year, operator_balikpapan, job_seeker):
    """A round of BLKI Balikpapan with one seat; the job seeker persona and a competitor applied, both never
    trained."""
    batch = make_batch(balikpapan, programme_year, capacity=1)
    made = selection.create_round(
        programme_year=programme_year, name="Seleksi Maret 2025", centres=[balikpapan],
        rules=[PriorityRule.NEVER_TRAINED, PriorityRule.DOMICILE], batches=[batch], by=operator_balikpapan,
        opens_at=OPENS, closes_at=OPENS + datetime.timedelta(days=14), results_at=OPENS + datetime.timedelta(days=18),
        uses_document_check=False)
    selection.open_round(made, by=operator_balikpapan)
    competitor = make_person(full_name="Rudi Hartono", sex="L", serial=9, birth_date=datetime.date(2000, 1, 15),
                             registered_centre=balikpapan, village_id="64.71.05.1008")
    # The applicant completes her profile (which records her registration for the linkage); the competitor was
    # registered before record linkage: the backfill.
    registry.update_person(job_seeker.person, data={"birth_place": "Balikpapan", "village_id": "64.71.05.1008"},
                           by=job_seeker)
    services.record_registration(competitor)
    for person in (job_seeker.person, competitor):
        selection.apply(made, person, [batch.pk], by=None, now=OPENS + datetime.timedelta(days=1))
    made.competitor = competitor
    return made


def test_the_whole_story(client, round_, job_seeker, operator_balikpapan, province_admin, balikpapan):
    applicant = job_seeker.person
    assert never_trained_input(round_, applicant) == 1

    # 1. The operator imports BLKI Balikpapan's 2022 list: another job seeker's row is sure, the applicant's is a
    #    look-alike (no NIK, the name written differently), a stranger matches nobody.
    trained = register("Budi Santoso", sex="L", serial=2, phone="+6281299990000", centre=balikpapan)
    rows = [sure_row(trained, year=2022, vocation="Las SMAW"), unsure_row(applicant, year=2022),
            ["", "Rahmat Hidayat", "L", "Samarinda", "01/01/1990", "", "", "Las SMAW", 2022]]
    client.force_login(operator_balikpapan)
    upload = SimpleUploadedFile("peserta-blki-bpn-2022.csv", csv_bytes(rows), content_type="text/csv")
    response = client.post(reverse("linkage:import"), {"file": upload, "kind": "blk_list", "year": "2022"})
    content = response.content.decode()
    assert "1 linked to a registered job seeker" in content and "1 to review" in content and "1 unmatched" in content
    assert PriorTraining.objects.get(person=trained).vocation == "Las SMAW"
    assert never_trained_input(round_, applicant) == 1  # an uncertain pair changes nothing

    # 2. The reviewer resolves the queue: the look-alike is the applicant.
    item = ReviewItem.objects.get(status=ReviewStatus.OPEN)
    queue = client.get(reverse("linkage:queue")).content.decode()
    assert reverse("linkage:review", kwargs={"pk": item.pk}) in queue
    response = client.post(reverse("linkage:review", kwargs={"pk": item.pk}), {"decision": "same"})
    assert response.status_code == 302
    training = PriorTraining.objects.get(person=applicant)
    assert (training.year, training.declared) == (2022, False)
    assert Link.objects.get(record=training.source_record, ended_at__isnull=True).method == "reviewed"

    # 3. The selection's priority changes: the applicant now counts as trained and loses the one seat.
    assert never_trained_input(round_, applicant) == 0
    selection.close_round(round_, by=operator_balikpapan)
    selection.run_allocation(round_, by=operator_balikpapan)
    selection.publish(round_, by=operator_balikpapan, now=OPENS + datetime.timedelta(days=18))
    statuses = dict(round_.applications.values_list("person_id", "status"))
    assert statuses[round_.competitor.pk] == ApplicationStatus.ADMITTED
    assert statuses[applicant.pk] == ApplicationStatus.NOT_ADMITTED

    # 4. The applicant sees why, and contests.
    client.force_login(job_seeker)
    page = client.get(reverse("selection:my_applications")).content.decode()
    assert "You count as trained before" in page and "peserta-blki-bpn-2022.csv" in page
    assert "A reviewer confirmed it is you." in page and "Never trained before" in page  # the deciding rule
    link = Link.objects.get(record=training.source_record, ended_at__isnull=True)
    response = client.post(reverse("linkage:contest", kwargs={"pk": link.pk}),
                           {"note": "Tahun 2022 saya masih sekolah di Samarinda"})
    assert response.status_code == 302
    contest = ReviewItem.objects.get(kind=ReviewItem.Kind.CONTEST)

    # 5. The contest is at the head of the queue; the reviewer answers "different persons".
    client.force_login(province_admin)
    assert services.queue(ReviewItem.objects.all()).first() == contest
    queue = client.get(reverse("linkage:queue")).content.decode()
    assert queue.index(reverse("linkage:review", kwargs={"pk": contest.pk})) < queue.index("</tbody>")
    review = client.get(reverse("linkage:review", kwargs={"pk": contest.pk})).content.decode()
    assert "Tahun 2022 saya masih sekolah di Samarinda" in review and applicant.nik not in review
    client.post(reverse("linkage:review", kwargs={"pk": contest.pk}), {"decision": "different"})
    link.refresh_from_db()
    assert link.ended_at is not None and not PriorTraining.objects.filter(person=applicant).exists()
    assert SourceRecord.objects.get(pk=link.record_id).person is None  # kept, linked to nobody

    # 6. The priority is back for the next allocation, and the page says so.
    assert never_trained_input(round_, applicant) == 1
    client.force_login(job_seeker)
    page = client.get(reverse("selection:my_applications")).content.decode()
    assert "You count as never trained" in page and "priority as never trained is back" in page

    # Nothing was deleted along the way: every link is still there, ended or not.
    assert Link.objects.filter(record=link.record_id).count() == 1
    assert Link.objects.filter(ended_at__isnull=False).count() == 1


def test_a_merge_undone_gives_each_person_their_own_history(client, balikpapan, province_admin):
    older = register(centre=balikpapan, created_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
    client.force_login(province_admin)
    upload = SimpleUploadedFile("peserta.csv", csv_bytes([sure_row(older, year=2021)]), content_type="text/csv")
    client.post(reverse("linkage:import"), {"file": upload, "kind": "blk_list", "year": "2021"})
    younger = register(serial=91, centre=balikpapan)  # her second registration, a NIK typo: merged at once
    younger.refresh_from_db()
    assert younger.merged_into_id == older.pk
    assert not Person.objects.never_trained().filter(pk=older.pk).exists()
    event = MergeEvent.objects.get()
    client.post(reverse("linkage:undo_merge", kwargs={"pk": event.pk}), {"reason": "Dua orang: kembar"})
    younger.refresh_from_db()
    assert younger.merged_into is None
    own = SourceRecord.objects.get(registration=younger)
    assert own.person == younger and SourceRecord.objects.get(registration=older).person == older
    assert PriorTraining.objects.get().person == older  # the list record stays with the older registration
    assert list(MergeEvent.objects.order_by("pk").values_list("kind", flat=True)) == ["merge", "undo"]


def test_a_training_of_the_older_registration_counts_for_the_newer_one(
        client, balikpapan, programme_year, operator_balikpapan):
    """The applicant registered again with a mistyped NIK (merged into her first registration, which a 2021 list
    was linked to): the allocation and her page count that training; once the merge is undone, they do not."""
    older = register(centre=balikpapan, created_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
    import_rows([sure_row(older, year=2021)], year=2021)
    younger = register(serial=91, centre=balikpapan)
    younger.refresh_from_db()
    assert younger.merged_into_id == older.pk and not PriorTraining.objects.filter(person=younger).exists()

    batch = make_batch(balikpapan, programme_year, capacity=1)
    made = selection.create_round(
        programme_year=programme_year, name="Seleksi Mei 2025", centres=[balikpapan],
        rules=[PriorityRule.NEVER_TRAINED], batches=[batch], by=operator_balikpapan, opens_at=OPENS,
        closes_at=OPENS + datetime.timedelta(days=14), results_at=OPENS + datetime.timedelta(days=18),
        uses_document_check=False)
    selection.open_round(made, by=operator_balikpapan)
    selection.apply(made, younger, [batch.pk], by=None, now=OPENS + datetime.timedelta(days=1))
    assert never_trained_input(made, younger) == 0
    facts = services.priority_facts(younger)
    assert not facts["never_trained"] and [t.year for t in facts["trainings"]] == [2021]

    services.undo_merge(MergeEvent.objects.get(), by=operator_balikpapan, reason="Dua orang berbeda")
    younger.refresh_from_db()
    assert never_trained_input(made, younger) == 1 and services.priority_facts(younger)["never_trained"]
