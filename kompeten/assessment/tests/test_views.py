"""The assessment pages: who sees what (404, never 403), the actions and their refusals, the JSON endpoint of
the assessor's tablet screen, and the whole flow over HTTP from event to re-assessment."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from conftest import ASSESSMENT_DAY, assess, make_person, make_user
from kompeten.assessment import services
from kompeten.assessment.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentEvent,
    CandidateStatus,
    CompetencyUnit,
    Decision,
    EventStatus,
    Route,
    Scheme,
    UnitResult,
)
from kompeten.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def post_unit(client, candidate, unit_id, *, result="K", methods=("observation",), notes="", version=0, **extra):
    body = {"result": result, "methods": list(methods), "notes": notes, "version": version, **extra}
    return client.post(reverse("assessment:record_unit", args=[candidate.pk, unit_id]), json.dumps(body),
                       content_type="application/json")


def first_unit(candidate) -> UnitResult:
    return candidate.results.select_related("unit").order_by("unit__order").first()


@pytest.fixture
def seeker_candidate(event, job_seeker, operator_balikpapan, assessor_profile):
    """The job seeker persona as a direct (RPL) candidate of ``event``, assigned, with FR.APL.01 and FR.AK.01."""
    candidate = services.add_candidate(event, job_seeker.person, work_experience="3 tahun di bengkel motor",
                                       by=operator_balikpapan)
    services.assign_assessor(candidate, assessor_profile, by=operator_balikpapan)
    services.record_apl01(candidate, by=operator_balikpapan)
    services.record_ak01(candidate, by=assessor_profile.user)
    return candidate


@pytest.fixture
def decided_bk(seeker_candidate, assessor, lsp_admin):
    """The job seeker's assessment, decided Belum Kompeten (one BK unit) by the LSP manager."""
    assess(seeker_candidate, assessor, {"T.45OTO00.003.1": "BK"})
    return services.approve(seeker_candidate, by=lsp_admin)


@pytest.fixture
def other_event(tuk_balikpapan, scheme, other_assessor, operator_balikpapan, balikpapan):
    """An event of the same TUK on another day with only the other assessor."""
    return services.create_event(scheme=scheme, tuk=tuk_balikpapan, date=ASSESSMENT_DAY + datetime.timedelta(days=1),
                                 assessors=[other_assessor], centre=balikpapan, by=operator_balikpapan)


@pytest.fixture
def other_scheme(db):
    scheme = Scheme.objects.create(code="SKM-TEST-02", title="Tata Graha", validity_months=36)
    CompetencyUnit.objects.create(scheme=scheme, order=1, code="X.1", title="Menata kamar")
    return scheme


# Pages render for the roles that may see them -----------------------------------------------------------


class TestPagesRender:
    @pytest.mark.parametrize("persona", ["province_admin", "operator_balikpapan", "assessor", "lsp_admin"])
    def test_event_pages(self, persona, client, request, candidates, event):
        client.force_login(request.getfixturevalue(persona))
        listing = client.get(reverse("assessment:event_list"))
        assert listing.status_code == 200 and event in listing.context["page"].object_list
        detail = client.get(reverse("assessment:event_detail", args=[event.pk]))
        assert detail.status_code == 200
        assert "Andi Pratama" in page(detail) and "SKM-TEST-01" in page(detail)
        file = client.get(reverse("assessment:candidate_detail", args=[candidates[0].pk]))
        assert file.status_code == 200 and "FR.AK.01" in page(file)

    def test_event_list_counts(self, client, operator_balikpapan, candidates, event, assessor, lsp_admin):
        assess(candidates[0], assessor)
        assess(candidates[1], assessor, {"T.45OTO00.001.1": "BK"})
        services.approve_event(event, by=lsp_admin)
        client.force_login(operator_balikpapan)
        row = client.get(reverse("assessment:event_list")).context["page"].object_list[0]
        assert (row.n_candidates, row.n_k, row.n_bk, row.n_open) == (3, 1, 1, 1)

    def test_event_list_filters(self, client, operator_balikpapan, event, other_event):
        client.force_login(operator_balikpapan)
        url = reverse("assessment:event_list")
        found = client.get(url, {"date_from": "2025-04-15"}).context["page"].object_list
        assert list(found) == [other_event]
        assert list(client.get(url, {"status": "completed"}).context["page"].object_list) == []
        assert client.get(url, {"date_from": "kemarin"}).status_code == 200  # a bad filter is ignored

    @pytest.mark.parametrize("persona", ["province_admin", "operator_balikpapan", "lsp_admin"])
    def test_event_form_for_managers(self, persona, client, request, event):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(reverse("assessment:event_create"))
        assert response.status_code == 200 and "TUK Sewaktu BLKI Balikpapan" in page(response)

    @pytest.mark.parametrize("persona", ["assessor", "job_seeker", "company_user"])
    def test_event_form_not_for_others(self, persona, client, request, event):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(reverse("assessment:event_create")).status_code == 404

    def test_record_screen(self, client, assessor, candidates):
        client.force_login(assessor)
        response = client.get(reverse("assessment:record", args=[candidates[1].pk]))
        assert response.status_code == 200
        body = page(response)
        assert "assessment/record.js" in body and 'id="record-config"' in body
        assert response.context["previous"] is not None and response.context["next"] is not None
        assert response.context["count"] == 3
        for unit in candidates[1].results.all():
            assert f'data-unit="{unit.unit_id}"' in body

    def test_record_screen_static_file_is_served(self, client):
        response = client.get("/static/assessment/record.js")
        assert response.status_code == 200
        assert b"localStorage" in b"".join(response.streaming_content if response.streaming else
                                           [response.content])

    @pytest.mark.parametrize("persona", ["province_admin", "operator_balikpapan", "assessor", "lsp_admin"])
    def test_schemes_and_lsps(self, persona, client, request, lsp, tuk_balikpapan, assessor_profile, scheme):
        client.force_login(request.getfixturevalue(persona))
        listing = client.get(reverse("assessment:scheme_list"))
        assert listing.status_code == 200 and "SKM-TEST-01" in page(listing) and "example data" in page(listing)
        detail = client.get(reverse("assessment:scheme_detail", args=[scheme.pk]))
        assert detail.status_code == 200 and "T.45OTO00.004.1" in page(detail) and "KKNI" in page(detail)
        lsp_page = client.get(reverse("assessment:lsp_detail", args=[lsp.pk]))
        assert lsp_page.status_code == 200
        assert "MET.000.000001 2021" in page(lsp_page) and "TUK Sewaktu BLKI Balikpapan" in page(lsp_page)
        assert "asesor@lsp.test" not in page(lsp_page)  # no personal data beyond the name

    @pytest.mark.parametrize("persona", ["job_seeker", "company_user"])
    def test_schemes_not_for_job_seekers_or_companies(self, persona, client, request, lsp, scheme):
        client.force_login(request.getfixturevalue(persona))
        for url in (reverse("assessment:scheme_list"), reverse("assessment:scheme_detail", args=[scheme.pk]),
                    reverse("assessment:lsp_detail", args=[lsp.pk]), reverse("assessment:event_list")):
            assert client.get(url).status_code == 404, url

    def test_nik_is_masked_in_the_file(self, client, operator_balikpapan, candidates):
        candidate = candidates[0]
        client.force_login(operator_balikpapan)
        body = page(client.get(reverse("assessment:candidate_detail", args=[candidate.pk])))
        nik = candidate.person.nik
        assert nik not in body and f"{'*' * 12}{nik[12:]}" in body

    def test_nav_links(self, client, assessor, job_seeker, company_user, assessor_profile):
        client.force_login(assessor)
        events = f'href="{reverse("assessment:event_list")}"'
        assert events in page(client.get(reverse("accounts:account")))
        client.force_login(job_seeker)
        body = page(client.get(reverse("accounts:account")))
        assert reverse("assessment:my_assessments") in body and events not in body
        client.force_login(company_user)
        assert events not in page(client.get(reverse("accounts:account")))


# Who sees what -----------------------------------------------------------------------------------------


class TestPermissions:
    def test_assessor_sees_only_assigned_events(self, client, assessor, event, other_event):
        client.force_login(assessor)
        assert list(client.get(reverse("assessment:event_list")).context["page"].object_list) == [event]
        assert client.get(reverse("assessment:event_detail", args=[other_event.pk])).status_code == 404

    def test_assessor_records_only_own_candidates(self, client, candidates, other_assessor, operator_balikpapan,
                                                  event, assessor):
        event.assessors.add(other_assessor)
        client.force_login(other_assessor.user)
        # The other assessor sees the event (assigned to it) but may not record another assessor's candidate.
        assert client.get(reverse("assessment:event_detail", args=[event.pk])).status_code == 200
        assert client.get(reverse("assessment:record", args=[candidates[0].pk])).status_code == 404
        assert post_unit(client, candidates[0], first_unit(candidates[0]).unit_id).status_code == 404
        assert client.post(reverse("assessment:candidate_submit", args=[candidates[0].pk])).status_code == 404
        for staff in (operator_balikpapan, event.created_by):
            client.force_login(staff)
            assert client.get(reverse("assessment:record", args=[candidates[0].pk])).status_code == 404

    def test_another_assessor_of_the_event_gets_no_forms(self, client, candidates, other_assessor, event, assessor,
                                                         operator_balikpapan):
        """FR.APL.01 carries the full NIK: only the candidate's own assessor, the managers and the LSP get it."""
        event.assessors.add(other_assessor)
        for doc in ("apl01", "apl02", "ak02"):
            url = reverse("assessment:candidate_document", args=[candidates[0].pk, doc])
            client.force_login(other_assessor.user)
            assert client.get(url).status_code == 404, doc
            for allowed in (assessor, operator_balikpapan):
                client.force_login(allowed)
                assert client.get(url).status_code == 200, (doc, allowed)

    def test_outsider_operator_gets_404(self, client, operator_bontang, candidates, event):
        client.force_login(operator_bontang)
        candidate = candidates[0]
        assert client.get(reverse("assessment:event_detail", args=[event.pk])).status_code == 404
        assert client.get(reverse("assessment:candidate_detail", args=[candidate.pk])).status_code == 404
        assert client.post(reverse("assessment:event_assign_evenly", args=[event.pk])).status_code == 404
        assert client.post(reverse("assessment:candidate_apl01", args=[candidate.pk])).status_code == 404
        assert client.get(reverse("assessment:candidate_document", args=[candidate.pk, "apl01"])).status_code == 404
        assert event not in client.get(reverse("assessment:event_list")).context["page"].object_list

    def test_bontang_operator_sees_own_event_only(self, client, operator_bontang, tuk_bontang, scheme,
                                                  assessor_profile, event):
        client.force_login(operator_bontang)
        response = client.post(reverse("assessment:event_create"), {
            "scheme": scheme.pk, "tuk": tuk_bontang.pk, "date": "2025-05-05", "assessors": [assessor_profile.pk]})
        own = AssessmentEvent.objects.get(tuk=tuk_bontang)
        assert response.status_code == 302 and own.centre.code == "blki_bontang"
        assert list(client.get(reverse("assessment:event_list")).context["page"].object_list) == [own]

    def test_operator_cannot_use_another_centres_tuk(self, client, operator_bontang, tuk_balikpapan, scheme,
                                                     assessor_profile):
        client.force_login(operator_bontang)
        response = client.post(reverse("assessment:event_create"), {
            "scheme": scheme.pk, "tuk": tuk_balikpapan.pk, "date": "2025-05-05",
            "assessors": [assessor_profile.pk]})
        assert response.status_code == 200 and not AssessmentEvent.objects.exists()
        assert response.context["form"].errors["tuk"]

    def test_lsp_manager_approves_operator_may_not(self, client, candidates, assessor, operator_balikpapan,
                                                   province_admin, lsp_admin, event):
        candidate = assess(candidates[0], assessor)
        for staff in (operator_balikpapan, province_admin):
            client.force_login(staff)
            assert client.post(reverse("assessment:candidate_approve", args=[candidate.pk])).status_code == 404
            assert client.post(reverse("assessment:event_approve", args=[event.pk])).status_code == 404
            assert client.post(reverse("assessment:candidate_reopen", args=[candidate.pk])).status_code == 404
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.ASSESSED
        client.force_login(lsp_admin)
        response = client.post(reverse("assessment:candidate_approve", args=[candidate.pk]), follow=True)
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.APPROVED and candidate.decision == Decision.K
        assert any("The results are locked" in m for m in messages_of(response))

    def test_lsp_manager_of_another_lsp_gets_404(self, client, candidates, assessor, balikpapan):
        from kompeten.assessment.models import Lsp

        other = Lsp.objects.create(code="lsp-lain", name="LSP Lain")
        manager = make_user("manajer@lsp-lain.test", "lsp_admin", lsp=other)
        candidate = assess(candidates[0], assessor)
        client.force_login(manager)
        assert client.get(reverse("assessment:event_detail", args=[candidate.event_id])).status_code == 404
        assert client.post(reverse("assessment:candidate_approve", args=[candidate.pk])).status_code == 404

    def test_lsp_manager_sends_back(self, client, candidates, assessor, lsp_admin):
        candidate = assess(candidates[0], assessor)
        client.force_login(lsp_admin)
        client.post(reverse("assessment:candidate_reopen", args=[candidate.pk]))
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.REGISTERED and candidate.submitted_at is None

    def test_approve_before_submission_is_refused_with_message(self, client, candidates, lsp_admin):
        client.force_login(lsp_admin)
        response = client.post(reverse("assessment:candidate_approve", args=[candidates[0].pk]), follow=True)
        assert "has not submitted these results yet" in " ".join(messages_of(response))

    def test_job_seeker_sees_only_own(self, client, job_seeker, seeker_candidate, candidates):
        client.force_login(job_seeker)
        response = client.get(reverse("assessment:my_assessments"))
        assert [a.pk for a in response.context["assessments"]] == [seeker_candidate.pk]
        assert "Andi Pratama" not in page(response)
        # Staff pages stay closed, their own file included.
        for url in (reverse("assessment:candidate_detail", args=[seeker_candidate.pk]),
                    reverse("assessment:event_detail", args=[seeker_candidate.event_id]),
                    reverse("assessment:candidate_apl02", args=[candidates[0].pk])):
            assert client.get(url).status_code == 404, url

    def test_outsider_job_seeker_gets_404(self, client, decided_bk):
        outsider = make_user("rudi@example.test", "job_seeker", full_name="Rudi Hartono")
        make_person(user=outsider, full_name="Rudi Hartono", sex="L", serial=9, source="self")
        client.force_login(outsider)
        assert client.get(reverse("assessment:my_assessments")).context["assessments"] == []
        response = client.post(reverse("assessment:candidate_appeal", args=[decided_bk.pk]), {"grounds": "Tidak adil"})
        assert response.status_code == 404 and not Appeal.objects.exists()
        assert client.get(reverse("assessment:candidate_apl02", args=[decided_bk.pk])).status_code == 404
        assert client.get(reverse("assessment:candidate_document", args=[decided_bk.pk, "ak02"])).status_code == 404


# The JSON endpoint of the tablet screen -----------------------------------------------------------------


class TestRecordEndpoint:
    def test_saves_and_answers_with_the_new_version(self, client, assessor, candidates):
        candidate = candidates[0]
        row = first_unit(candidate)
        client.force_login(assessor)
        response = post_unit(client, candidate, row.unit_id, methods=["written", "observation"], notes=" baik ",
                             event=candidate.event_id)
        assert response.status_code == 200
        data = response.json()
        assert data == {"ok": True, "version": 1, "result": "K", "methods": ["observation", "written"],
                        "notes": "baik", "recommendation": None, "done": 1, "total": 4}
        row.refresh_from_db()
        assert (row.result, row.version, row.updated_by) == ("K", 1, assessor)
        assert AuditEntry.objects.filter(note=row.unit.code, action="update").exists()
        current = client.get(reverse("assessment:record_unit", args=[candidate.pk, row.unit_id])).json()
        assert current["version"] == 1 and current["result"] == "K"

    def test_k_without_evidence_is_400(self, client, assessor, candidates):
        client.force_login(assessor)
        response = post_unit(client, candidates[0], first_unit(candidates[0]).unit_id, methods=[])
        assert response.status_code == 400
        assert response.json()["code"] == "no_evidence" and "evidence method" in response.json()["detail"]
        assert first_unit(candidates[0]).version == 0

    def test_stale_version_is_409_with_the_current_value(self, client, assessor, candidates):
        candidate = candidates[0]
        row = first_unit(candidate)
        services.record_unit(candidate, row.unit_id, result="BK", methods=["oral"], notes="kurang", version=0,
                             by=assessor)
        client.force_login(assessor)
        response = post_unit(client, candidate, row.unit_id, result="K", version=0)
        assert response.status_code == 409
        data = response.json()
        assert data["ok"] is False and data["code"] == "stale_write"
        assert data["current"] == {"result": "BK", "methods": ["oral"], "notes": "kurang", "version": 1}
        row.refresh_from_db()
        assert row.result == "BK"  # the newer server value is never overwritten
        assert post_unit(client, candidate, row.unit_id, result="K", version=1).status_code == 200  # keep mine

    def test_unit_of_another_scheme_is_400(self, client, assessor, candidates, other_scheme):
        client.force_login(assessor)
        response = post_unit(client, candidates[0], other_scheme.units.get().pk)
        assert response.status_code == 400 and response.json()["code"] == "unit_not_in_scheme"
        assert client.get(reverse("assessment:record_unit",
                                  args=[candidates[0].pk, other_scheme.units.get().pk])).status_code == 404

    def test_candidate_of_another_event_is_refused(self, client, assessor, candidates, other_event,
                                                   assessor_profile):
        other_event.assessors.add(assessor_profile)
        client.force_login(assessor)
        response = post_unit(client, candidates[0], first_unit(candidates[0]).unit_id, event=other_event.pk)
        assert response.status_code == 400 and response.json()["code"] == "not_a_candidate"

    def test_event_the_assessor_cannot_see_is_404(self, client, assessor, candidates, other_event):
        client.force_login(assessor)
        assert post_unit(client, candidates[0], first_unit(candidates[0]).unit_id,
                         event=other_event.pk).status_code == 404

    def test_person_not_a_candidate_cannot_be_recorded(self, client, assessor, candidates, other_event,
                                                       operator_balikpapan, other_assessor, completed_batch):
        # A candidate of another event, assigned to another assessor: not this assessor's to record.
        stranger = services.add_batch_candidates(other_event, [completed_batch], by=operator_balikpapan)[0]
        services.assign_assessor(stranger, other_assessor, by=operator_balikpapan)
        client.force_login(assessor)
        assert post_unit(client, stranger, first_unit(stranger).unit_id).status_code == 404

    @pytest.mark.parametrize("body", [b"not json", b"[]", b'{"result": "K"}', b'{"version": "1"}',
                                      b'{"version": true}', b'{"version": 0, "methods": "observation"}',
                                      b'{"version": 0, "notes": 5}', b'{"version": 0, "event": "x"}'])
    def test_malformed_request_is_400(self, client, assessor, candidates, body):
        client.force_login(assessor)
        url = reverse("assessment:record_unit", args=[candidates[0].pk, first_unit(candidates[0]).unit_id])
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "bad_request"

    def test_no_consent_yet(self, client, assessor, event, completed_batch, operator_balikpapan, assessor_profile):
        candidate = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)[0]
        services.assign_assessor(candidate, assessor_profile, by=operator_balikpapan)
        client.force_login(assessor)
        response = post_unit(client, candidate, first_unit(candidate).unit_id)
        assert response.status_code == 400 and response.json()["code"] == "no_consent"
        record_page = page(client.get(reverse("assessment:record", args=[candidate.pk])))
        assert reverse("assessment:candidate_ak01", args=[candidate.pk]) in record_page
        client.post(reverse("assessment:candidate_ak01", args=[candidate.pk]), {"next": "record"})
        candidate.refresh_from_db()
        assert candidate.ak01_at is not None and candidate.ak01_by == assessor
        assert post_unit(client, candidate, first_unit(candidate).unit_id).status_code == 200

    def test_submit_is_refused_while_units_are_open(self, client, assessor, candidates):
        client.force_login(assessor)
        response = client.post(reverse("assessment:candidate_submit", args=[candidates[0].pk]), follow=True)
        assert "4 unit(s) have no result yet" in " ".join(messages_of(response))
        candidates[0].refresh_from_db()
        assert candidates[0].status == CandidateStatus.REGISTERED

    def test_operator_cannot_record(self, client, operator_balikpapan, candidates):
        client.force_login(operator_balikpapan)
        assert post_unit(client, candidates[0], first_unit(candidates[0]).unit_id).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, candidates):
        response = post_unit(client, candidates[0], first_unit(candidates[0]).unit_id)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# Managing an event ----------------------------------------------------------------------------------------


class TestEventManagement:
    def test_create_shows_domain_errors_on_the_form(self, client, operator_balikpapan, scheme, tuk_balikpapan,
                                                    assessor_profile):
        client.force_login(operator_balikpapan)
        response = client.post(reverse("assessment:event_create"), {
            "scheme": scheme.pk, "tuk": tuk_balikpapan.pk, "date": "2029-03-01",
            "assessors": [assessor_profile.pk]})
        assert response.status_code == 200 and not AssessmentEvent.objects.exists()
        assert "does not cover 01-03-2029" in page(response)

    def test_create_refuses_an_unlicensed_assessor(self, client, operator_balikpapan, scheme, tuk_balikpapan,
                                                   assessor_profile):
        assessor_profile.schemes.clear()
        client.force_login(operator_balikpapan)
        response = client.post(reverse("assessment:event_create"), {
            "scheme": scheme.pk, "tuk": tuk_balikpapan.pk, "date": "2025-05-05",
            "assessors": [assessor_profile.pk]})
        assert response.status_code == 200 and "is not licensed for SKM-TEST-01" in page(response)

    def test_daily_limit_is_shown(self, client, settings, event, completed_batch, operator_balikpapan,
                                  assessor_profile):
        settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 2
        added = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)
        client.force_login(operator_balikpapan)
        for candidate in added[:2]:
            client.post(reverse("assessment:candidate_assign", args=[candidate.pk]),
                        {"assessor": assessor_profile.pk, "next": "event"})
        response = client.post(reverse("assessment:candidate_assign", args=[added[2].pk]),
                               {"assessor": assessor_profile.pk, "next": "event"}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("assessment:event_detail", args=[event.pk])
        assert "already has 2 candidates on 14-04-2025; the limit is 2 a day" in " ".join(messages_of(response))
        added[2].refresh_from_db()
        assert added[2].assessor is None

    def test_assign_evenly_warns_about_the_limit(self, client, settings, event, completed_batch, other_assessor,
                                                 operator_balikpapan):
        settings.KOMPETEN_ASSESSOR_DAILY_LIMIT = 1
        event.assessors.add(other_assessor)
        services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)
        client.force_login(operator_balikpapan)
        response = client.post(reverse("assessment:event_assign_evenly", args=[event.pk]), follow=True)
        text = " ".join(messages_of(response))
        assert "2 candidates assigned" in text and "1 candidate is still unassigned" in text
        assert event.candidates.filter(assessor__isnull=False).count() == 2

    def test_add_batch_candidates(self, client, event, completed_batch, operator_balikpapan):
        client.force_login(operator_balikpapan)
        detail = client.get(reverse("assessment:event_detail", args=[event.pk]))
        assert completed_batch in detail.context["batches_form"].fields["batches"].queryset
        response = client.post(reverse("assessment:event_add_batches", args=[event.pk]),
                               {"batches": [completed_batch.pk]}, follow=True)
        assert "3 candidates added" in " ".join(messages_of(response))
        assert event.candidates.count() == 3
        again = client.post(reverse("assessment:event_add_batches", args=[event.pk]),
                            {"batches": [completed_batch.pk]}, follow=True)
        assert "No new candidates" in " ".join(messages_of(again)) and event.candidates.count() == 3

    def test_batch_of_another_centre_is_not_offered(self, client, event, operator_balikpapan, bontang,
                                                    programme_year, scheme):
        from conftest import make_batch

        batch = make_batch(bontang, programme_year, status="completed")
        batch.package.scheme = scheme
        batch.package.save(update_fields=["scheme"])
        client.force_login(operator_balikpapan)
        response = client.post(reverse("assessment:event_add_batches", args=[event.pk]), {"batches": [batch.pk]},
                               follow=True)
        assert event.candidates.count() == 0 and messages_of(response)

    def test_add_rpl_candidate_by_search(self, client, event, operator_balikpapan, person_balikpapan,
                                         person_bontang):
        client.force_login(operator_balikpapan)
        url = reverse("assessment:event_persons", args=[event.pk])
        assert "Budi Santoso" in page(client.get(url, {"q": "budi"}))
        assert "Budi Santoso" in page(client.get(url, {"q": person_balikpapan.nik}))
        assert "Rina Wati" not in page(client.get(url, {"q": person_bontang.nik}))  # not in the operator's scope
        response = client.post(reverse("assessment:event_add_rpl", args=[event.pk]),
                               {"person": person_balikpapan.pk, "work_experience": ""}, follow=True)
        assert "Work experience" in " ".join(messages_of(response)) and not event.candidates.exists()
        client.post(reverse("assessment:event_add_rpl", args=[event.pk]),
                    {"person": person_balikpapan.pk, "work_experience": "5 tahun mekanik"})
        candidate = event.candidates.get()
        assert candidate.route == Route.RPL and candidate.work_experience == "5 tahun mekanik"
        assert client.post(reverse("assessment:event_add_rpl", args=[event.pk]), {
            "person": person_bontang.pk, "work_experience": "x"}).status_code == 404

    def test_manager_records_apl01_and_apl02(self, client, event, completed_batch, operator_balikpapan):
        candidate = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)[0]
        client.force_login(operator_balikpapan)
        client.post(reverse("assessment:candidate_apl01", args=[candidate.pk]))
        candidate.refresh_from_db()
        assert candidate.apl01_at and candidate.apl01_data["full_name"] == candidate.person.full_name
        url = reverse("assessment:candidate_apl02", args=[candidate.pk])
        assert client.get(url).status_code == 200
        answers = {f"unit_{r.unit_id}": "K" for r in candidate.results.all()}
        assert client.post(url, {}).status_code == 200  # incomplete: the form says so
        response = client.post(url, answers)
        assert response.status_code == 302
        assert set(candidate.results.values_list("self_assessment", flat=True)) == {"K"}

    def test_mark_absent(self, client, event, completed_batch, operator_balikpapan):
        candidate = services.add_batch_candidates(event, [completed_batch], by=operator_balikpapan)[0]
        client.force_login(operator_balikpapan)
        client.post(reverse("assessment:candidate_absent", args=[candidate.pk]), {"next": "event"})
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.ABSENT

    def test_documents(self, client, operator_balikpapan, candidates, decided_bk, job_seeker):
        client.force_login(operator_balikpapan)
        for doc, name in (("apl01", "FR.APL.01"), ("apl02", "FR.APL.02"), ("ak02", "FR.AK.02")):
            response = client.get(reverse("assessment:candidate_document", args=[candidates[0].pk, doc]))
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")
            assert response["Content-Disposition"] == f'attachment; filename="{name}-{candidates[0].pk}.pdf"'
        assert client.get(reverse("assessment:candidate_document", args=[candidates[0].pk, "xx"])).status_code == 404
        client.force_login(job_seeker)  # the candidate, once decided
        assert client.get(reverse("assessment:candidate_document", args=[decided_bk.pk, "ak02"])).status_code == 200


# Decisions, amendments and appeals ------------------------------------------------------------------------


class TestDecisions:
    def test_amend(self, client, lsp_admin, decided_bk, operator_balikpapan):
        unit = CompetencyUnit.objects.get(code="T.45OTO00.003.1")
        client.force_login(operator_balikpapan)
        url = reverse("assessment:candidate_amend", args=[decided_bk.pk])
        assert client.post(url, {"unit": unit.pk, "new_result": "K", "reason": "x"}).status_code == 404
        client.force_login(lsp_admin)
        response = client.post(url, {"unit": unit.pk, "new_result": "K", "reason": ""}, follow=True)
        assert not decided_bk.amendments.exists() and messages_of(response)
        response = client.post(url, {"unit": unit.pk, "new_result": "K", "reason": "Salah input"}, follow=True)
        decided_bk.refresh_from_db()
        assert decided_bk.decision == Decision.K and decided_bk.amendments.count() == 1
        assert "Salah input" in page(response)
        assert UnitResult.objects.get(assessment=decided_bk, unit=unit).result == "BK"  # decided row unchanged

    def test_appeal_in_window_then_too_late(self, client, job_seeker, decided_bk):
        client.force_login(job_seeker)
        response = client.get(reverse("assessment:my_assessments"))
        mine = response.context["assessments"][0]
        assert mine.can_appeal and mine.deadline == services.appeal_deadline(decided_bk)
        assert "T.45OTO00.003.1" in page(response)  # unit results after the decision
        assert reverse("assessment:candidate_document", args=[decided_bk.pk, "ak02"]) in page(response)
        url = reverse("assessment:candidate_appeal", args=[decided_bk.pk])
        late = timezone.now() + datetime.timedelta(days=15)
        with time_machine.travel(late, tick=False):
            client.force_login(job_seeker)  # a new session: the first one would have expired by then
            response = client.post(url, {"grounds": "Unit kelistrikan dinilai salah"})
            assert response.status_code == 200 and not Appeal.objects.exists()
            assert "Appeals are accepted within 14 days of the decision" in page(response)
            assert not client.get(reverse("assessment:my_assessments")).context["assessments"][0].can_appeal
        client.force_login(job_seeker)
        response = client.post(url, {"grounds": "Unit kelistrikan dinilai salah"}, follow=True)
        appeal = Appeal.objects.get()
        assert appeal.status == AppealStatus.FILED and appeal.filed_by == job_seeker
        assert "Your appeal has been sent" in " ".join(messages_of(response))
        again = client.post(url, {"grounds": "Lagi"})
        assert "already waiting for a decision" in page(again) and Appeal.objects.count() == 1

    def test_appeal_needs_grounds(self, client, job_seeker, decided_bk):
        client.force_login(job_seeker)
        response = client.post(reverse("assessment:candidate_appeal", args=[decided_bk.pk]), {"grounds": " "})
        assert response.status_code == 200 and not Appeal.objects.exists()
        assert "This field is required" in page(response)

    def test_appeal_before_decision_is_refused(self, client, job_seeker, seeker_candidate):
        client.force_login(job_seeker)
        response = client.post(reverse("assessment:candidate_appeal", args=[seeker_candidate.pk]), {"grounds": "x"})
        assert "has not decided this assessment yet" in page(response) and not Appeal.objects.exists()

    def test_job_seeker_fills_in_own_apl02(self, client, job_seeker, seeker_candidate):
        client.force_login(job_seeker)
        url = reverse("assessment:candidate_apl02", args=[seeker_candidate.pk])
        assert url in page(client.get(reverse("assessment:my_assessments")))
        answers = {f"unit_{r.unit_id}": "BK" for r in seeker_candidate.results.all()}
        response = client.post(url, answers)
        assert response.status_code == 302 and response["Location"] == reverse("assessment:my_assessments")
        seeker_candidate.refresh_from_db()
        assert seeker_candidate.apl02_at is not None

    def test_lsp_decides_appeal(self, client, lsp_admin, operator_balikpapan, job_seeker, decided_bk):
        appeal = services.file_appeal(decided_bk, grounds="Tidak adil", by=job_seeker)
        url = reverse("assessment:appeal_decide", args=[appeal.pk])
        client.force_login(operator_balikpapan)
        assert client.post(url, {"decision": "upheld", "outcome": "x"}).status_code == 404
        client.force_login(lsp_admin)
        detail = client.get(reverse("assessment:candidate_detail", args=[decided_bk.pk]))
        assert url in page(detail)
        client.post(url, {"decision": "rejected", "outcome": "Bukti cukup"})
        appeal.refresh_from_db()
        assert appeal.status == AppealStatus.REJECTED and appeal.outcome == "Bukti cukup"
        response = client.post(url, {"decision": "upheld", "outcome": "x"}, follow=True)
        assert "already been decided" in " ".join(messages_of(response))
        client.force_login(job_seeker)
        assert "Bukti cukup" in page(client.get(reverse("assessment:my_assessments")))


# The whole flow over HTTP -----------------------------------------------------------------------------------


def test_full_flow(client, operator_balikpapan, assessor, assessor_profile, lsp_admin, scheme, tuk_balikpapan,
                   completed_batch):
    units = list(scheme.units.order_by("order"))
    # A job seeker account for one of the participants (Eko), who will appeal.
    eko = completed_batch.enrolments.get(person__full_name="Eko Saputra").person
    eko_user = make_user("eko@example.test", "job_seeker", full_name="Eko Saputra")
    eko.user = eko_user
    eko.save(update_fields=["user"])

    # The operator creates the event, adds the batch's participants and shares them out.
    client.force_login(operator_balikpapan)
    response = client.post(reverse("assessment:event_create"), {
        "scheme": scheme.pk, "tuk": tuk_balikpapan.pk, "date": "2025-04-14", "assessors": [assessor_profile.pk],
        "note": "Ruang praktik 2"})
    event = AssessmentEvent.objects.get()
    assert response["Location"] == reverse("assessment:event_detail", args=[event.pk])
    client.post(reverse("assessment:event_add_batches", args=[event.pk]), {"batches": [completed_batch.pk]})
    client.post(reverse("assessment:event_assign_evenly", args=[event.pk]))
    candidates = list(event.candidates.order_by("person__full_name"))
    assert len(candidates) == 3 and all(c.assessor == assessor_profile for c in candidates)
    for candidate in candidates:
        client.post(reverse("assessment:candidate_apl01", args=[candidate.pk]))

    # The assessor: consent, every unit through the JSON endpoint, submit.
    client.force_login(assessor)
    for candidate in candidates:
        client.post(reverse("assessment:candidate_ak01", args=[candidate.pk]), {"next": "record"})
        for unit in units:
            result = "BK" if candidate.person == eko and unit.order == 3 else "K"
            response = post_unit(client, candidate, unit.pk, result=result, methods=["observation", "oral"],
                                 event=event.pk)
            assert response.status_code == 200, response.content
        assert response.json()["recommendation"] == ("BK" if candidate.person == eko else "K")
        response = client.post(reverse("assessment:candidate_submit", args=[candidate.pk]))
        assert response.status_code == 302
    assert set(event.candidates.values_list("status", flat=True)) == {CandidateStatus.ASSESSED}

    # The LSP manager approves all: locked.
    client.force_login(lsp_admin)
    response = client.post(reverse("assessment:event_approve", args=[event.pk]), follow=True)
    assert "3 candidates decided" in " ".join(messages_of(response))
    event.refresh_from_db()
    assert event.status == EventStatus.COMPLETED
    eko_file = Assessment.objects.get(event=event, person=eko)
    assert eko_file.decision == Decision.BK
    client.force_login(assessor)
    row = UnitResult.objects.get(assessment=eko_file, unit=units[0])
    response = post_unit(client, eko_file, units[0].pk, result="BK", methods=["oral"], version=row.version)
    assert response.status_code == 400 and response.json()["code"] == "results_locked"

    # Eko appeals; the LSP upholds.
    client.force_login(eko_user)
    client.post(reverse("assessment:candidate_appeal", args=[eko_file.pk]), {"grounds": "Alat ukur rusak"})
    appeal = Appeal.objects.get(assessment=eko_file)
    client.force_login(lsp_admin)
    client.post(reverse("assessment:appeal_decide", args=[appeal.pk]),
                {"decision": "upheld", "outcome": "Alat ukur memang rusak; uji ulang."})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD

    # The operator adds the re-assessment to a new event: only the BK unit.
    client.force_login(operator_balikpapan)
    client.post(reverse("assessment:event_create"), {
        "scheme": scheme.pk, "tuk": tuk_balikpapan.pk, "date": "2025-05-12", "assessors": [assessor_profile.pk]})
    second = AssessmentEvent.objects.exclude(pk=event.pk).get()
    detail = client.get(reverse("assessment:event_detail", args=[second.pk]))
    assert list(detail.context["reassess_form"].fields["previous"].queryset) == [eko_file]
    response = client.post(reverse("assessment:event_add_reassessment", args=[second.pk]),
                           {"previous": eko_file.pk}, follow=True)
    assert "added for re-assessment (1 unit)" in " ".join(messages_of(response))
    again = second.candidates.get()
    assert again.previous == eko_file and again.attempt == 2
    assert list(again.results.values_list("unit__code", flat=True)) == ["T.45OTO00.003.1"]

    # Eko sees the re-assessment on their page.
    client.force_login(eko_user)
    mine = client.get(reverse("assessment:my_assessments"))
    assert "Re-assessment: 12 May 2025" in page(mine)
