"""The record linkage pages: the review queue and its scoping, the side-by-side page (masked NIKs, weights,
shortcuts), importing a list, the person page's linked records and merges, and contesting as a job seeker."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kompeten.audit.models import AuditEntry
from kompeten.linkage import services
from kompeten.linkage.models import Link, MergeEvent, ReviewItem, ReviewStatus, SourceList, SourceRecord
from kompeten.linkage.tests.factories import csv_bytes, import_rows, register, sure_row, unsure_row
from kompeten.linkage.views import nik_pair
from kompeten.registry.models import Person, PriorTraining

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(balikpapan, operator_balikpapan):
    """A job seeker of BLKI Balikpapan and a look-alike row of BLKI Balikpapan's 2023 list: one pair to review."""
    person = register(centre=balikpapan)
    import_rows([unsure_row(person)], centre=balikpapan, by=operator_balikpapan)
    return person, ReviewItem.objects.get()


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


class TestQueue:
    def test_scoping(self, client, queued, province_admin, operator_balikpapan, operator_bontang, job_seeker):
        person, item = queued
        review = reverse("linkage:review", kwargs={"pk": item.pk})
        for user in (province_admin, operator_balikpapan):
            client.force_login(user)
            assert review in page(client, reverse("linkage:queue"))
            assert client.get(review).status_code == 200
        client.force_login(operator_bontang)
        assert review not in page(client, reverse("linkage:queue"))
        assert client.get(review).status_code == 404
        assert client.post(review, {"decision": "same"}).status_code == 404
        client.force_login(job_seeker)
        assert client.get(reverse("linkage:queue")).status_code == 404

    def test_a_pair_with_another_centres_person_is_for_the_province_admin(self, client, bontang, balikpapan,
                                                                         operator_balikpapan, province_admin):
        person = register(centre=bontang)
        import_rows([unsure_row(person)], centre=balikpapan)
        item = ReviewItem.objects.get()
        client.force_login(operator_balikpapan)
        assert client.get(reverse("linkage:review", kwargs={"pk": item.pk})).status_code == 404
        assert person.full_name not in page(client, reverse("linkage:queue"))
        client.force_login(province_admin)
        assert client.get(reverse("linkage:review", kwargs={"pk": item.pk})).status_code == 200


class TestReviewPage:
    def test_side_by_side_with_weights_and_shortcuts(self, client, queued, operator_balikpapan):
        person, item = queued
        client.force_login(operator_balikpapan)
        content = page(client, reverse("linkage:review", kwargs={"pk": item.pk}))
        for text in ("Same person", "Different persons", "Unsure", "<kbd>s</kbd>", "<kbd>d</kbd>", "<kbd>u</kbd>",
                     "linkage/review.js", "bg-success", "bg-danger", "Registration in Kompeten"):
            assert text in content, text
        assert f'href="{reverse("registry:person_detail", kwargs={"pk": person.pk})}"' in content

    def test_the_full_nik_is_never_shown(self, client, operator_balikpapan, balikpapan):
        person = register(centre=balikpapan)
        row = unsure_row(person, with_nik=True)
        typo = row[0]
        import_rows([row], centre=balikpapan)
        item = ReviewItem.objects.get()
        differ = [i for i in range(16) if typo[i] != person.nik[i]]
        client.force_login(operator_balikpapan)
        content = page(client, reverse("linkage:review", kwargs={"pk": item.pk}))
        digits = re.sub(r"[^0-9]", " ", content)
        for nik in (person.nik, typo, person.nik[:12], person.nik[-8:], typo[:12]):
            assert nik not in content and nik not in digits, nik
        assert 1 <= len(differ) <= 4 and f"at position{'s' if len(differ) > 1 else ''} {differ[0] + 1}" in content
        shown = "".join(person.nik[i] if i in differ else "•" for i in range(16))
        assert shown in content

    def test_nik_pair_masks_all_but_a_few_differing_digits(self):
        a, b = "6471055203990001", "6471055203990091"
        assert nik_pair(a, b)["left"] == "••••••••••••••0•" and nik_pair(a, b)["right"] == "••••••••••••••9•"
        assert nik_pair(a, a)["left"] == "•" * 16 and nik_pair(a, a)["note"] == "identical"
        far = nik_pair(a, "3273012345670002")
        assert far["left"] == far["right"] == "•" * 16 and "of 16 digits differ" in far["note"]
        assert nik_pair(a, "")["left"] == "•" * 16 and nik_pair(a, "")["right"] == "—"

    def test_deciding_goes_to_the_next_pair(self, client, queued, operator_balikpapan, balikpapan):
        person, item = queued
        other = register("Budi Santoso", sex="L", serial=2, phone="+6281299990000", centre=balikpapan)
        import_rows([unsure_row(other)], centre=balikpapan)
        second = ReviewItem.objects.exclude(pk=item.pk).get()
        client.force_login(operator_balikpapan)
        url = reverse("linkage:review", kwargs={"pk": item.pk})
        assert client.post(url, {"decision": "maybe"})["Location"] == url
        response = client.post(url, {"decision": "same", "note": "KTP dicek"})
        assert response["Location"] == reverse("linkage:review", kwargs={"pk": second.pk})
        item.refresh_from_db()
        assert item.status == ReviewStatus.LINKED and item.decided_by == operator_balikpapan
        assert item.note == "KTP dicek"
        assert PriorTraining.objects.get().person == person
        assert AuditEntry.objects.filter(action="transition", object_type="linkage.reviewitem").exists()
        response = client.post(reverse("linkage:review", kwargs={"pk": second.pk}), {"decision": "different"})
        assert response["Location"] == reverse("linkage:queue")
        content = page(client, reverse("linkage:review", kwargs={"pk": item.pk}))
        assert "Decided: Same person" in content and 'id="decision-form"' not in content


class TestImportPage:
    def upload(self, client, rows, **data):
        upload = SimpleUploadedFile("peserta-2023.csv", csv_bytes(rows), content_type="text/csv")
        return client.post(reverse("linkage:import"), {"file": upload, "kind": "blk_list", "year": "2023",
                                                       "institution": "", **data})

    def test_operator_imports_for_their_centre(self, client, operator_balikpapan, balikpapan):
        person = register(centre=balikpapan)
        other = register("Budi Santoso", sex="L", serial=2, phone="+6281299990000", centre=balikpapan)
        client.force_login(operator_balikpapan)
        assert 'name="centre"' not in page(client, reverse("linkage:import"))  # their own centre, always
        response = self.upload(client, [sure_row(person), unsure_row(other),
                                        ["", "Rahmat Hidayat", "L", "", "", "", "", "", 2021]])
        content = response.content.decode()
        assert response.status_code == 200
        assert "1 linked to a registered job seeker" in content and "1 to review" in content
        assert "1 unmatched" in content
        source_list = SourceList.objects.get()
        assert f"{reverse('linkage:queue')}?list={source_list.pk}" in content
        assert source_list.centre == balikpapan and source_list.institution == balikpapan.name
        detail = page(client, reverse("linkage:list_detail", kwargs={"pk": source_list.pk}))
        assert "Rahmat Hidayat" in detail and person.full_name in detail
        assert "Rahmat Hidayat" not in page(client, reverse("linkage:list_detail", kwargs={"pk": source_list.pk}),
                                            outcome="linked")
        assert source_list.name in page(client, reverse("linkage:list_index"))

    def test_errors_are_shown_and_nothing_is_written(self, client, province_admin):
        client.force_login(province_admin)
        content = self.upload(client, [["", "", "L", "", "", "", "", "", "abc"]]).content.decode()
        assert "2 errors found: nothing was imported" in content and "The name is required." in content
        assert "abc is not a year" in content
        assert not SourceList.objects.exists()

    def test_province_admin_chooses_the_centre(self, client, province_admin, bontang):
        client.force_login(province_admin)
        self.upload(client, [["", "Rahmat Hidayat", "L", "", "", "", "", "", 2021]], centre=bontang.pk,
                    institution="UPTD BLKI Bontang")
        assert SourceList.objects.get().centre == bontang

    def test_lists_of_another_centre_are_not_found(self, client, operator_bontang, balikpapan):
        import_rows([["", "Rahmat Hidayat", "L", "", "", "", "", "", 2021]], centre=balikpapan)
        source_list = SourceList.objects.get()
        client.force_login(operator_bontang)
        assert client.get(reverse("linkage:list_detail", kwargs={"pk": source_list.pk})).status_code == 404
        assert source_list.name not in page(client, reverse("linkage:list_index"))
        assert client.get(reverse("linkage:queue"), {"list": source_list.pk}).status_code == 404

    def test_template(self, client, operator_balikpapan):
        client.force_login(operator_balikpapan)
        response = client.get(reverse("linkage:import_template", kwargs={"fmt": "csv"}))
        assert response.status_code == 200 and response.content.decode().startswith("nik,nama,")
        assert client.get(reverse("linkage:import_template", kwargs={"fmt": "xlsx"})).status_code == 200
        assert client.get(reverse("linkage:import_template", kwargs={"fmt": "pdf"})).status_code == 404


class TestPersonPage:
    def merged(self, balikpapan):
        first = register(centre=balikpapan, created_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
        import_rows([sure_row(first)], centre=balikpapan)
        second = register(serial=91, centre=balikpapan)
        return Person.objects.get(pk=first.pk), Person.objects.get(pk=second.pk)

    def test_linked_records_merges_and_undo(self, client, balikpapan, province_admin, operator_balikpapan):
        first, second = self.merged(balikpapan)
        assert second.merged_into == first
        event = MergeEvent.objects.get()
        undo = reverse("linkage:undo_merge", kwargs={"pk": event.pk})
        client.force_login(operator_balikpapan)
        content = page(client, reverse("registry:person_detail", kwargs={"pk": first.pk}))
        for text in ("Linked records", "BLK participant list", "Automatic (score above the upper threshold)",
                     "Moved by a merge", "merged into"):
            assert text in content, text
        assert undo not in content  # the province admin's
        assert client.post(undo, {"reason": "kembar"}).status_code == 404
        banner = page(client, reverse("registry:person_detail", kwargs={"pk": second.pk}))
        assert "merged into it" in banner and reverse("registry:person_detail", kwargs={"pk": first.pk}) in banner
        listed = page(client, reverse("registry:person_list"))
        assert reverse("registry:person_detail", kwargs={"pk": second.pk}) not in listed
        assert reverse("registry:person_detail", kwargs={"pk": first.pk}) in listed
        client.force_login(province_admin)
        assert undo in page(client, reverse("registry:person_detail", kwargs={"pk": first.pk}))
        response = client.post(undo, {"reason": ""})
        assert response.status_code == 302 and MergeEvent.objects.count() == 1
        response = client.post(undo, {"reason": "Kembar: KTP berbeda"})
        assert response["Location"] == reverse("registry:person_detail", kwargs={"pk": second.pk})
        second.refresh_from_db()
        assert second.merged_into is None
        content = page(client, reverse("registry:person_detail", kwargs={"pk": second.pk}))
        assert "Merge of" in content and "undone" in content and "Kembar: KTP berbeda" in content
        assert undo not in content


class TestContestPage:
    def linked(self, job_seeker, balikpapan, programme_year):
        from conftest import make_batch
        from kompeten.selection import services as selection
        from kompeten.selection.models import DEFAULT_RULES

        person = job_seeker.person
        services.record_registration(person)
        import_rows([sure_row(person)], centre=balikpapan)
        batch = make_batch(balikpapan, programme_year)
        opens = datetime.datetime(2025, 1, 6, 8, tzinfo=datetime.UTC)
        round_ = selection.create_round(
            programme_year=programme_year, name="Seleksi", centres=[balikpapan], rules=DEFAULT_RULES,
            batches=[batch], by=None, opens_at=opens, closes_at=opens + datetime.timedelta(days=14),
            results_at=opens + datetime.timedelta(days=18))
        selection.open_round(round_, by=None)
        selection.apply(round_, person, [batch.pk], by=job_seeker, now=opens + datetime.timedelta(days=1))
        return person, Link.objects.get(record__kind="blk_list", ended_at__isnull=True)

    def test_the_applicant_sees_why_and_contests(self, client, job_seeker, balikpapan, programme_year,
                                                 province_admin):
        person, link = self.linked(job_seeker, balikpapan, programme_year)
        client.force_login(job_seeker)
        content = page(client, reverse("selection:my_applications"))
        assert "You count as trained before" in content and "Menjahit Pakaian" in content
        assert "linked automatically" in content and "This was not me" in content
        url = reverse("linkage:contest", kwargs={"pk": link.pk})
        assert url in content
        response = client.post(url, {"note": "Saya tidak pernah ikut pelatihan di BLKI"})
        assert response.status_code == 302
        item = ReviewItem.objects.get(kind="contest")
        assert item.note == "Saya tidak pernah ikut pelatihan di BLKI" and services.queue().first() == item
        content = page(client, reverse("selection:my_applications"))
        assert "a reviewer is checking it" in content and url not in content
        services.decide(item, ReviewStatus.NOT_LINKED, by=province_admin)
        content = page(client, reverse("selection:my_applications"))
        assert "You count as never trained" in content and "priority as never trained is back" in content

    def test_outsiders_cannot_contest(self, client, job_seeker, balikpapan, programme_year, operator_balikpapan):
        from conftest import make_user

        _person, link = self.linked(job_seeker, balikpapan, programme_year)
        url = reverse("linkage:contest", kwargs={"pk": link.pk})
        other = make_user("rudi@example.test", "job_seeker")
        for user in (other, operator_balikpapan):
            client.force_login(user)
            assert client.post(url, {"note": "bukan"}).status_code == 404
        assert not ReviewItem.objects.filter(kind="contest").exists()
        assert SourceRecord.objects.filter(kind="blk_list", person=job_seeker.person).exists()
