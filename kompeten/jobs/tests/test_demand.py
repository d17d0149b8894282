"""Demand against supply (jobs/demand.py) and its page: the figures equal plain counts over a small hand-made data
set across two sectors (mining with demand outrunning supply, housekeeping with low interest), the number of
queries is fixed, and the page is the province admin's only."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_batch, make_person, make_user
from kompeten.jobs import demand

DAY = datetime.date
MAY_2, JULY_1 = DAY(2025, 5, 2), DAY(2025, 7, 1)
BPP_VILLAGE, BTG_VILLAGE = "64.71.01.1001", "64.74.01.1001"
_serials = itertools.count(100)


# Building blocks (test_planning.py uses them too) ------------------------------------------------------------

def package(centre, vocation_code, *, class_size=4):
    from kompeten.programmes.models import TrainingPackage, Vocation

    vocation = Vocation.objects.get(code=vocation_code)
    return TrainingPackage.objects.get_or_create(
        centre=centre, code=vocation_code,
        defaults={"vocation": vocation, "name": vocation.name, "hours": 160, "class_size": class_size,
                  "required_documents": []})[0]


def batch(centre, year, vocation_code, *, capacity, status, start, end, class_size=4):
    return make_batch(centre, year, status=status, capacity=capacity, start=start, end=end,
                      package=package(centre, vocation_code, class_size=class_size))


def person(village=BPP_VILLAGE, name="Peserta"):
    serial = next(_serials)
    return make_person(full_name=f"{name} {serial}", serial=serial, village_id=village, sex="L",
                       birth_date=DAY(2000, 1, 1))


def enrol(batch_, who, status="completed"):
    from kompeten.training.models import Enrolment

    return Enrolment.objects.create(batch=batch_, person=who, source="operator", status=status)


def selection_round(year):
    from kompeten.selection.models import SelectionRound

    moment = timezone.make_aware(datetime.datetime(year.year, 1, 10, 8, 0))
    return SelectionRound.objects.create(programme_year=year, name=f"Seleksi {year.year}", opens_at=moment,
                                         closes_at=moment, results_at=moment)


def apply(round_, who, batches, status="submitted"):
    from kompeten.selection.models import Application, Choice

    application = Application.objects.create(round=round_, person=who, status=status)
    for rank, chosen in enumerate(batches, start=1):
        Choice.objects.create(application=application, rank=rank, batch=chosen)
    return application


def hotel(db=None):
    from kompeten.apprenticeships.models import Company

    return Company.objects.create(name="PT Hotel Borneo", sector_id="housekeeping", status="verified",
                                  employees=120)


def vacancy(company, occupation, number, valid_from, *, region="64.71", sector=None, status="open"):
    from kompeten.jobs.models import Vacancy

    return Vacancy.objects.create(company=company, title=f"Lowongan {occupation}", occupation_id=occupation,
                                  sector_id=sector or company.sector_id, number_needed=number, valid_from=valid_from,
                                  valid_until=valid_from + datetime.timedelta(days=60), region_id=region,
                                  status=status)


def offer(company, year, occupation, slots, start, *, status="approved", locations=("64.71",)):
    from kompeten.apprenticeships.models import Offer

    made = Offer.objects.create(company=company, programme_year=year, title=f"Magang {occupation}",
                                occupation_id=occupation, slots=slots, start_date=start, months=6,
                                theory_percent=20, allowance=2_000_000, status=status)
    made.locations.set(locations)
    return made


class Certifier:
    """Competency (and training) certificates without the signing machinery: only the rows demand.py reads."""

    def __init__(self, lsp, tuk, scheme, centre):
        from kompeten.assessment.models import AssessmentEvent
        from kompeten.certificates.models import Issuer, SigningKey

        self.issuer = Issuer.objects.create(code="lsp-uji", name="LSP Uji", kind="lsp", lsp=lsp,
                                            iss="https://lsp.test/", number_prefix="LSP")
        self.key = SigningKey.objects.create(issuer=self.issuer, kid="kid-uji", public_key="x",
                                             not_before=timezone.now())
        self.event = AssessmentEvent.objects.create(lsp=lsp, scheme=scheme, tuk=tuk, centre=centre,
                                                    date=DAY(2025, 4, 20))
        self.serial = itertools.count(1)

    def __call__(self, who, *, enrolment=None, issued_on=MAY_2, status="active", kind="competency"):
        from kompeten.assessment.models import Assessment
        from kompeten.certificates.models import Certificate

        n = next(self.serial)
        assessment = None
        if kind == "competency":
            assessment = Assessment.objects.create(event=self.event, person=who, enrolment=enrolment,
                                                   route="training" if enrolment else "rpl", status="approved",
                                                   decision="K")
        return Certificate.objects.create(
            kind=kind, issuer=self.issuer, key=self.key, number=f"LSP/{n:05d}", year=issued_on.year, seq=n,
            public_code=f"CODE{n:08d}", person=who, enrolment=enrolment if kind == "training" else None,
            assessment=assessment, holder_name=who.full_name, holder_id="x", title="Sertifikat", issuer_name="LSP",
            issued_at=timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(10))),
            issued_on=issued_on, qr_digits="0", status=status, status_index=n)


def outcome(who, status, on, *, source="self", survey=None):
    from kompeten.jobs.models import Outcome

    return Outcome.objects.create(person=who, status=status, on=on, source=source, survey=survey,
                                  employer="PT Contoh" if status == "employed" else "")


def survey(who, *, vocation, centre, due_on, months=6, trigger="training", responded=False, batch_=None):
    from kompeten.jobs.models import OutcomeSurvey
    from kompeten.programmes.models import Vocation

    return OutcomeSurvey.objects.create(
        person=who, trigger=trigger, trigger_id=next(_serials), trigger_date=due_on - datetime.timedelta(days=183),
        months=months, due_on=due_on, vocation=Vocation.objects.get(code=vocation), centre=centre, batch=batch_,
        responded_at=timezone.now() if responded else None)


def placement(who, offer_, *, status="active", start=JULY_1, started_on=None):
    from kompeten.apprenticeships.models import Placement

    return Placement.objects.create(person=who, offer=offer_, company=offer_.company, source="direct",
                                    agreement_number=f"PKS-{next(_serials)}", start_date=start,
                                    end_date=start + datetime.timedelta(days=180), status=status,
                                    started_on=started_on)


MINING, HOUSEKEEPING = "mekanik_dasar_alat_berat", "housekeeping_room_attendant"


# The hand-made data set ---------------------------------------------------------------------------------------

@pytest.fixture
def data(balikpapan, bontang, programme_year, company, lsp, tuk_balikpapan, scheme):
    from kompeten.programmes.models import ProgrammeYear

    old_year = ProgrammeYear.objects.create(year=2024, name="Program 2024")
    m1 = batch(balikpapan, programme_year, MINING, capacity=4, status="completed", start=DAY(2025, 3, 3),
               end=DAY(2025, 4, 4))
    m2 = batch(balikpapan, programme_year, MINING, capacity=4, status="running", start=DAY(2025, 8, 4),
               end=DAY(2025, 9, 5))
    h1 = batch(bontang, programme_year, HOUSEKEEPING, capacity=4, status="completed", start=DAY(2025, 3, 3),
               end=DAY(2025, 4, 4))
    h2 = batch(bontang, programme_year, HOUSEKEEPING, capacity=4, status="cancelled", start=DAY(2025, 9, 1),
               end=DAY(2025, 9, 30))
    old = batch(balikpapan, old_year, MINING, capacity=4, status="completed", start=DAY(2024, 3, 4),
                end=DAY(2024, 4, 5))
    p = {name: person(BTG_VILLAGE if name in ("m_c", "h_a", "h_b", "h_c") else BPP_VILLAGE, name)
         for name in ("m_a", "m_b", "m_c", "m_d", "h_a", "h_b", "h_c", "o_a", "p1", "p2", "p3", "p4", "w1", "x1",
                      "r1")}
    e = {"m_a": enrol(m1, p["m_a"]), "m_b": enrol(m1, p["m_b"]), "m_c": enrol(m1, p["m_c"]),
         "m_d": enrol(m1, p["m_d"], "not_completed"), "h_a": enrol(h1, p["h_a"]), "h_b": enrol(h1, p["h_b"]),
         "h_c": enrol(h1, p["h_c"], "withdrawn"), "o_a": enrol(old, p["o_a"])}

    round_ = selection_round(programme_year)
    for name in ("m_a", "m_b", "m_c", "m_d"):
        apply(round_, p[name], [m1])
    for name in ("p1", "p2", "p3"):
        apply(round_, p[name], [m2])
    apply(round_, p["p4"], [m2, h1])
    for name in ("h_a", "h_b", "h_c"):
        apply(round_, p[name], [h1])
    apply(round_, p["w1"], [h1], status="withdrawn")
    apply(round_, p["x1"], [h2])  # the cancelled batch
    apply(selection_round(old_year), p["o_a"], [old])

    housekeeping = hotel()
    vacancy(company, "7233", 5, DAY(2025, 2, 1))
    vacancy(company, "8342", 3, DAY(2025, 6, 1), region="64.08", status="filled")
    vacancy(company, "7233", 50, DAY(2024, 11, 1))
    vacancy(housekeeping, "9112", 1, DAY(2025, 5, 1), region="64.74")
    mining_offer = offer(company, programme_year, "7233", 4, DAY(2025, 7, 1))
    offer(company, programme_year, "7233", 9, DAY(2025, 7, 1), status="draft")
    offer(housekeeping, programme_year, "9112", 2, DAY(2025, 2, 1), status="closed", locations=("64.71", "64.74"))
    offer(company, programme_year, "7233", 7, DAY(2026, 1, 5))

    certify = Certifier(lsp, tuk_balikpapan, scheme, balikpapan)
    certify(p["m_a"], enrolment=e["m_a"])
    certify(p["m_b"], enrolment=e["m_b"], status="revoked")
    certify(p["m_c"], enrolment=e["m_c"], status="suspended")
    certify(p["h_a"], enrolment=e["h_a"], issued_on=DAY(2025, 6, 1))
    certify(p["r1"], issued_on=DAY(2025, 7, 1))  # RPL: no enrolment
    certify(p["o_a"], enrolment=e["o_a"], issued_on=DAY(2024, 5, 1))
    certify(p["m_a"], enrolment=e["m_a"], kind="training")

    outcome(p["m_a"], "employed", DAY(2025, 6, 1))
    outcome(p["m_b"], "employed", DAY(2025, 3, 20))  # before the end of the training
    outcome(p["m_d"], "employed", DAY(2025, 6, 1))  # did not complete
    outcome(p["o_a"], "self_employed", DAY(2025, 2, 1))  # trained in 2024
    outcome(p["h_a"], "employed", DAY(2026, 1, 10))  # after the period
    outcome(p["m_c"], "employed", DAY(2025, 5, 1))
    outcome(p["m_c"], "employed", DAY(2025, 7, 1), source="company")
    outcome(p["h_b"], "employed", DAY(2025, 5, 1))
    placement(p["p1"], mining_offer, started_on=DAY(2025, 7, 3))
    placement(p["p2"], mining_offer, status="draft")

    due = DAY(2025, 10, 4)
    s1 = survey(p["m_a"], vocation=MINING, centre=balikpapan, due_on=due, responded=True)
    outcome(p["m_a"], "employed", DAY(2025, 10, 5), survey=s1)
    s2 = survey(p["m_b"], vocation=MINING, centre=balikpapan, due_on=due, responded=True)
    outcome(p["m_b"], "unemployed", DAY(2025, 10, 5), survey=s2)
    survey(p["m_c"], vocation=MINING, centre=balikpapan, due_on=due)  # known through the company's outcome
    survey(p["m_d"], vocation=MINING, centre=balikpapan, due_on=due)  # unknown
    survey(p["h_a"], vocation=HOUSEKEEPING, centre=bontang, due_on=due, responded=True)
    survey(p["m_a"], vocation=MINING, centre=balikpapan, due_on=DAY(2025, 7, 4), months=3, responded=True)
    survey(p["m_a"], vocation=MINING, centre=balikpapan, due_on=due, trigger="certification", responded=True)
    return {"persons": p, "enrolments": e, "batches": {"m1": m1, "m2": m2, "h1": h1, "h2": h2, "old": old},
            "round": round_, "company": company, "hotel": housekeeping, "certify": certify}


# Plain counts, one object at a time -----------------------------------------------------------------------------

def plain_counts(year_number: int) -> dict[str, dict[str, int]]:
    from kompeten.apprenticeships.models import Offer, Placement
    from kompeten.certificates.models import Certificate
    from kompeten.jobs.models import Outcome, OutcomeSurvey, Vacancy
    from kompeten.programmes.models import Batch
    from kompeten.reference.models import Sector
    from kompeten.selection.models import Choice
    from kompeten.training.models import Enrolment

    def in_year(day):
        return day is not None and day.year == year_number

    counts = {s.key: dict.fromkeys(demand.COUNTS, 0) for s in Sector.objects.all()}
    applicants = {key: set() for key in counts}
    placed = {key: set() for key in counts}
    for v in Vacancy.objects.all():
        if in_year(v.valid_from):
            counts[v.sector_id]["vacancies"] += v.number_needed
    for o in Offer.objects.select_related("company"):
        if o.status in ("approved", "closed") and in_year(o.start_date):
            counts[o.company.sector_id]["slots"] += o.slots
    for c in Choice.objects.select_related("application", "batch__package__vocation", "batch__programme_year"):
        if (c.batch.programme_year.year == year_number and c.batch.status != "cancelled"
                and c.application.status != "withdrawn"):
            sector = c.batch.package.vocation.sector_id
            applicants[sector].add(c.application.person_id)
            counts[sector]["first_choices"] += c.rank == 1
    for b in Batch.objects.select_related("package__vocation", "programme_year"):
        if b.programme_year.year == year_number and b.status != "cancelled":
            counts[b.package.vocation.sector_id]["seats"] += b.capacity
    for e in Enrolment.objects.select_related("batch__package__vocation", "batch__programme_year"):
        if e.batch.programme_year.year == year_number and e.status == "completed":
            counts[e.batch.package.vocation.sector_id]["completed"] += 1
    for c in Certificate.objects.select_related("assessment__enrolment__batch__package__vocation"):
        if c.kind == "competency" and c.status != "revoked" and in_year(c.issued_on):
            enrolment = c.assessment.enrolment
            counts[enrolment.batch.package.vocation.sector_id if enrolment else "other"]["certified"] += 1
    for o in Outcome.objects.all():
        if o.status in ("employed", "self_employed") and in_year(o.on):
            for e in Enrolment.objects.filter(person=o.person_id, status="completed").select_related(
                    "batch__package__vocation"):
                if o.on >= e.batch.end_date:
                    placed[e.batch.package.vocation.sector_id].add(o.person_id)
    for p in Placement.objects.select_related("offer__company"):
        if p.status in ("active", "paused", "stopped", "completed") and in_year(p.started_on or p.start_date):
            counts[p.offer.company.sector_id]["placed_apprentices"] += 1
    for s in OutcomeSurvey.objects.select_related("vocation"):
        if s.months != 6 or s.trigger != "training" or not in_year(s.due_on):
            continue
        own = Outcome.objects.filter(survey=s).order_by("-on", "-pk").first()
        confirmed = (Outcome.objects.filter(person=s.person_id, source__in=["company", "operator"],
                                            on__gte=s.trigger_date, on__lte=s.due_on).order_by("-on", "-pk").first())
        known = own or confirmed
        if s.responded_at or known:
            counts[s.vocation.sector_id]["answered"] += 1
            counts[s.vocation.sector_id]["working"] += bool(known and known.status in ("employed", "self_employed"))
    for key in counts:
        counts[key]["applicants"] = len(applicants[key])
        counts[key]["placed_work"] = len(placed[key])
    return counts


def as_counts(row) -> dict[str, int]:
    return {name: getattr(row, name) for name in demand.COUNTS}


def test_sector_figures_equal_plain_counts(data, programme_year):
    report = demand.report(demand.Period.of_year(programme_year))
    expected = plain_counts(2025)
    assert {row.key: as_counts(row) for row in report.sectors} == expected
    mining, housekeeping = (next(r for r in report.sectors if r.key == key) for key in ("mining", "housekeeping"))
    # The same by hand, so that the plain counts are checked too.
    assert (mining.vacancies, mining.slots, mining.demand) == (8, 4, 12)
    assert (mining.applicants, mining.first_choices, mining.seats) == (8, 8, 8)
    assert (mining.completed, mining.certified, mining.placed_work, mining.placed_apprentices) == (3, 2, 3, 1)
    assert (mining.answered, mining.working) == (3, 2)
    assert (housekeeping.vacancies, housekeeping.slots, housekeeping.demand) == (1, 2, 3)
    assert (housekeeping.applicants, housekeeping.first_choices, housekeeping.seats) == (4, 3, 4)
    assert (housekeeping.completed, housekeeping.certified, housekeeping.placed) == (2, 1, 1)
    assert (housekeeping.answered, housekeeping.working) == (1, 0)
    assert report.rpl_certified == 1
    assert next(r for r in report.sectors if r.key == "other").certified == 1


def test_ratios_and_highlights(data, programme_year):
    report = demand.report(demand.Period.of_year(programme_year))
    mining, housekeeping = (next(r for r in report.sectors if r.key == key) for key in ("mining", "housekeeping"))
    assert mining.demand_per_completed == 4.0 and mining.high_demand
    assert mining.first_choices_per_seat == 1.0 and not mining.low_interest
    assert mining.placement_rate == pytest.approx(2 / 3) and mining.placement_percent == 67
    assert housekeeping.first_choices_per_seat == 0.75 and housekeeping.low_interest
    assert housekeeping.demand_per_completed == 1.5 and not housekeeping.high_demand  # 1.5 is not above 1.5
    assert [row.key for row in report.flagged_sectors] == ["mining", "housekeeping"]


def test_totals_count_each_person_once(data, programme_year):
    report = demand.report(demand.Period.of_year(programme_year))
    total = report.total
    assert total.demand == 15 and total.seats == 12 and total.completed == 5
    assert total.applicants == 11  # p4 chose a mining and a housekeeping batch
    assert total.placed_work == 4 and total.certified == 4


def test_occupation_figures(data, programme_year):
    rows = {row.key: row for row in demand.report(demand.Period.of_year(programme_year)).occupations}
    assert rows["7233"].demand == 9 and rows["8342"].demand == 3 and rows["9112"].demand == 3
    assert rows["7233"].seats == 8 and rows["9112"].seats == 4 and rows["5151"].seats == 4
    assert rows["7233"].completed == 3 and rows["5151"].completed == 2
    assert rows["7233"].certified == 2 and rows["9112"].certified == 1 and rows[None].certified == 1
    assert rows["8342"].completed == 0 and rows["8342"].high_demand
    assert rows["7233"].label.startswith("Mekanik") or rows["7233"].code == "7233"


def test_regency_figures(data, programme_year):
    rows = {row.key: row for row in demand.report(demand.Period.of_year(programme_year)).regencies}
    assert rows["64.71"].demand == 9  # vacancy 5 + the one-place offer's 4
    assert rows["64.08"].demand == 3 and rows["64.74"].demand == 1
    assert rows[demand.SEVERAL].slots == 2  # the offer in two regencies, counted once
    assert rows["64.71"].seats == 8 and rows["64.74"].seats == 4  # the centres' regencies
    assert rows["64.71"].completed == 2 and rows["64.74"].completed == 3  # domicile of those who completed
    assert rows["64.71"].label == "Kota Balikpapan"
    assert rows["64.71"].first_choices == 7 and rows["64.74"].first_choices == 4


def test_period_by_dates(data, programme_year):
    report = demand.report(demand.Period(DAY(2025, 1, 1), DAY(2025, 5, 31)))
    mining = next(r for r in report.sectors if r.key == "mining")
    assert mining.vacancies == 5 and mining.slots == 0  # the 8342 vacancy opens in June, the offer starts in July
    assert mining.seats == 4  # only M1 starts in the first half


def _add_more_rows(data, programme_year, balikpapan):
    """More of everything: a new batch with applicants, completions, certificates, outcomes and surveys."""
    extra = batch(balikpapan, programme_year, MINING, capacity=6, status="completed", start=DAY(2025, 5, 5),
                  end=DAY(2025, 6, 6))
    for _ in range(4):
        who = person()
        enrolment = enrol(extra, who)
        apply(data["round"], who, [extra])
        data["certify"](who, enrolment=enrolment)
        outcome(who, "employed", DAY(2025, 8, 1))
        survey(who, vocation=MINING, centre=balikpapan, due_on=DAY(2025, 12, 6), responded=True)
        vacancy(data["company"], "7233", 2, DAY(2025, 9, 1), region="64.72")
        offer(data["company"], programme_year, "8342", 1, DAY(2025, 9, 1), locations=("64.08",))


def test_query_count_is_bounded_and_does_not_grow(data, programme_year, balikpapan, django_assert_max_num_queries):
    period = demand.Period.of_year(programme_year)
    with CaptureQueriesContext(connection) as before:
        demand.report(period)
    _add_more_rows(data, programme_year, balikpapan)
    with django_assert_max_num_queries(40), CaptureQueriesContext(connection) as after:
        report = demand.report(period)
    assert len(after) == len(before)
    assert next(r for r in report.sectors if r.key == "mining").completed == 7


# The page -------------------------------------------------------------------------------------------------------

def test_page_shows_tables_and_highlights(client, province_admin, data, programme_year):
    client.force_login(province_admin)
    response = client.get(reverse("jobs:demand"), {"year": 2025})
    assert response.status_code == 200
    html = response.content.decode()
    for section in ("section-sector", "section-occupation", "section-regency", "<svg"):
        assert section in html
    assert "low interest, 0.75 first choices per seat" in html
    assert "demand outruns supply, 4.00 demanded per completed" in html
    assert "counted under" in html  # the RPL note


def test_page_query_count_does_not_grow(client, province_admin, data, programme_year, balikpapan):
    client.force_login(province_admin)
    url = reverse("jobs:demand")
    with CaptureQueriesContext(connection) as before:
        assert client.get(url, {"year": 2025}).status_code == 200
    _add_more_rows(data, programme_year, balikpapan)
    with CaptureQueriesContext(connection) as after:
        assert client.get(url, {"year": 2025}).status_code == 200
    assert len(after) == len(before)


def test_page_for_dates(client, province_admin, data, programme_year):
    client.force_login(province_admin)
    url = reverse("jobs:demand")
    html = client.get(url, {"from": "2025-01-01", "to": "2025-05-31"}).content.decode()
    assert "1 January 2025 – 31 May 2025" in html and "from=2025-01-01&amp;to=2025-05-31&amp;csv=sector" in html
    response = client.get(url, {"from": "2025-01-01", "to": "2025-05-31", "csv": "sector"})
    assert "permintaan-sector-2025-01-01_2025-05-31.csv" in response["Content-Disposition"]
    backwards = client.get(url, {"from": "2025-06-01", "to": "2025-01-01"}).content.decode()
    assert "Program 2025" in backwards  # dates that make no period: the year instead


def test_empty_states(client, province_admin, db):
    from kompeten.programmes.models import ProgrammeYear

    client.force_login(province_admin)
    assert "no programme year yet" in client.get(reverse("jobs:demand")).content.decode()
    ProgrammeYear.objects.create(year=2027, name="Program 2027")
    html = client.get(reverse("jobs:demand"), {"year": 2027}).content.decode()
    assert "Nothing to compare for Program 2027 yet" in html


def test_csv_export_is_formula_safe(client, province_admin, data, programme_year):
    from kompeten.audit.models import AuditEntry
    from kompeten.reference.models import Kbji, Sector

    Sector.objects.filter(key="housekeeping").update(name='=HYPERLINK("http://evil.test","x")')
    Kbji.objects.filter(code="9112").update(name="@SUM(1+1)")
    client.force_login(province_admin)
    response = client.get(reverse("jobs:demand"), {"year": 2025, "csv": "sector"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    mining_line = next(line for line in text.splitlines() if line.startswith("mining,"))
    assert mining_line.split(",")[2:5] == ["8", "4", "12"]
    occupations = client.get(reverse("jobs:demand"), {"year": 2025, "csv": "occupation"}).content.decode("utf-8-sig")
    assert "'@SUM(1+1)" in occupations
    assert client.get(reverse("jobs:demand"), {"year": 2025, "csv": "regency"}).status_code == 200
    assert AuditEntry.objects.filter(action="export", object_type="jobs.demand").count() == 3


@pytest.mark.parametrize("role", ["centre_operator", "company_user", "job_seeker", "assessor", None])
def test_only_the_province_admin(client, role, balikpapan, company, programme_year):
    scope = {"centre": balikpapan} if role == "centre_operator" else {"company": company} \
        if role == "company_user" else {}
    user = make_user(f"user-{role}@example.test", role, **scope)
    client.force_login(user)
    assert client.get(reverse("jobs:demand")).status_code == 404
    assert client.get(reverse("jobs:demand"), {"year": 2025, "csv": "sector"}).status_code == 404
    assert client.get(reverse("jobs:planning")).status_code == 404
    assert client.post(reverse("jobs:planning"), {"year": 2025, "action": "apply"}).status_code == 404
