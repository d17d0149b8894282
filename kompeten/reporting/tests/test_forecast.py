"""The year-end forecast of certified persons (kompeten/reporting/forecast.py): the pure core by hand and by
properties, then the loader on a tiny programme year built through the models and services."""

import datetime
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kompeten.reporting.forecast import (
    KINDS,
    PRIOR,
    RATES,
    Z90,
    Group,
    Inputs,
    Observed,
    Option,
    Rate,
    advise,
    build,
    forecast,
    latest_start,
    load,
    moments,
    project,
    rates_for,
    smooth,
)

EXACT = {name: Rate(0.5) for name in RATES}


# --- the pure core, by hand -------------------------------------------------------------------------------------------

def test_smoothing_without_data_is_the_fallback_and_with_much_data_the_observation():
    assert smooth(0, 0, 0.9).mean == 0.9
    assert smooth(0, 0, 0.9).var == pytest.approx(0.9 * 0.1 / 11)
    assert smooth(5, 10, 0.9).mean == pytest.approx((5 + 10 * 0.9) / 20)  # half its own, half the fallback
    assert smooth(5000, 10000, 0.9).mean == pytest.approx(0.5, abs=0.001)
    assert smooth(5, 10, 0.9, pseudo=0).mean == 0.5


def test_rates_fall_back_level_by_level_to_the_prior():
    empty = Observed()
    vocation = Observed(finished=10, completed=5)
    rates = rates_for([empty, vocation, empty, empty])
    # Province and centre have no data: the prior 0.9; the vocation: (5 + 10 × 0.9) ÷ 20 = 0.7; the cell: the same.
    assert rates["completion"].mean == pytest.approx(0.7)
    assert rates["completion"].var == pytest.approx(0.7 * 0.3 / 11)
    assert rates["fill"].mean == pytest.approx(PRIOR["fill"])
    assert rates["pass"].mean == pytest.approx(PRIOR["pass"])
    # The cell's own data move it half-way at 10 observations.
    rates = rates_for([Observed(finished=10, completed=10), vocation, empty, empty])
    assert rates["completion"].mean == pytest.approx((10 + 10 * 0.7) / 20)


def test_moments_of_a_tiny_group_by_hand():
    group = Group(rates=EXACT, running=4, awaiting_certificate=2)
    expected, variance = moments(group)
    assert expected == {"running": 4 * 0.125, "planned": 0.0, "awaiting_assessment": 0.0,
                        "awaiting_certificate": 1.0}
    # Rates known exactly: binomial only, 4 × 0.125 × 0.875 + 2 × 0.5 × 0.5.
    assert variance == pytest.approx(4 * 0.125 * 0.875 + 2 * 0.25)


def test_rate_uncertainty_widens_the_variance_and_is_shared_between_kinds():
    uncertain = {name: Rate(0.5, 0.01) for name in RATES}
    _, one = moments(Group(rates=uncertain, awaiting_certificate=10))
    # Var = E[N q (1 − q)] + N² Var(q) = 10 × (0.5 − 0.26) + 100 × 0.01.
    assert one == pytest.approx(10 * (0.5 - 0.26) + 100 * 0.01)
    _, both = moments(Group(rates=uncertain, awaiting_certificate=10, awaiting_assessment=10))
    _, apart_a = moments(Group(rates=uncertain, awaiting_assessment=10))
    assert both > one + apart_a  # the same certificate rate moves both kinds: positive covariance


def test_project_by_hand():
    result = project(7, "BLKI", 10, 3, [Group(rates=EXACT, awaiting_certificate=4)])
    assert result.expected == 5.0
    sd = math.sqrt(4 * 0.25)
    assert (result.low, result.high) == (math.floor(5 - Z90 * sd), math.ceil(5 + Z90 * sd)) == (3, 7)
    assert result.gap == 5
    assert result.pending["awaiting_certificate"] == 2.0


def test_latest_start_counts_the_timetable_back_from_31_december():
    # 31 December 2025 is a Wednesday: Monday–Wednesday 24 hours, then 35.5 a week (Friday 3.5).
    assert latest_start(8, 2025) == datetime.date(2025, 12, 31)
    assert latest_start(24, 2025) == datetime.date(2025, 12, 29)
    assert latest_start(25, 2025) == datetime.date(2025, 12, 26)  # the Friday adds 3.5
    # 24 + 3 × 35.5 = 130.5 to 8 December; then Fri 3.5, Thu, Wed, Tue, Mon 8 each: 166 ≥ 160 on Monday 1 December.
    assert latest_start(160, 2025) == datetime.date(2025, 12, 1)
    assert latest_start(160, 2025, today=datetime.date(2025, 12, 1)) == datetime.date(2025, 12, 1)
    assert latest_start(160, 2025, today=datetime.date(2025, 12, 2)) is None
    assert latest_start(5000, 2025) is None  # longer than a year
    assert latest_start(8, 2025, holidays=[datetime.date(2025, 12, 31)]) == datetime.date(2025, 12, 30)


def test_advice_one_option_per_vocation_fitting_first_then_by_yield():
    late = datetime.date(2025, 11, 3)
    options = [
        Option(1, "Las", 11, 16, EXACT, late),  # 16 × 1/16 = 1 per batch
        Option(1, "Las", 12, 32, EXACT, late),  # the better package of the same vocation: 2 per batch
        Option(2, "Listrik", 21, 48, EXACT, None),  # 3 per batch, but no batch fits in the year any more
        Option(3, "Roti", 31, 24, EXACT, late),  # 1.5 per batch
        Option(4, "Kosong", 41, 0, EXACT, late),  # no yield: never advised
        Option(5, "Kecil", 51, 15, EXACT, late),  # less than one person a batch (15/16): neither
    ]
    advice = advise(5, options)
    assert [(a.package_id, a.batches, a.per_batch) for a in advice] == [(12, 3, 2.0), (31, 4, 1.5), (21, 2, 3.0)]
    assert advise(0, options) == []
    assert len(advise(5, options, limit=1)) == 1


def test_build_falls_back_to_the_vocation_elsewhere_and_to_the_centre():
    """Centre 1 observed vocation 10; centre 2 runs vocation 10 with no data of its own; centre 1 plans vocation 20,
    never seen anywhere."""
    seen = Observed(seats=20, seated=20, finished=20, completed=20, decided=20, competent=20, mature=20,
                    certified=20)
    inputs = Inputs(year=2025, as_of=datetime.date(2025, 9, 1), scope=None, names={1: "A", 2: "B"},
                    realised={None: 0, 1: 0, 2: 0})
    inputs.observed[(1, 10)] = seen
    inputs.pipeline[(2, 10)]["awaiting_certificate"] = 10
    inputs.pipeline[(1, 20)]["awaiting_certificate"] = 10
    result = {c.centre_id: c for c in build(inputs).centres}
    # Province: (20 + 10 × 0.95) ÷ 30; centre 2 has nothing: the same; vocation 10: (20 + 10 × that) ÷ 30.
    province = (20 + 10 * 0.95) / 30
    vocation = (20 + 10 * province) / 30
    assert result[2].pending["awaiting_certificate"] == pytest.approx(10 * vocation)
    # Vocation 20 has nothing anywhere: centre 1's rate, (20 + 10 × province) ÷ 30 — the same number here.
    assert result[1].pending["awaiting_certificate"] == pytest.approx(10 * (20 + 10 * province) / 30)
    # Without smoothing the fallback is the observation itself.
    assert build(inputs, pseudo=0).centres[1].pending["awaiting_certificate"] == pytest.approx(10)


# --- the pure core, by properties -------------------------------------------------------------------------------------

@st.composite
def some_rates(draw):
    rates = {}
    for name in RATES:
        trials = draw(st.integers(0, 60))
        rates[name] = smooth(draw(st.integers(0, trials)), trials, draw(st.floats(0, 1)))
    return rates


groups = st.builds(Group, rates=some_rates(), running=st.integers(0, 60), planned=st.integers(0, 200),
                   awaiting_assessment=st.integers(0, 60), awaiting_certificate=st.integers(0, 60))


@given(realised=st.integers(0, 2000), parts=st.lists(groups, max_size=6), target=st.none() | st.integers(0, 3000))
def test_property_the_interval_holds_the_expected_value(realised, parts, target):
    result = project(None, "P", target, realised, parts)
    assert realised <= result.low <= result.expected <= result.high
    assert result.high <= realised + sum(sum(g.counts().values()) for g in parts)
    assert result.expected == pytest.approx(realised + sum(result.pending.values()))
    assert result.gap == (max(0, target - math.floor(result.expected + 0.5)) if target is not None else 0)


@given(realised=st.integers(0, 2000), rates=some_rates(), target=st.none() | st.integers(0, 3000))
def test_property_nothing_pending_means_the_realised_count(realised, rates, target):
    result = project(None, "P", target, realised, [Group(rates=rates)])
    assert result.low == result.high == result.expected == realised


@given(parts=st.lists(groups, min_size=1, max_size=5), which=st.integers(0, 4), more=st.integers(1, 100))
def test_property_more_planned_seats_never_lower_the_forecast(parts, which, more):
    before = project(None, "P", None, 10, parts)
    grown = parts[which % len(parts)]
    parts[which % len(parts)] = Group(rates=grown.rates, running=grown.running, planned=grown.planned + more,
                                      awaiting_assessment=grown.awaiting_assessment,
                                      awaiting_certificate=grown.awaiting_certificate)
    after = project(None, "P", None, 10, parts)
    assert after.expected >= before.expected
    assert after.high >= before.high


@given(parts=st.lists(groups, max_size=4), extra=st.integers(1, 500),
       sizes=st.lists(st.integers(1, 30), min_size=1, max_size=4))
def test_property_following_the_advice_closes_the_gap_in_expectation(parts, extra, sizes):
    options = [Option(vocation_id=i, vocation_name=f"V{i}", package_id=100 + i, class_size=size,
                      rates=(parts[i].rates if i < len(parts) else EXACT), latest_start=None)
               for i, size in enumerate(sizes)]
    target = 50 + extra
    result = project(1, "C", target, 50, parts, options)
    assert result.gap > 0 or result.expected >= target - 0.5
    for advice in result.advice:
        option = next(o for o in options if o.package_id == advice.package_id)
        assert advice.batches * advice.per_batch >= result.gap > (advice.batches - 1) * advice.per_batch
        more = Group(rates=option.rates, planned=advice.batches * option.class_size)
        after = project(1, "C", target, 50, [*parts, more], options)
        assert after.expected >= target - 0.5 - 1e-9
    per_batch = [a.per_batch for a in result.advice]
    assert per_batch == sorted(per_batch, reverse=True)


@given(levels=st.lists(st.builds(Observed, **{name: st.integers(0, 10_000) for name in Observed.__dataclass_fields__}),
                       min_size=1, max_size=4),
       prior=st.fixed_dictionaries({name: st.floats(0, 1) for name in RATES}), pseudo=st.floats(0, 100))
def test_property_rates_stay_in_0_1(levels, prior, pseudo):
    for rate in rates_for(levels, prior, pseudo).values():
        assert 0 <= rate.mean <= 1
        assert 0 <= rate.var <= 0.25


@given(successes=st.integers(0, 100), trials=st.integers(0, 100), towards=st.floats(0, 1))
def test_property_a_success_more_never_lowers_a_rate(successes, trials, towards):
    successes = min(successes, trials)
    if successes < trials:
        assert smooth(successes + 1, trials, towards).mean >= smooth(successes, trials, towards).mean


# --- the loader, on a tiny programme year -----------------------------------------------------------------------------

AS_OF = datetime.date(2025, 9, 1)


def _aware(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def year(programme_year, balikpapan, bontang, scheme, event):
    """Balikpapan, vocation V1 (a package with a scheme, class size 16, 160 JP):

    - batch A, completed, 5 seats: a1–a4 completed, a5 did not; a1 K and certified, a2 K (no certificate yet),
      a3 BK, a4 not assessed; both K decided on 15 April;
    - batch B, running, 5 seats: b1–b3 and a1 (already certified this year) enrolled;
    - batch C, planned, 4 seats; a cancelled batch of 8 seats;

    vocation V2: an active package with a scheme (class size 20, 300 JP) and no batch; vocation V3: a planned batch
    of a package without a scheme. Bontang, vocation W: batch E completed (e1 K certified, e2 completed, not
    assessed), batch F running with f1, f2.
    """
    from conftest import make_batch, make_person
    from kompeten.assessment.models import Assessment
    from kompeten.certificates.services import issue_competency
    from kompeten.programmes.models import TrainingPackage, Vocation
    from kompeten.reporting import refresh
    from kompeten.training.models import Enrolment

    v1, v2, v3 = Vocation.objects.filter(centres=balikpapan).order_by("code")[:3]
    w = Vocation.objects.filter(centres=bontang).exclude(pk__in=[v1.pk, v2.pk, v3.pk]).order_by("code").first()

    def package(centre, vocation, *, scheme=scheme, class_size=16, hours=160):
        return TrainingPackage.objects.create(centre=centre, vocation=vocation, code=f"p-{vocation.code}",
                                              name=vocation.name, hours=hours, class_size=class_size, scheme=scheme,
                                              required_documents=[])

    p1, p2, p3 = package(balikpapan, v1), package(balikpapan, v2, class_size=20, hours=300), package(
        balikpapan, v3, scheme=None)
    pw = package(bontang, w)
    serials = iter(range(500, 600))

    def people(batch, *statuses):
        found = []
        for status in statuses:
            person = make_person(full_name=f"Peserta {batch.pk}", serial=next(serials), registered_centre=batch.centre)
            found.append(Enrolment.objects.create(batch=batch, person=person, source="operator", status=status))
        return found

    def decide(enrolment, decision):
        return Assessment.objects.create(event=event, person=enrolment.person, enrolment=enrolment,
                                         status="approved", decision=decision,
                                         decided_at=_aware(datetime.date(2025, 4, 15)))

    day = datetime.date
    a = make_batch(balikpapan, programme_year, status="completed", capacity=5, package=p1,
                   start=day(2025, 3, 3), end=day(2025, 4, 4))
    a1, a2, a3, _a4, _a5 = people(a, "completed", "completed", "completed", "completed", "not_completed")
    issue_competency(decide(a1, "K"), issued_at=_aware(day(2025, 5, 2)))
    decide(a2, "K")
    decide(a3, "BK")
    b = make_batch(balikpapan, programme_year, status="running", capacity=5, package=p1,
                   start=day(2025, 8, 4), end=day(2025, 9, 26))
    people(b, "enrolled", "enrolled", "enrolled")
    Enrolment.objects.create(batch=b, person=a1.person, source="operator", status="enrolled")
    make_batch(balikpapan, programme_year, status="planned", capacity=4, package=p1,
               start=day(2025, 10, 6), end=day(2025, 11, 7))
    make_batch(balikpapan, programme_year, status="cancelled", capacity=8, package=p1,
               start=day(2025, 10, 6), end=day(2025, 11, 7))
    make_batch(balikpapan, programme_year, status="planned", capacity=16, package=p3,
               start=day(2025, 10, 6), end=day(2025, 11, 7))
    e = make_batch(bontang, programme_year, status="completed", capacity=2, package=pw,
                   start=day(2025, 3, 3), end=day(2025, 4, 4))
    e1, _e2 = people(e, "completed", "completed")
    issue_competency(decide(e1, "K"), issued_at=_aware(day(2025, 5, 2)))
    f = make_batch(bontang, programme_year, status="running", capacity=3, package=pw,
                   start=day(2025, 8, 4), end=day(2025, 9, 26))
    people(f, "enrolled", "enrolled")
    refresh.rebuild()
    return {"v1": v1, "v2": v2, "v3": v3, "w": w, "p1": p1, "p2": p2, "p3": p3, "pw": pw}


@pytest.mark.django_db
def test_the_loader_reads_the_tiny_year(year, balikpapan, bontang):
    inputs = load(2025, None, AS_OF)
    v1, w = year["v1"].pk, year["w"].pk
    assert inputs.observed[(balikpapan.pk, v1)] == Observed(seats=10, seated=9, finished=5, completed=4, decided=3,
                                                           competent=2, mature=2, certified=1)
    assert inputs.observed[(bontang.pk, w)] == Observed(seats=5, seated=4, finished=2, completed=2, decided=1,
                                                        competent=1, mature=1, certified=1)
    assert inputs.pipeline[(balikpapan.pk, v1)] == {"running": 3, "planned": 4, "awaiting_assessment": 1,
                                                    "awaiting_certificate": 1}
    assert inputs.pipeline[(bontang.pk, w)] == {"running": 2, "planned": 0, "awaiting_assessment": 1,
                                                "awaiting_certificate": 0}
    assert not any(inputs.pipeline.get((balikpapan.pk, year["v3"].pk), {}).values())  # no scheme: no certificate
    assert inputs.realised == {None: 2, balikpapan.pk: 1, bontang.pk: 1}
    assert sorted(p["pk"] for p in inputs.packages) == sorted([year["p1"].pk, year["p2"].pk, year["pw"].pk])


@pytest.mark.django_db
def test_a_reassessment_is_the_same_enrolment_and_absence_is_an_outcome(year, balikpapan, event, tuk_balikpapan,
                                                                         scheme, assessor_profile,
                                                                         operator_balikpapan):
    from kompeten.assessment import services
    from kompeten.assessment.models import Assessment
    from kompeten.reporting import refresh

    failed = Assessment.objects.get(event=event, decision="BK")
    unassessed = next(e for e in year["p1"].batches.get(number=1).enrolments.filter(status="completed")
                      if not e.assessments.exists())
    later = services.create_event(scheme=scheme, tuk=tuk_balikpapan, date=datetime.date(2025, 5, 20),
                                  assessors=[assessor_profile], centre=balikpapan, by=operator_balikpapan)
    Assessment.objects.create(event=later, person=failed.person, enrolment=failed.enrolment, previous=failed,
                              attempt=2, status="approved", decision="K", decided_at=_aware(datetime.date(2025, 5, 21)))
    Assessment.objects.create(event=later, person=unassessed.person, enrolment=unassessed, status="absent")
    refresh.rebuild()
    inputs = load(2025, None, AS_OF)
    seen = inputs.observed[(balikpapan.pk, year["v1"].pk)]
    # Four enrolments with an outcome (BK then K counts once; absent is an outcome), three of them Kompeten.
    assert (seen.decided, seen.competent, seen.mature, seen.certified) == (4, 3, 3, 1)
    assert inputs.pipeline[(balikpapan.pk, year["v1"].pk)] == {"running": 3, "planned": 4, "awaiting_assessment": 0,
                                                               "awaiting_certificate": 2}


@pytest.mark.django_db
def test_a_certificate_rate_waits_for_results_to_mature(year, balikpapan):
    """Results decided less than 30 days before the forecast's day are left out of the certificate rate."""
    inputs = load(2025, None, datetime.date(2025, 5, 10))
    assert inputs.observed[(balikpapan.pk, year["v1"].pk)].mature == 0


@pytest.mark.django_db
def test_expected_values_by_hand_without_smoothing(year, balikpapan, bontang):
    result = build(load(2025, None, AS_OF), pseudo=0)
    bpp = {c.centre_id: c for c in result.centres}[balikpapan.pk]
    # fill 9/10, completion 4/5, pass 2/3, certificate 1/2.
    assert bpp.pending["running"] == pytest.approx(3 * 0.8 * 2 / 3 * 0.5)  # 0.8
    assert bpp.pending["planned"] == pytest.approx(4 * 0.9 * 0.8 * 2 / 3 * 0.5)  # 0.96
    assert bpp.pending["awaiting_assessment"] == pytest.approx(2 / 3 * 0.5)
    assert bpp.pending["awaiting_certificate"] == pytest.approx(0.5)
    assert bpp.expected == pytest.approx(1 + 0.8 + 0.96 + 1 / 3 + 0.5)
    assert bpp.realised == 1 and bpp.target is None and bpp.gap == 0 and bpp.advice == []
    btg = {c.centre_id: c for c in result.centres}[bontang.pk]
    # Bontang's rates: fill 4/5, completion, pass and certificate 1: running 2, awaiting assessment 1.
    assert btg.expected == pytest.approx(1 + 2 + 1)
    assert result.total.expected == pytest.approx(bpp.expected + btg.expected)
    assert result.total.realised == 2


@pytest.mark.django_db
def test_a_gap_with_advice(year, balikpapan, programme_year):
    from kompeten.programmes.models import Target

    Target.objects.create(programme_year=programme_year, kind="certified", centre=balikpapan, number=20)
    Target.objects.create(programme_year=programme_year, kind="certified", number=30)
    inputs = load(2025, None, AS_OF)
    bpp = next(c for c in build(inputs, pseudo=0).centres if c.centre_id == balikpapan.pk)
    assert bpp.target == 20
    assert bpp.gap == 20 - 4  # expected 3.59
    # Per batch: class size × 0.9 × 0.8 × 2/3 × 0.5 = 0.24 per seat; V2 has no data: the centre's (the same) rates.
    assert [(a.vocation_id, a.package_id, a.batches, a.latest_start) for a in bpp.advice] == [
        (year["v2"].pk, year["p2"].pk, 4, datetime.date(2025, 11, 4)),  # 20 × 0.24 = 4.8: ⌈16 ÷ 4.8⌉ = 4
        (year["v1"].pk, year["p1"].pk, 5, datetime.date(2025, 12, 1)),  # 16 × 0.24 = 3.84: ⌈16 ÷ 3.84⌉ = 5
    ]
    assert bpp.advice[0].per_batch == pytest.approx(4.8)
    assert bpp.advice[0].vocation_name == year["v2"].name
    # Later in the year the 300-hour package no longer fits: the one that does comes first.
    inputs.as_of = datetime.date(2025, 11, 10)
    late = next(c for c in build(inputs, pseudo=0).centres if c.centre_id == balikpapan.pk)
    assert [(a.package_id, a.latest_start) for a in late.advice] == [
        (year["p1"].pk, datetime.date(2025, 12, 1)), (year["p2"].pk, None)]
    # The province: its own target, options from both centres.
    total = build(load(2025, None, AS_OF), pseudo=0).total
    assert total.target == 30 and total.gap == 30 - 8
    assert {a.package_id for a in total.advice} == {year["p1"].pk, year["p2"].pk, year["pw"].pk}
    # With the smoothing of the real forecast: the same shape, and the first option closes the gap.
    real = next(c for c in forecast(2025, today=AS_OF).centres if c.centre_id == balikpapan.pk)
    assert real.gap == 20 - math.floor(real.expected + 0.5) > 0
    first = real.advice[0]
    assert real.expected + first.batches * first.per_batch >= 20 - 0.5


@pytest.mark.django_db
def test_an_operator_sees_its_centres_and_their_total(year, balikpapan, bontang, programme_year):
    from kompeten.programmes.models import Target

    Target.objects.create(programme_year=programme_year, kind="certified", centre=balikpapan, sector_id="mining",
                          number=7)
    Target.objects.create(programme_year=programme_year, kind="certified", centre=balikpapan,
                          sector_id="construction", number=5)
    Target.objects.create(programme_year=programme_year, kind="certified", number=1500)
    province = forecast(2025, today=AS_OF)
    mine = forecast(2025, {balikpapan.pk}, today=AS_OF)
    assert [c.centre_id for c in province.centres] == sorted([balikpapan.pk, bontang.pk],
                                                             key=lambda pk: {balikpapan.pk: balikpapan.name,
                                                                             bontang.pk: bontang.name}[pk])
    assert [c.centre_id for c in mine.centres] == [balikpapan.pk]
    # A centre's forecast does not depend on who looks (the rates are the province's).
    assert mine.centres[0] == next(c for c in province.centres if c.centre_id == balikpapan.pk)
    assert mine.centres[0].target == 12  # the sum of its sector targets
    # The operator's total is its centres' only: not the province's target nor Bontang's people.
    assert mine.total.centre_id is None
    assert mine.total.target == 12
    assert mine.total.realised == 1
    assert mine.total.expected == pytest.approx(mine.centres[0].expected)
    assert (mine.total.low, mine.total.high) == (mine.centres[0].low, mine.centres[0].high)
    assert province.total.target == 1500
    assert province.total.realised == 2
    assert province.total.expected == pytest.approx(sum(c.expected for c in province.centres))
    assert province.total.low <= province.total.expected <= province.total.high
    assert forecast(2025, {bontang.pk}, today=AS_OF).total.realised == 1


@pytest.mark.django_db
def test_nothing_planned_and_nothing_pending(programme_year, balikpapan):
    result = forecast(2025, today=AS_OF)
    assert result.centres == []
    assert (result.total.realised, result.total.expected, result.total.low, result.total.high) == (0, 0, 0, 0)
    assert result.year == 2025 and result.as_of == AS_OF
    assert set(result.total.pending) == set(KINDS)


@pytest.mark.django_db
def test_a_bounded_number_of_queries(year, django_assert_max_num_queries):
    from kompeten.reporting.queries import Figures

    with django_assert_max_num_queries(9):
        forecast(2025, today=AS_OF)
    figures = Figures(2025)
    with django_assert_max_num_queries(8):
        forecast(2025, today=AS_OF, figures=figures)


@settings(max_examples=5, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(more=st.integers(1, 60))
@pytest.mark.django_db
def test_property_more_planned_capacity_in_the_database_never_lowers_the_forecast(year, balikpapan, programme_year,
                                                                                   more):
    from conftest import make_batch
    from kompeten.programmes.models import Batch

    before = forecast(2025, today=AS_OF)
    added = make_batch(balikpapan, programme_year, status="open", capacity=more, package=year["p1"],
                       start=datetime.date(2025, 11, 3), end=datetime.date(2025, 11, 28))
    after = forecast(2025, today=AS_OF)
    Batch.objects.filter(pk=added.pk).delete()
    assert after.total.expected > before.total.expected
    assert after.total.high >= before.total.high
