"""``kompeten privacy ...``: personal-data rights (UU 27/2022) from the command line, for scripts and cron.

    kompeten privacy retention [--dry-run] [--today YYYY-MM-DD] [--json]
                                        apply the retention policy (services.apply_retention; daily from cron)
    kompeten privacy access-report --user EMAIL --from ISO --to ISO [--json]
                                        breach readiness: whose records the user viewed or exported in the window,
                                        and the facts of the notification letter
    kompeten privacy overdue [--json]   the open requests past their 3 × 24 hour deadline

Exit codes: 0 done, 2 bad input (an unknown user, a bad time); the message on stderr says what.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, bad_input, today_option


def _moment(value: str, option: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise bad_input(_("%(option)s must be a time as YYYY-MM-DDTHH:MM (ISO 8601), not %(value)r.")
                        % {"option": option, "value": value}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(KompetenCommand):
    HELP = gettext_lazy("Personal data: retention, access report for a breach, overdue requests.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        retention = sub.add_parser("retention", help=str(gettext_lazy("Apply the retention policy.")))
        retention.add_argument("--dry-run", action="store_true",
                               help=str(gettext_lazy("Only say what would be erased and deleted.")))
        retention.add_argument("--today", help=str(gettext_lazy("Act as if today were this day (YYYY-MM-DD).")))
        retention.add_argument("--json", dest="as_json", action="store_true")
        report = sub.add_parser("access-report", help=str(gettext_lazy(
            "Which persons' records a user viewed or exported between two times.")))
        report.add_argument("--user", required=True, help=str(gettext_lazy("The user's email.")))
        report.add_argument("--from", dest="start", required=True, help=str(gettext_lazy("Start (ISO 8601).")))
        report.add_argument("--to", dest="end", required=True, help=str(gettext_lazy("End (ISO 8601).")))
        report.add_argument("--json", dest="as_json", action="store_true")
        overdue = sub.add_parser("overdue", help=str(gettext_lazy("Open requests past their deadline.")))
        overdue.add_argument("--json", dest="as_json", action="store_true")

    def do_retention(self, *, dry_run=False, today=None, as_json=False, **_options):
        from kompeten.privacy.services import apply_retention

        result = apply_retention(today_option(today), dry_run=dry_run)
        if as_json:
            self.json_out(result)
            return
        verb = _("would be") if dry_run else _("were")
        self.stdout.write(_("%(persons)s persons %(verb)s erased, %(documents)s documents %(verb)s deleted.")
                          % {"persons": len(result["persons_erased"]), "documents": len(result["documents_deleted"]),
                             "verb": verb})

    def do_access_report(self, *, user, start, end, as_json=False, **_options):
        from kompeten.accounts.models import User
        from kompeten.privacy.services import access_report

        found = User.objects.filter(email__iexact=user.strip()).first()
        if found is None:
            raise bad_input(_("There is no user with the email %(email)s.") % {"email": user})
        report = access_report(found, _moment(start, "--from"), _moment(end, "--to"))
        if as_json:
            self.json_out(report)
            return
        letter = report["letter"]
        self.stdout.write(_("Accesses by %(user)s from %(start)s to %(end)s")
                          % {"user": report["user"], "start": start, "end": end})
        for row in report["persons"]:
            actions = ", ".join(f"{k} ×{n}" for k, n in sorted(row["actions"].items()))
            self.stdout.write(f"  #{row['person_id']}  {row['nik']}  {row['name']}  ({row['regency']})  {actions}")
        self.stdout.write("")
        self.stdout.write(_("Facts for the notification letter:"))
        self.stdout.write(_("  persons affected: %(n)s") % {"n": letter["number_of_persons"]})
        self.stdout.write(_("  kinds of data: %(kinds)s") % {"kinds": "; ".join(letter["kinds_of_data"]) or "-"})
        self.stdout.write(_("  time window: %(start)s – %(end)s (first access %(first)s, last %(last)s)")
                          % {"start": letter["time_window"]["from"], "end": letter["time_window"]["to"],
                             "first": letter["first_access"] or "-", "last": letter["last_access"] or "-"})
        for item in letter["per_regency"]:
            self.stdout.write(f"  {item['regency']} ({item['code'] or '-'}): {item['persons']}")
        if report["unattributed_exports"]:
            self.stdout.write(_("  %(n)s list exports in the window do not name their persons (older entries).")
                              % {"n": report["unattributed_exports"]})

    def do_overdue(self, *, as_json=False, **_options):
        from kompeten.privacy.services import overdue_requests

        now = timezone.now()
        rows = [{"id": req.pk, "kind": req.kind, "person_id": req.person_id, "status": req.status,
                 "received_at": req.received_at.isoformat(), "due_at": req.due_at.isoformat(),
                 "hours_overdue": round((now - req.due_at).total_seconds() / 3600, 1),
                 "centre": req.person.registered_centre.short_name if req.person.registered_centre else None}
                for req in overdue_requests(now)]
        if as_json:
            self.json_out(rows)
            return
        if not rows:
            self.stdout.write(_("No overdue requests."))
        for row in rows:
            self.stdout.write(_("#%(id)s %(kind)s person %(person_id)s: due %(due)s, %(hours)s h overdue")
                              % {"id": row["id"], "kind": row["kind"], "person_id": row["person_id"],
                                 "due": row["due_at"], "hours": row["hours_overdue"]})
