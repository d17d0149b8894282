"""``kompeten participants ...``: participant lists exchanged with SIAPkerja / Skillhub and BNSP.

    kompeten participants export (--batch CODE | --event ID) --format siapkerja|bnsp --out FILE.csv|FILE.xlsx
                                        a batch's participants (CODE: the batch code centre/package/year/number, as
                                        the lists write it, or the batch id), or an assessment event's candidates
                                        (bnsp only); the file type follows the suffix of --out (CSV: UTF-8 with BOM)
    kompeten participants import FILE --format siapkerja|bnsp [--centre CODE] [--year N] [--json]
                                        read a list back: checked, then kept as a source list and linked to the
                                        registered job seekers (record linkage); all or nothing

The formats are in docs/formats.md ("Participant lists: SIAPkerja / Skillhub and BNSP"). Exports are logged in the
audit log (actor: system). Exit codes: 0 done; 2 bad input (an unknown batch, event, format or centre, a bad year,
a file refused or with errors: each error on stderr as row, column, message; nothing written).
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, bad_input

FORMAT_KEYS = ("siapkerja", "bnsp")


def _line(error) -> str:
    if error.column:
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": error.row, "column": error.column, "message": error.message}
    return _("row %(row)s: %(message)s") % {"row": error.row, "message": error.message}


class Command(KompetenCommand):
    HELP = gettext_lazy("Participant lists for SIAPkerja / Skillhub and BNSP: export and import.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help=str(gettext_lazy("Write a batch's or an event's list.")))
        source = export.add_mutually_exclusive_group(required=True)
        source.add_argument("--batch", help=str(gettext_lazy(
            "Batch code (centre/package/year/number) or batch id.")))
        source.add_argument("--event", help=str(gettext_lazy("Assessment event id (bnsp format only).")))
        export.add_argument("--format", dest="key", required=True, choices=FORMAT_KEYS,
                            help=str(gettext_lazy("siapkerja or bnsp.")))
        export.add_argument("--out", required=True, help=str(gettext_lazy("The file to write: .csv or .xlsx.")))
        imp = sub.add_parser("import", help=str(gettext_lazy("Read a list back through record linkage.")))
        imp.add_argument("file", help=str(gettext_lazy("Path of the .csv or .xlsx file.")))
        imp.add_argument("--format", dest="key", required=True, choices=FORMAT_KEYS,
                         help=str(gettext_lazy("siapkerja or bnsp.")))
        imp.add_argument("--centre", help=str(gettext_lazy("Code of the training centre the list belongs to.")))
        imp.add_argument("--year", help=str(gettext_lazy(
            "Year of the trainings (default: the year of most rows' training dates).")))
        imp.add_argument("--json", dest="as_json", action="store_true", help=str(gettext_lazy("Print JSON.")))

    def do_export(self, *, key, out, batch=None, event=None, **_options):
        from kompeten.assessment.models import AssessmentEvent
        from kompeten.training import exchange

        path = Path(out)
        file_type = path.suffix.lower().lstrip(".")
        if file_type not in exchange.FILE_TYPES:
            raise bad_input(_("--out must end in .csv or .xlsx, not %(name)s.") % {"name": path.name})
        if not path.parent.is_dir():
            raise bad_input(_("The folder of --out, %(folder)s, does not exist.") % {"folder": path.parent})
        if batch is not None:
            found = exchange.find_batch(batch)
            if found is None:
                raise bad_input(_("There is no batch %(code)s (--batch): give its code centre/package/year/number "
                                  "or its id.") % {"code": batch})
            export = exchange.export_batch(found, key, file_type, by=None)
        else:
            found = AssessmentEvent.objects.filter(pk=int(event)).first() if event.isdigit() else None
            if found is None:
                raise bad_input(_("There is no assessment event %(id)s (--event).") % {"id": event})
            if key != exchange.BNSP.key:
                raise bad_input(_("An assessment event's candidates are exported in the bnsp format only."))
            export = exchange.export_event(found, key, file_type, by=None)
        try:
            path.write_bytes(export.content)
        except OSError as exc:
            raise bad_input(_("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}) from None
        self.stdout.write(self.style.SUCCESS(_("%(rows)s row(s) written to %(path)s.")
                                             % {"rows": export.rows, "path": path}))

    def do_import(self, *, file, key, centre=None, year=None, as_json=False, **_options):
        from kompeten.linkage.importer import FIRST_YEAR
        from kompeten.programmes.models import TrainingCentre
        from kompeten.training import exchange

        year_number = None
        if year is not None:
            year_number = int(year) if year.isdigit() else 0
            if not FIRST_YEAR <= year_number <= timezone.localdate().year:
                raise bad_input(_("--year must be a year from %(first)s to this year, not %(value)r.")
                                % {"first": FIRST_YEAR, "value": year})
        found = None
        if centre:
            found = TrainingCentre.objects.filter(code=centre).first()
            if found is None:
                codes = ", ".join(TrainingCentre.objects.order_by("code").values_list("code", flat=True))
                raise bad_input(_("Unknown training centre %(code)s (--centre); the known codes are: %(codes)s.")
                                % {"code": centre, "codes": codes or "-"})
        path = Path(file)
        report = exchange.import_participants(path, key=key, filename=path.name, year=year_number, centre=found)
        if as_json:
            self.json_out(report.as_dict())
        for error in report.errors:
            self.stderr.write(_line(error))
        if report.warnings and not as_json:
            self.stdout.write(_("Warnings (the rows are kept):"))
            for warning in report.warnings:
                self.stdout.write(_line(warning))
        if report.file_error:
            raise bad_input(_("The file was rejected: %(reason)s") % {"reason": report.file_error})
        if not report.written:
            raise bad_input(_("Nothing was written: %(errors)s error(s) in %(rows)s of %(total)s row(s).")
                            % {"errors": len(report.errors), "rows": report.error_rows, "total": report.total_rows})
        if not as_json:
            self.stdout.write(self.style.SUCCESS(
                _("%(total)s row(s) read, %(records)s record(s) kept: %(linked)s linked, %(review)s to review, "
                  "%(unmatched)s unmatched.") % {"total": report.total_rows, "records": report.records,
                                                  "linked": report.linked, "review": report.review,
                                                  "unmatched": report.unmatched}))
