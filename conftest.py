"""Shared test fixtures: the reference data, loaded once per test database, and named personas.

Personas (STYLE.md): a job seeker, an operator of BLKI Balikpapan, an operator of BLKI Bontang (the
outsider for Balikpapan's objects), an assessor, a company user and a province admin.
"""

import datetime

import pytest

# The machines are shared and noisy: hypothesis judges no example by its time (speed is for bench/).
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

pytest_plugins = ["tests.logscan"]  # fails the run when a log record holds personal data or a secret

hypothesis_settings.register_profile("kompeten", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("kompeten")

PASSWORD = "kata-sandi-uji-123"  # noqa: S105 (test accounts only)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from kompeten.reference.loader import load_all
    from kompeten.reference.services import clear_caches

    with django_db_blocker.unblock():
        load_all()
        clear_caches()


@pytest.fixture(scope="module")
def reference_data_restored_after_module(django_db_setup, django_db_blocker):
    """A module of transactional tests (a live server for a browser) ends with the reference data loaded again:
    each test's flush empties it, and the modules that follow expect it."""
    yield
    from kompeten.programmes.models import TrainingCentre
    from kompeten.reference.loader import load_all

    with django_db_blocker.unblock():
        if not TrainingCentre.objects.exists():
            load_all()


@pytest.fixture
def live_reference_data(transactional_db, reference_data_restored_after_module):
    """The reference data for a transactional test (the live server reads committed rows), loaded again after the
    previous test's flush. Browser test modules use it with ``pytest.mark.usefixtures("live_reference_data")``."""
    from django.core.cache import cache

    from kompeten.programmes.models import TrainingCentre
    from kompeten.reference.loader import load_all

    if not TrainingCentre.objects.filter(code="blki_balikpapan").exists():
        load_all()
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache: the per-address rate limits (certificate verification) count in it,
    and a worker process runs many tests within the same minute."""
    from django.core.cache import cache

    cache.clear()


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

    return Company.objects.create(name="PT Tambang Maju", sector_id="mining", status="verified", employees=200)


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


# --- assessment -------------------------------------------------------------------------------------

ASSESSMENT_DAY = datetime.date(2025, 4, 14)


@pytest.fixture
def scheme(db):
    """A KKNI level II scheme with four units (example codes), re-assessing only the BK units."""
    from kompeten.assessment.models import CompetencyUnit, Scheme

    scheme = Scheme.objects.create(code="SKM-TEST-01", title="Mekanik Sepeda Motor", scheme_type="kkni",
                                   kkni_level=2, sector_id="motorcycle_repair", validity_months=36, is_example=True)
    for order, (code, title) in enumerate([
        ("T.45OTO00.001.1", "Merawat mesin sepeda motor"),
        ("T.45OTO00.002.1", "Memperbaiki sistem bahan bakar"),
        ("T.45OTO00.003.1", "Memperbaiki sistem kelistrikan"),
        ("T.45OTO00.004.1", "Menerapkan K3 di bengkel"),
    ], start=1):
        CompetencyUnit.objects.create(scheme=scheme, order=order, code=code, title=title)
    return scheme


@pytest.fixture
def lsp(balikpapan, scheme):
    from kompeten.assessment.models import Lsp

    lsp = Lsp.objects.create(code="lsp-test", name="LSP BLKI Test", licence_number="BNSP-LSP-999-ID",
                             lsp_type="P2", centre=balikpapan, licensed_from=datetime.date(2024, 1, 1),
                             licensed_until=datetime.date(2028, 12, 31))
    lsp.schemes.add(scheme)
    return lsp


@pytest.fixture
def tuk_balikpapan(lsp, balikpapan):
    from kompeten.assessment.models import Tuk

    return Tuk.objects.create(lsp=lsp, code="tuk-bpp", name="TUK Sewaktu BLKI Balikpapan", tuk_type="sewaktu",
                              centre=balikpapan, address="Jl. Soekarno Hatta Km 5, Balikpapan")


@pytest.fixture
def tuk_bontang(lsp, bontang):
    from kompeten.assessment.models import Tuk

    return Tuk.objects.create(lsp=lsp, code="tuk-btg", name="TUK Sewaktu BLKI Bontang", tuk_type="sewaktu",
                              centre=bontang)


def make_assessor(user, lsp, schemes, *, number, expires=datetime.date(2027, 12, 31)):
    from kompeten.assessment.models import Assessor

    assessor = Assessor.objects.create(user=user, lsp=lsp, registration_number=number, licence_expires=expires)
    assessor.schemes.set(schemes)
    return assessor


@pytest.fixture
def assessor_profile(assessor, lsp, scheme):
    """The ``assessor`` user's registration with the test LSP, licensed for ``scheme``."""
    return make_assessor(assessor, lsp, [scheme], number="MET.000.000001 2021")


@pytest.fixture
def other_assessor(lsp, scheme):
    user = make_user("asesor2@lsp.test", "assessor", full_name="Asesor Kedua")
    return make_assessor(user, lsp, [scheme], number="MET.000.000002 2022")


@pytest.fixture
def lsp_admin(lsp):
    return make_user("manajer@lsp.test", "lsp_admin", lsp=lsp, full_name="Manajer Sertifikasi")


@pytest.fixture
def completed_batch(balikpapan, programme_year, scheme):
    """A completed batch of BLKI Balikpapan preparing for ``scheme``, with three participants who completed."""
    from kompeten.training.models import Enrolment

    batch = make_batch(balikpapan, programme_year, status="completed", start=datetime.date(2025, 3, 3),
                       end=datetime.date(2025, 4, 4))
    batch.package.scheme = scheme
    batch.package.save(update_fields=["scheme"])
    for serial, name in [(11, "Andi Pratama"), (12, "Dewi Lestari"), (13, "Eko Saputra")]:
        person = make_person(full_name=name, sex="L" if serial != 12 else "P", serial=serial,
                             registered_centre=balikpapan)
        Enrolment.objects.create(batch=batch, person=person, source="operator", status="completed",
                                 final_test_passed=True)
    return batch


@pytest.fixture
def event(tuk_balikpapan, scheme, assessor_profile, operator_balikpapan, balikpapan):
    """A planned assessment event at the Balikpapan TUK with the ``assessor`` as its assessor."""
    from kompeten.assessment import services

    return services.create_event(scheme=scheme, tuk=tuk_balikpapan, date=ASSESSMENT_DAY,
                                 assessors=[assessor_profile], centre=balikpapan, by=operator_balikpapan)


@pytest.fixture
def candidates(event, completed_batch, operator_balikpapan, assessor_profile):
    """The completed participants as candidates of ``event``, assigned to the assessor, with FR.AK.01 agreed."""
    from kompeten.assessment import services

    added = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)
    for candidate in added:
        services.assign_assessor(candidate, assessor_profile, by=operator_balikpapan)
        services.record_apl01(candidate, by=operator_balikpapan)
        services.record_ak01(candidate, by=assessor_profile.user)
    return added


def assess(candidate, user, results: dict[str, str] | None = None, *, submit=True):
    """Record every unit of a candidate (K with observation unless ``results`` maps a unit code to BK)."""
    from kompeten.assessment import services

    results = results or {}
    for row in candidate.results.select_related("unit"):
        result = results.get(row.unit.code, "K")
        services.record_unit(candidate, row.unit_id, result=result, methods=["observation"], version=row.version,
                             by=user)
    if submit:
        services.submit(candidate, by=user)
    candidate.refresh_from_db()
    return candidate
