import datetime
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from kompeten.accounts.models import Membership, Role, User
from kompeten.apprenticeships.models import Company
from kompeten.assessment.models import Lsp
from kompeten.core import demo
from kompeten.core.demo import DEMO_PASSWORD, JOB_SEEKER_EMAIL, STAFF_USERS, load_demo
from kompeten.programmes.models import TrainingCentre, Vocation
from kompeten.reference.models import Sector
from kompeten.reference.services import province_codes, regency_codes
from kompeten.registry.models import Consent, Person, PersonSource, PriorTraining
from kompeten.registry.nik import compare_with_person, parse_nik

PERSONS = 200


@pytest.fixture
def loaded(db):
    return load_demo(persons=PERSONS)


def table_counts():
    models = [Person, PriorTraining, Consent, User, Membership, Company, Lsp, Vocation.centres.through]
    return {model.__name__: model.objects.count() for model in models}


def test_counts(loaded):
    assert loaded.pop("vocations") > 0
    assert loaded == {"lsp": 1, "companies": 12, "users": len(STAFF_USERS), "persons": PERSONS,
                      "job_seeker": 1}
    assert Person.objects.filter(source=PersonSource.DEMO).count() == PERSONS
    assert User.objects.count() == len(STAFF_USERS) + 1
    assert Company.objects.count() == 12
    assert Lsp.objects.get().code == "lsp-blki-kaltim"
    assert {m.role for m in Membership.objects.all()} == set(Role.values)


def test_running_twice_adds_nothing(loaded):
    before = table_counts()
    again = load_demo(persons=PERSONS)
    assert set(again.values()) == {0}
    assert table_counts() == before


def test_persons_are_deterministic(loaded):
    def rows():
        return list(Person.objects.order_by("id").values_list("nik", "full_name", "phone", "village_id"))

    first = rows()
    Person.objects.filter(source=PersonSource.DEMO).delete()
    assert demo.make_persons(PERSONS) == PERSONS
    assert rows() == first


def test_every_nik_parses_and_matches_the_person(loaded):
    persons = list(Person.objects.all())
    assert len({p.nik for p in persons}) == len(persons)
    for person in persons:
        result = parse_nik(person.nik, province_codes=province_codes(), regency_codes=regency_codes())
        assert result.issues == (), (person.nik, result.issues)
        assert compare_with_person(result.info, birth_date=person.birth_date, sex=person.sex) == ()
        assert result.info.birth_date == person.birth_date
        assert person.village_id.startswith(result.info.district_code + ".")


def test_person_attributes(loaded):
    persons = list(Person.objects.select_related("registered_centre"))
    for person in persons:
        assert 18 <= person.age_on(person.created_at.date()) <= 45
        assert datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) <= person.created_at
        assert person.created_at < datetime.datetime(2025, 4, 1, tzinfo=datetime.UTC)
        assert person.phone.startswith("+628")
        assert person.street.startswith("Jl. ") and person.rt and person.rw
        assert bool(person.ak1_number) == bool(person.ak1_expires)
    trained = [p for p in persons if p.declared_prior_training]
    assert 0.15 <= len(trained) / len(persons) <= 0.25
    assert PriorTraining.objects.count() == len(trained)
    assert set(PriorTraining.objects.values_list("person_id", flat=True)) == {p.pk for p in trained}
    assert Consent.objects.filter(purpose="registry", given=True, channel="demo").count() == len(persons)
    by_centre = {c.code: c.registered_persons.count() for c in TrainingCentre.objects.all()}
    assert by_centre["blki_balikpapan"] > by_centre["blki_bontang"] > 0


def test_focus_sectors_are_offered(loaded):
    for sector in Sector.objects.filter(is_focus=True):
        centres = set(TrainingCentre.objects.filter(vocations__sector=sector).values_list("code", flat=True))
        expected = set(demo.SECTOR_CENTRES[sector.key])
        assert expected <= centres, sector.key


def test_companies_have_region_sector_and_kbli(loaded):
    for company in Company.objects.select_related("kbli", "region"):
        assert company.region.level == "regency"
        assert company.kbli is not None
        assert company.kbli.sectors.filter(key=company.sector_id).exists()


def test_every_demo_user_can_log_in(loaded):
    request = RequestFactory().post("/")
    for spec in STAFF_USERS:
        user = authenticate(request=request, username=spec.email, password=DEMO_PASSWORD)
        assert user is not None and user.email == spec.email
    job_seeker = authenticate(request=request, username=JOB_SEEKER_EMAIL, password=DEMO_PASSWORD)
    assert job_seeker.person.source == PersonSource.DEMO
    assert job_seeker.roles == {Role.JOB_SEEKER}
    local_phone = "0" + job_seeker.phone.removeprefix("+62")
    assert authenticate(request=request, username=local_phone, password=DEMO_PASSWORD) == job_seeker


def test_command_prints_logins_and_serves(db):
    calls = []

    def fake_call_command(name, *args, **kwargs):
        calls.append((name, args, kwargs))

    out = StringIO()
    with mock.patch("kompeten.core.management.commands.demo.call_command", fake_call_command):
        call_command("demo", "--persons", "20", stdout=out)
    names = [name for name, _args, _kwargs in calls]
    assert names == ["migrate", "collectstatic", "load_reference", "runserver"]
    assert calls[-1][1:] == (("127.0.0.1:8000",), {"use_reloader": False})
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert DEMO_PASSWORD in text
    for spec in STAFF_USERS:
        assert spec.email in text
    assert JOB_SEEKER_EMAIL in text


def test_command_no_serve_for_real(db, tmp_path):
    out = StringIO()
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("demo", "--no-serve", "--persons", "20", stdout=out)
    assert Person.objects.count() == 20
    assert "runserver" not in out.getvalue()
    assert "http://" not in out.getvalue()
