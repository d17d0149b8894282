"""Next year's seats (jobs/planning.py): the proposals follow the documented formula (docs/algorithms/planning.md)
on hand-made data, including the clamp, the interest cap, the rounding and the one-class floor; apply_plan makes
the next year's seat plan and targets idempotently, audited; the page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kompeten.jobs import planning
from kompeten.jobs.tests.test_demand import (
    BTG_VILLAGE,
    HOUSEKEEPING,
    MINING,
    Certifier,
    apply,
    batch,
    enrol,
    hotel,
    offer,
    outcome,
    person,
    selection_round,
    survey,
    vacancy,
)

DAY = datetime.date
WELDER, AC = "plate_welder_smaw_3g", "teknisi_ac_residensial"
PROVINCE_RATE = round(7 / 12, 4)  # 0.5833: 12 tracer answers in the province, 7 working


@pytest.fixture
def data(balikpapan, bontang, programme_year, company, lsp, tuk_balikpapan, scheme):
    from kompeten.programmes.models import ProgrammeYear

    old_year = ProgrammeYear.objects.create(year=2024, name="Program 2024")
    spring, spring_end = DAY(2025, 3, 3), DAY(2025, 4, 4)
    autumn, autumn_end = DAY(2025, 9, 1), DAY(2025, 10, 3)
    m1 = batch(balikpapan, programme_year, MINING, capacity=8, status="completed", start=spring, end=spring_end)
    m2 = batch(balikpapan, programme_year, MINING, capacity=8, status="running", start=autumn, end=autumn_end)
    batch(balikpapan, programme_year, MINING, capacity=8, status="cancelled", start=autumn, end=autumn_end)
    batch(balikpapan, old_year, MINING, capacity=40, status="completed", start=DAY(2024, 3, 4),
          end=DAY(2024, 4, 5))
    h1 = batch(bontang, programme_year, HOUSEKEEPING, capacity=8, status="completed", start=spring, end=spring_end)
    w1 = batch(balikpapan, programme_year, WELDER, capacity=8, status="completed", start=spring, end=spring_end)
    batch(bontang, programme_year, WELDER, capacity=8, status="running", start=autumn, end=autumn_end)
    t1 = batch(balikpapan, programme_year, AC, capacity=12, status="completed", start=spring, end=spring_end)

    certify = Certifier(lsp, tuk_balikpapan, scheme, balikpapan)
    for index in range(8):
        who = person()
        enrolment = enrol(m1, who, "completed" if index < 6 else "not_completed")
        if index < 3:
            certify(who, enrolment=enrolment)
    enrol(m2, person(), "enrolled")
    round_ = selection_round(programme_year)
    for index in range(8):
        enrol(h1, person(BTG_VILLAGE), "completed" if index < 6 else "not_completed")
    for _ in range(7):
        apply(round_, person(BTG_VILLAGE), [h1])
    apply(round_, person(BTG_VILLAGE), [h1], status="withdrawn")
    for _ in range(8):
        enrol(w1, person())
    for index in range(12):
        enrol(t1, person(), "completed" if index < 9 else "not_completed")

    due = DAY(2025, 10, 4)
    for vocation, centre, answers, working in ((MINING, balikpapan, 5, 4), (HOUSEKEEPING, balikpapan, 5, 1),
                                               (WELDER, balikpapan, 2, 2)):
        for index in range(answers):
            who = person()
            answered = survey(who, vocation=vocation, centre=centre, due_on=due, responded=True)
            outcome(who, "employed" if index < working else "unemployed", DAY(2025, 10, 5), survey=answered)

    vacancy(company, "7233", 30, DAY(2025, 2, 1))
    vacancy(hotel(), "9112", 6, DAY(2025, 5, 1), region="64.74")
    vacancy(company, "7112", 4, DAY(2025, 6, 1), sector="construction")
    vacancy(company, "7233", 100, DAY(2024, 6, 1))
    offer(company, programme_year, "7233", 2, DAY(2025, 7, 1))
    offer(company, programme_year, "7233", 50, DAY(2025, 7, 1), status="draft")
    return {"m1": m1}


def rows_by(plan):
    return {(row.centre.code, row.vocation.code): row for row in plan.rows}


def test_proposals_follow_the_formula(data, programme_year):
    rows = rows_by(planning.propose(programme_year))

    mining = rows[("blki_balikpapan", MINING)].basis
    # E = 6 completed + 8 unfinished seats × 0.75; P = E × 0.8; D = 30 + 2 slots; 32 / 9.6 → clamped to 1.5
    assert (mining["seats"], mining["finished_seats"], mining["completed_finished"]) == (16, 8, 6)
    assert (mining["completion_rate"], mining["completion_rate_from"]) == (0.75, "centre_vocation")
    assert mining["expected_completions"] == 12
    assert (mining["placement_rate"], mining["placement_rate_from"], mining["tracer_answers"]) == (
        0.8, "centre_vocation", 5)
    assert mining["placed_supply"] == 9.6
    assert (mining["demand"], mining["demand_from"], mining["occupations"]) == (32, "occupations", ["7233"])
    assert (mining["factor"], mining["raw"], mining["interest_cap"]) == (1.5, 24, None)
    assert (mining["class_size"], mining["proposed"]) == (4, 24)
    assert (mining["certification_rate"], mining["certification_rate_from"]) == (0.5, "centre_vocation")

    housekeeping = rows[("blki_bontang", HOUSEKEEPING)].basis
    # No tracer answers at Bontang: the vocation's at all centres (1 of 5). D = 6 people needed for 9112, all to
    # Bontang's 8 seats (Balikpapan offers the vocation with 0 seats). 8 × 1.5 = 12, capped by the 7 first
    # choices (the withdrawn application is not counted), rounded down to a class of 4.
    assert (housekeeping["placement_rate"], housekeeping["placement_rate_from"]) == (0.2, "vocation")
    assert housekeeping["expected_completions"] == 6 and housekeeping["placed_supply"] == 1.2
    assert housekeeping["demand"] == 6 and housekeeping["factor"] == 1.5 and housekeeping["raw"] == 12
    assert (housekeeping["first_choices"], housekeeping["interest_cap"]) == (7, 7)
    assert (housekeeping["rounded"], housekeeping["min_class"], housekeeping["proposed"]) == (4, False, 4)
    assert housekeeping["certification_rate"] == 0.0

    welder = rows[("blki_balikpapan", WELDER)].basis
    # 2 tracer answers are too few (5 needed) at the centre, for the vocation and the sector: the province's.
    # No vacancy for 7212: the construction sector's other demand (4 for 7112) by seats, half each.
    assert (welder["placement_rate"], welder["placement_rate_from"]) == (PROVINCE_RATE, "province")
    assert (welder["demand"], welder["demand_from"]) == (2, "sector_share")
    assert welder["factor"] == planning.MIN_FACTOR and welder["raw"] == 4 and welder["proposed"] == 4

    welder_bontang = rows[("blki_bontang", WELDER)].basis
    # No finished batch at Bontang: the vocation's completion rate (8 of 8 at Balikpapan).
    assert (welder_bontang["completion_rate"], welder_bontang["completion_rate_from"]) == (1.0, "vocation")
    assert welder_bontang["expected_completions"] == 8 and welder_bontang["demand"] == 2
    assert welder_bontang["proposed"] == 4

    ac = rows[("blki_balikpapan", AC)].basis
    # No demand at all: factor 0.5, 12 × 0.5 = 6 → 1.5 classes of 4, rounded half up to 2 classes.
    assert (ac["demand"], ac["demand_from"], ac["factor"], ac["raw"]) == (0, "none", 0.5, 6)
    assert (ac["rounded"], ac["proposed"]) == (8, 8)

    empty = rows[("blki_balikpapan", HOUSEKEEPING)]  # offered, no batch this year, demand all at Bontang
    assert empty.seats == 0 and empty.basis["demand"] == 0 and empty.proposed == 0


def test_proposals_query_count_is_fixed(data, programme_year, balikpapan):
    with CaptureQueriesContext(connection) as before:
        planning.propose(programme_year)
    extra = batch(balikpapan, programme_year, MINING, capacity=8, status="completed", start=DAY(2025, 5, 5),
                  end=DAY(2025, 6, 6))
    for _ in range(3):
        enrol(extra, person())
    with CaptureQueriesContext(connection) as after:
        plan = planning.propose(programme_year)
    assert len(after) == len(before) <= 25
    assert rows_by(plan)[("blki_balikpapan", MINING)].seats == 24


@pytest.mark.parametrize(("arguments", "expected"), [
    # Low interest with demand: capped at 3 first choices, rounded down to 0 classes, then one class.
    ({"seats": 16, "demand_occupations": 10, "first_choices": 3, "choices": 5}, {"proposed": 4, "min_class": True,
                                                                               "interest_cap": 3}),
    # No supply to place (P = 0) but demand: the highest factor.
    ({"seats": 8, "completed_finished": 0, "finished_seats": 8, "demand_occupations": 1},
     {"factor": 1.5, "raw": 12, "proposed": 12}),
    # Demand far below supply: the lowest factor; 16 × 0.5 = 8.
    ({"seats": 16, "demand_occupations": 1}, {"factor": 0.5, "raw": 8, "proposed": 8}),
    # Interest above the raw number: no cap; 8 × 1.25 = 10 → 2.5 classes → 3 classes (half up).
    ({"seats": 8, "demand_occupations": 5, "first_choices": 40, "choices": 40, "placement": 0.5},
     {"factor": 1.25, "raw": 10, "interest_cap": None, "proposed": 12}),
    # No applications recorded (operators enrolled directly): no cap.
    ({"seats": 8, "demand_occupations": 100, "first_choices": 0, "choices": 0}, {"proposed": 12}),
])
def test_formula_edges(arguments, expected):
    arguments = dict(arguments)
    placement = arguments.pop("placement", 1.0)
    values = {"seats": 8, "finished_seats": 8, "completed_finished": 8, "completed": 8,
              "completion": {"rate": 1.0, "from": "centre_vocation"},
              "certification": {"rate": 1.0, "from": "centre_vocation"},
              "placement": {"rate": placement, "from": "centre_vocation", "part": 5, "base": 5},
              "demand_occupations": 0.0, "demand_sector": 0.0, "first_choices": 0, "choices": 0, "class_size": 4}
    values.update(arguments)
    if values["completed_finished"] == 0:
        values["completed"] = 0
    basis = planning.proposal_basis(**values)
    assert {key: basis[key] for key in expected} == expected


def test_rate_fallbacks():
    levels = {"centre_vocation": (1, 2), "vocation": (3, 4), "sector": (6, 10), "province": (50, 100)}
    assert planning.rate_with_fallback(levels, minimum=1, default=0.5)["from"] == "centre_vocation"
    assert planning.rate_with_fallback(levels, minimum=5, default=0.5) == {"rate": 0.6, "from": "sector",
                                                                           "part": 6, "base": 10}
    assert planning.rate_with_fallback(levels, minimum=200, default=0.5)["rate"] == 0.5
    assert planning.rate_with_fallback({}, minimum=1, default=0.5)["from"] == "default"


def _seats(plan, **changes):
    rows = []
    for row in plan.rows:
        number = changes.get(row.vocation.code + "@" + row.centre.code, row.proposed)
        rows.append({"centre": row.centre.pk, "vocation": row.vocation.pk, "seats": number})
    return rows


def _targets(year):
    return {(t.kind, t.centre.code if t.centre else None, t.sector_id): t.number for t in year.targets.all()}


def test_apply_plan_makes_next_years_seat_plan_and_targets(data, programme_year, province_admin):
    from kompeten.audit.models import AuditEntry
    from kompeten.jobs.models import SeatPlan

    plan = planning.propose(programme_year)
    adjusted = _seats(plan, **{f"{MINING}@blki_balikpapan": 20, f"{WELDER}@blki_bontang": 8})
    applied = planning.apply_plan(programme_year, adjusted, province_admin)
    next_year = applied.programme_year
    assert (next_year.year, next_year.name) == (2026, "Program 2026")
    assert applied.plans_created == len(plan.rows) and applied.targets_created == 7
    mining = SeatPlan.objects.get(programme_year=next_year, vocation__code=MINING)
    assert (mining.proposed, mining.seats, mining.updated_by) == (24, 20, province_admin)
    assert mining.basis["factor"] == 1.5 and mining.basis["proposed"] == 24
    # trained = seats × completion rate per centre and sector; certified = × certification rate, per centre.
    assert _targets(next_year) == {
        ("trained", "blki_balikpapan", "mining"): 15,  # 20 × 0.75
        ("trained", "blki_bontang", "housekeeping"): 3,  # 4 × 0.75
        ("trained", "blki_balikpapan", "construction"): 4,  # 4 × 1.0
        ("trained", "blki_bontang", "construction"): 8,  # 8 × 1.0 (the vocation's rate)
        ("trained", "blki_balikpapan", "other"): 6,  # 8 × 0.75
        ("certified", "blki_balikpapan", None): 8,  # 15 × 0.5 = 7.5, half up
        ("certified", None, None): 8,  # Bontang's 0 makes no target
    }
    audited = AuditEntry.objects.filter(object_type__in=["jobs.seatplan", "programmes.target",
                                                         "programmes.programmeyear"])
    assert audited.filter(action="create", object_type="jobs.seatplan").count() == len(plan.rows)
    assert audited.filter(action="create", object_type="programmes.target").count() == 7
    assert audited.filter(action="create", object_type="programmes.programmeyear").count() == 1
    entries = audited.count()

    again = planning.apply_plan(programme_year, adjusted, province_admin)  # the same again: nothing changes
    assert (again.plans_created, again.plans_updated, again.targets_created, again.targets_updated) == (0, 0, 0, 0)
    assert audited.count() == entries
    assert SeatPlan.objects.filter(programme_year=next_year).count() == len(plan.rows)

    changed = planning.apply_plan(programme_year, _seats(plan, **{f"{MINING}@blki_balikpapan": 24,
                                                                  f"{WELDER}@blki_bontang": 8}), province_admin)
    assert (changed.plans_updated, changed.targets_updated, changed.targets_created) == (1, 3, 0)
    targets = _targets(next_year)
    assert targets[("trained", "blki_balikpapan", "mining")] == 18  # 24 × 0.75
    assert targets[("certified", "blki_balikpapan", None)] == 9 and targets[("certified", None, None)] == 9
    update = AuditEntry.objects.get(action="update", object_type="jobs.seatplan")
    assert update.changes == {"seats": [20, 24]}
    assert AuditEntry.objects.filter(action="update", object_type="programmes.target").count() == 3
    assert planning.propose(programme_year).next_year == next_year


def test_apply_plan_refuses_unknown_rows_and_bad_numbers(data, programme_year, province_admin, balikpapan):
    from kompeten.core.errors import DomainError
    from kompeten.programmes.models import ProgrammeYear, Vocation

    unknown = Vocation.objects.get(code="operator_excavator")  # offered nowhere
    with pytest.raises(DomainError) as error:
        planning.apply_plan(programme_year, [{"centre": balikpapan.pk, "vocation": unknown.pk, "seats": 16}],
                            province_admin)
    assert error.value.code == "unknown_row"
    mining = Vocation.objects.get(code=MINING)
    with pytest.raises(DomainError) as error:
        planning.apply_plan(programme_year, [{"centre": balikpapan.pk, "vocation": mining.pk, "seats": -1}],
                            province_admin)
    assert error.value.code == "invalid_seats"
    assert not ProgrammeYear.objects.filter(year=2026).exists()


# The page -------------------------------------------------------------------------------------------------------

def _form(plan, **changes):
    fields = {"year": "2025"}
    for row in _seats(plan, **changes):
        fields[f"seats-{row['centre']}-{row['vocation']}"] = str(row["seats"])
    return fields


def test_page_proposes_and_applies(client, province_admin, data, programme_year):
    from kompeten.jobs.models import SeatPlan
    from kompeten.programmes.models import ProgrammeYear

    client.force_login(province_admin)
    url = reverse("jobs:planning")
    html = client.get(url, {"year": 2025}).content.decode()
    assert "Seats for 2026, from 2025" in html
    mining = rows_by(planning.propose(programme_year))[("blki_balikpapan", MINING)]
    field = f"seats-{mining.centre.pk}-{mining.vocation.pk}"
    assert f'id="{field}"' in html and f'for="{field}"' in html and 'value="24"' in html
    assert "Make these next year" in html

    plan = planning.propose(programme_year)
    preview = client.post(url, _form(plan, **{f"{MINING}@blki_balikpapan": 16}) | {"action": "preview"})
    assert preview.status_code == 200 and not SeatPlan.objects.exists()
    assert 'value="16"' in preview.content.decode()

    bad = client.post(url, _form(plan) | {f"seats-{mining.centre.pk}-{mining.vocation.pk}": "abc", "action": "apply"})
    assert bad.status_code == 200 and "Seats are whole numbers" in bad.content.decode()
    assert not SeatPlan.objects.exists()

    response = client.post(url, _form(plan, **{f"{MINING}@blki_balikpapan": 20}) | {"action": "apply"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2025")
    next_year = ProgrammeYear.objects.get(year=2026)
    assert SeatPlan.objects.get(programme_year=next_year, vocation__code=MINING).seats == 20
    page = client.get(response["Location"]).content.decode()
    assert reverse("programmes:year_detail", args=[next_year.pk]) in page
    assert "Saved as the seat plan and targets of 2026" in page
    assert 'value="20"' in page  # the saved seats are shown again


def test_page_empty_states(client, province_admin, db):
    from kompeten.programmes.models import ProgrammeYear

    client.force_login(province_admin)
    assert "nothing to plan from" in client.get(reverse("jobs:planning")).content.decode()
    ProgrammeYear.objects.create(year=2030, name="Program 2030")
    html = client.get(reverse("jobs:planning"), {"year": 2030}).content.decode()
    assert "2030 has no batches" in html or "nothing to propose" in html
