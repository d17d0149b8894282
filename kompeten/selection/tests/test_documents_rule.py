"""The "documents uploaded" rule: a package's required documents, checked at applying and at the allocation."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_batch, make_person
from kompeten.core.errors import DomainError
from kompeten.programmes.forms import PackageForm
from kompeten.programmes.models import TrainingPackage, Vocation
from kompeten.registry.documents import upload_document
from kompeten.selection import allocation, services
from kompeten.selection.models import ApplicationStatus, Choice, PriorityRule
from kompeten.selection.rules import ineligibility, reason_text

pytestmark = pytest.mark.django_db

TZ = datetime.UTC
OPENS = datetime.datetime(2025, 1, 6, 8, tzinfo=TZ)
DURING = datetime.datetime(2025, 1, 10, 8, tzinfo=TZ)
CLOSES = datetime.datetime(2025, 1, 20, 16, tzinfo=TZ)
RESULTS = datetime.datetime(2025, 1, 24, 8, tzinfo=TZ)
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def applicant(serial, **extra):
    return make_person(serial=serial, full_name=f"Pelamar {serial}", birth_date=datetime.date(2000, 1, 15),
                       village_id="64.71.05.1008", education_id="SMA", employment_status="unemployed", **extra)


def give(person, *kinds):
    for kind in kinds:
        upload_document(person, kind, SimpleUploadedFile(f"{kind}.pdf", PDF), by=None)


@pytest.fixture
def round_(balikpapan, programme_year, operator_balikpapan):
    """Two open batches of BLKI Balikpapan: the first asks for the KTP, the second for the KTP and the ijazah."""
    vocations = Vocation.objects.filter(centres=balikpapan).order_by("code")[:2]
    batches = []
    for vocation, required in zip(vocations, (["ktp"], ["ktp", "ijazah"]), strict=True):
        package = TrainingPackage.objects.create(centre=balikpapan, vocation=vocation, code=vocation.code,
                                                 name=vocation.name, hours=160, required_documents=required)
        batches.append(make_batch(balikpapan, programme_year, package=package, capacity=2,
                                  start=datetime.date(2025, 2, 3), end=datetime.date(2025, 2, 28)))
    round_ = services.create_round(
        programme_year=programme_year, name="Seleksi Februari 2025", centres=[balikpapan], opens_at=OPENS,
        closes_at=CLOSES, results_at=RESULTS, rules=[PriorityRule.NEVER_TRAINED], batches=batches,
        by=operator_balikpapan, uses_document_check=False,
    )
    services.open_round(round_, by=operator_balikpapan)
    round_.first, round_.second = batches
    return round_


def test_a_new_package_asks_for_ktp_and_ijazah(balikpapan):
    vocation = Vocation.objects.filter(centres=balikpapan).first()
    package = TrainingPackage.objects.create(centre=balikpapan, vocation=vocation, code="x", name="X", hours=80)
    assert package.required_documents == ["ktp", "ijazah"]


def test_reason_text_lists_the_missing_documents(round_):
    package = round_.second.package
    assert reason_text("documents_missing", package, missing_documents=["ijazah"]) == (
        "Upload your Ijazah (diploma) first.")
    # A reason stored earlier, without the person's list: the package's required documents.
    assert reason_text("documents_missing", package) == "Upload your KTP and Ijazah (diploma) first."
    person = applicant(1)
    assert ineligibility(person, round_.first, in_training=False, missing_documents=["ktp"]) == ["documents_missing"]
    assert ineligibility(person, round_.first, in_training=False) == []


class TestApply:
    def test_refused_without_ktp_then_eligible_after_upload(self, round_):
        person = applicant(2)
        give(person, "ijazah")
        with pytest.raises(DomainError) as error:
            services.apply(round_, person, [round_.first.pk], by=None, now=DURING)
        assert error.value.code == "not_eligible"
        assert error.value.params["reason_codes"] == ["documents_missing"]
        assert "Upload your KTP first." in error.value.message
        give(person, "ktp")
        application = services.apply(round_, person, [round_.first.pk, round_.second.pk], by=None, now=DURING)
        assert application.choices.count() == 2

    def test_only_the_documents_of_the_chosen_package_count(self, round_):
        person = applicant(3)
        give(person, "ktp")
        with pytest.raises(DomainError) as error:
            services.apply(round_, person, [round_.second.pk], by=None, now=DURING)
        assert "Upload your Ijazah (diploma) first." in error.value.message
        services.apply(round_, person, [round_.first.pk], by=None, now=DURING)

    def test_apply_page_shows_the_reason_and_where_to_upload(self, client, round_, job_seeker, time_machine):
        time_machine.move_to(DURING, tick=False)
        from kompeten.registry.models import Person

        Person.objects.filter(user=job_seeker).update(education_id="SMA", village_id="64.71.05.1008",
                                                      employment_status="unemployed",
                                                      birth_date=datetime.date(2000, 1, 15))
        client.force_login(job_seeker)
        page = client.get(reverse("selection:apply", args=[round_.pk])).content.decode()
        assert "Upload your KTP first." in page and "Upload your KTP and Ijazah (diploma) first." in page
        assert reverse("registry:my_profile") + "#documents" in page
        give(job_seeker.person, "ktp", "ijazah")
        page = client.get(reverse("selection:apply", args=[round_.pk])).content.decode()
        assert "Upload your" not in page


class TestAllocation:
    def test_a_choice_without_the_documents_is_ineligible_with_the_reason(self, round_, operator_balikpapan):
        complete, partial = applicant(4), applicant(5)
        give(complete, "ktp", "ijazah")
        give(partial, "ktp")
        first = services.apply(round_, complete, [round_.second.pk], by=None, now=DURING)
        second = services.apply(round_, partial, [round_.first.pk], by=None, now=DURING)
        # The package asks for more after they applied: the allocation checks again.
        TrainingPackage.objects.filter(pk=round_.first.package_id).update(required_documents=["ktp", "ijazah"])
        services.close_round(round_, by=operator_balikpapan)
        services.run_allocation(round_, by=operator_balikpapan)
        choice = Choice.objects.get(application=second)
        assert not choice.eligible and choice.ineligible_reasons == ["documents_missing"]
        second.refresh_from_db()
        first.refresh_from_db()
        assert second.status == ApplicationStatus.INELIGIBLE
        assert first.status == ApplicationStatus.ADMITTED
        rows = allocation.explain(second)
        assert rows[0]["ineligible"] == ["Upload your Ijazah (diploma) first."]

    def test_document_lookup_is_one_query_for_all_applicants(self, round_, operator_balikpapan):
        def queries(count, start):
            for serial in range(start, start + count):
                person = applicant(serial)
                give(person, "ktp", "ijazah")
                services.apply(round_, person, [round_.first.pk, round_.second.pk], by=None, now=DURING)
            with CaptureQueriesContext(connection) as captured:
                allocation.build_inputs(round_)
            return len(captured)

        assert queries(2, 10) == queries(6, 20)


def test_package_form_sets_the_required_documents(client, operator_balikpapan, balikpapan):
    form = PackageForm(user=operator_balikpapan)
    html = str(form["required_documents"])
    assert 'type="checkbox"' in html and 'value="ak1"' in html
    assert form["required_documents"].value() == ["ktp", "ijazah"]  # a new package: the default
    vocation = Vocation.objects.filter(centres=balikpapan).first()
    client.force_login(operator_balikpapan)
    data = {"centre": balikpapan.pk, "vocation": vocation.pk, "code": "las-dasar", "name": "Las Dasar",
            "hours": 240, "class_size": 16, "attendance_threshold": 80, "is_active": "on",
            "required_documents": ["ktp", "photo"]}
    assert client.post(reverse("programmes:package_create"), data).status_code == 302
    package = TrainingPackage.objects.get(code="las-dasar")
    assert package.required_documents == ["ktp", "photo"]
    data["required_documents"] = ["passport"]
    response = client.post(reverse("programmes:package_edit", args=[package.pk]), data)
    assert response.status_code == 200 and "required_documents" in response.context["form"].errors
    del data["required_documents"]
    assert client.post(reverse("programmes:package_edit", args=[package.pk]), data).status_code == 302
    package.refresh_from_db()
    assert package.required_documents == []
