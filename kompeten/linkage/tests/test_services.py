"""Record linkage in the database (kompeten/linkage/services.py): registration records, the three-way decision on
imported list records, reviews, merges and their undo, contests — and that nothing is ever deleted."""

import datetime

import pytest

from kompeten.core.errors import DomainError
from kompeten.linkage import services
from kompeten.linkage.models import (
    BlockingKey,
    Link,
    LinkMethod,
    MergeEvent,
    ReviewItem,
    ReviewStatus,
    SourceKind,
    SourceRecord,
)
from kompeten.linkage.tests.factories import BORN, import_rows, register, sure_row, unsure_row
from kompeten.registry import services as registry
from kompeten.registry.models import Person, PriorTraining
from kompeten.registry.nik import make_nik

pytestmark = pytest.mark.django_db

STRANGER = ["", "Rahmat Hidayat", "L", "Samarinda", "01/01/1990", "", "", "Las", 2021]


def registration_of(person) -> SourceRecord:
    return SourceRecord.objects.get(registration=person)


def never_trained(person) -> bool:
    return Person.objects.never_trained().filter(pk=person.pk).exists()


class TestRegistration:
    def test_a_registration_becomes_a_linked_record_with_keys(self):
        person = register()
        record = registration_of(person)
        assert record.kind == SourceKind.REGISTRATION and record.person == person
        assert record.raw["nama"] == "Nur Hayati" and record.name == "nur hayati"
        assert record.nik == person.nik and record.birth_date == BORN
        keys = set(record.keys.values_list("key", flat=True))
        assert f"nik:{person.nik}" in keys and "phone:081234567890" in keys
        link = Link.objects.get(record=record)
        assert (link.person, link.method, link.ended_at) == (person, LinkMethod.REGISTRATION, None)

    def test_a_change_restandardises_and_replaces_the_keys(self):
        person = register()
        registry.update_person(person, data={"full_name": "Nur Hayati Rahayu", "phone": "+6281311112222"},
                               by=None)
        record = registration_of(person)
        assert record.name == "nur hayati rahayu" and record.phone == "081311112222"
        keys = set(record.keys.values_list("key", flat=True))
        assert "phone:081311112222" in keys and "phone:081234567890" not in keys
        assert Link.objects.filter(record=record).count() == 1  # the same registration link

    def test_an_unchanged_person_is_left_alone(self):
        person = register()
        before = registration_of(person).keys.count()
        assert services.record_registrations([person])["unchanged"] == 1
        assert registration_of(person).keys.count() == before

    def test_the_registry_import_records_and_links_in_batch(self):
        import io

        from kompeten.registry.importer import import_persons

        nik = make_nik("64.72.01", datetime.date(2001, 5, 4), "L", 7)
        import_rows([[nik, "AHMAD FAUZI", "L", "Samarinda", "04/05/2001", "", "", "Las", 2022]])
        lines = ["nik,nama,jenis_kelamin,tanggal_lahir,no_hp", f"{nik},Ahmad Fauzi,L,04/05/2001,0812-1111-2222",
                 f"{make_nik('64.72.01', datetime.date(2002, 6, 5), 'P', 8)},Rina Wati,P,05/06/2002,"]
        report = import_persons(io.BytesIO("\n".join(lines).encode()), filename="daftar.csv", by=None)
        assert report.created == 2
        assert SourceRecord.objects.filter(kind=SourceKind.REGISTRATION).count() == 2
        ahmad = Person.objects.get(nik=nik)
        assert PriorTraining.objects.get().person == ahmad and not never_trained(ahmad)

    def test_backfill_covers_persons_from_before(self, person_balikpapan):
        assert not SourceRecord.objects.filter(registration=person_balikpapan).exists()
        counts = services.record_registrations(Person.objects.filter(registration_records__isnull=True))
        assert counts["created"] == 1 and registration_of(person_balikpapan).person == person_balikpapan


class TestImportedListRecords:
    def test_a_sure_match_becomes_prior_training(self, operator_balikpapan, balikpapan):
        person = register()
        assert never_trained(person)
        report = import_rows([sure_row(person)], by=operator_balikpapan, centre=balikpapan)
        assert (report.linked, report.review, report.unmatched) == (1, 0, 0)
        record = SourceRecord.objects.get(kind=SourceKind.BLK_LIST)
        link = Link.objects.get(record=record)
        assert link.person == person and link.method == LinkMethod.AUTOMATIC and link.score >= 0.97
        assert link.by == operator_balikpapan and link.model_version == services.model_version()
        training = PriorTraining.objects.get(person=person)
        assert (training.source_record, training.declared, training.year) == (record, False, 2023)
        assert training.institution == balikpapan.name and training.vocation == "Menjahit Pakaian"
        assert not never_trained(person)

    def test_an_uncertain_pair_is_queued_and_nothing_is_linked(self):
        person = register()
        report = import_rows([unsure_row(person)])
        assert (report.linked, report.review, report.unmatched) == (0, 1, 0)
        item = ReviewItem.objects.get()
        assert item.status == ReviewStatus.OPEN and 0.1 <= item.score < 0.97
        assert {item.record_id, item.other_id} == {registration_of(person).pk,
                                                    SourceRecord.objects.get(kind="blk_list").pk}
        assert set(item.levels) >= {"nik", "name", "birth_date"} and "prior" in item.contributions
        assert never_trained(person)

    def test_a_stranger_is_kept_unmatched(self):
        register()
        report = import_rows([STRANGER])
        assert (report.linked, report.review, report.unmatched) == (0, 0, 1)
        record = SourceRecord.objects.get(kind="blk_list")
        assert record.person is None and record.raw["nama"] == "Rahmat Hidayat" and record.training_year == 2021

    def test_a_later_registration_finds_the_old_record(self):
        report = import_rows([[make_nik("64.71.05", BORN, "P", 21), "NUR HAYATI", "P", "Balikpapan",
                               BORN.strftime("%d-%m-%Y"), "", "", "Tata Boga", 2022]])
        assert report.unmatched == 1
        person = register()  # the same NIK
        training = PriorTraining.objects.get(person=person)
        assert training.year == 2022 and training.vocation == "Tata Boga"
        assert Link.objects.get(record=training.source_record).method == LinkMethod.AUTOMATIC

    def test_one_review_item_per_record_and_person(self):
        person = register()
        import_rows([sure_row(person, year=2022)])
        import_rows([unsure_row(person)])  # close to the registration and to the 2022 record: one item
        assert ReviewItem.objects.count() == 1

    def test_a_declared_training_is_confirmed_not_doubled(self):
        person = register(declared_prior_training=True)
        registry.add_prior_training(person, data={"source": "blk", "year": 2023, "institution": "BLKI Balikpapan",
                                                  "vocation": "Menjahit"}, by=None)
        import_rows([sure_row(person)])
        training = PriorTraining.objects.get(person=person)
        assert training.declared and training.source_record.kind == SourceKind.BLK_LIST
        services.end_link(Link.objects.get(record=training.source_record, ended_at__isnull=True), reason="test")
        training.refresh_from_db()
        assert training.source_record is None  # the person's own statement stays

    def test_the_cluster_check_sends_a_contradicted_link_to_review(self):
        person = register()
        # A record already linked to the person that contradicts the registration's twin: a sibling NIK (same
        # region and birth date, another serial) with another name.
        twin = import_rows([[make_nik("64.71.05", BORN, "P", 22), "Dewi Lestari", "P", "Balikpapan",
                             BORN.strftime("%d/%m/%Y"), "", "", "Las", 2021]])
        assert twin.unmatched == 1
        record = SourceRecord.objects.get(kind="blk_list")
        services.confirm_link(record, person, method=LinkMethod.REVIEWED)
        report = import_rows([sure_row(person)])
        assert (report.linked, report.review) == (0, 1)

    def test_a_key_shared_by_too_many_records_finds_nothing(self, monkeypatch):
        monkeypatch.setattr(services, "KEY_CAP", 3)
        rows = [["", f"Orang Ke {chr(65 + i)}{chr(70 + i)}", "L", "", "", "0811111111", "", "", 2020]
                for i in range(5)]
        import_rows(rows)
        person = register("Nama Lain", sex="L", phone="+62811111111", serial=5)
        assert services.candidates(registration_of(person)) == []


class TestReview:
    def test_same_person_links_and_settles_the_rest(self, province_admin):
        person = register()
        import_rows([unsure_row(person)])
        item = ReviewItem.objects.get()
        services.decide(item, ReviewStatus.LINKED, by=province_admin, note="checked the KTP")
        item.refresh_from_db()
        assert item.status == ReviewStatus.LINKED and item.decided_by == province_admin
        record = SourceRecord.objects.get(kind="blk_list")
        link = Link.objects.get(record=record)
        assert link.person == person and link.method == LinkMethod.REVIEWED and link.by == province_admin
        assert not never_trained(person)
        with pytest.raises(DomainError) as error:
            services.decide(item, ReviewStatus.NOT_LINKED, by=province_admin)
        assert error.value.code == "already_decided"

    def test_different_persons_is_remembered(self, province_admin):
        person = register()
        import_rows([unsure_row(person)])
        item = ReviewItem.objects.get()
        services.decide(item, ReviewStatus.NOT_LINKED, by=province_admin)
        record = SourceRecord.objects.get(kind="blk_list")
        assert record.person is None and never_trained(person)
        # Linking again (the person's data change) neither links nor queues the pair again.
        registry.update_person(person, data={"phone": "+6281377778888"}, by=None)
        services.link_record(record)
        assert SourceRecord.objects.get(pk=record.pk).person is None
        assert ReviewItem.objects.count() == 1

    def test_unsure_stays_in_the_queue_after_the_open_ones(self, province_admin):
        first, second = register(), register("Budi Santoso", sex="L", serial=2, phone="+6281299990000")
        import_rows([unsure_row(first), unsure_row(second)])
        items = list(services.queue())
        services.decide(items[0], ReviewStatus.UNSURE, by=province_admin)
        assert [i.pk for i in services.queue()] == [items[1].pk, items[0].pk]

    def test_queue_puts_contests_first(self, job_seeker):
        person = job_seeker.person
        services.record_registration(person)
        other = register("Budi Santoso", sex="L", serial=2, phone="+6281299990000")
        import_rows([sure_row(person), unsure_row(other)])
        link = Link.objects.get(record__kind="blk_list", person=person)
        contest = services.contest(link, note="Saya tidak pernah ikut pelatihan ini", by=job_seeker)
        assert services.queue().first() == contest and contest.kind == ReviewItem.Kind.CONTEST


class TestMerge:
    def duplicate(self):
        """A registration, a list record of hers, then her second registration with a typo in the NIK's serial."""
        first = register(created_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
        import_rows([sure_row(first)])
        second = register(serial=91)  # 0021 -> 0091: one digit, the same name, birth date, phone, address
        return Person.objects.get(pk=first.pk), Person.objects.get(pk=second.pk)

    def test_a_duplicate_registration_is_merged_into_the_older(self):
        first, second = self.duplicate()
        assert second.merged_into == first and first.merged_into is None
        event = MergeEvent.objects.get()
        assert (event.kind, event.survivor, event.merged, event.reason) == ("merge", first, second, "automatic")
        assert registration_of(second).person == first
        moved = Link.objects.get(record=registration_of(second), ended_at__isnull=True)
        assert moved.method == LinkMethod.MERGE and moved.merge_event == event
        assert list(Person.objects.active().filter(pk__in=[first.pk, second.pk])) == [first]

    def test_twins_registrations_are_reviewed_not_merged(self):
        register()
        twin = register(serial=22)  # the next serial, the same name, phone and address: twins, or one person?
        twin.refresh_from_db()
        assert twin.merged_into is None and not MergeEvent.objects.exists()
        item = ReviewItem.objects.get()
        assert item.levels["nik"] == "sibling" and {item.record.kind, item.other.kind} == {"registration"}

    def test_undo_restores_both_persons_and_their_records(self, province_admin):
        first, second = self.duplicate()
        # A list record linked to the younger registration before the merge would move; link one now to the
        # survivor and one to the younger through a reviewed merge.
        links_before = Link.objects.count()
        event = MergeEvent.objects.get()
        with pytest.raises(DomainError):
            services.undo_merge(event, by=province_admin, reason="")
        services.undo_merge(event, by=province_admin, reason="Kembar, KTP berbeda")
        second.refresh_from_db()
        assert second.merged_into is None
        assert registration_of(second).person == second and registration_of(first).person == first
        restored = Link.objects.get(record=registration_of(second), ended_at__isnull=True)
        assert restored.person == second and restored.method == LinkMethod.REGISTRATION
        # The list record found for the first registration stays with her.
        assert PriorTraining.objects.get().person == first
        # Nothing deleted: links only ended and added, both events kept.
        assert Link.objects.count() > links_before
        assert Link.objects.filter(ended_at__isnull=False).count() >= 1
        assert list(MergeEvent.objects.order_by("pk").values_list("kind", flat=True)) == ["merge", "undo"]
        # Not merged again when the younger registration changes.
        registry.update_person(second, data={"street": "Jl. Sudirman No. 14"}, by=None)
        second.refresh_from_db()
        assert second.merged_into is None
        with pytest.raises(DomainError) as error:
            services.undo_merge(event, by=province_admin, reason="again")
        assert error.value.code == "not_merged"

    def test_records_of_the_merged_person_move_and_come_back(self, province_admin):
        first = register(created_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
        second = register("Siti Aminah", serial=7, phone="+6281288887777", birth=datetime.date(1999, 3, 21),
                          created_at=datetime.datetime(2025, 2, 5, tzinfo=datetime.UTC))
        import_rows([sure_row(second, vocation="Las")])
        training = PriorTraining.objects.get()
        assert training.person == second
        services.merge(first, second, by=province_admin, reason="reviewed")
        assert PriorTraining.objects.get().person == first
        assert not never_trained(first)
        services.undo_merge(MergeEvent.objects.get(), by=province_admin, reason="different persons")
        training = PriorTraining.objects.get()
        assert training.person == second and never_trained(first) and not never_trained(second)
        link = Link.objects.get(record=training.source_record, ended_at__isnull=True)
        assert link.person == second and link.method == LinkMethod.AUTOMATIC

    def test_undo_needs_the_later_merge_undone_first(self, province_admin):
        a = register(created_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
        b = register("Budi Santoso", sex="L", serial=2, phone="+6281299990000")
        c = register("Rina Wati", serial=3, phone="+6281299990011")
        first = services.merge(b, c, by=province_admin, reason="test")
        services.merge(a, Person.objects.get(pk=b.pk), by=province_admin, reason="test")
        with pytest.raises(DomainError) as error:
            services.undo_merge(first, by=province_admin, reason="wrong")
        assert error.value.code == "survivor_merged"


class TestContest:
    def linked(self, job_seeker):
        person = job_seeker.person
        services.record_registration(person)
        import_rows([sure_row(person)])
        return person, Link.objects.get(record__kind="blk_list", ended_at__isnull=True)

    def test_different_persons_ends_the_link_and_the_priority_is_back(self, job_seeker, province_admin):
        person, link = self.linked(job_seeker)
        assert not services.priority_facts(person)["never_trained"]
        assert services.priority_facts(person)["trainings"][0].contestable
        with pytest.raises(DomainError):
            services.contest(link, note=" ", by=job_seeker)
        item = services.contest(link, note="Bukan saya", by=job_seeker)
        assert services.contest(link, note="Saya di Samarinda", by=job_seeker) == item  # one open item
        facts = services.priority_facts(person)
        assert facts["trainings"][0].contest_open and not facts["trainings"][0].contestable
        services.decide(item, ReviewStatus.NOT_LINKED, by=province_admin)
        link.refresh_from_db()
        assert link.ended_at is not None and link.end_reason == "contest upheld"
        assert not PriorTraining.objects.filter(person=person).exists()
        facts = services.priority_facts(person)
        assert facts["never_trained"] and facts["upheld"] == [item]
        # Never linked to her again automatically.
        services.link_record(link.record)
        assert SourceRecord.objects.get(pk=link.record_id).person is None

    def test_same_person_keeps_the_link(self, job_seeker, province_admin):
        person, link = self.linked(job_seeker)
        item = services.contest(link, note="Bukan saya", by=job_seeker)
        services.decide(item, ReviewStatus.LINKED, by=province_admin)
        link.refresh_from_db()
        assert link.ended_at is None
        facts = services.priority_facts(person)
        assert not facts["never_trained"] and facts["trainings"][0].contest_rejected
        assert not facts["trainings"][0].contestable

    def test_only_list_records_are_contested(self, job_seeker):
        person = job_seeker.person
        services.record_registration(person)
        with pytest.raises(DomainError) as error:
            services.contest(Link.objects.get(record__registration=person), note="?", by=job_seeker)
        assert error.value.code == "not_contestable"


class TestBounded:
    def test_registration_costs_a_bounded_number_of_queries(self, django_assert_max_num_queries):
        def stored(count, start):
            rows = [[make_nik(f"64.71.0{1 + i % 6}", BORN, "P", 100 + start + i), f"Peserta Nomor {start + i}",
                     "P", "Samarinda", BORN.strftime("%d/%m/%Y"), f"0812{start + i:07d}", "", "Las", 2020]
                    for i in range(count)]
            import_rows(rows, filename=f"daftar-{start}.csv")

        stored(20, 0)
        with django_assert_max_num_queries(40) as few:
            register("Nur Hayati", serial=11, phone="+6281300000001")
        stored(300, 100)
        with django_assert_max_num_queries(40) as many:
            register("Dewi Sartika", serial=12, phone="+6281300000002")
        # The same work with fifteen times as many stored records (some sharing a key with the new one).
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_candidates_are_capped(self, monkeypatch):
        monkeypatch.setattr(services, "MAX_CANDIDATES", 2)
        rows = [["", "Nur Hayati", "P", "Balikpapan", BORN.strftime("%d/%m/%Y"), "", "", "Las", 2020 + i % 3]
                for i in range(4)]
        import_rows(rows)
        person = register()
        assert len(services.candidates(registration_of(person))) <= 2


def test_stats_and_calibration(province_admin):
    person = register()
    other = register("Budi Santoso", sex="L", serial=2, phone="+6281299990000")
    import_rows([sure_row(person, year=2021), unsure_row(person), unsure_row(other)])
    first, second = list(services.queue())
    services.decide(first, ReviewStatus.LINKED, by=province_admin)
    services.decide(second, ReviewStatus.NOT_LINKED, by=province_admin)
    data = services.stats()
    assert data["records"] == {"blk_list": 3, "registration": 2}
    assert data["links"]["registration"] == 2 and data["links"]["automatic"] == 1 and data["links"]["reviewed"] == 1
    assert data["queue"] == 0 and data["decisions"] == {"linked": 1, "not_linked": 1}
    result = services.calibrate_from_reviews()
    assert (result["decisions"], result["same"], result["different"]) == (2, 1, 1)
    assert result["model_after"].endswith("+cal2")
    assert sum(result["table"]["same"]["after"].values()) == 1
    assert BlockingKey.objects.filter(record__kind="registration").exists()
