"""From the database to the pure engine and back: one round's allocation.

Inputs per round: the batches with their seats and reserved seats, the applications that are not
withdrawn, each with its ranked choices. Each choice is re-checked for eligibility (the person's
data may have changed since applying); ineligible choices stay on record with their reasons but do
not take part. Each remaining choice gets its priority vector (the round's rules, in order) and one
lottery number per applicant breaks ties. The engine returns the applicant-optimal stable matching
with reserves; this module stores it with the cutoffs that the explanations show.
"""

import csv
from collections import defaultdict
from pathlib import Path

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from kompeten.registry.documents import document_kinds, missing_documents, missing_from
from kompeten.registry.models import Person, PriorTraining
from kompeten.selection import engine
from kompeten.selection.models import Application, ApplicationStatus, Choice, RoundBatch
from kompeten.selection.rules import combined_score, deciding_rule, ineligibility, lottery_number, rule_value
from kompeten.training.models import Enrolment, EnrolmentStatus

OPEN = "open"


def person_groups(person) -> set[str]:
    """The reserve groups a person belongs to: women, persons with disabilities, their regency."""
    groups = set()
    if person.sex == "P":
        groups.add("women")
    if person.disability:
        groups.add("disability")
    if person.village_id:
        groups.add(f"regency:{person.village_id[:5]}")
    return groups


# Reserved seats are filled category by category in this order, after the open seats; an applicant
# in several groups takes a seat of the first one. Persons with disabilities first, then women, then
# regencies: a woman with a disability uses a disability seat and leaves the women's seats to others.
RESERVE_PRECEDENCE = ["disability", "women"]


def reserve_order(round_batches) -> list[str]:
    names = {group for rb in round_batches for group in rb.reserves}
    return ([g for g in RESERVE_PRECEDENCE if g in names]
            + sorted(names - set(RESERVE_PRECEDENCE)))


def lottery_int(hex_value: str) -> int:
    """The lottery number as an integer below 2**52 (exact in a float64, as CSV readers may parse it)."""
    return int(hex_value[:13], 16)


def _same_person(ref: str) -> Q:
    """Rows (with a ``person``) of any registration of the person whose identity is the outer ``ref``."""
    return Q(person_id=OuterRef(ref)) | Q(person__merged_into_id=OuterRef(ref))


def build_inputs(round_, *, rules=None, seats=None, today=None):
    """Everything the engine needs, plus what is needed to store and explain the result."""
    rules = list(rules if rules is not None else round_.rules)
    # Day-based rules are counted to the close of registration, so the result never depends on when it runs.
    today = today or timezone.localdate(round_.closes_at)
    round_batches = list(round_.round_batches.select_related(
        "batch__package__min_education", "batch__package__max_education", "batch__package__domicile",
        "batch__centre").order_by("batch_id"))
    index = {rb.batch_id: i for i, rb in enumerate(round_batches)}
    capacities = [(seats or {}).get(rb.batch_id, rb.seats) for rb in round_batches]
    applications = list(
        round_.applications.exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("person__education", "person__village")
        # A person's history spans the registrations record linkage merged (Person.identity): a training found
        # for the older registration counts for the newer one that applies, and the other way round.
        .annotate(identity=Coalesce("person__merged_into_id", "person_id"))
        .annotate(
            declared_before=Exists(Person.objects.same_as(OuterRef("identity")).filter(
                declared_prior_training=True)),
            trained_before=Exists(PriorTraining.objects.filter(_same_person("identity"))),
            enrolled_before=Exists(Enrolment.objects.filter(_same_person("identity"), status__in=[
                EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED])),
            in_training=Exists(Enrolment.objects.filter(person=OuterRef("person_id"),
                                                         status=EnrolmentStatus.ENROLLED)),
        ).order_by("id")
    )
    choices = defaultdict(list)
    for choice in Choice.objects.filter(application__in=applications).order_by("application_id", "rank"):
        choices[choice.application_id].append(choice)
    # The kinds of document every applicant has, in one query.
    kinds = document_kinds(round_.applications.exclude(status=ApplicationStatus.WITHDRAWN).values("person_id"))

    group_names = reserve_order(round_batches)
    groups = {name: [] for name in group_names}
    lottery, app_applicant, app_programme, app_rank, app_score = [], [], [], [], []
    checked = []  # (choice, reasons, vector) for every choice, to store
    for applicant_index, application in enumerate(applications):
        person = application.person
        application.lottery = lottery_number(round_.seed, round_.closing_digest, application.public_ref)
        lottery.append(lottery_int(application.lottery))
        member = person_groups(person)
        application.groups = sorted(member)
        for name in group_names:
            groups[name].append(name in member)
        never_trained = not (application.declared_before or application.trained_before
                             or application.enrolled_before)
        rank = 0
        for choice in choices[application.pk]:
            rb = round_batches[index[choice.batch_id]]
            reasons = ineligibility(person, rb.batch, in_training=application.in_training, check_status=False,
                                    documents_ok=application.documents_ok if round_.uses_document_check else None,
                                    documents_required=round_.uses_document_check,
                                    missing_documents=missing_from(kinds.get(person.pk, ()),
                                                                   rb.batch.package.required_documents))
            vector = [rule_value(rule, person=person, batch=rb.batch, application=application,
                                 never_trained=never_trained, today=today) for rule in rules]
            checked.append((choice, reasons, vector))
            if reasons:
                continue
            rank += 1
            app_applicant.append(applicant_index)
            app_programme.append(index[choice.batch_id])
            app_rank.append(rank)
            app_score.append(combined_score(vector, rules))
    instance = engine.Instance(
        capacities=capacities,
        reserves={name: [rb.reserves.get(name, 0) for rb in round_batches] for name in group_names},
        groups=groups, lottery=lottery, app_applicant=app_applicant, app_programme=app_programme,
        app_rank=app_rank, app_score=app_score,
    )
    return instance, round_batches, applications, checked, rules


def allocate_round(round_, *, save: bool, rules=None, seats=None) -> dict:
    """Run the engine on a round; with save=True store assignments, statuses and cutoffs."""
    instance, round_batches, applications, checked, rules = build_inputs(round_, rules=rules, seats=seats)
    result = engine.allocate(instance)
    assignment = [int(x) for x in result.assignment]
    categories = [engine.category_name(result, i) for i in range(len(applications))]
    summary = summarise(round_batches, applications, assignment)
    if not save:
        summary["assignment"] = {a.pk: (round_batches[p].batch_id if p >= 0 else None)
                                 for a, p in zip(applications, assignment, strict=True)}
        return summary

    vectors = {}
    for choice, reasons, vector in checked:
        choice.eligible, choice.ineligible_reasons, choice.priority = not reasons, reasons, vector
        vectors[(choice.application_id, choice.batch_id)] = vector
    Choice.objects.bulk_update([c for c, _, _ in checked], ["eligible", "ineligible_reasons", "priority"],
                               batch_size=2000)
    by_key = {(c.application_id, c.batch_id): c for c, _, _ in checked}
    admitted = defaultdict(lambda: defaultdict(list))  # batch -> category -> [(vector, lottery)]
    for application, programme, category in zip(applications, assignment, categories, strict=True):
        if programme >= 0:
            batch_id = round_batches[programme].batch_id
            application.assigned_choice = by_key[(application.pk, batch_id)]
            application.status = ApplicationStatus.ADMITTED
            application.seat_category = category
            admitted[batch_id][category].append((vectors[(application.pk, batch_id)], application.lottery))
        else:
            eligible_any = any(not r for c, r, _ in checked if c.application_id == application.pk)
            application.assigned_choice = None
            application.status = ApplicationStatus.NOT_ADMITTED if eligible_any else ApplicationStatus.INELIGIBLE
            application.seat_category = ""
    Application.objects.bulk_update(applications, ["lottery", "assigned_choice", "status", "seat_category",
                                                   "groups"], batch_size=2000)
    round_.allocation_result = {
        a.public_ref: (round_batches[p].batch_id if p >= 0 else None)
        for a, p in zip(applications, assignment, strict=True)
    }
    round_.save(update_fields=["allocation_result"])
    for rb, capacity in zip(round_batches, instance.capacities, strict=True):
        rb.cutoffs = cutoffs_for(rb, admitted[rb.batch_id], capacity)
    RoundBatch.objects.bulk_update(round_batches, ["cutoffs"])
    return summary


def cutoffs_for(round_batch, admitted_by_category, capacity) -> dict:
    """Per seat category: the priority of the last admitted applicant, when someone could be turned away.

    Reserved seats are filled after the open ones and revert to open when the group cannot fill them,
    so a batch that is not full has no cutoff at all; a reserve category has one only when all of its
    seats went to members of the group.
    """
    if sum(len(members) for members in admitted_by_category.values()) < capacity:
        return {}
    cutoffs = {}
    for category, members in admitted_by_category.items():
        if not members or (category != OPEN and len(members) < round_batch.reserves.get(category, 0)):
            continue
        # The last admitted: the lowest priority vector; among equals, the latest lottery number.
        vector, lottery = min(members, key=lambda m: (m[0], -lottery_int(m[1])))
        cutoffs[category] = {"vector": vector, "lottery": lottery}
    return cutoffs


def summarise(round_batches, applications, assignment) -> dict:
    """Counts for the round page and the what-if comparison."""
    per_batch = defaultdict(int)
    per_regency = defaultdict(int)
    never_trained_admitted = 0
    for application, programme in zip(applications, assignment, strict=True):
        if programme < 0:
            continue
        per_batch[round_batches[programme].batch_id] += 1
        person = application.person
        regency = person.village_id[:5] if person.village_id else ""
        never_trained = not (application.declared_before or application.trained_before
                             or application.enrolled_before)
        if never_trained:
            never_trained_admitted += 1
            per_regency[regency] += 1
    return {
        "applicants": len(applications),
        "admitted": sum(per_batch.values()),
        "never_trained_admitted": never_trained_admitted,
        "per_batch": dict(per_batch),
        "never_trained_per_regency": dict(per_regency),
        "batches": {rb.batch_id: str(rb.batch) for rb in round_batches},
    }



# Publishing the inputs and recomputing ----------------------------------------------------------------

def export_inputs(round_, directory) -> Path:
    """Write the round's stored inputs as the three CSV files ``kompeten allocate`` reads.

    No personal data: applicants are "A<application id>", groups are 0/1 columns, scores are the
    priority vectors folded into one number, lotteries come from the revealed seed.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    round_batches = list(round_.round_batches.order_by("batch_id"))
    group_names = reserve_order(round_batches)
    with open(directory / "programmes.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["programme_id", "capacity", *[f"reserve_{g}" for g in group_names]])
        for rb in round_batches:
            writer.writerow([f"B{rb.batch_id}", rb.seats, *[rb.reserves.get(g, 0) for g in group_names]])
    applications = list(round_.applications.exclude(status=ApplicationStatus.WITHDRAWN).order_by("id"))
    with open(directory / "applicants.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["applicant_id", "lottery", *group_names])
        for application in applications:
            lottery = lottery_int(lottery_number(round_.seed, round_.closing_digest, application.public_ref))
            writer.writerow([application.public_ref, lottery, *[int(g in application.groups) for g in group_names]])
    with open(directory / "applications.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["applicant_id", "rank", "programme_id", "score"])
        ranks = defaultdict(int)
        refs = {a.pk: a.public_ref for a in applications}
        for choice in Choice.objects.filter(application__in=applications, eligible=True).order_by(
                "application_id", "rank"):
            ranks[choice.application_id] += 1
            writer.writerow([refs[choice.application_id], ranks[choice.application_id], f"B{choice.batch_id}",
                             combined_score(choice.priority, round_.rules)])
    return directory


def seats_held(round_) -> dict[str, str]:
    """public number -> the programme id of the seat each application holds now ("" for none)."""
    return {
        ref: (f"B{batch_id}" if batch_id else "")
        for ref, batch_id in round_.applications.exclude(status=ApplicationStatus.WITHDRAWN)
        .values_list("public_ref", "assigned_choice__batch_id")
    }


def stored_result(round_) -> dict[str, str]:
    """public number -> programme id ("" when unassigned), as the allocation gave it."""
    return {ref: (f"B{batch_id}" if batch_id else "") for ref, batch_id in round_.allocation_result.items()}


def explain(application) -> list[dict]:
    """Why the applicant did not get each choice ranked above the one they got (or any choice).

    For each such choice: the batch's cutoff in the seat categories the applicant competed in, the
    applicant's own priority, and the first rule (or the lottery) that put the cutoff ahead.
    """
    from kompeten.selection.rules import INELIGIBLE, reason_text

    round_ = application.round
    assigned_rank = application.assigned_choice.rank if application.assigned_choice_id else None
    round_batches = {rb.batch_id: rb for rb in round_.round_batches.all()}
    rows = []
    for choice in application.choices.select_related("batch__package__domicile", "batch__package__min_education",
                                                     "batch__package__max_education"):
        if assigned_rank is not None and choice.rank >= assigned_rank:
            break
        row = {"choice": choice, "batch": choice.batch, "own": choice.priority, "categories": []}
        if not choice.eligible:
            # The documents still missing now (none: the package's required ones, as when it was decided).
            missing = (missing_documents(application.person, choice.batch.package.required_documents)
                       if "documents_missing" in choice.ineligible_reasons else None)
            row["ineligible"] = [reason_text(code, choice.batch.package, missing_documents=missing)
                                 for code in choice.ineligible_reasons if code in INELIGIBLE]
            rows.append(row)
            continue
        cutoffs = round_batches[choice.batch_id].cutoffs if choice.batch_id in round_batches else {}
        for category in [OPEN, *[g for g in application.groups if g in cutoffs]]:
            cutoff = cutoffs.get(category)
            if cutoff is None:
                continue
            rule = deciding_rule(choice.priority, cutoff["vector"], round_.rules)
            row["categories"].append({"category": category, "cutoff": cutoff["vector"], "rule": rule,
                                      "cutoff_lottery": cutoff["lottery"]})
        rows.append(row)
    return rows
