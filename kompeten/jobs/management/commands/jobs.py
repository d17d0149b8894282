"""``kompeten jobs ...``: candidate profiles and matching from the command line, for scripts and cron.

    kompeten jobs refresh-profiles [--person ID ...] [--expired]
                                        recompute candidate profiles: every person (after a bulk load), the given
                                        persons, or (--expired, daily from cron) those whose competency certificate
                                        expired since their profile was computed
    kompeten jobs shortlist VACANCY_ID [--json] [--limit N] [--today YYYY-MM-DD]
                                        the best consenting candidates for a vacancy, with the reasons of each score

They call the same functions as the pages (profiles.py, shortlist.py). Exit codes: 0 done, 2 bad input (an unknown
vacancy, a bad number or date); the message on stderr says what.
"""

from __future__ import annotations

import time

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, bad_input, today_option


class Command(KompetenCommand):
    HELP = gettext_lazy("Jobs: refresh candidate profiles, shortlist the candidates of a vacancy.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh-profiles", help=str(gettext_lazy("Recompute candidate profiles.")))
        refresh.add_argument("--person", type=int, action="append", dest="persons", metavar="ID",
                             help=str(gettext_lazy("Only this person (repeatable).")))
        refresh.add_argument("--expired", action="store_true", help=str(gettext_lazy(
            "Only persons whose competency certificate expired since their profile was computed.")))
        shortlist = sub.add_parser("shortlist", help=str(gettext_lazy("The best candidates for a vacancy.")))
        shortlist.add_argument("vacancy", help=str(gettext_lazy("Vacancy id.")))
        shortlist.add_argument("--limit", default="50", help=str(gettext_lazy("How many candidates (default 50).")))
        shortlist.add_argument("--today", help=str(gettext_lazy("Act as if today were this day (YYYY-MM-DD).")))
        shortlist.add_argument("--json", dest="as_json", action="store_true",
                               help=str(gettext_lazy("Print one JSON array.")))

    def do_refresh_profiles(self, *, persons=None, expired=False, **_options):
        from kompeten.jobs.profiles import expired_since_refresh, refresh_profiles

        started = time.perf_counter()
        if expired:
            ids = expired_since_refresh()
            if persons:
                ids = sorted(set(ids) & set(persons))
        else:
            ids = persons
        written = refresh_profiles(ids) if ids is None or ids else 0
        self.stdout.write(_("%(count)s candidate profiles refreshed in %(seconds).1f s.")
                          % {"count": written, "seconds": time.perf_counter() - started})

    def do_shortlist(self, *, vacancy, limit="50", today=None, as_json=False, **_options):
        from kompeten.jobs import shortlist
        from kompeten.jobs.models import Vacancy
        from kompeten.registry.models import Person

        try:
            vacancy_id = int(vacancy)
        except ValueError:
            raise bad_input(_("The vacancy id must be a number, not %(value)r.") % {"value": vacancy}) from None
        try:
            count = int(limit)
        except ValueError:
            count = 0
        if count < 1:
            raise bad_input(_("--limit must be a whole number of at least 1, not %(value)r.") % {"value": limit})
        day = today_option(today)
        found = Vacancy.objects.select_related("company").filter(pk=vacancy_id).first()
        if found is None:
            raise bad_input(_("There is no vacancy %(id)s.") % {"id": vacancy_id})
        rows = shortlist.shortlist(found, limit=count, today=day)
        names = dict(Person.objects.filter(pk__in=[r.person_id for r in rows]).values_list("pk", "full_name"))
        data = [{"rank": rank, "person_id": row.person_id, "name": names.get(row.person_id, ""), "score": row.score,
                 "components": row.components, "reasons": [str(text) for text in row.reasons]}
                for rank, row in enumerate(rows, start=1)]
        if as_json:
            self.json_out(data)
            return
        self.stdout.write(f"{found.title} · {found.company.name}: "
                          + _("%(count)s candidates") % {"count": len(rows)})
        for item in data:
            self.stdout.write(f"{item['rank']:>3}. {item['score']:>3}  #{item['person_id']}  {item['name']}")
            for text in item["reasons"]:
                self.stdout.write(f"          {text}")
