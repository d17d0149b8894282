"""Every API operation against the role × endpoint matrix (the same table is in docs/api.md).

The page sweep (tests/test_url_sweep.py) leaves the API's URL names to this module. Here every operation of the
generated OpenAPI schema must be in ``MATRIX``: an operation missing from it fails the test ("add it to the
matrix"), and so does an entry whose operation no longer exists. Each operation is then requested as every persona
— anonymous, a job seeker, the operator of BLKI Balikpapan, the operator of BLKI Bontang asking for Balikpapan's
objects (the outsider), the province admin, a company user, an assessor and an LSP manager — against objects of
BLKI Balikpapan (and of PT Tambang Maju, the company persona's), each request in a savepoint that is rolled back so
that every persona meets the same data. Every answer must be the one in the matrix, and no answer to the company
user may carry a ``nik``, ``birth_date``, ``address`` or ``phone`` key.

Cells: ``200``/``201``/``202`` success; ``403`` the role may not use the operation; ``404`` the object is not the
caller's to see (or, for a body that names another scope's object, that object); ``401`` not authenticated.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from conftest import assess, make_batch, make_person, make_user
from tests.test_url_sweep import (  # noqa: F401 (fixtures)
    all_url_names,
    balikpapan_objects,
    other_company_user,
    other_job_seeker,
    work_objects,
)

ROLES = ["anonymous", "job_seeker", "operator", "outsider", "province_admin", "company_user", "assessor",
         "lsp_admin"]
# Column headings of the table in docs/api.md, in the order of ROLES.
HEADINGS = ["anonymous", "job seeker", "operator", "outsider", "province admin", "company user", "assessor",
            "LSP manager"]
PERSONAS = {"job_seeker": "job_seeker", "operator": "operator_balikpapan", "outsider": "operator_bontang",
            "province_admin": "province_admin", "company_user": "company_user", "assessor": "assessor",
            "lsp_admin": "lsp_admin"}
PERSONAL_KEYS = {"nik", "birth_date", "address", "phone"}

# operationId: (anonymous, job seeker, operator, outsider, province admin, company user, assessor, LSP manager)
MATRIX = {
    # certificates (the other engineer's): verification is public; the rest by scope
    "verify": (200, 200, 200, 200, 200, 200, 200, 200),
    "openbadge": (200, 200, 200, 200, 200, 200, 200, 200),
    "certificates_list": (401, 200, 200, 200, 200, 200, 403, 200),
    "certificates_issue": (401, 403, 202, 404, 202, 403, 403, 404),
    "certificates_issue_job": (401, 403, 200, 404, 200, 403, 403, 404),
    "certificates_detail": (401, 404, 200, 404, 200, 404, 403, 404),
    "certificates_revoke": (401, 403, 200, 404, 200, 403, 403, 404),
    # persons
    "persons_list": (401, 403, 200, 200, 200, 403, 403, 403),
    "persons_create": (401, 403, 201, 201, 201, 403, 403, 403),
    "persons_lookup": (401, 403, 200, 404, 200, 403, 403, 403),
    "persons_me": (401, 200, 403, 403, 403, 403, 403, 403),
    "persons_me_update": (401, 200, 403, 403, 403, 403, 403, 403),
    "persons_detail": (401, 403, 200, 404, 200, 403, 403, 403),
    "persons_update": (401, 403, 200, 404, 200, 403, 403, 403),
    # programmes
    "programme_years_list": (401, 403, 200, 200, 200, 403, 403, 403),
    "programme_years_detail": (401, 403, 200, 200, 200, 403, 403, 403),
    "targets_create": (401, 403, 403, 403, 201, 403, 403, 403),
    "targets_update": (401, 403, 403, 403, 200, 403, 403, 403),
    "centres_list": (401, 403, 200, 200, 200, 403, 403, 403),
    "centres_detail": (401, 403, 200, 404, 200, 403, 403, 403),
    "packages_list": (401, 403, 200, 200, 200, 403, 403, 403),
    "packages_detail": (401, 403, 200, 404, 200, 403, 403, 403),
    "batches_list": (401, 403, 200, 200, 200, 403, 403, 403),
    "batches_create": (401, 403, 201, 404, 201, 403, 403, 403),
    "batches_detail": (401, 403, 200, 404, 200, 403, 403, 403),
    "batches_update": (401, 403, 200, 404, 200, 403, 403, 403),
    "batches_transition": (401, 403, 200, 404, 200, 403, 403, 403),
    "batches_capacity": (401, 403, 200, 404, 200, 403, 403, 403),
    # selection
    "rounds_list": (401, 200, 200, 200, 200, 403, 403, 403),
    "rounds_create": (401, 403, 201, 404, 201, 403, 403, 403),
    "rounds_detail": (401, 200, 200, 404, 200, 403, 403, 403),
    "rounds_add_batch": (401, 403, 200, 404, 200, 403, 403, 403),
    "rounds_transition": (401, 403, 200, 404, 200, 403, 403, 403),
    "rounds_applications": (401, 403, 200, 404, 200, 403, 403, 403),
    "rounds_apply": (401, 201, 403, 403, 403, 403, 403, 403),
    "applications_mine": (401, 200, 403, 403, 403, 403, 403, 403),
    "applications_detail": (401, 200, 200, 404, 200, 403, 403, 403),
    "applications_withdraw": (401, 200, 403, 403, 403, 403, 403, 403),
    "applications_stage": (401, 403, 200, 404, 200, 403, 403, 403),
    "seat_offers_accept": (401, 200, 403, 403, 403, 403, 403, 403),
    "seat_offers_decline": (401, 200, 403, 403, 403, 403, 403, 403),
    # training
    "enrolments_list": (401, 403, 200, 404, 200, 403, 403, 403),
    "enrolments_create": (401, 403, 201, 404, 201, 403, 403, 403),
    "enrolments_withdraw": (401, 403, 200, 404, 200, 403, 403, 403),
    "enrolments_mine": (401, 200, 403, 403, 403, 403, 403, 403),
    "attendance_list": (401, 403, 200, 404, 200, 403, 403, 403),
    "attendance_record": (401, 403, 200, 404, 200, 403, 403, 403),
    "completion_record": (401, 403, 200, 404, 200, 403, 403, 403),
    # assessment, apprenticeships, jobs and reports (the other engineer's; classified from their code and
    # answers), participant lists (kompeten/api/exchange.py)
    "assessment_events_list": (401, 403, 200, 200, 200, 403, 200, 200),
    "assessment_events_detail": (401, 403, 200, 404, 200, 403, 200, 200),
    "assessment_events_results": (401, 403, 200, 404, 200, 403, 200, 200),
    "assessment_candidates_detail": (401, 403, 200, 404, 200, 403, 200, 200),
    "assessment_candidates_record_unit": (401, 403, 403, 403, 403, 403, 200, 403),
    "assessment_candidates_submit": (401, 403, 403, 403, 403, 403, 200, 403),
    "assessment_candidates_approve": (401, 403, 403, 403, 403, 403, 403, 200),
    "assessment_events_approve": (401, 403, 403, 403, 403, 403, 403, 200),
    "companies_list": (401, 403, 403, 403, 200, 200, 403, 403),
    "companies_detail": (401, 403, 403, 403, 200, 200, 403, 403),
    "offers_list": (401, 200, 200, 200, 200, 200, 200, 200),
    "offers_create": (401, 403, 403, 403, 403, 201, 403, 403),
    "offers_detail": (401, 200, 200, 200, 200, 200, 200, 200),
    "offers_update": (401, 403, 403, 403, 403, 200, 403, 403),
    "offers_submit": (401, 403, 403, 403, 403, 200, 403, 403),
    "offers_applicants": (401, 403, 403, 403, 200, 200, 403, 403),
    "offers_applicants_decide": (401, 403, 403, 403, 200, 200, 403, 403),
    "placements_list": (401, 200, 200, 200, 200, 200, 403, 403),
    "placements_detail": (401, 404, 200, 404, 200, 200, 403, 403),
    "placements_logbook": (401, 404, 200, 404, 200, 200, 403, 403),
    "placements_logbook_confirm": (401, 403, 403, 403, 403, 200, 403, 403),
    "vacancies_list": (401, 200, 200, 200, 200, 200, 200, 200),
    "vacancies_create": (401, 403, 403, 403, 201, 201, 403, 403),
    "vacancies_detail": (401, 200, 200, 200, 200, 200, 200, 200),
    "outcomes_list": (401, 200, 200, 200, 200, 403, 403, 403),
    "outcomes_create": (401, 403, 201, 404, 201, 403, 403, 403),
    "outcomes_detail": (401, 404, 200, 404, 200, 403, 403, 403),
    "reports_targets": (401, 403, 200, 200, 200, 403, 403, 403),
    "reports_funnel": (401, 403, 200, 200, 200, 403, 403, 403),
    "exchange_formats": (401, 200, 200, 200, 200, 200, 200, 200),
    "exchange_batch_list": (401, 404, 200, 404, 200, 404, 404, 404),
    "exchange_event_list": (401, 404, 200, 404, 200, 404, 404, 404),
    "exchange_import": (401, 403, 200, 200, 200, 403, 403, 403),
}


# --- the schema -------------------------------------------------------------------------------------------------

def api_schema() -> dict:
    from kompeten.api.api import api

    return json.loads(json.dumps(api.get_openapi_schema()))


def operations(schema=None) -> dict[str, tuple[str, str, dict]]:
    """operationId -> (method, path, operation) for every operation of the schema."""
    schema = schema or api_schema()
    return {op["operationId"]: (method.upper(), path, op) for path, methods in schema["paths"].items()
            for method, op in methods.items()}


def test_every_operation_is_in_the_matrix():
    found = set(operations())
    missing = sorted(found - set(MATRIX))
    assert not missing, f"add it to the matrix (tests/test_api_access.py and docs/api.md): {missing}"
    stale = sorted(set(MATRIX) - found)
    assert not stale, f"the matrix names operations that no longer exist: {stale}"
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


def test_every_api_url_is_an_operation_of_the_schema():
    """The page sweep leaves every api: URL name to this module: each one is an operation here (or the schema
    and docs, and the JSON 404 for unknown addresses)."""
    from tests.test_url_sweep import PUBLIC_API

    names = {name.split(":", 1)[1] for name in all_url_names() if name.startswith("api:")}
    served = {"openapi-json", "openapi-view", "api-root", "unknown"} | {n.split(":", 1)[1] for n in PUBLIC_API
                                                                       if n.startswith("api:")}
    assert names - served <= set(MATRIX), sorted(names - served - set(MATRIX))


def doc_matrix() -> dict[str, tuple]:
    """The role × endpoint table of docs/api.md, as {operationId: cells}."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    table = text.split("<!-- matrix:start -->", 1)[1].split("<!-- matrix:end -->", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
    heading = [cell.strip() for cell in rows[0]]
    assert heading == ["operation", "method and path", *HEADINGS], heading
    found = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row]
        found[cells[0].strip("`")] = tuple(int(cell) for cell in cells[2:])
    return found


def test_docs_matrix_is_the_tested_one():
    documented = doc_matrix()
    assert documented == MATRIX, {op: (documented.get(op), MATRIX.get(op))
                                  for op in set(documented) | set(MATRIX) if documented.get(op) != MATRIX.get(op)}


def test_docs_matrix_paths_are_the_schema_paths():
    text = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    for op_id, (method, path, _op) in operations().items():
        assert f"| `{op_id}` | {method} `{path}` |" in text, (op_id, method, path)


def markdown_matrix() -> str:
    """The table for docs/api.md (``python -c 'from tests.test_api_access import markdown_matrix as m; print(m())'``
    after adding an operation)."""
    ops = operations()
    lines = ["| operation | method and path | " + " | ".join(HEADINGS) + " |",
             "|---|---|" + "---|" * len(HEADINGS)]
    for op_id, row in MATRIX.items():
        method, path, _op = ops[op_id]
        lines.append(f"| `{op_id}` | {method} `{path}` | " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)


# --- the requests ---------------------------------------------------------------------------------------------

def _open_round(operator, centre, programme_year, *, batches):
    from kompeten.selection import services
    from kompeten.selection.models import DEFAULT_RULES

    now = timezone.now()
    round_ = services.create_round(programme_year=programme_year, name="Seleksi terbuka", centres=[centre],
                                   rules=DEFAULT_RULES, batches=batches, by=operator,
                                   opens_at=now - datetime.timedelta(days=1),
                                   closes_at=now + datetime.timedelta(days=10),
                                   results_at=now + datetime.timedelta(days=14))
    return services.open_round(round_, by=operator)


def _batch_without_documents(centre, programme_year, *, status="open"):
    from kompeten.programmes.models import TrainingPackage, Vocation

    vocation = Vocation.objects.filter(centres=centre).order_by("-code").first()
    package = TrainingPackage.objects.create(centre=centre, vocation=vocation, code=f"api-{vocation.code}",
                                             name=f"API {vocation.name}", hours=160, required_documents=[])
    return make_batch(centre, programme_year, status=status, package=package, start=datetime.date(2025, 6, 2),
                      end=datetime.date(2025, 6, 27))


def _running_batch(objects):
    from kompeten.training.models import Enrolment

    batch = make_batch(objects["centre"], objects["batch"].programme_year, status="running",
                       start=datetime.date(2025, 5, 5), end=datetime.date(2025, 5, 9))
    person = make_person(full_name="Tono Peserta", sex="L", serial=41, registered_centre=objects["centre"])
    enrolment = Enrolment.objects.create(batch=batch, person=person, source="operator")
    return batch, enrolment


def _prepare_open_application(objects):
    from kompeten.selection import services

    batch = _batch_without_documents(objects["centre"], objects["batch"].programme_year)
    round_ = _open_round(objects["operator"], objects["centre"], objects["batch"].programme_year, batches=[batch])
    return services.apply(round_, objects["applicant"], [batch.pk], by=objects["job_seeker"])


def prepare(op_id, objects) -> dict:
    """The path parameters and body of ``op_id``'s request, aimed at objects of BLKI Balikpapan (and of the
    company persona); some operations get objects of their own first."""
    o = objects
    year = o["batch"].programme_year
    match op_id:
        case "verify":
            return {"body": {"code": o["certificate"].public_code}}
        case "openbadge":
            return {"path": {"code": o["certificate"].public_code}}
        case "certificates_issue":
            return {"body": {"batch_id": o["candidate"].enrolment.batch_id}}
        case "certificates_issue_job":
            return {"path": {"job_id": o["job"].pk}}
        case "certificates_detail" | "certificates_revoke":
            return {"path": {"certificate_id": o["certificate"].pk}, "body": {"reason": "Data salah"}}
        case "persons_create":
            return {"body": {"nik": "6471055508990007", "full_name": "Nur Aini", "sex": "P",
                             "birth_date": "1999-08-15"}}
        case "persons_lookup":
            return {"body": {"nik": o["person"].nik}}
        case "persons_me_update":
            return {"body": {"major": "Otomotif"}}
        case "persons_detail" | "persons_update":
            return {"path": {"person_id": o["person"].pk}, "body": {"major": "Teknik Las"}}
        case "programme_years_detail" | "targets_create":
            return {"path": {"year_id": year.pk},
                    "body": {"kind": "trained", "centre": o["centre"].pk, "number": 800}}
        case "targets_update":
            return {"path": {"target_id": o["target"].pk}, "body": {"number": 1100}}
        case "centres_detail":
            return {"path": {"centre_id": o["centre"].pk}}
        case "packages_detail":
            return {"path": {"package_id": o["batch"].package_id}}
        case "batches_create":
            return {"body": {"programme_year": year.pk, "package": o["batch"].package_id,
                             "start_date": "2025-07-07", "end_date": "2025-08-01"}}
        case "batches_detail" | "batches_update" | "enrolments_list" | "attendance_list":
            return {"path": {"batch_id": o["batch"].pk}, "body": {"location": "Bengkel 2"}}
        case "batches_transition":
            return {"path": {"batch_id": o["batch"].pk}, "body": {"to": "selecting"}}
        case "batches_capacity":
            return {"path": {"batch_id": o["batch"].pk}, "body": {"capacity": 20}}
        case "rounds_create":
            now = timezone.now()
            return {"body": {"name": "Seleksi Juli", "programme_year": year.pk, "centres": [o["centre"].pk],
                             "opens_at": now.isoformat(), "closes_at": (now + datetime.timedelta(days=7)).isoformat(),
                             "results_at": (now + datetime.timedelta(days=9)).isoformat()}}
        case "rounds_detail" | "rounds_applications":
            return {"path": {"round_id": o["round"].pk}}
        case "rounds_add_batch":
            extra = make_batch(o["centre"], year, start=datetime.date(2025, 8, 4), end=datetime.date(2025, 8, 29))
            return {"path": {"round_id": o["draft_round"].pk}, "body": {"batch": extra.pk}}
        case "rounds_transition":
            return {"path": {"round_id": o["draft_round"].pk}, "body": {"action": "open"}}
        case "rounds_apply":
            batch = _batch_without_documents(o["centre"], year)
            round_ = _open_round(o["operator"], o["centre"], year, batches=[batch])
            return {"path": {"round_id": round_.pk}, "body": {"batches": [batch.pk]}}
        case "applications_detail":
            return {"path": {"application_id": o["application"].pk}}
        case "applications_withdraw" | "applications_stage":
            application = _prepare_open_application(o)
            return {"path": {"application_id": application.pk}, "body": {"stage": "documents", "value": True}}
        case "seat_offers_accept" | "seat_offers_decline":
            return {"path": {"offer_id": o["offer"].pk}}
        case "enrolments_create":
            newcomer = make_person(full_name="Joko Baru", sex="L", serial=42, registered_centre=o["centre"])
            return {"path": {"batch_id": o["batch"].pk}, "body": {"person": newcomer.pk}}
        case "enrolments_withdraw":
            return {"path": {"enrolment_id": o["enrolment"].pk}, "body": {"reason": "moved"}}
        case "attendance_record":
            batch, enrolment = _running_batch(o)
            return {"path": {"batch_id": batch.pk},
                    "body": {"date": batch.sessions.first().date.isoformat(),
                             "marks": [{"enrolment": enrolment.pk, "status": "present"}]}}
        case "completion_record":
            batch, enrolment = _running_batch(o)
            return {"path": {"batch_id": batch.pk},
                    "body": {"decisions": [{"enrolment": enrolment.pk, "reason": "found_work"}]}}
        # assessment (the other engineer's)
        case "assessment_events_detail" | "assessment_events_results":
            return {"path": {"event_id": o["assessment_event"].pk}}
        case "assessment_candidates_detail":
            return {"path": {"candidate_id": o["candidate"].pk}}
        case "assessment_candidates_record_unit":
            row = o["candidate"].results.get(unit=o["unit"])
            return {"path": {"candidate_id": o["candidate"].pk, "unit_id": o["unit"].pk},
                    "body": {"result": "K", "methods": ["observation"], "version": row.version}}
        case "assessment_candidates_submit":
            assess(o["candidate"], o["assessor"], submit=False)
            return {"path": {"candidate_id": o["candidate"].pk}}
        case "assessment_candidates_approve" | "assessment_events_approve":
            handed_in = assess(o["candidate"], o["assessor"])
            return {"path": {"candidate_id": handed_in.pk, "event_id": handed_in.event_id}}
        # apprenticeships and jobs (the other engineer's): PT Tambang Maju's objects
        case "companies_detail":
            return {"path": {"company_id": o["work_company"].pk}}
        case "offers_detail" | "offers_applicants":
            return {"path": {"offer_id": o["work_offer"].pk}}
        case "offers_applicants_decide":
            return {"path": {"application_id": o["work_application"].pk}, "body": {"decision": "accepted"}}
        case "offers_create" | "offers_update" | "offers_submit":
            offer = o["work_draft_offer"]
            return {"path": {"offer_id": offer.pk},
                    "body": {"title": "Mekanik Alat Berat", "occupation": offer.occupation_id, "slots": 4,
                             "start_date": "2025-09-01", "months": 6, "theory_percent": 20, "locations": ["64.71"],
                             "allowance": 2_500_000}}
        case "placements_detail" | "placements_logbook":
            return {"path": {"placement_id": o["work_placement"].pk}}
        case "placements_logbook_confirm":
            return {"path": {"placement_id": o["work_placement"].pk, "week_id": o["work_logbook"].pk},
                    "body": {"note": "Baik"}}
        case "vacancies_detail":
            return {"path": {"vacancy_id": o["work_vacancy"].pk}}
        case "vacancies_create":
            return {"body": {"title": "Operator Excavator", "occupation": o["work_vacancy"].occupation_id,
                             "sector": "mining", "number_needed": 2, "valid_from": "2025-01-01",
                             "valid_until": "2099-12-31", "region": "64.71"}}
        case "outcomes_detail" | "outcomes_create":
            from kompeten.jobs import services as jobs

            outcome = jobs.record_outcome(o["person"], status="unemployed", source="operator",
                                          on=datetime.date(2025, 10, 1), by=o["operator"])
            return {"path": {"outcome_id": outcome.pk},
                    "body": {"person_id": o["person"].pk, "status": "unemployed", "on": "2025-11-03"}}
        # reports, participant lists
        case "reports_targets" | "reports_funnel":
            return {"query": "?year=2025"}
        case "exchange_batch_list":
            return {"path": {"batch_id": o["candidate"].enrolment.batch_id}}
        case "exchange_event_list":
            return {"path": {"event_id": o["assessment_event"].pk}}
        case "exchange_import":
            from kompeten.training import exchange

            fmt, rows = exchange.batch_rows(o["candidate"].enrolment.batch, "siapkerja")  # a list made elsewhere
            return {"files": {"file": ("siapkerja.csv", exchange.render(fmt, rows, "csv"))}}
    return {}


@pytest.fixture
def objects(balikpapan_objects, work_objects, operator_balikpapan, job_seeker, assessor):  # noqa: F811 (fixtures)
    return {**balikpapan_objects, **{f"work_{k}": v for k, v in work_objects.items()},
            "operator": operator_balikpapan, "job_seeker": job_seeker, "assessor": assessor}


@pytest.fixture
def tokens(request, objects):
    from kompeten.api.tokens import issue_token

    return {role: issue_token(request.getfixturevalue(fixture), name="matrix", days=1)[1]
            for role, fixture in PERSONAS.items()}


def call(client, method, path, *, token=None, body=None, files=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(path, **headers)
    if files:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(path, {name: SimpleUploadedFile(*file) for name, file in files.items()}, **headers)
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json", **headers)


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_of(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_of(item)}
    return set()


def fill(path: str, params: dict) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(params[m.group(1)]), path)


@pytest.mark.django_db
def test_matrix(client, objects, tokens):
    """Each operation as each persona, each request rolled back: the answers are the matrix's."""
    ops = operations()
    wrong, leaks = [], []
    for op_id, expected in MATRIX.items():
        if op_id not in ops:
            continue  # test_every_operation_is_in_the_matrix names it
        method, template, _op = ops[op_id]
        with transaction.atomic():
            request = prepare(op_id, objects)
            path = fill(template, request.get("path", {})) + request.get("query", "")
            got = []
            for role in ROLES:
                with transaction.atomic():
                    response = call(client, method, path, token=tokens.get(role), body=request.get("body"),
                                    files=request.get("files"))
                    transaction.set_rollback(True)
                got.append(response.status_code)
                if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
                    assert {"code", "detail"} <= set(response.json()), (op_id, role, response.content[:300])
                json_answer = response.get("Content-Type", "").startswith("application/json")
                if role == "company_user" and json_answer and (found := PERSONAL_KEYS & keys_of(response.json())):
                    leaks.append((op_id, sorted(found)))
            transaction.set_rollback(True)
        if tuple(got) != expected:
            wrong.append(f"{op_id}: expected {expected}, got {tuple(got)}")
    assert not wrong, "answers differ from the matrix:\n" + "\n".join(wrong)
    assert not leaks, f"personal keys sent to a company user: {leaks}"


@pytest.mark.django_db
def test_outsider_gets_404_for_balikpapan_objects(client, objects, tokens):
    """The operator of BLKI Bontang asking for BLKI Balikpapan's objects: 404, the same as for a missing one."""
    for path in (f"/api/v1/persons/{objects['person'].pk}", f"/api/v1/batches/{objects['batch'].pk}",
                 f"/api/v1/batches/{objects['batch'].pk}/enrolments", f"/api/v1/rounds/{objects['round'].pk}",
                 f"/api/v1/applications/{objects['application'].pk}", f"/api/v1/centres/{objects['centre'].pk}"):
        answer = call(client, "GET", path, token=tokens["outsider"])
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", path
        assert call(client, "GET", path, token=tokens["operator"]).status_code == 200, path
    missing = call(client, "GET", "/api/v1/persons/999999", token=tokens["outsider"])
    assert missing.status_code == 404 and missing.json() == call(
        client, "GET", f"/api/v1/persons/{objects['person'].pk}", token=tokens["outsider"]).json()


@pytest.mark.django_db
def test_no_mass_assignment_of_roles_or_centres(client, objects, tokens):
    """Fields a caller may not set are not in the input schemas: sent anyway, they change nothing."""
    from kompeten.accounts.models import Membership
    from kompeten.registry.models import Person

    bontang_operator = make_user("operator2@blki-bontang.test")
    body = {"nik": "6471055508990007", "full_name": "Nur Aini", "sex": "P", "birth_date": "1999-08-15",
            "registered_centre": objects["work_company"].pk, "centre": 999, "user": bontang_operator.pk,
            "role": "province_admin", "roles": ["province_admin"], "is_staff": True, "memberships": [{"role": "x"}]}
    answer = call(client, "POST", "/api/v1/persons", token=tokens["operator"], body=body)
    assert answer.status_code == 201, answer.content
    person = Person.objects.get(nik="6471055508990007")
    assert person.registered_centre == objects["centre"] and person.user is None
    me = call(client, "PATCH", "/api/v1/persons/me", token=tokens["job_seeker"],
              body={"nik": "6471055508990007", "registered_centre": 2, "user": 1, "ak1_number": "X"})
    assert me.status_code == 200
    seeker = objects["applicant"]
    seeker.refresh_from_db()
    assert seeker.nik != "6471055508990007" and seeker.ak1_number == ""
    assert not Membership.objects.filter(user=objects["job_seeker"]).exclude(role="job_seeker").exists()
    assert not bontang_operator.memberships.exists() and not bontang_operator.is_staff
