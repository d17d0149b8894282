"""Shortlists and recommendations (jobs/shortlist.py) on a small database: equal to scoring every profile by brute
force, a withdrawn consent takes effect on the very next call even with an index built before, refills, the
incremental index, and the other direction (a person's recommended vacancies)."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import make_person
from kompeten.jobs import scoring, shortlist
from kompeten.jobs.models import CandidateProfile, Vacancy
from kompeten.jobs.tests.conftest import TODAY, consent, make_population, make_vacancy
from kompeten.programmes.models import Vocation

pytestmark = pytest.mark.django_db


def candidate(profile: CandidateProfile) -> scoring.Candidate:
    return scoring.Candidate(
        person_id=profile.person_id, birth_date=profile.birth_date, sex=profile.sex, shown=profile.shown,
        available=profile.available, regency=profile.regency, education_order=profile.education_order,
        trained=profile.trained, last_completed=profile.last_completed,
        vocation_ids=frozenset(profile.vocation_ids), scheme_codes=frozenset(profile.scheme_codes),
        certificates=profile.certificates)


def brute_force(vacancy, limit, today=TODAY) -> list[tuple[int, int]]:
    spec = shortlist.vacancy_spec(vacancy)
    scored = ((p.person_id, scoring.score(candidate(p), spec, today, shortlist.geography()))
              for p in CandidateProfile.objects.all())
    return [(pid, s.score) for pid, s in scoring.rank(scored, limit)]


def listed(vacancy, limit=20, today=TODAY) -> list[tuple[int, int]]:
    return [(row.person_id, row.score) for row in shortlist.shortlist(vacancy, limit=limit, today=today)]


@pytest.fixture
def vocations(db):
    return list(Vocation.objects.order_by("pk")[:6])


@pytest.fixture
def population(db):
    return make_population(150, seed=7)


def test_shortlist_equals_brute_force_for_many_vacancies(company, vocations, population):
    specs = [
        {},
        {"region": "64.74", "vocations": vocations[:2], "scheme_code": "SKM.OTO.SPM.2021"},
        {"region": "64.09", "vocations": vocations[2:3], "min_age": 20, "max_age": 30},
        {"region": "64.72", "sex": "P", "min_education": None, "scheme_code": "SKM.TAM.OAB.2022"},
        {"region": "64.11", "vocations": vocations[3:6], "sex": "L", "min_age": 25},
        {"region": "64.02", "max_age": 22, "scheme_code": "SKM.KON.TLB.2023"},
    ]
    from kompeten.reference.models import EducationLevel

    sma = EducationLevel.objects.get(code="SMA")
    for number, extra in enumerate(specs):
        if number == 3:
            extra["min_education"] = sma
        vacancy = make_vacancy(company, title=f"Lowongan {number}", **{k: v for k, v in extra.items() if v is not None})
        for limit in (1, 7, 20, 500):
            assert listed(vacancy, limit) == brute_force(vacancy, limit), (number, limit)
    assert shortlist.index_stats()["rows"] == 150  # built once, then only checked


def test_rows_carry_components_and_reasons_that_sum_to_the_score(company, vocations, population):
    vacancy = make_vacancy(company, vocations=vocations[:2], scheme_code="SKM.OTO.SPM.2021")
    rows = shortlist.shortlist(vacancy, limit=10, today=TODAY)
    assert rows
    for row in rows:
        assert sum(row.components.values()) == row.score == sum(r.points for r in row.explained)
        assert len(row.reasons) == len(row.explained)
        assert all(text.endswith(")") and "(+" in text for text in row.reasons)
    reasons = [text for row in rows for text in row.reasons]
    assert any("wanted scheme (SKM.OTO.SPM.2021) (+40)" in text for text in reasons)
    assert any(vocations[0].name in text or vocations[1].name in text for text in reasons)


def test_a_withdrawn_consent_leaves_the_very_next_shortlist(company, completed_batch):
    people = [e.person for e in completed_batch.enrolments.select_related("person").order_by("person__full_name")]
    for person in people:
        consent(person)
    vacancy = make_vacancy(company, vocations=[completed_batch.package.vocation])
    first = [row.person_id for row in shortlist.shortlist(vacancy, today=TODAY)]
    assert sorted(first) == sorted(p.pk for p in people)  # the index is built now
    consent(people[0], given=False)  # kompeten.registry.services.record_consent, as the page does
    second = [row.person_id for row in shortlist.shortlist(vacancy, today=TODAY)]
    assert people[0].pk not in second and len(second) == 2
    assert shortlist.index_stats()["rows_reloaded"] >= 1  # found by the refresh, not a rebuild
    consent(people[0])
    assert people[0].pk in [row.person_id for row in shortlist.shortlist(vacancy, today=TODAY)]


def test_a_stale_index_never_shows_a_withdrawn_person(company, completed_batch, monkeypatch):
    """Even if the index missed the change (another process, a write without a new timestamp), the database check
    of the best rows keeps the person out and refills the list."""
    people = [e.person for e in completed_batch.enrolments.select_related("person").order_by("person__full_name")]
    for person in people:
        consent(person)
    vacancy = make_vacancy(company, vocations=[completed_batch.package.vocation])
    assert len(shortlist.shortlist(vacancy, today=TODAY)) == 3
    monkeypatch.setattr(shortlist, "_refresh", lambda index: index)  # the index learns nothing by itself now
    consent(people[1], given=False)
    rows = shortlist.shortlist(vacancy, today=TODAY)
    assert people[1].pk not in [row.person_id for row in rows] and len(rows) == 2


def test_refill_when_the_best_dropped_out_behind_the_index(company, vocations, population, monkeypatch):
    vacancy = make_vacancy(company, vocations=vocations[:1])
    best = listed(vacancy, limit=5)
    assert len(best) == 5
    monkeypatch.setattr(shortlist, "_refresh", lambda index: index)
    # No signal and no new timestamp: only the check against the database can see it.
    CandidateProfile.objects.filter(person__in=[pid for pid, _score in best[:4]]).update(shown=False)
    after = listed(vacancy, limit=5)
    assert len(after) == 5 and not {pid for pid, _ in best[:4]} & {pid for pid, _ in after}
    assert after == brute_force(vacancy, 5)


def test_the_index_follows_new_changed_late_and_deleted_profiles(company, vocations, population):
    vacancy = make_vacancy(company, region="64.72", vocations=vocations[:1])
    assert listed(vacancy, 500) == brute_force(vacancy, 500)
    built_at = shortlist.index_stats()["built_at"]
    newcomer = make_person(full_name="Baru Datang", serial=9001, district="64.72.01")
    consent(newcomer)
    CandidateProfile.objects.filter(person=newcomer).update(vocation_ids=[vocations[0].pk], trained=True,
                                                             updated_at=timezone.now())
    changed = population[3]
    CandidateProfile.objects.filter(pk=changed.pk).update(shown=True, regency="64.72", scheme_codes=["X"],
                                                           certificates=1, updated_at=timezone.now())
    # A late commit: stamped before the last call, visible only now (within shortlist.LAG).
    late = population[4]
    CandidateProfile.objects.filter(pk=late.pk).update(
        shown=True, regency="64.72", updated_at=shortlist._state.polled_at - datetime.timedelta(seconds=30))
    gone = population[5]
    CandidateProfile.objects.filter(pk=gone.pk).delete()
    assert listed(vacancy, 500) == brute_force(vacancy, 500)
    ids = [pid for pid, _score in listed(vacancy, 500)]
    assert newcomer.pk in ids and late.person_id in ids and gone.person_id not in ids
    assert shortlist.index_stats()["built_at"] == built_at  # all of it incrementally
    index = shortlist.candidate_index()
    assert index.columns_of(int(index.positions([changed.person_id])[0]))["scheme_codes"] == ["X"]


def test_a_big_change_rebuilds_the_index(company, population, monkeypatch):
    vacancy = make_vacancy(company)
    listed(vacancy)
    built_at = shortlist.index_stats()["built_at"]
    monkeypatch.setattr(shortlist, "REBUILD_SHARE", 0.1)
    monkeypatch.setattr(shortlist, "REBUILD_MIN", 0)
    CandidateProfile.objects.filter(pk__in=[p.pk for p in population[:40]]).update(available=False,
                                                                                    updated_at=timezone.now())
    assert listed(vacancy, 500) == brute_force(vacancy, 500)
    assert shortlist.index_stats()["built_at"] > built_at


def test_the_bulk_loader_reads_what_the_row_loader_reads(population):
    """On PostgreSQL the index is read as packed binary arrays; it must hold exactly what the rows say."""
    CandidateProfile.objects.filter(pk=population[0].pk).update(regency="", sex="X", last_completed=None)
    fast = shortlist.load_index()
    slow = scoring.CandidateIndex.build(shortlist.load_all())
    assert fast.n == slow.n == 150
    for position in range(fast.n):
        assert fast.columns_of(position) == slow.columns_of(position)


def test_no_candidates_and_an_unknown_regency(company, db):
    vacancy = make_vacancy(company)
    assert shortlist.shortlist(vacancy, today=TODAY) == []
    person = make_person(serial=5, district="64.71.05")
    consent(person)
    CandidateProfile.objects.filter(person=person).update(regency="", updated_at=timezone.now())
    rows = shortlist.shortlist(vacancy, today=TODAY)
    assert [(r.person_id, r.components["distance"]) for r in rows] == [(person.pk, 0)]


# --- recommendations ------------------------------------------------------------------------------


def test_recommendations_score_open_vacancies_for_one_person(company, completed_batch):
    from kompeten.reference.models import Region

    person = completed_batch.enrolments.select_related("person").order_by("person__full_name").first().person
    person.village = Region.objects.filter(level="village", parent_id="64.71.05").order_by("code").first()
    person.save(update_fields=["village"])  # the profile follows (signals)
    vocation = completed_batch.package.vocation
    other_vocation = Vocation.objects.exclude(pk=vocation.pk).order_by("pk").first()
    here = make_vacancy(company, title="Di Balikpapan", region="64.71", vocations=[vocation])
    near = make_vacancy(company, title="Di Penajam", region="64.09", vocations=[vocation])
    far = make_vacancy(company, title="Di Berau", region="64.03", vocations=[other_vocation])
    women_only = make_vacancy(company, title="Khusus perempuan", sex="P")  # Andi is L
    make_vacancy(company, title="Tutup", status="closed")
    make_vacancy(company, title="Lewat", valid_from=TODAY - datetime.timedelta(days=90),
                 valid_until=TODAY - datetime.timedelta(days=1))
    full = make_vacancy(company, title="Penuh", number_needed=1)
    Vacancy.objects.filter(pk=full.pk).update(filled=1)
    # No consent to be shown to companies: looking at vacancies needs none.
    assert not CandidateProfile.objects.get(person=person).shown
    rows = shortlist.recommendations(person, today=TODAY)
    assert [r.vacancy_id for r in rows] == [here.pk, near.pk, far.pk]
    assert women_only.pk not in [r.vacancy_id for r in rows]
    assert rows[0].score > rows[1].score > rows[2].score
    assert rows[0].vacancy.title == "Di Balikpapan"
    assert any("Work in your regency/city (Kota Balikpapan)" in text for text in rows[0].reasons)
    assert any("neighbouring regency/city (Kabupaten Penajam Paser Utara)" in text for text in rows[1].reasons)
    for row in rows:
        assert sum(row.components.values()) == row.score == sum(r.points for r in row.explained)
    assert len(shortlist.recommendations(person, limit=1, today=TODAY)) == 1


def test_recommendations_for_a_person_without_a_profile_compute_it(company):
    person = make_person(serial=7)
    CandidateProfile.objects.filter(person=person).delete()
    make_vacancy(company)
    rows = shortlist.recommendations(person, today=TODAY)
    assert len(rows) == 1 and CandidateProfile.objects.filter(person=person).exists()


# --- kompeten jobs shortlist ----------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_cli_shortlist(company, vocations, population):
    vacancy = make_vacancy(company, vocations=vocations[:1], title="Mekanik Sepeda Motor")
    data = json.loads(run("shortlist", str(vacancy.pk), "--json", "--limit", "5", "--today", TODAY.isoformat()))
    assert [(row["person_id"], row["score"]) for row in data] == brute_force(vacancy, 5)
    assert [row["rank"] for row in data] == [1, 2, 3, 4, 5]
    assert data[0]["name"].startswith("Pencaker ") and data[0]["reasons"]
    text = run("shortlist", str(vacancy.pk), "--limit", "3", "--today", TODAY.isoformat())
    assert text.startswith("Mekanik Sepeda Motor · PT Tambang Maju: 3 candidates")
    assert f"#{data[0]['person_id']}" in text


@pytest.mark.parametrize("args, message", [
    (["shortlist", "999999"], "There is no vacancy 999999"),
    (["shortlist", "abc"], "must be a number"),
    (["shortlist", "1", "--limit", "0"], "--limit must be a whole number"),
    (["shortlist", "1", "--limit", "x"], "--limit must be a whole number"),
    (["shortlist", "1", "--today", "30-06-2025"], "--today must be a date"),
])
def test_cli_bad_input_exits_2_with_a_message(db, args, message):
    with pytest.raises(CommandError, match=message) as error:
        run(*args)
    assert error.value.returncode == 2
