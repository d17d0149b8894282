"""Every URL pattern of the project is accounted for here.

Patterns that take an object are requested as the outsider (the operator of BLKI Bontang asking for
BLKI Balikpapan's objects, and a job seeker asking for someone else's) and must answer 404, never 403
or 200. Patterns without an object are listed explicitly, as public or as scoped list pages (whose
scoping has its own tests). Public object pages (a selection round's published seats and cutoffs)
and pages of an object offered to every job seeker (applying in a round) have their own sweeps below.
A new URL pattern that is in none of the lists fails this test.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import assess, make_person, make_user

# Public pages: anyone, logged in or not.
PUBLIC = {
    "set_language", "core:home", "core:healthz", "accounts:login", "accounts:logout", "registry:register",
    "reference:villages", "certificates:verify_fragment", "certificates:verify", "certificates:keys",
    "api:verify", "api:openapi-json", "api:openapi-view", "api:api-root", "apprenticeships:company_register",
    "accounts:password_reset", "accounts:password_reset_done", "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}

# Public pages of one certificate: anyone may verify it; they show what is printed, never personal data
# (tested below: no NIK, birth date, phone or address of the holder).
PUBLIC_CERTIFICATE_PAGES = {"certificates:verify_code", "api:openbadge", "certificates:status_list"}

# Pages without an object: their querysets go through visible_to(), tested in the apps' tests.
NO_OBJECT = {
    "accounts:account", "accounts:password_change", "accounts:two_factor_verify", "accounts:two_factor_setup",
    "accounts:two_factor_recovery", "accounts:two_factor_disable", "accounts:two_factor_reset",
    "registry:person_list", "registry:person_export",
    "registry:person_create", "registry:import", "registry:import_template", "registry:my_profile",
    "registry:my_profile_edit", "registry:my_consent", "registry:my_document_upload", "programmes:centre_list",
    "audit:list", "reference:region_list", "programmes:year_list", "programmes:package_list",
    "programmes:package_create",
    "programmes:batch_list", "programmes:batch_calendar", "programmes:batch_create",
    "selection:round_list", "selection:round_create", "selection:my_applications",
    "assessment:event_list", "assessment:event_create", "assessment:my_assessments", "assessment:scheme_list",
    "certificates:list", "certificates:mine",
    "apprenticeships:home", "apprenticeships:company_list", "apprenticeships:offer_list",
    "apprenticeships:offer_create", "apprenticeships:round_list", "apprenticeships:round_create",
    "apprenticeships:mine", "apprenticeships:placement_list", "apprenticeships:placement_create",
    "jobs:vacancy_list", "jobs:vacancy_create", "jobs:vacancy_import", "jobs:mine", "jobs:rates", "jobs:followups",
    "jobs:ak1_list", "jobs:demand", "jobs:planning",
    # Dashboards and reports: figures of the user's centres only (kompeten/reporting/tests).
    "reporting:dashboard", "reporting:persons", "reporting:table_export", "reporting:centre", "reporting:monthly",
    # Record linkage: the queue and the lists of the user's centres only (kompeten/linkage/tests/test_views.py).
    "linkage:queue", "linkage:import", "linkage:import_template", "linkage:list_index",
    # Personal data: the job seeker's own data only; the request list through PrivacyRequest.visible_to
    # (kompeten/privacy/tests/test_requests.py).
    "privacy:mine", "privacy:download", "privacy:consent", "privacy:request_create", "privacy:request_list",
}

# Kwargs for the no-object patterns that take a non-object argument.
NO_OBJECT_KWARGS = {"privacy:download": {"fmt": "pdf"},
                    "registry:import_template": {"fmt": "xlsx"}, "linkage:import_template": {"fmt": "xlsx"},
                    "reporting:table_export": {"table": "funnel", "fmt": "xlsx"},
                    "reporting:monthly": {"year": 2025, "month": 11, "fmt": "pdf"}}


def _object_kwargs(name, objects):
    """URL kwargs that point at an object of BLKI Balikpapan."""
    person, batch = objects["person"], objects["batch"]
    return {
        "programmes:package_edit": {"pk": batch.package_id},
        "programmes:batch_detail": {"pk": batch.pk},
        "programmes:batch_edit": {"pk": batch.pk},
        "programmes:batch_transition": {"pk": batch.pk},
        "programmes:batch_capacity": {"pk": batch.pk},
        "programmes:batch_sessions": {"pk": batch.pk},
        "training:candidates": {"batch_pk": batch.pk},
        "training:enrol": {"batch_pk": batch.pk},
        "training:attendance": {"batch_pk": batch.pk},
        "training:completion": {"batch_pk": batch.pk},
        "training:document": {"batch_pk": batch.pk, "doc": "peserta", "fmt": "pdf"},
        "training:exchange_batch": {"batch_pk": batch.pk, "fmt": "siapkerja", "file_type": "csv"},
        "training:exchange_event": {"event_pk": objects["assessment_event"].pk, "fmt": "bnsp", "file_type": "csv"},
        "training:withdraw": {"pk": objects["enrolment"].pk},
        "registry:person_detail": {"pk": person.pk},
        "registry:person_edit": {"pk": person.pk},
        "registry:person_reveal_nik": {"pk": person.pk},
        "registry:person_confirm_nik": {"pk": person.pk},
        "registry:person_add_training": {"pk": person.pk},
        "registry:person_document_upload": {"pk": person.pk},
        "registry:document_download": {"pk": objects["document"].pk},
        "programmes:centre_detail": {"pk": objects["centre"].pk},
        "programmes:year_detail": {"pk": batch.programme_year_id},
        "programmes:target_update": {"pk": objects["target"].pk},
        "selection:round_detail": {"pk": objects["round"].pk},
        "selection:round_transition": {"pk": objects["round"].pk},
        "selection:round_add_batch": {"pk": objects["round"].pk},
        "selection:round_results": {"pk": objects["round"].pk},
        "selection:round_inputs": {"pk": objects["round"].pk},
        "selection:what_if": {"pk": objects["round"].pk},
        "selection:application_list": {"pk": objects["round"].pk},
        "selection:apply": {"pk": objects["round"].pk},
        "selection:round_batch_detail": {"pk": objects["round_batch"].pk},
        "selection:round_batch_reserves": {"pk": objects["round_batch"].pk},
        "selection:offer_free_seats": {"pk": objects["round_batch"].pk},
        "selection:application_detail": {"pk": objects["application"].pk},
        "selection:application_stage": {"pk": objects["application"].pk},
        "selection:offer_accept": {"pk": objects["offer"].pk},
        "selection:offer_decline": {"pk": objects["offer"].pk},
        "assessment:scheme_detail": {"pk": objects["scheme"].pk},
        "assessment:lsp_detail": {"pk": objects["lsp"].pk},
        "assessment:candidate_document": {"pk": objects["candidate"].pk, "doc": "apl01"},
        "assessment:record_unit": {"pk": objects["candidate"].pk, "unit_pk": objects["unit"].pk},
        "assessment:appeal_decide": {"pk": objects["appeal"].pk},
        **{name: {"pk": objects["assessment_event"].pk} for name in ASSESSMENT_EVENT_URLS},
        **{name: {"pk": objects["candidate"].pk} for name in ASSESSMENT_CANDIDATE_URLS},
        **{name: {"pk": objects["decided"].pk} for name in ASSESSMENT_DECIDED_URLS},
        **{name: {"pk": objects["certificate"].pk} for name in CERTIFICATE_URLS},
        "certificates:issue_batch": {"batch_pk": batch.pk},
        "certificates:issue_event": {"event_pk": objects["assessment_event"].pk},
        "certificates:job": {"pk": objects["job"].pk},
        "certificates:job_progress": {"pk": objects["job"].pk},
        "certificates:verify_code": {"code": objects["certificate"].public_code},
        "api:openbadge": {"code": objects["certificate"].public_code},
        "certificates:status_list": {"issuer_code": objects["certificate"].issuer.code, "purpose": "revocation"},
        "linkage:review": {"pk": objects["review_item"].pk},
        "linkage:list_detail": {"pk": objects["source_list"].pk},
        "linkage:undo_merge": {"pk": objects["merge"].pk},
        "linkage:contest": {"pk": objects["training_link"].pk},
        "privacy:request_detail": {"pk": objects["privacy_request"].pk},
        "privacy:request_transition": {"pk": objects["privacy_request"].pk},
        "privacy:request_for_person": {"person_pk": person.pk},
    }.get(name)


# Assessment pages of one event, of an open candidate's file, and of a decided file (the job seeker persona's,
# Belum Kompeten, with an appeal waiting).
ASSESSMENT_EVENT_URLS = {
    "assessment:event_detail", "assessment:event_add_batches", "assessment:event_persons",
    "assessment:event_add_rpl", "assessment:event_add_reassessment", "assessment:event_assign_evenly",
    "assessment:event_approve",
}
ASSESSMENT_CANDIDATE_URLS = {
    "assessment:candidate_detail", "assessment:candidate_assign", "assessment:candidate_absent",
    "assessment:candidate_apl01", "assessment:candidate_apl02", "assessment:candidate_ak01", "assessment:record",
    "assessment:candidate_submit", "assessment:candidate_approve", "assessment:candidate_reopen",
}
ASSESSMENT_DECIDED_URLS = {"assessment:candidate_amend", "assessment:candidate_appeal"}

# Staff pages of one certificate (a training certificate of BLKI Balikpapan).
CERTIFICATE_URLS = {
    "certificates:detail", "certificates:revoke", "certificates:suspend", "certificates:reinstate",
    "certificates:reissue", "certificates:pdf", "certificates:openbadge",
}


OBJECT_URLS = {
    "programmes:package_edit", "programmes:batch_detail", "programmes:batch_edit", "programmes:batch_transition",
    "programmes:batch_capacity", "programmes:batch_sessions", "training:candidates", "training:enrol",
    "training:attendance", "training:completion", "training:document", "training:withdraw",
    "training:exchange_batch", "training:exchange_event",
    "registry:person_detail", "registry:person_edit", "registry:person_reveal_nik", "registry:person_confirm_nik",
    "registry:person_add_training", "registry:person_document_upload", "registry:document_download",
    "programmes:centre_detail", "programmes:target_update",
    "selection:round_detail", "selection:round_transition", "selection:round_add_batch", "selection:what_if",
    "selection:application_list", "selection:round_batch_detail", "selection:round_batch_reserves",
    "selection:offer_free_seats", "selection:application_detail", "selection:application_stage",
    "selection:offer_accept", "selection:offer_decline",
    *ASSESSMENT_EVENT_URLS, *ASSESSMENT_CANDIDATE_URLS, *ASSESSMENT_DECIDED_URLS,
    "assessment:candidate_document", "assessment:record_unit", "assessment:appeal_decide",
    *CERTIFICATE_URLS, "certificates:issue_batch", "certificates:issue_event", "certificates:job",
    "certificates:job_progress",
    "linkage:review", "linkage:list_detail", "linkage:undo_merge", "linkage:contest",
    "privacy:request_detail", "privacy:request_transition", "privacy:request_for_person",
}

# Objects that belong to the whole province, not to one centre: every staff member may read them.
PROVINCE_OBJECTS = {"programmes:year_detail", "assessment:scheme_detail", "assessment:lsp_detail"}

# Public object pages: anyone, even anonymous, once the object is past its draft; no personal data on them.
PUBLIC_OBJECTS = {"selection:round_results"}

# Public files of an object: only once there is something to publish (tested with real content in
# kompeten/selection/tests/test_services.py); before that, 404 for everyone.
PUBLIC_FILES = {"selection:round_inputs"}

# Pages of an object offered to every job seeker (a round past its draft): 404 for everyone else.
JOB_SEEKER_OBJECTS = {"selection:apply"}

# Who owns each object for the positive control (default: the operator of BLKI Balikpapan).
OWNER = {
    "programmes:target_update": "province_admin",
    "selection:what_if": "province_admin",
    "selection:offer_accept": "job_seeker",
    "selection:offer_decline": "job_seeker",
    "assessment:event_approve": "lsp_admin",
    "assessment:candidate_approve": "lsp_admin",
    "assessment:candidate_reopen": "lsp_admin",
    "assessment:candidate_amend": "lsp_admin",
    "assessment:appeal_decide": "lsp_admin",
    "assessment:record": "assessor",
    "assessment:record_unit": "assessor",
    "assessment:candidate_submit": "assessor",
    "assessment:candidate_appeal": "job_seeker",
    "certificates:issue_event": "lsp_admin",
    "linkage:undo_merge": "province_admin",
    "linkage:contest": "job_seeker",
}


def all_url_names(patterns=None, namespace=""):
    names = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= all_url_names(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            names.add(f"{namespace}{entry.name}")
    return names


# The API's operations (other than the public ones above) have their own sweep: tests/test_api_access.py requests
# every operation of the OpenAPI schema as every role and as an outsider, against the documented role matrix.
PUBLIC_API = PUBLIC | PUBLIC_CERTIFICATE_PAGES


def test_every_url_pattern_is_classified():
    names = {name for name in all_url_names() if not name.startswith("api:") or name in PUBLIC_API}
    classified = (PUBLIC | NO_OBJECT | OBJECT_URLS | PROVINCE_OBJECTS | PUBLIC_OBJECTS | PUBLIC_FILES
                  | JOB_SEEKER_OBJECTS | PUBLIC_CERTIFICATE_PAGES | set(WORK_URLS) | WORK_PROVINCE_OBJECTS
                  | WORK_JOB_SEEKER_OBJECTS | PUBLIC_TOKEN_PAGES)
    unclassified = names - classified
    assert not unclassified, f"add these URL names to the sweep: {sorted(unclassified)}"
    stale = classified - names
    assert not stale, f"the sweep names URLs that no longer exist: {sorted(stale)}"


@pytest.fixture
def other_job_seeker(db):
    """A second job seeker: the outsider for the job seeker persona's own applications and offers."""
    user = make_user("rudi@example.test", "job_seeker", full_name="Rudi Hartono")
    make_person(user=user, full_name="Rudi Hartono", sex="L", serial=9, source="self")
    return user


@pytest.fixture
def balikpapan_objects(balikpapan, person_balikpapan, batch_balikpapan, job_seeker, operator_balikpapan, candidates,
                       assessor, lsp_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from kompeten.programmes.models import Target
    from kompeten.registry.documents import upload_document
    from kompeten.selection import services
    from kompeten.selection.models import DEFAULT_RULES, Offer, RoundStatus, SelectionRound
    from kompeten.training.models import Enrolment

    enrolment = Enrolment.objects.create(batch=batch_balikpapan, person=person_balikpapan, source="operator")
    document = upload_document(person_balikpapan, "ktp", SimpleUploadedFile("ktp.pdf", b"%PDF-1.4\n%%EOF\n"),
                               by=operator_balikpapan)
    target = Target.objects.create(programme_year=batch_balikpapan.programme_year, kind="certified",
                                   centre=balikpapan, number=1000)
    # A selection round of BLKI Balikpapan only, its results published, with the job seeker persona's
    # application and offer; and a draft round that nobody outside BLKI Balikpapan may see.
    opens = datetime.datetime(2025, 1, 6, 8, tzinfo=datetime.UTC)
    dates = {"opens_at": opens, "closes_at": opens + datetime.timedelta(days=14),
             "results_at": opens + datetime.timedelta(days=18)}
    round_ = services.create_round(programme_year=batch_balikpapan.programme_year, name="Seleksi Balikpapan",
                                   centres=[balikpapan], rules=DEFAULT_RULES, batches=[batch_balikpapan],
                                   by=operator_balikpapan, **dates)
    services.open_round(round_, by=operator_balikpapan)
    application = services.apply(round_, job_seeker.person, [batch_balikpapan.pk], by=job_seeker,
                                 now=opens + datetime.timedelta(days=1))
    SelectionRound.objects.filter(pk=round_.pk).update(status=RoundStatus.PUBLISHED, seed_revealed=True)
    offer = Offer.objects.create(application=application, batch=batch_balikpapan,
                                 expires_at=timezone.now() + datetime.timedelta(days=3))
    draft = services.create_round(programme_year=batch_balikpapan.programme_year, name="Seleksi draf",
                                  centres=[balikpapan], rules=DEFAULT_RULES, batches=[batch_balikpapan],
                                  by=operator_balikpapan, **dates)
    # An assessment event of BLKI Balikpapan: the completed participants as open candidates, and the job seeker
    # persona as a direct candidate decided Belum Kompeten, who appealed.
    from kompeten.assessment import services as assessment

    event = candidates[0].event
    decided = assessment.add_candidate(event, job_seeker.person, work_experience="Mekanik 3 tahun",
                                       by=operator_balikpapan)
    assessment.assign_assessor(decided, assessor.assessor_profile, by=operator_balikpapan)
    assessment.record_ak01(decided, by=assessor)
    assess(decided, assessor, {"T.45OTO00.002.1": "BK"})
    assessment.approve(decided, by=lsp_admin)
    appeal = assessment.file_appeal(decided, grounds="Penilaian tidak sesuai", by=job_seeker)
    # A training certificate of a completed participant, and an issuance job of the batch.
    from kompeten.certificates import services as certificates
    from kompeten.certificates.models import IssuanceJob

    completed = Enrolment.objects.filter(batch=candidates[0].enrolment.batch).order_by("pk").first()
    certificate = certificates.issue_training(completed, by=operator_balikpapan)
    job = IssuanceJob.objects.create(batch=batch_balikpapan, requested_by=operator_balikpapan)
    # Record linkage: BLKI Balikpapan's 2023 participant list, whose row of the job seeker persona is linked (her
    # prior training, which she may contest), a pair of it with Budi Santoso's registration to review, and two
    # registrations of BLKI Balikpapan merged.
    from kompeten.linkage import services as linkage
    from kompeten.linkage.models import Link, ReviewItem
    from kompeten.linkage.tests.factories import import_rows, sure_row

    seeker = job_seeker.person
    linkage.record_registrations([seeker, person_balikpapan])
    listed = import_rows([sure_row(seeker), ["", "Budi Santosa", "L", "", "", "", "", "Las", 2023]],
                         centre=balikpapan, by=operator_balikpapan).source_list
    review_item = ReviewItem.objects.create(
        record=listed.records.get(row=3), other=person_balikpapan.registration_records.get(), score=0.5, weight=0.0)
    training_link = Link.objects.get(record__source_list=listed, person=seeker, ended_at__isnull=True)
    merge = linkage.merge(make_person(full_name="Andi Wijaya", sex="L", serial=31, registered_centre=balikpapan),
                          make_person(full_name="Andi Wijaya", sex="L", serial=32, registered_centre=balikpapan),
                          by=operator_balikpapan, reason="reviewed")
    # A personal-data request of Budi Santoso (BLKI Balikpapan).
    from kompeten.privacy.services import submit_request

    privacy_request = submit_request(person_balikpapan, kind="access", by=operator_balikpapan, channel="operator")
    return {"privacy_request": privacy_request,
            "centre": balikpapan, "person": person_balikpapan, "batch": batch_balikpapan, "enrolment": enrolment,
            "target": target, "round": round_, "round_batch": round_.round_batches.get(), "application": application,
            "offer": offer, "draft_round": draft, "applicant": job_seeker.person, "document": document,
            "assessment_event": event, "candidate": candidates[0], "unit": event.scheme.units.first(),
            "decided": decided, "appeal": appeal, "scheme": event.scheme, "lsp": event.lsp,
            "certificate": certificate, "job": job, "source_list": listed, "review_item": review_item,
            "merge": merge, "training_link": training_link}


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_outsider_operator_gets_404(name, client, operator_bontang, balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(operator_bontang)
    answers = {client.get(url).status_code, client.post(url).status_code}
    assert answers <= {404, 405} and 404 in answers, (url, answers)


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_job_seeker_gets_404_for_others(name, client, request, balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    # The job seeker persona owns some objects (an application's offer): another job seeker asks for those.
    seeker = "other_job_seeker" if OWNER.get(name) == "job_seeker" else "job_seeker"
    client.force_login(request.getfixturevalue(seeker))
    answers = {client.get(url).status_code, client.post(url).status_code}
    assert answers <= {404, 405} and 404 in answers, (url, answers)


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_owner_reaches_object(name, client, request, balikpapan_objects):
    """The positive control: the same URL works for the object's owner (the operator of its own centre)."""
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(request.getfixturevalue(OWNER.get(name, "operator_balikpapan")))
    answers = {client.get(url).status_code, client.post(url).status_code}
    assert answers & {200, 302}, (url, answers)


@pytest.mark.parametrize("name", sorted(OBJECT_URLS | NO_OBJECT | PROVINCE_OBJECTS | JOB_SEEKER_OBJECTS))
def test_anonymous_is_sent_to_login(name, client, balikpapan_objects):
    kwargs = _object_kwargs(name, balikpapan_objects) or NO_OBJECT_KWARGS.get(name, {})
    url = reverse(name, kwargs=kwargs)
    for response in (client.get(url), client.post(url)):
        assert response.status_code in (302, 405), (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(PROVINCE_OBJECTS))
def test_province_objects_are_for_staff_only(name, client, operator_bontang, job_seeker, company_user,
                                             balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    client.force_login(operator_bontang)
    assert client.get(url).status_code == 200
    for outsider in (job_seeker, company_user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def _draft_kwargs(objects):
    return {"pk": objects["draft_round"].pk}


@pytest.mark.parametrize("name", sorted(PUBLIC_OBJECTS))
def test_public_object_pages_show_no_personal_data(name, client, balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    for person in (balikpapan_objects["applicant"], balikpapan_objects["person"]):
        assert person.full_name not in page and person.nik not in page and person.masked_nik not in page
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("name", sorted(PUBLIC_OBJECTS))
def test_public_object_pages_hide_drafts(name, client, operator_bontang, job_seeker, operator_balikpapan,
                                         balikpapan_objects):
    url = reverse(name, kwargs=_draft_kwargs(balikpapan_objects))
    assert client.get(url).status_code == 404  # anonymous
    for outsider in (operator_bontang, job_seeker):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
    client.force_login(operator_balikpapan)  # the positive control: its own staff preview the draft
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", sorted(JOB_SEEKER_OBJECTS))
def test_job_seeker_objects_are_for_job_seekers_only(name, client, job_seeker, other_job_seeker, operator_bontang,
                                                     company_user, balikpapan_objects):
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    for seeker in (job_seeker, other_job_seeker):
        client.force_login(seeker)
        assert client.get(url).status_code == 200
        assert client.get(reverse(name, kwargs=_draft_kwargs(balikpapan_objects))).status_code == 404
    for outsider in (operator_bontang, company_user):
        client.force_login(outsider)
        answers = {client.get(url).status_code, client.post(url).status_code}
        assert answers == {404}, (url, answers)


@pytest.mark.parametrize("name", sorted(PUBLIC_FILES))
def test_public_files_exist_only_when_published(name, client, operator_balikpapan, balikpapan_objects):
    for kwargs in ({"pk": balikpapan_objects["draft_round"].pk}, _object_kwargs(name, balikpapan_objects)):
        url = reverse(name, kwargs=kwargs)
        assert client.get(url).status_code == 404  # a draft; a round never allocated
        client.force_login(operator_balikpapan)
        assert client.get(url).status_code == 404
        client.logout()


@pytest.mark.parametrize("name", sorted(PUBLIC_CERTIFICATE_PAGES))
def test_public_certificate_pages_show_no_personal_data(name, client, balikpapan_objects):
    certificate = balikpapan_objects["certificate"]
    person = certificate.person
    person.phone, person.street = "+6281234567890", "Jl. Rahasia No. 7"
    person.save(update_fields=["phone", "street"])
    url = reverse(name, kwargs=_object_kwargs(name, balikpapan_objects))
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    birth = person.birth_date
    for secret in (person.nik, person.masked_nik, person.phone, "81234567890", person.street, birth.isoformat(),
                   birth.strftime("%d-%m-%Y"), birth.strftime("%d/%m/%Y")):
        assert secret not in page, (url, secret)


# --- apprenticeships and jobs: objects of a company, its offers and vacancies, an apprentice's placement -------

# name -> (object, owner persona). Outsiders: the operator of BLKI Bontang, the user of another company and a job
# seeker who is not the apprentice all get 404; the owner reaches the page.
WORK_URLS = {
    "apprenticeships:company_detail": ("company", "company_user"),
    "apprenticeships:company_edit": ("company", "company_user"),
    "apprenticeships:company_verify": ("pending_company", "province_admin"),
    "apprenticeships:company_reject": ("pending_company", "province_admin"),
    "apprenticeships:mentor_add": ("company", "company_user"),
    "apprenticeships:offer_detail": ("draft_offer", "company_user"),
    "apprenticeships:offer_edit": ("draft_offer", "company_user"),
    "apprenticeships:offer_submit": ("draft_offer", "company_user"),
    "apprenticeships:offer_approve": ("submitted_offer", "province_admin"),
    "apprenticeships:offer_reject": ("submitted_offer", "province_admin"),
    "apprenticeships:offer_close": ("offer", "company_user"),
    "apprenticeships:offer_applicants": ("offer", "company_user"),
    "apprenticeships:applicant_detail": ("application", "company_user"),
    "apprenticeships:round_close": ("round", "province_admin"),
    "apprenticeships:round_match": ("round", "province_admin"),
    "apprenticeships:round_publish": ("round", "province_admin"),
    "apprenticeships:placement_detail": ("placement", "operator_balikpapan"),
    "apprenticeships:placement_transition": ("placement", "company_user"),
    "apprenticeships:agreement_pdf": ("placement", "apprentice"),
    "apprenticeships:scan_upload": ("placement", "company_user"),
    "apprenticeships:scan_download": ("placement", "company_user"),
    "apprenticeships:placement_transfer": ("placement", "operator_balikpapan"),
    "apprenticeships:visit_add": ("placement", "operator_balikpapan"),
    "apprenticeships:placement_complete": ("placement", "company_user"),
    "apprenticeships:logbook_write": ("placement", "apprentice"),
    "apprenticeships:logbook_confirm": ("logbook", "company_user"),
    "jobs:vacancy_detail": ("closed_vacancy", "company_user"),
    "jobs:vacancy_edit": ("vacancy", "company_user"),
    "jobs:vacancy_close": ("vacancy", "company_user"),
    "jobs:shortlist": ("vacancy", "company_user"),
    "jobs:invite": ("vacancy", "company_user"),
    "jobs:hire": ("vacancy", "company_user"),
    "jobs:candidate": ("invitation", "company_user"),
    "jobs:answer": ("invitation", "apprentice"),
    "jobs:followup": ("survey", "operator_balikpapan"),
    "jobs:person_outcome": ("apprentice_person", "operator_balikpapan"),
    "jobs:ak1_report": ("apprentice_person", "operator_balikpapan"),
}

# Matching rounds belong to the province: staff read them, companies and job seekers do not.
WORK_PROVINCE_OBJECTS = {"apprenticeships:round_detail"}

# A round's application page: every job seeker may open it; staff and companies may not.
WORK_JOB_SEEKER_OBJECTS = {"apprenticeships:round_apply"}

# Public pages reached with an unguessable token (the outcome survey): 404 for any other token.
PUBLIC_TOKEN_PAGES = {"jobs:survey"}


@pytest.fixture
def other_company_user(db):
    from kompeten.apprenticeships.models import Company

    other = Company.objects.create(name="PT Ritel Sejahtera", sector_id="trade", status="verified", employees=80)
    return make_user("hrd@ritelsejahtera.test", "company_user", company=other, full_name="HRD Ritel")


@pytest.fixture
def work_objects(company, company_user, completed_batch, operator_balikpapan, province_admin, programme_year):
    """PT Tambang Maju's offers (draft, submitted, approved in an open round), an application and a running
    placement of an apprentice trained at BLKI Balikpapan (with a signed scan and a logbook week), a pending
    company, vacancies (open and closed) with an invitation, and the apprentice's outcome survey."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kompeten.apprenticeships import services as apprenticeships
    from kompeten.apprenticeships.models import Company, MatchingRound, Mentor, Offer
    from kompeten.jobs import services as jobs
    from kompeten.jobs import tracer
    from kompeten.jobs.models import Vacancy
    from kompeten.reference.models import Kbji
    from kompeten.registry.services import record_consent

    occupation = Kbji.objects.filter(code__startswith="7233").order_by("code").first()
    mentor = Mentor.objects.create(company=company, name="Joko", position="Supervisor")

    def offer(status, matching_round=None):
        made = Offer.objects.create(company=company, programme_year=programme_year, title="Mekanik Alat Berat",
                                    occupation=occupation, slots=4, start_date=datetime.date(2025, 7, 1), months=6,
                                    theory_percent=20, allowance=2_500_000, status=status,
                                    matching_round=matching_round)
        made.locations.set(["64.71"])
        made.mentors.add(mentor)
        return made

    round_ = MatchingRound.objects.create(programme_year=programme_year, name="Magang 2025",
                                          opens_at=datetime.date(2025, 5, 1), closes_at=datetime.date(2099, 5, 31))
    approved = offer("approved", round_)
    trained = completed_batch.enrolments.select_related("person").order_by("pk")
    apprentice_person, applicant = trained[0].person, trained[1].person
    apprentice = make_user("apprentice@example.test", "job_seeker", full_name=apprentice_person.full_name)
    apprentice_person.user = apprentice
    apprentice_person.ak1_number, apprentice_person.ak1_expires = "AK1/6471/2025/00001", datetime.date(2027, 1, 5)
    apprentice_person.save(update_fields=["user", "ak1_number", "ak1_expires"])
    application = apprenticeships.apply(applicant, round_, [approved], by=province_admin,
                                        today=datetime.date(2025, 5, 10))[0]
    placement = apprenticeships.place_direct(apprentice_person, approved, by=operator_balikpapan, reason="Rekomendasi")
    apprenticeships.transition(placement, "signed", by=company_user)
    apprenticeships.transition(placement, "active", by=company_user, on=datetime.date(2025, 7, 1))
    apprenticeships.upload_signed_scan(placement, SimpleUploadedFile("pks.pdf", b"%PDF-1.4\n%%EOF\n"),
                                       by=company_user)
    logbook = apprenticeships.write_week(placement, week_start=datetime.date(2025, 7, 7), activities="Servis unit",
                                         practice_hours=32, theory_hours=8, by=apprentice,
                                         today=datetime.date(2025, 7, 12))

    def vacancy(status):
        return Vacancy.objects.create(company=company, title="Operator Excavator", occupation=occupation,
                                      sector_id="mining", number_needed=3, valid_from=datetime.date(2025, 1, 1),
                                      valid_until=datetime.date(2099, 12, 31), region_id="64.71", status=status)

    open_vacancy = vacancy("open")
    record_consent(apprentice_person, purpose="share_companies", given=True, channel="web", by=apprentice)
    record_consent(apprentice_person, purpose="outcome_surveys", given=True, channel="web", by=apprentice)
    invitation = jobs.invite(open_vacancy, apprentice_person, by=company_user)
    tracer.schedule(datetime.date(2025, 9, 1))
    survey = apprentice_person.outcome_surveys.order_by("pk").first()
    pending = Company.objects.create(name="CV Baru Daftar", sector_id="trade", status="pending", employees=20)
    submitted = offer("submitted")
    return {
        "company": company, "pending_company": pending, "draft_offer": offer("draft"), "submitted_offer": submitted,
        "offer": approved, "application": application, "round": round_, "placement": placement,
        "logbook": logbook, "vacancy": open_vacancy, "closed_vacancy": vacancy("closed"), "invitation": invitation,
        "survey": survey, "apprentice_person": apprentice_person, "apprentice": apprentice,
    }


def _work_url(name, objects):
    return reverse(name, kwargs={"pk": objects[WORK_URLS[name][0]].pk})


def test_work_fixture_is_complete(work_objects):
    assert all(work_objects[key] is not None for key, _owner in WORK_URLS.values())


@pytest.mark.parametrize("name", sorted(WORK_URLS))
def test_work_outsiders_get_404(name, client, operator_bontang, other_company_user, job_seeker, work_objects):
    url = _work_url(name, work_objects)
    for outsider in (operator_bontang, other_company_user, job_seeker):
        client.force_login(outsider)
        answers = {client.get(url).status_code, client.post(url).status_code}
        assert answers <= {404, 405} and 404 in answers, (url, outsider, answers)


@pytest.mark.parametrize("name", sorted(WORK_URLS))
def test_work_owner_reaches_object(name, client, request, work_objects):
    url = _work_url(name, work_objects)
    owner = WORK_URLS[name][1]
    user = work_objects["apprentice"] if owner == "apprentice" else request.getfixturevalue(owner)
    client.force_login(user)
    answers = {client.get(url).status_code, client.post(url).status_code}
    # 400: an action posted empty re-renders its page with the errors next to the fields.
    assert answers & {200, 302, 400} and 404 not in answers, (url, owner, answers)


@pytest.mark.parametrize("name", sorted(set(WORK_URLS) | WORK_PROVINCE_OBJECTS | WORK_JOB_SEEKER_OBJECTS))
def test_work_anonymous_is_sent_to_login(name, client, work_objects):
    key = WORK_URLS[name][0] if name in WORK_URLS else "round"
    url = reverse(name, kwargs={"pk": work_objects[key].pk})
    for response in (client.get(url), client.post(url)):
        assert response.status_code in (302, 405), (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))


def test_rounds_are_for_staff_only(client, operator_bontang, other_company_user, job_seeker, work_objects):
    url = reverse("apprenticeships:round_detail", kwargs={"pk": work_objects["round"].pk})
    client.force_login(operator_bontang)
    assert client.get(url).status_code == 200
    for outsider in (other_company_user, job_seeker, work_objects["apprentice"]):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_round_apply_is_for_job_seekers_only(client, operator_bontang, company_user, job_seeker, work_objects):
    url = reverse("apprenticeships:round_apply", kwargs={"pk": work_objects["round"].pk})
    client.force_login(job_seeker)
    assert client.get(url).status_code == 200
    for outsider in (operator_bontang, company_user):
        client.force_login(outsider)
        assert {client.get(url).status_code, client.post(url).status_code} == {404}


def test_survey_is_reached_only_with_its_token(client, work_objects):
    survey = work_objects["survey"]
    assert client.get(reverse("jobs:survey", kwargs={"token": survey.token})).status_code == 200
    assert client.get(reverse("jobs:survey", kwargs={"token": survey.token[:-1] + "x"})).status_code == 404
    page = client.get(reverse("jobs:survey", kwargs={"token": survey.token})).content.decode()
    person = survey.person
    for secret in (person.nik, person.birth_date.strftime("%d-%m-%Y"), person.full_name.split()[-1]):
        assert secret not in page, secret
