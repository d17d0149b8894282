"""``kompeten apprenticeships ...``: the apprenticeship programme from the command line, for scripts and cron.

    kompeten apprenticeships progress --year 2025 [--json]     target against placements started / completed
    kompeten apprenticeships rounds [--json]                     matching rounds and their state
    kompeten apprenticeships match ROUND_ID [--publish]          run the matching of a closed round (again)
    kompeten apprenticeships flagged [--today YYYY-MM-DD] [--json]
                                                                 running placements without a confirmed logbook
                                                                 week for three weeks

They call the same functions as the pages (services.py, matching.py). Exit codes: 0 done, 2 bad input (an unknown
year or round, a bad date, a rule that says no); the message on stderr says what and where.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, bad_input, today_option


class Command(KompetenCommand):
    HELP = gettext_lazy("Apprenticeships: progress against the target, matching rounds, flagged placements.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        progress = sub.add_parser("progress", help=str(gettext_lazy("The year's target against placements.")))
        progress.add_argument("--year", type=int, required=True, help=str(gettext_lazy("Programme year.")))
        progress.add_argument("--json", dest="as_json", action="store_true",
                              help=str(gettext_lazy("Print one JSON object.")))
        rounds = sub.add_parser("rounds", help=str(gettext_lazy("List the matching rounds.")))
        rounds.add_argument("--json", dest="as_json", action="store_true",
                            help=str(gettext_lazy("Print one JSON array.")))
        match = sub.add_parser("match", help=str(gettext_lazy("Run the matching of a closed round.")))
        match.add_argument("round", type=int, help=str(gettext_lazy("Matching round id.")))
        match.add_argument("--publish", action="store_true",
                           help=str(gettext_lazy("Publish the result: draft the agreements of the placed.")))
        flagged = sub.add_parser("flagged", help=str(gettext_lazy(
            "Running placements without a confirmed logbook week for three weeks.")))
        flagged.add_argument("--today", help=str(gettext_lazy("Act as if today were this day (YYYY-MM-DD).")))
        flagged.add_argument("--json", dest="as_json", action="store_true",
                             help=str(gettext_lazy("Print one JSON array.")))

    def emit(self, data, as_json: bool, lines) -> None:
        if as_json:
            self.json_out(data)
        else:
            for line in lines:
                self.stdout.write(line)

    def do_progress(self, *, year, as_json=False, **_options):
        from kompeten.apprenticeships.services import target_progress
        from kompeten.programmes.models import ProgrammeYear

        programme_year = ProgrammeYear.objects.filter(year=year).first()
        if programme_year is None:
            raise bad_input(_("There is no programme year %(year)s.") % {"year": year})
        data = {"year": year, **target_progress(programme_year)}
        self.emit(data, as_json, [f"{key}: {value}" for key, value in data.items()])

    def do_rounds(self, *, as_json=False, **_options):
        from kompeten.apprenticeships.models import MatchingRound

        rows = [{"id": r.pk, "name": r.name, "year": r.programme_year.year, "status": r.status,
                 "opens_at": r.opens_at.isoformat(), "closes_at": r.closes_at.isoformat(),
                 "placed": r.summary.get("placed"), "candidates": r.summary.get("candidates")}
                for r in MatchingRound.objects.select_related("programme_year").order_by("opens_at", "pk")]
        self.emit(rows, as_json, [f"{r['id']:>4}  {r['status']:<10} {r['name']}  ({r['placed'] or 0}/"
                                  f"{r['candidates'] or 0})" for r in rows])

    def do_match(self, *, round, publish=False, **_options):
        from kompeten.apprenticeships import matching
        from kompeten.apprenticeships.models import MatchingRound

        matching_round = MatchingRound.objects.filter(pk=round).first()
        if matching_round is None:
            raise bad_input(_("There is no matching round %(id)s.") % {"id": round})
        summary = matching.match(matching_round, by=None)
        stable = not matching.blocking_pairs(matching_round)
        self.stdout.write(_("%(round)s: %(placed)s of %(candidates)s candidates placed in %(slots)s slots; "
                            "stable: %(stable)s") % {"round": matching_round.name, "placed": summary["placed"],
                                                     "candidates": summary["candidates"], "slots": summary["slots"],
                                                     "stable": _("yes") if stable else _("NO")})
        if publish:
            made = matching.publish(matching_round, by=None)
            self.stdout.write(_("Published: %(count)s agreements drafted.") % {"count": made})

    def do_flagged(self, *, today=None, as_json=False, **_options):
        from kompeten.apprenticeships.models import Placement
        from kompeten.apprenticeships.services import flagged

        day = today_option(today)
        rows = [{"id": p.pk, "agreement": p.agreement_number, "company": p.company.name, "person": p.person.full_name,
                 "started_on": p.started_on.isoformat() if p.started_on else None,
                 "last_confirmed_week": p.last_confirmed.isoformat() if p.last_confirmed else None}
                for p in flagged(Placement.objects.select_related("company", "person"), today=day)
                .order_by("company__name", "pk")]
        last_week = _("last confirmed week")
        self.emit(rows, as_json, [f"{r['agreement']}  {r['company']}  {r['person']}  "
                                  f"({last_week}: {r['last_confirmed_week'] or '-'})" for r in rows])
