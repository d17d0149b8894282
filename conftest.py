"""Shared test fixtures: the reference data, loaded once per test database, and named personas.

Personas (STYLE.md): a job seeker, an operator of BLKI Balikpapan, an operator of BLKI Bontang (the
outsider for Balikpapan's objects), an assessor, a company user and a province admin.
"""

import datetime

import pytest

PASSWORD = "kata-sandi-uji-123"  # noqa: S105 (test accounts only)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from kompeten.reference.loader import load_all
    from kompeten.reference.services import clear_caches

    with django_db_blocker.unblock():
        load_all()
        clear_caches()


@pytest.fixture(autouse=True)
def english():
    """The suite reads messages in English (the msgids); the Indonesian interface, which is the
    default for users, has its own tests (kompeten/core/tests/test_translations.py, test_home.py)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    """pytest-django's test client, as a user who chose English with the language switch."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def centres(db):
    from kompeten.programmes.models import TrainingCentre

    return {c.code: c for c in TrainingCentre.objects.all()}


@pytest.fixture
def balikpapan(centres):
    return centres["blki_balikpapan"]


@pytest.fixture
def bontang(centres):
    return centres["blki_bontang"]


def make_user(email, role=None, *, full_name=None, **scope):
    from kompeten.accounts.models import Membership, User

    user = User.objects.create_user(email, PASSWORD, full_name=full_name or email.split("@")[0].title())
    if role:
        Membership.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def province_admin(db):
    return make_user("admin@disnakertrans.test", "province_admin", full_name="Admin Disnakertrans")


@pytest.fixture
def operator_balikpapan(balikpapan):
    return make_user("operator@blki-balikpapan.test", "centre_operator", centre=balikpapan,
                     full_name="Operator Balikpapan")


@pytest.fixture
def operator_bontang(bontang):
    return make_user("operator@blki-bontang.test", "centre_operator", centre=bontang,
                     full_name="Operator Bontang")


@pytest.fixture
def assessor(db):
    return make_user("asesor@lsp.test", "assessor", full_name="Asesor Kompetensi")


@pytest.fixture
def company(db):
    from kompeten.apprenticeships.models import Company

    return Company.objects.create(name="PT Tambang Maju", sector_id="mining")


@pytest.fixture
def company_user(company):
    return make_user("hrd@tambangmaju.test", "company_user", company=company, full_name="HRD Tambang Maju")


def make_person(*, nik=None, full_name="Siti Aminah", sex="P", birth_date=datetime.date(1999, 3, 12),
                district="64.71.05", serial=1, **extra):
    from kompeten.registry.models import Person
    from kompeten.registry.nik import make_nik

    nik = nik or make_nik(district, birth_date, sex, serial)
    extra.setdefault("source", "operator")
    return Person.objects.create(nik=nik, full_name=full_name, sex=sex, birth_date=birth_date, **extra)


@pytest.fixture
def job_seeker(db):
    """A job seeker with an account, registered at BLKI Balikpapan."""
    from kompeten.programmes.models import TrainingCentre

    user = make_user("siti@example.test", "job_seeker", full_name="Siti Aminah")
    make_person(user=user, registered_centre=TrainingCentre.objects.get(code="blki_balikpapan"),
                         source="self")
    user.refresh_from_db()
    return user


@pytest.fixture
def person_balikpapan(balikpapan):
    return make_person(full_name="Budi Santoso", sex="L", birth_date=datetime.date(2001, 7, 4), serial=2,
                       registered_centre=balikpapan)


@pytest.fixture
def person_bontang(bontang):
    return make_person(full_name="Rina Wati", sex="P", birth_date=datetime.date(2000, 1, 20), serial=3,
                       district="64.74.02", registered_centre=bontang)


@pytest.fixture
def programme_year(db):
    from kompeten.programmes.models import ProgrammeYear

    return ProgrammeYear.objects.get_or_create(year=2025, defaults={"name": "Program 2025"})[0]


def make_batch(centre, programme_year, *, status="open", capacity=16, start=datetime.date(2025, 3, 3),
               end=datetime.date(2025, 3, 28), number=None, package=None):
    from kompeten.programmes.models import Batch, TrainingPackage, Vocation
    from kompeten.programmes.services import generate_sessions

    if package is None:
        vocation = Vocation.objects.filter(centres=centre).order_by("code").first()
        package, _created = TrainingPackage.objects.get_or_create(
            centre=centre, code=vocation.code,
            defaults={"vocation": vocation, "name": vocation.name, "hours": 160, "required_documents": []})
    number = number or Batch.objects.filter(package=package).count() + 1
    batch = Batch.objects.create(programme_year=programme_year, centre=centre, package=package, number=number,
                                 start_date=start, end_date=end, capacity=capacity, status=status)
    generate_sessions(batch)
    return batch


@pytest.fixture
def batch_balikpapan(balikpapan, programme_year):
    return make_batch(balikpapan, programme_year)


@pytest.fixture
def batch_bontang(bontang, programme_year):
    return make_batch(bontang, programme_year)
