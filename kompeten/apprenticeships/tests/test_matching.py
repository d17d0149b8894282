"""A matching round (matching.py): the selection engine run as a two-sided market.

A worked round end to end (company rankings, a rejection, an applicant who became ineligible, an offer partly
taken by a direct placement), and a property over random small markets: the stored matching is the
candidate-proposing deferred acceptance of the preferences, so within capacity and without a blocking pair. The
checks compute the offers' priorities and the blocking pairs from the preferences themselves, not from what
matching.py stored."""

import datetime
import hashlib
from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_person
from kompeten.apprenticeships import matching, services
from kompeten.apprenticeships.models import Application, MatchingRound, Placement
from kompeten.apprenticeships.tests.conftest import ROUND_DAY, make_offer
from kompeten.core.errors import DomainError
from kompeten.reference.models import EducationLevel, Region

pytestmark = pytest.mark.django_db

SEED = "uji-putaran-2025"


def lottery(seed, person_id) -> int:
    """The round's lottery number, written out from its definition (smaller first)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{person_id}".encode()).digest()[:8], "big") >> 1


def village(regency: str) -> Region:
    return Region.objects.filter(level="village", code__startswith=f"{regency}.").order_by("code").first()


def outcomes(matching_round) -> dict:
    """(person id, offer id) -> (outcome, explanation, score) of every application of the round."""
    return {(a.person_id, a.offer_id): (a.outcome, a.explanation, a.score)
            for a in Application.objects.filter(offer__matching_round=matching_round)}


def assignment_of(matching_round) -> dict[int, int]:
    placed = list(Application.objects.filter(offer__matching_round=matching_round, outcome="placed")
                  .values_list("person_id", "offer_id"))
    assert len({p for p, _o in placed}) == len(placed), "a person placed twice"
    return dict(placed)


# --------------------------------------------------------------------------------------------------
# A worked round
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def market(trained, completed_batch, company, other_company, programme_year, matching_round, company_user,
           other_company_user, operator_balikpapan):
    """A closed round of four offers and eight candidates, ready to match.

    A  Mekanik (company, 2 slots, wants the batch's vocation)   ranks p3, t2, t0
    B  Operator (company, 1 slot)                               ranks t2; rejects p5
    C  Kasir (other company, 2 slots, SMK at least, Bontang)
    D  Gudang (other company, 2 slots, Bontang; criteria: nearby, then education)
                                                                ranks p5; one slot taken by p7's direct placement

    t0 [A, B]   t1 [A, C] (education corrected to SMA after applying)   t2 [B, A]   p3 [A, D] (lives in Balikpapan)
    p4 [D, B]   p5 [B, D, A]   p6 [C, D] (lives in Bontang)   p7 [A] (then placed directly in D)
    """
    smk, sma = EducationLevel.objects.get(code="SMK"), EducationLevel.objects.get(code="SMA")
    matching_round.pool = "all"
    matching_round.save()
    a = make_offer(company, programme_year, title="Mekanik", slots=2, matching_round=matching_round)
    a.vocations.add(completed_batch.package.vocation)
    b = make_offer(company, programme_year, title="Operator", slots=1, occupation="8342", matching_round=matching_round)
    c = make_offer(other_company, programme_year, title="Kasir", slots=2, occupation="5230", locations=("64.74",),
                   min_education=smk, matching_round=matching_round)
    d = make_offer(other_company, programme_year, title="Gudang", slots=2, occupation="9333", locations=("64.74",),
                   matching_round=matching_round, criteria=["nearby", "education"])
    t0, t1, t2 = trained
    t1.education = smk
    t1.save()
    p3 = make_person(full_name="Putu", serial=31, education=smk, village=village("64.71"))
    p4 = make_person(full_name="Rahmat", serial=32, education=sma)
    p5 = make_person(full_name="Sari", serial=33)
    p6 = make_person(full_name="Yosef", serial=34, education=smk, village=village("64.74"))
    p7 = make_person(full_name="Lina", serial=35)
    lists = {t0: [a, b], t1: [a, c], t2: [b, a], p3: [a, d], p4: [d, b], p5: [b, d, a], p6: [c, d], p7: [a]}
    for who, offers in lists.items():
        services.apply(who, matching_round, offers, by=None, today=ROUND_DAY)
    services.close_round(matching_round, by=operator_balikpapan)

    def app(who, offer):
        return Application.objects.get(person=who, offer=offer)

    services.rank_applicants(a, [app(p3, a), app(t2, a), app(t0, a)], by=company_user)
    services.rank_applicants(b, [app(t2, b)], by=company_user)
    services.decide(app(p5, b), decision="rejected", note="tidak lulus tes", by=company_user)
    services.rank_applicants(d, [app(p5, d)], by=other_company_user)
    t1.education = sma  # corrected after applying: no longer meets C's minimum
    t1.save()
    services.place_direct(p7, d, by=operator_balikpapan, reason="permintaan perusahaan", today=ROUND_DAY)
    MatchingRound.objects.filter(pk=matching_round.pk).update(lottery_seed=SEED)
    matching_round.refresh_from_db()
    persons = {"t0": t0, "t1": t1, "t2": t2, "p3": p3, "p4": p4, "p5": p5, "p6": p6, "p7": p7}
    return {"round": matching_round, "A": a, "B": b, "C": c, "D": d, **persons,
            "lists": {who.pk: [o.pk for o in offers] for who, offers in lists.items()}}


def run(market, by):
    return matching.match(market["round"], by=by, today=ROUND_DAY)


def test_the_worked_round(market, province_admin):
    m = market
    summary = run(m, province_admin)
    a, b, c, d = m["A"], m["B"], m["C"], m["D"]
    assert summary["capacity"] == {str(a.pk): 2, str(b.pk): 1, str(c.pk): 2, str(d.pk): 1}  # D: one taken
    assert summary["filled"] == {str(a.pk): 2, str(b.pk): 1, str(c.pk): 1, str(d.pk): 1}
    assert (summary["offers"], summary["slots"], summary["candidates"]) == (4, 6, 8)
    assert (summary["placed"], summary["not_placed"]) == (5, 3)
    # t0, t2, p3 and p6 got their own first choice; p5 got D, her second (her first rejected her).
    assert summary["first_choice"] == 4

    assert assignment_of(m["round"]) == {m["t0"].pk: a.pk, m["t2"].pk: b.pk, m["p3"].pk: a.pk,
                                         m["p5"].pk: d.pk, m["p6"].pk: c.pk}
    got = outcomes(m["round"])

    def of(name, offer):
        outcome, explanation, _score = got[(m[name].pk, offer.pk)]
        return outcome, explanation

    # The company's own ranking: its rank-1 applicant who chose it first is placed there.
    assert of("p3", a) == ("placed", {"position": 1})
    assert of("t2", b) == ("placed", {"position": 1})
    assert of("t0", a) == ("placed", {"position": 3})
    assert of("t0", b) == ("not_placed", {"lower_choice": True})
    assert of("t2", a) == ("not_placed", {"lower_choice": True})
    assert of("p3", d) == ("not_placed", {"lower_choice": True})
    # Rejected, ineligible and already placed applicants are out of the market, with the reason.
    assert of("p5", b) == ("excluded", {"reasons": ["rejected"]})
    assert of("t1", c) == ("excluded", {"reasons": ["education"]})
    assert of("p7", a) == ("excluded", {"reasons": ["already_placed"]})
    # Unranked applicants follow the ranked ones by the criteria: t1 (trained in the wanted vocation) before
    # p5; D puts p6 (lives in Bontang) before p3 (SMK) before p4 (SMA).
    assert of("t1", a) == ("not_placed", {"position": 4, "slots": 2, "last_placed": 3})
    assert of("p5", a) == ("not_placed", {"lower_choice": True})
    assert of("p5", d) == ("placed", {"position": 1})
    assert of("p6", c) == ("placed", {"position": 1})
    assert of("p6", d) == ("not_placed", {"lower_choice": True})
    assert of("p4", d) == ("not_placed", {"position": 4, "slots": 1, "last_placed": 1})
    assert of("p4", b) == ("not_placed", {"position": 3, "slots": 1, "last_placed": 1})
    scores = {key: score for key, (_o, _e, score) in got.items()}
    assert scores[(m["p3"].pk, a.pk)] > scores[(m["t2"].pk, a.pk)] > scores[(m["t0"].pk, a.pk)] > scores[
        (m["t1"].pk, a.pk)] > scores[(m["p5"].pk, a.pk)]

    check_explanations(m["round"], m["lists"])
    assert matching.blocking_pairs(m["round"]) == []
    m["round"].refresh_from_db()
    assert (m["round"].status, m["round"].lottery_seed) == ("matched", SEED)


def test_no_offer_over_its_capacity_and_the_excluded_never_placed(market, province_admin):
    run(market, province_admin)
    summary = MatchingRound.objects.get(pk=market["round"].pk).summary
    placed = defaultdict(int)
    for _person, offer in assignment_of(market["round"]).items():
        placed[offer] += 1
    for offer in (market["A"], market["B"], market["C"], market["D"]):
        assert placed[offer.pk] <= offer.slots - services.taken_slots(offer) == summary["capacity"][str(offer.pk)]
    assert not Application.objects.filter(decision="rejected", outcome="placed").exists()
    assert set(Application.objects.filter(outcome="excluded").values_list("person__full_name", "offer__title")) == {
        ("Sari", "Operator"), ("Dewi Lestari", "Kasir"), ("Lina", "Mekanik")}


def test_matching_again_before_publishing_gives_the_same_result(market, province_admin):
    first_summary = run(market, province_admin)
    first = outcomes(market["round"])
    Application.objects.filter(offer__matching_round=market["round"]).update(outcome="", explanation={}, score=0)
    second_summary = run(market, province_admin)
    assert outcomes(market["round"]) == first
    assert second_summary == first_summary
    assert MatchingRound.objects.get(pk=market["round"].pk).lottery_seed == SEED


def test_a_round_gets_a_lottery_seed_once(market, province_admin):
    MatchingRound.objects.filter(pk=market["round"].pk).update(lottery_seed="")
    run(market, province_admin)
    seed = MatchingRound.objects.get(pk=market["round"].pk).lottery_seed
    assert len(seed) == 32
    run(market, province_admin)
    assert MatchingRound.objects.get(pk=market["round"].pk).lottery_seed == seed


def test_publish_makes_exactly_the_placed_placements_and_locks_the_round(market, province_admin, company_user):
    m = market
    run(m, province_admin)
    expected = {(a.person_id, a.offer_id, a.pk) for a in Application.objects.filter(outcome="placed")}
    assert matching.publish(m["round"], by=province_admin) == 5
    made = Placement.objects.filter(source="matching")
    assert {(p.person_id, p.offer_id, p.application_id) for p in made} == expected
    assert all(p.status == "draft" and p.company_id == p.offer.company_id for p in made)
    assert Placement.objects.filter(source="direct").count() == 1  # p7's, untouched
    m["round"].refresh_from_db()
    assert m["round"].status == "published" and m["round"].published_at is not None
    with pytest.raises(DomainError) as info:
        services.decide(Application.objects.get(person=m["p4"], offer=m["D"]), decision="accepted", by=company_user)
    assert info.value.code == "decision_locked"
    with pytest.raises(DomainError) as info:
        matching.match(m["round"], by=province_admin, today=ROUND_DAY)
    assert info.value.code == "round_state"
    with pytest.raises(DomainError) as info:
        matching.publish(m["round"], by=province_admin)
    assert info.value.code == "round_state"
    assert matching.blocking_pairs(m["round"]) == []


def test_matching_needs_a_closed_round(matching_round, province_admin):
    with pytest.raises(DomainError) as info:
        matching.match(matching_round, by=province_admin)
    assert info.value.code == "round_state"
    with pytest.raises(DomainError) as info:
        matching.publish(matching_round, by=province_admin)
    assert info.value.code == "round_state"


def test_an_offer_closed_between_two_matchings_keeps_no_placed_outcome(market, province_admin, company_user):
    """Matching again after an offer left the round: its applications must not keep the earlier outcome, or
    publishing would place someone twice or in a closed offer."""
    m = market
    run(m, province_admin)
    services.close_offer(m["A"], by=company_user)  # the company withdraws Mekanik after the first matching
    summary = run(m, province_admin)
    assert summary["offers"] == 3
    assert not Application.objects.filter(offer=m["A"], outcome="placed").exists()
    check_explanations(m["round"], m["lists"])
    assert matching.blocking_pairs(m["round"]) == []
    made = matching.publish(m["round"], by=province_admin)
    assert made == summary["placed"] == Placement.objects.filter(source="matching").count()
    assert not Placement.objects.filter(offer=m["A"]).exists()


def test_publish_refuses_when_a_slot_was_taken_meanwhile(market, province_admin, operator_balikpapan):
    """A direct placement between matching and publishing leaves the matched result over capacity: publishing
    refuses as a whole (the round stays matched, to be matched again)."""
    m = market
    run(m, province_admin)
    outsider = make_person(full_name="Orang Luar", serial=40)
    m["B"].slots = 2
    m["B"].save()
    services.place_direct(outsider, m["B"], by=operator_balikpapan, reason="mendesak", today=ROUND_DAY)
    m["B"].slots = 1
    m["B"].save()
    with pytest.raises(DomainError) as info:
        matching.publish(m["round"], by=province_admin)
    assert info.value.code == "offer_full"
    assert MatchingRound.objects.get(pk=m["round"].pk).status == "matched"
    assert not Placement.objects.filter(source="matching").exists()
    summary = run(m, province_admin)  # B has no free slot now: t2 goes to A, her second choice
    assert summary["capacity"][str(m["B"].pk)] == 0
    assert assignment_of(m["round"])[m["t2"].pk] == m["A"].pk
    assert matching.publish(m["round"], by=province_admin) == summary["placed"]


def check_explanations(matching_round, lists):
    """Every application's explanation agrees with the stored outcomes: a candidate not placed at an offer they
    wanted more than what they got stood below the last one placed there, and the offer was full."""
    summary = MatchingRound.objects.get(pk=matching_round.pk).summary
    capacity = {int(k): v for k, v in summary["capacity"].items()}
    filled = {int(k): v for k, v in summary["filled"].items()}
    apps = {(a.person_id, a.offer_id): a for a in Application.objects.filter(offer__matching_round=matching_round,
                                                                           offer_id__in=capacity)}
    last_placed = defaultdict(int)
    for a in apps.values():
        if a.outcome == "placed":
            last_placed[a.offer_id] = max(last_placed[a.offer_id], a.explanation["position"])
    got = assignment_of(matching_round)
    for person_id, offers in lists.items():
        offers = [o for o in offers if o in capacity]
        above = True
        for offer_id in offers:
            a = apps[(person_id, offer_id)]
            if a.outcome == "placed":
                assert got[person_id] == offer_id
                assert set(a.explanation) == {"position"}
                assert 1 <= a.explanation["position"] <= last_placed[offer_id]
                above = False
            elif a.outcome == "excluded":
                assert a.explanation["reasons"]
            else:
                assert a.outcome == "not_placed"
                if not above:
                    assert a.explanation == {"lower_choice": True}
                else:
                    e = a.explanation
                    assert e["slots"] == capacity[offer_id] and e["last_placed"] == last_placed[offer_id]
                    assert e["position"] > e["last_placed"]
                    assert filled[offer_id] == capacity[offer_id]  # full, or they would have been placed


# --------------------------------------------------------------------------------------------------
# Random small markets
# --------------------------------------------------------------------------------------------------


@st.composite
def markets(draw):
    n_offers = draw(st.integers(2, 5))
    slots = [draw(st.integers(0, 3)) for _ in range(n_offers)]
    offers = [{"slots": s, "direct": draw(st.integers(0, s)), "smk": draw(st.booleans()),
               "regency": draw(st.sampled_from(["64.71", "64.74"]))} for s in slots]
    n_people = draw(st.integers(1, 10))
    people = [{"education": draw(st.sampled_from([None, "SMA", "SMK"])),
               "lives": draw(st.sampled_from([None, "64.71", "64.74"])),
               "prefs": list(draw(st.permutations(range(n_offers))))[:draw(st.integers(0, n_offers))]}
              for _ in range(n_people)]
    rejected = {(i, o) for i, person in enumerate(people) for o in person["prefs"] if draw(st.integers(0, 4)) == 0}
    ranks = {}
    for o in range(n_offers):
        applicants = [i for i, person in enumerate(people) if o in person["prefs"] and (i, o) not in rejected]
        order = draw(st.permutations(applicants))
        for rank, i in enumerate(order[:draw(st.integers(0, len(order)))], start=1):
            ranks[(i, o)] = rank
    return {"offers": offers, "people": people, "rejected": rejected, "ranks": ranks,
            "seed": draw(st.sampled_from(["a", "b", "c", "d"]))}


def deferred_acceptance(prefs, capacity, priority):
    """Candidate-proposing deferred acceptance, written plainly. prefs: person -> acceptable offers, best first;
    priority[offer][person]: smaller is better."""
    next_choice = dict.fromkeys(prefs, 0)
    held = {o: [] for o in capacity}
    free = sorted(prefs)
    while free:
        person = free.pop()
        if next_choice[person] >= len(prefs[person]):
            continue
        offer = prefs[person][next_choice[person]]
        next_choice[person] += 1
        held[offer].append(person)
        held[offer].sort(key=lambda p, o=offer: priority[o][p])
        if len(held[offer]) > capacity[offer]:
            free.append(held[offer].pop())
    return {p: o for o, holders in held.items() for p in holders}


def blocking(prefs, capacity, priority, assignment):
    """(person, offer) pairs where the person wants the offer more than what they got and the offer has a free
    slot or holds someone it ranks below the person."""
    holders = defaultdict(list)
    for p, o in assignment.items():
        holders[o].append(p)
    pairs = []
    for p, wanted in prefs.items():
        own = assignment.get(p)
        for o in wanted:
            if own is not None and wanted.index(o) >= wanted.index(own):
                break
            if len(holders[o]) < capacity[o] or any(priority[o][q] > priority[o][p] for q in holders[o]):
                pairs.append((p, o))
    return pairs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(market=markets())
def test_random_markets_are_matched_stably_within_capacity(market, company, other_company, programme_year,
                                                          province_admin):
    smk = EducationLevel.objects.get(code="SMK")
    villages = {regency: village(regency) for regency in ("64.71", "64.74")}
    with transaction.atomic():
        matching_round = MatchingRound.objects.create(
            programme_year=programme_year, name="Acak", opens_at=datetime.date(2025, 5, 1),
            closes_at=datetime.date(2025, 5, 31), pool="all", status="closed", lottery_seed=market["seed"])
        offers = []
        for o, spec in enumerate(market["offers"]):
            offer = make_offer(company if o % 2 else other_company, programme_year, title=f"Lowongan {o}",
                               slots=spec["slots"], locations=(spec["regency"],), matching_round=matching_round,
                               min_education=smk if spec["smk"] else None)
            offers.append(offer)
            for k in range(spec["direct"]):  # slots taken outside the round
                outsider = make_person(full_name=f"Luar {o}-{k}", serial=500 + 10 * o + k)
                Placement.objects.create(person=outsider, offer=offer, company=offer.company, source="direct",
                                         agreement_number=f"LUAR/{o}/{k}", start_date=offer.start_date,
                                         end_date=offer.end_date)
        education = {code: EducationLevel.objects.get(code=code) for code in ("SMA", "SMK")}
        persons = [make_person(full_name=f"Calon {i}", serial=100 + i,
                               education=education.get(spec["education"]),
                               village=villages.get(spec["lives"]))
                   for i, spec in enumerate(market["people"])]
        for i, spec in enumerate(market["people"]):
            for rank, o in enumerate(spec["prefs"], start=1):
                rejected = (i, o) in market["rejected"]
                Application.objects.create(person=persons[i], offer=offers[o], rank=rank,
                                           decision="rejected" if rejected else "pending",
                                           company_rank=market["ranks"].get((i, o)))

        matching.match(matching_round, by=province_admin, today=ROUND_DAY)

        # The market, from the preferences alone.
        def acceptable(i, o):
            eligible = not market["offers"][o]["smk"] or market["people"][i]["education"] == "SMK"
            return eligible and (i, o) not in market["rejected"]

        def priority(i, o):
            rank = market["ranks"].get((i, o))
            if rank is not None:
                return (0, rank)
            nearby = market["people"][i]["lives"] == market["offers"][o]["regency"]  # the only criterion that
            return (1, -int(nearby), lottery(market["seed"], persons[i].pk))  # differs: no one trained/certified

        prefs = {i: [o for o in spec["prefs"] if acceptable(i, o)] for i, spec in enumerate(market["people"])}
        capacity = {o: spec["slots"] - spec["direct"] for o, spec in enumerate(market["offers"])}
        ranking = {o: {i: priority(i, o) for i in prefs if o in prefs[i]} for o in capacity}
        expected = deferred_acceptance(prefs, capacity, ranking)

        stored = assignment_of(matching_round)
        person_index = {p.pk: i for i, p in enumerate(persons)}
        offer_index = {offer.pk: o for o, offer in enumerate(offers)}
        assignment = {person_index[p]: offer_index[o] for p, o in stored.items()}

        assert blocking(prefs, capacity, ranking, assignment) == []
        for o, held in capacity.items():
            assert sum(1 for x in assignment.values() if x == o) <= held
        for i, o in assignment.items():
            assert acceptable(i, o)
        assert assignment == expected  # the candidate-optimal stable matching, hence unique
        assert matching.blocking_pairs(matching_round) == []

        for a in Application.objects.filter(offer__matching_round=matching_round):
            i, o = person_index[a.person_id], offer_index[a.offer_id]
            assert (a.outcome == "excluded") == (not acceptable(i, o))
            if a.outcome != "excluded" and "position" in a.explanation:
                better = sum(1 for j in ranking[o] if ranking[o][j] < ranking[o][i])
                assert a.explanation["position"] == better + 1
        check_explanations(matching_round, {p.pk: [offers[o].pk for o in market["people"][i]["prefs"]]
                                            for i, p in enumerate(persons)})
        summary = MatchingRound.objects.get(pk=matching_round.pk).summary
        assert summary["placed"] == len(expected)
        assert summary["first_choice"] == sum(1 for i, o in expected.items() if market["people"][i]["prefs"][0] == o)
        transaction.set_rollback(True)
