"""Eligibility and priority: what the package requires, and the order a round's rules give.

Both work on one person and one batch at a time and return plain values, so the allocation, the
application form, the explanations and the recompute command all agree by construction.
"""

import datetime
import hashlib
from collections.abc import Sequence

from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from kompeten.registry.models import DocumentKind, EmploymentStatus
from kompeten.selection.models import PriorityRule

INELIGIBLE = {
    "batch_not_open": _("This batch does not take applications now."),
    "too_young": _("Younger than the minimum age (%(min_age)s) on the first day of training."),
    "too_old": _("Older than the maximum age (%(max_age)s) on the first day of training."),
    "education_unknown": _("Your education level is not filled in on your profile."),
    "education_too_low": _("Needs at least %(education)s."),
    "education_too_high": _("Open up to %(education)s only."),
    "domicile_unknown": _("Your address (village) is not filled in on your profile."),
    "domicile_outside": _("Only for residents of %(region)s."),
    "in_school": _("Only for people not in formal education."),
    "working": _("Only for people who are not working."),
    "in_training": _("You are already enrolled in a training."),
    "documents_missing": _("Upload your %(documents)s first."),
    "documents_rejected": _("Your documents were not accepted at the document check."),
    "documents_not_checked": _("Your documents have not been checked."),
}


def document_labels(kinds) -> str:
    """ "KTP and Ijazah (diploma)": the labels of document kinds, as a sentence lists them."""
    labels = [str(DocumentKind(kind).label) if kind in DocumentKind.values else kind for kind in kinds]
    return get_text_list(labels, _("and"))


def reason_text(code: str, package, *, missing_documents=None) -> str:
    """The reason in words. For "documents_missing", the kinds the person lacks; without them (a reason
    stored earlier), the package's required documents."""
    params = {
        "min_age": package.min_age, "max_age": package.max_age,
        "education": (package.min_education if code == "education_too_low" else package.max_education),
        "region": package.domicile.name if package.domicile_id else "",
    }
    if code == "documents_missing":
        params["documents"] = document_labels(missing_documents or package.required_documents or ())
    return str(INELIGIBLE[code]) % params


def ineligibility(person, batch, *, in_training: bool, documents_ok=None, documents_required=False,
                  check_status=True, missing_documents: Sequence[str] = ()) -> list[str]:
    """The reason codes that keep ``person`` out of ``batch`` (empty when eligible).

    ``missing_documents``: the kinds of the package's required documents that the person has not uploaded
    (registry.documents.missing_documents), looked up by the caller, which may do it for many persons at once.
    """
    package = batch.package
    reasons = []
    if check_status and batch.status != "open":
        reasons.append("batch_not_open")
    age = person.age_on(batch.start_date)
    if package.min_age and age < package.min_age:
        reasons.append("too_young")
    if package.max_age and age > package.max_age:
        reasons.append("too_old")
    if package.min_education_id or package.max_education_id:
        if person.education_id is None:
            reasons.append("education_unknown")
        else:
            order = person.education.order
            if package.min_education_id and order < package.min_education.order:
                reasons.append("education_too_low")
            if package.max_education_id and order > package.max_education.order:
                reasons.append("education_too_high")
    if package.domicile_id:
        if person.village_id is None:
            reasons.append("domicile_unknown")
        elif not person.village_id.startswith(package.domicile_id):
            reasons.append("domicile_outside")
    if package.require_not_in_school and person.employment_status == EmploymentStatus.STUDENT:
        reasons.append("in_school")
    if package.require_not_working and person.employment_status in (EmploymentStatus.EMPLOYED,
                                                                   EmploymentStatus.SELF_EMPLOYED):
        reasons.append("working")
    if in_training:
        reasons.append("in_training")
    if missing_documents:
        reasons.append("documents_missing")
    if documents_ok is False:
        reasons.append("documents_rejected")
    elif documents_required and documents_ok is None:
        reasons.append("documents_not_checked")
    return reasons


# Each rule's value range; the vector is read lexicographically (the first rule decides first).
RULE_RADIX = {
    PriorityRule.NEVER_TRAINED: 2,
    PriorityRule.DOMICILE: 2,
    PriorityRule.TEST_SCORE: 101,
    PriorityRule.INTERVIEW_SCORE: 101,
    PriorityRule.UNEMPLOYED_LONGER: 3651,
}


def rule_value(rule: str, *, person, batch, application, never_trained: bool, today: datetime.date) -> int:
    if rule == PriorityRule.NEVER_TRAINED:
        return int(never_trained)
    if rule == PriorityRule.DOMICILE:
        regency = batch.centre.region_id[:5]
        return int(bool(person.village_id) and person.village_id[:5] == regency)
    if rule == PriorityRule.TEST_SCORE:
        return min(application.test_score or 0, 100)
    if rule == PriorityRule.INTERVIEW_SCORE:
        return min(application.interview_score or 0, 100)
    if rule == PriorityRule.UNEMPLOYED_LONGER:
        registered = timezone.localdate(person.created_at) if person.created_at else today
        return max(0, min((today - registered).days, RULE_RADIX[rule] - 1))
    raise ValueError(f"unknown priority rule {rule!r}")


def combined_score(vector: list[int], rules: list[str]) -> int:
    """One integer that orders like the vector (mixed radix), for the engine's score column."""
    score = 0
    for value, rule in zip(vector, rules, strict=True):
        score = score * RULE_RADIX[rule] + value
    return score


def lottery_number(seed: str, closing_digest: str, public_ref: str) -> str:
    """The applicant's lottery number: SHA-256 of "seed:closing digest:public number", in hex.
    Smaller is earlier."""
    return hashlib.sha256(f"{seed}:{closing_digest}:{public_ref}".encode()).hexdigest()


def closing_digest(public_refs) -> str:
    """SHA-256 of the sorted public numbers (one per line) of a round's applications when it closed."""
    lines = "\n".join(sorted(public_refs))
    return hashlib.sha256(lines.encode()).hexdigest()


def deciding_rule(own: list[int], cutoff: list[int], rules: list[str]) -> str:
    """The first rule in which an applicant's vector differs from a cutoff's; "lottery" when none does."""
    for mine, theirs, rule in zip(own, cutoff, rules, strict=False):
        if mine != theirs:
            return rule
    return "lottery"
