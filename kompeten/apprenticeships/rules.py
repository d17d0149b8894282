"""The rules of apprenticeship that need no database: Permenaker 6/2020 limits, the approving authority, the
order a company gets for applicants it did not rank, and the logbook gap. Plain Python (no Django imports)."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

MAX_APPRENTICE_SHARE = 20  # % of the company's employees (Permenaker 6/2020 art. 8(1)(c))
MAX_MONTHS = 12  # art. 11(1)
MIN_THEORY_PERCENT = 10  # art. 12(2): theory 10-25 % of the time, practice 75-90 %
MAX_THEORY_PERCENT = 25
LOGBOOK_GAP_DAYS = 21


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The day ``months`` later (the last day of a shorter month when needed)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_date(start: datetime.date, months: int) -> datetime.date:
    """The last day of a period of ``months`` starting on ``start``."""
    return add_months(start, months) - datetime.timedelta(days=1)


def max_apprentices(employees: int) -> int:
    """How many apprentices a company may have at once: 20 % of its employees, rounded down."""
    return employees * MAX_APPRENTICE_SHARE // 100


@dataclass(frozen=True)
class Problem:
    """A rule an offer breaks: a stable code, the form field it is about, and the numbers for the message."""

    code: str
    field: str
    params: dict


def check_offer(*, employees: int, slots: int, months: int, theory_percent: int, other_slots: int) -> list[Problem]:
    """The Permenaker 6/2020 limits on an offer. ``other_slots``: the slots of the company's other current
    offers whose period overlaps this one (all offers together count towards the 20 %)."""
    problems = []
    if months > MAX_MONTHS:
        problems.append(Problem("too_long", "months", {"months": months, "max": MAX_MONTHS}))
    if not MIN_THEORY_PERCENT <= theory_percent <= MAX_THEORY_PERCENT:
        problems.append(Problem("theory_share", "theory_percent",
                                {"percent": theory_percent, "min": MIN_THEORY_PERCENT, "max": MAX_THEORY_PERCENT}))
    limit = max_apprentices(employees)
    if slots + other_slots > limit:
        problems.append(Problem("over_quota", "slots", {
            "slots": slots, "other": other_slots, "limit": limit, "employees": employees,
            "share": MAX_APPRENTICE_SHARE}))
    return problems


def authority_for(location_codes: Iterable[str]) -> tuple[str, str]:
    """(level, region code) of the authority that approves a programme in these regencies / cities (dotted
    Kemendagri codes such as ``64.71``): one regency → that regency's Disnaker; several regencies of one
    province → the province; several provinces → the ministry ("")."""
    regencies = sorted({code[:5] for code in location_codes})
    if not regencies:
        raise ValueError("an offer takes place in at least one regency or city")
    if len(regencies) == 1:
        return "regency", regencies[0]
    provinces = {code[:2] for code in regencies}
    if len(provinces) == 1:
        return "province", provinces.pop()
    return "ministry", ""


def overlaps(start_a: datetime.date, end_a: datetime.date, start_b: datetime.date, end_b: datetime.date) -> bool:
    return start_a <= end_b and start_b <= end_a


@dataclass(frozen=True)
class CandidateFacts:
    """What the criteria look at for one applicant of one offer."""

    has_wanted_certificate: bool = False
    has_certificate: bool = False
    trained_in_wanted_vocation: bool = False
    completed_training: bool = False
    education_order: int = 0
    lives_nearby: bool = False
    applied_order: int = 0  # 0 = first to apply


def criteria_score(facts: CandidateFacts, criteria: list[str]) -> float:
    """A score that orders applicants by the criteria, the first criterion first (lexicographically); ties are
    broken by the lottery. Each criterion takes a band of digits so that a later one never outweighs an
    earlier one."""
    score = 0.0
    for criterion in dict.fromkeys(criteria):  # a criterion given twice counts once
        if criterion == "certificate":
            value, width = (2 if facts.has_wanted_certificate else 1 if facts.has_certificate else 0), 3
        elif criterion == "vocation":
            value, width = (2 if facts.trained_in_wanted_vocation else 1 if facts.completed_training else 0), 3
        elif criterion == "education":
            value, width = min(max(facts.education_order, 0), 99), 100
        elif criterion == "nearby":
            value, width = (1 if facts.lives_nearby else 0), 2
        elif criterion == "early":
            value, width = 9999 - min(max(facts.applied_order, 0), 9999), 10000
        else:
            raise ValueError(f"unknown criterion {criterion!r}")
        score = score * width + value
    return score


RANKED_BASE = 1e12  # a company's own ranking comes before every criteria score


def company_score(company_rank: int | None, criteria_value: float) -> float:
    """The priority an offer gives an applicant: the company's ranking when it ranked (1 = best), else the
    criteria score, below every ranked applicant."""
    if company_rank is not None:
        return RANKED_BASE * 2 - company_rank
    return criteria_value


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the week of ``day``."""
    return day - datetime.timedelta(days=day.weekday())


def logbook_gap(*, today: datetime.date, started_on: datetime.date, last_confirmed_week: datetime.date | None) -> int:
    """Days since the last confirmed week ended (or since the start): flagged when LOGBOOK_GAP_DAYS or more."""
    since = last_confirmed_week + datetime.timedelta(days=7) if last_confirmed_week else started_on
    return max((today - since).days, 0)


def is_flagged(*, today: datetime.date, started_on: datetime.date, last_confirmed_week: datetime.date | None) -> bool:
    return logbook_gap(today=today, started_on=started_on, last_confirmed_week=last_confirmed_week) >= LOGBOOK_GAP_DAYS
