"""``kompeten linkage ...``: record linkage in the database, from the command line.

    kompeten linkage import FILE --kind blk_list --year 2023 [--institution TEXT] [--centre CODE] [--valid-only]
                             [--json]
                                        import an old participant list (.xlsx or .csv) and link its records in
                                        batch: the same checks and report as the import page
    kompeten linkage backfill [--no-link] [--chunk N]
                                        the registration records of the persons who have none (a database from
                                        before record linkage), linked as at registration
    kompeten linkage calibrate [--out MODEL.json] [--json]
                                        the model re-fitted with the reviewers' decisions (model.calibrate), and how
                                        the decisions of the reviewed pairs would change; --out saves the model (set
                                        LINKAGE_MODEL to its path to use it)
    kompeten linkage stats [--json]     records per source, links per method, the queue, merges

Exit codes: 0 done; 1 an import that wrote nothing (errors in the file, or the file refused); 2 bad input (an unknown
centre, a bad year), with the message on stderr.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, bad_input

LIST_KINDS = ("blk_list", "siapkerja", "bnsp", "other")


class Command(KompetenCommand):
    HELP = gettext_lazy("Record linkage: import old participant lists, backfill registrations, calibrate, stats.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help=str(gettext_lazy("Import an old participant list and link it.")))
        imp.add_argument("file", help=str(gettext_lazy("Path of the .xlsx or .csv file.")))
        imp.add_argument("--kind", required=True, choices=LIST_KINDS, help=str(gettext_lazy(
            "blk_list (BLK participant list), siapkerja (SIAPkerja / Skillhub export), bnsp (BNSP list), other.")))
        imp.add_argument("--year", required=True, help=str(gettext_lazy(
            "Year of the trainings (for rows without a tahun column).")))
        imp.add_argument("--institution", default="", help=str(gettext_lazy("Who trained them.")))
        imp.add_argument("--centre", help=str(gettext_lazy("Code of the training centre the list belongs to.")))
        imp.add_argument("--valid-only", action="store_true", help=str(gettext_lazy(
            "Write the valid rows even when other rows have errors.")))
        imp.add_argument("--json", dest="as_json", action="store_true", help=str(gettext_lazy("Print JSON.")))
        backfill = sub.add_parser("backfill", help=str(gettext_lazy(
            "Registration records for the persons who have none.")))
        backfill.add_argument("--no-link", action="store_true", help=str(gettext_lazy(
            "Only store the records and their keys; do not look for links.")))
        backfill.add_argument("--chunk", type=int, default=1000, help=str(gettext_lazy(
            "Persons per transaction (default 1000).")))
        calibrate = sub.add_parser("calibrate", help=str(gettext_lazy(
            "Re-fit the model with the reviewers' decisions.")))
        calibrate.add_argument("--out", metavar="MODEL.json", help=str(gettext_lazy("Save the calibrated model.")))
        calibrate.add_argument("--json", dest="as_json", action="store_true", help=str(gettext_lazy("Print JSON.")))
        stats = sub.add_parser("stats", help=str(gettext_lazy("Counts of records, links, the queue and merges.")))
        stats.add_argument("--json", dest="as_json", action="store_true", help=str(gettext_lazy("Print JSON.")))

    # -- import -------------------------------------------------------------------------------------------------

    def do_import(self, *, file, kind, year, institution="", centre=None, valid_only=False, as_json=False,
                  **_options):
        from kompeten.linkage.importer import FIRST_YEAR, import_list
        from kompeten.programmes.models import TrainingCentre

        try:
            year_number = int(year)
        except ValueError:
            year_number = 0
        if not FIRST_YEAR <= year_number <= time.localtime().tm_year:
            raise bad_input(_("--year must be a year from %(first)s to this year, not %(value)r.")
                            % {"first": FIRST_YEAR, "value": year})
        found = None
        if centre:
            found = TrainingCentre.objects.filter(code=centre).first()
            if found is None:
                codes = ", ".join(TrainingCentre.objects.order_by("code").values_list("code", flat=True))
                raise bad_input(_("Unknown training centre %(code)s; the known codes are: %(codes)s.")
                                % {"code": centre, "codes": codes or "-"})
        path = Path(file)
        report = import_list(path, filename=path.name, kind=kind, year=year_number, institution=institution,
                             centre=found, by=None, valid_only=valid_only)
        if as_json:
            self.json_out({
                "written": report.written, "file_error": report.file_error, "rows": report.total_rows,
                "records": report.records, "linked": report.linked, "review": report.review,
                "unmatched": report.unmatched, "list": report.source_list.pk if report.source_list else None,
                "errors": [vars(e) for e in report.errors], "warnings": [vars(w) for w in report.warnings],
            })
        else:
            for error in report.errors:
                self.stdout.write(_line(error))
            if report.warnings:
                self.stdout.write(_("Warnings (the rows are kept):"))
                for warning in report.warnings:
                    self.stdout.write(_line(warning))
        if report.file_error:
            raise CommandError(_("The file was rejected: %(reason)s") % {"reason": report.file_error})
        if not report.written:
            raise CommandError(_("Nothing was written: %(errors)s error(s) in %(rows)s of %(total)s row(s). Fix "
                                 "them, or use --valid-only to import only the valid rows.")
                               % {"errors": len(report.errors), "rows": report.error_rows,
                                  "total": report.total_rows})
        if not as_json:
            self.stdout.write(self.style.SUCCESS(
                _("%(total)s row(s) read, %(records)s record(s) kept: %(linked)s linked, %(review)s to review, "
                  "%(unmatched)s unmatched.") % {"total": report.total_rows, "records": report.records,
                                                  "linked": report.linked, "review": report.review,
                                                  "unmatched": report.unmatched}))

    # -- backfill -----------------------------------------------------------------------------------------------

    def do_backfill(self, *, no_link=False, chunk=1000, **_options):
        from kompeten.linkage.services import record_registrations
        from kompeten.registry.models import Person

        if chunk < 1:
            raise bad_input(_("--chunk must be at least 1."))
        started = time.perf_counter()
        totals: Counter = Counter()
        last = 0
        while True:
            persons = list(Person.objects.filter(pk__gt=last, registration_records__isnull=True).order_by("pk")
                           [:chunk])
            if not persons:
                break
            last = persons[-1].pk
            totals.update(record_registrations(persons, by=None, link=not no_link))
        self.stdout.write(_("%(created)s registration record(s) created in %(seconds).1f s: %(linked)s record(s) "
                            "linked, %(merged)s merge(s), %(review)s pair(s) to review.")
                          % {"created": totals["created"], "linked": totals["linked"], "merged": totals["merged"],
                             "review": totals["review"], "seconds": time.perf_counter() - started})

    # -- calibrate ----------------------------------------------------------------------------------------------

    def do_calibrate(self, *, out=None, as_json=False, **_options):
        from kompeten.linkage.services import calibrate_from_reviews

        if out and not Path(out).parent.is_dir():
            raise bad_input(_("The folder of %(path)s does not exist.") % {"path": out})
        result = calibrate_from_reviews()
        if out and result["decisions"]:
            Path(out).write_text(result["model"].to_json(), encoding="utf-8")
        if as_json:
            self.json_out({key: value for key, value in result.items() if key != "model"})
            return
        if not result["decisions"]:
            self.stdout.write(_("No reviewer decisions yet: nothing to calibrate."))
            return
        self.stdout.write(_("%(n)s reviewed pair(s): %(same)s same person, %(different)s different persons. Model "
                            "%(before)s -> %(after)s.")
                          % {"n": result["decisions"], "same": result["same"], "different": result["different"],
                             "before": result["model_before"], "after": result["model_after"]})
        for answer, table in result["table"].items():
            label = _("Same person") if answer == "same" else _("Different persons")
            self.stdout.write(f"{label}:")
            for when in ("before", "after"):
                counts = table[when]
                self.stdout.write("  " + _("%(when)s: link %(link)s, review %(review)s, non-link %(non_link)s")
                                  % {"when": _("before") if when == "before" else _("after"), **counts})
        self.stdout.write(_("%(n)s decision(s) of the model would change:") % {"n": len(result["changes"])})
        for change in result["changes"][:50]:
            self.stdout.write("  " + _("review item %(item)s (%(answer)s): %(before)s %(p_before).3f -> %(after)s "
                                       "%(p_after).3f") % change)
        if out:
            self.stdout.write(_("Model saved to %(path)s; set LINKAGE_MODEL to use it.") % {"path": out})

    # -- stats --------------------------------------------------------------------------------------------------

    def do_stats(self, *, as_json=False, **_options):
        from kompeten.linkage.services import stats

        data = stats()
        if as_json:
            self.json_out(data)
            return
        self.stdout.write(_("Records per source: %(counts)s (%(linked)s linked to a person)")
                          % {"counts": _pairs(data["records"]), "linked": data["records_linked"]})
        self.stdout.write(_("Imported lists: %(n)s") % {"n": data["lists"]})
        self.stdout.write(_("Active links per method: %(counts)s; ended links: %(ended)s")
                          % {"counts": _pairs(data["links"]), "ended": data["links_ended"]})
        self.stdout.write(_("Review queue: %(n)s open (%(contested)s contested); decided: %(decided)s")
                          % {"n": data["queue"], "contested": data["queue_contested"],
                             "decided": _pairs(data["decisions"])})
        self.stdout.write(_("Merges: %(n)s (%(undone)s undone)") % {"n": data["merges"],
                                                                     "undone": data["merges_undone"]})
        self.stdout.write(_("Blocking keys: %(n)s; model %(model)s") % {"n": data["blocking_keys"],
                                                                          "model": data["model"]})


def _pairs(counts: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items()) or "0"


def _line(error) -> str:
    if error.column:
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": error.row, "column": error.column, "message": error.message}
    return _("row %(row)s: %(message)s") % {"row": error.row, "message": error.message}
