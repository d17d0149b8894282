"""``kompeten tracer ...``: the outcome tracer from the command line, for cron and scripts.

    kompeten tracer schedule [--today YYYY-MM-DD]     create the surveys due (3, 6, 12 months after a completion)
    kompeten tracer send [--today YYYY-MM-DD]         send the due surveys and the reminders (with consent only)
    kompeten tracer rates [--json] [--months 6] [--by centre|vocation|sector|cohort] [--year 2025]
                                                      placement rates, with non-response and its reasons

Run ``schedule`` then ``send`` daily. They call the same functions as the pages (tracer.py). Exit codes: 0 done,
2 bad input (a bad date, months or grouping); the message on stderr says what.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, today_option


class Command(KompetenCommand):
    HELP = gettext_lazy("Outcome tracer: schedule and send the surveys, placement rates.")

    def add_arguments(self, parser):
        from kompeten.jobs.tracer import GROUPS

        sub = parser.add_subparsers(dest="action", required=True)
        today_help = str(gettext_lazy("Act as if today were this day (YYYY-MM-DD)."))
        schedule = sub.add_parser("schedule", help=str(gettext_lazy("Create the surveys that are due.")))
        schedule.add_argument("--today", help=today_help)
        send = sub.add_parser("send", help=str(gettext_lazy("Send the due surveys and reminders.")))
        send.add_argument("--today", help=today_help)
        send.add_argument("--json", dest="as_json", action="store_true",
                          help=str(gettext_lazy("Print one JSON object.")))
        rates = sub.add_parser("rates", help=str(gettext_lazy("Placement rates per group.")))
        rates.add_argument("--months", type=int, default=6, help=str(gettext_lazy("3, 6 or 12 (default 6).")))
        rates.add_argument("--by", default="centre", help="|".join(GROUPS))
        rates.add_argument("--year", type=int, help=str(gettext_lazy("Completions of this year only.")))
        rates.add_argument("--today", help=today_help)
        rates.add_argument("--json", dest="as_json", action="store_true",
                           help=str(gettext_lazy("Print one JSON object.")))

    def do_schedule(self, *, today=None, **_options):
        from kompeten.jobs import tracer

        created = tracer.schedule(today_option(today))
        self.stdout.write(_("%(count)s surveys scheduled.") % {"count": created})

    def do_send(self, *, today=None, as_json=False, **_options):
        from kompeten.jobs import tracer

        counts = tracer.send_due(today_option(today))
        if as_json:
            self.json_out(counts, indent=None)
            return
        self.stdout.write(_("%(sent)s surveys sent, %(reminded)s reminders; not asked: %(no_consent)s without "
                            "consent, %(no_contact)s without phone or email; %(deferred)s wait for the next run.")
                          % counts)

    def do_rates(self, *, months=6, by="centre", year=None, today=None, as_json=False, **_options):
        from kompeten.jobs import tracer

        day = today_option(today)
        rows = tracer.rates(months, by, year, today=day)
        total = tracer.rates_total(months, year, today=day)
        if as_json:
            self.json_out({"months": months, "by": by, "year": year, "rows": rows, "total": total})
            return
        for row in [*rows, total]:
            self.stdout.write(_("%(label)s: %(due)s due, %(sent)s sent, %(not_asked)s not asked (no consent), "
                                "%(answered)s answered (%(response)s), %(working)s working (%(rate)s of all)") % {
                "label": row["label"], "due": row["due"], "sent": row["sent"],
                "not_asked": row["not_asked_no_consent"], "answered": row["answered"],
                "response": _percent(row["response_rate"]), "working": row["working"],
                "rate": _percent(row["working_rate_all"])})


def _percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.0f} %"
