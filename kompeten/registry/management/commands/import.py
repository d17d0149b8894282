"""``kompeten import persons FILE [--valid-only] [--centre CODE] [--lang en|id]``, or
``kompeten import persons --retry JOB``: run again an import that a database failure interrupted (nothing of it was
written; the job kept its file).

Prints a summary and every error as "row N, column C: message"; exits with status 1 (CommandError)
when nothing was written because of errors or because the file was rejected.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

KINDS = ("persons",)


class Command(BaseCommand):
    help = "Import job seekers (persons) from an Excel workbook (.xlsx) or a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help="What to import: persons.")
        parser.add_argument("file", nargs="?", help="Path of the .xlsx or .csv file.")
        parser.add_argument("--retry", type=int, metavar="JOB",
                            help="Run again the failed import job JOB (its number is in the failure message).")
        parser.add_argument("--valid-only", action="store_true",
                            help="Write the valid rows even when other rows have errors.")
        parser.add_argument("--centre", help="Code of the training centre the new persons register at "
                                             "(for example blki_balikpapan).")
        parser.add_argument("--lang", choices=[code for code, _name in settings.LANGUAGES],
                            help=f"Language of the messages (default: {settings.LANGUAGE_CODE}).")

    def handle(self, *args, **options):
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            self._run(options)

    def _run(self, options):
        from pathlib import Path

        from kompeten.programmes.models import TrainingCentre
        from kompeten.registry.importer import import_persons

        centre = None
        if options["centre"]:
            centre = TrainingCentre.objects.filter(code=options["centre"]).first()
            if centre is None:
                codes = ", ".join(TrainingCentre.objects.order_by("code").values_list("code", flat=True))
                raise CommandError(_("Unknown training centre %(code)s; the known codes are: %(codes)s.")
                                   % {"code": options["centre"], "codes": codes or "-"})
        if centre is None and options["retry"] is None:
            self.stderr.write(_("No --centre given: the persons are registered at no training centre, so only the "
                                "province admin sees them until a centre enrols them."))
        if options["retry"] is not None:
            report = self._retry(options["retry"])
        elif not options["file"]:
            raise CommandError(_("Give the file to import, or --retry JOB."))
        else:
            path = Path(options["file"])
            report = import_persons(path, filename=path.name, by=None, centre=centre,
                                    valid_only=options["valid_only"])
        if report.file_error:
            raise CommandError(_("The file was rejected: %(reason)s") % {"reason": report.file_error})

        for error in report.errors:
            self.stdout.write(self._line(error))
        if report.warnings:
            self.stdout.write(_("Warnings (saved for an operator to confirm against the ID card):"))
            for warning in report.warnings:
                self.stdout.write(self._line(warning))
        if not report.written:
            raise CommandError(
                _("Nothing was written: %(errors)s error(s) in %(rows)s of %(total)s row(s). Fix them, or "
                  "use --valid-only to import only the valid rows.")
                % {"errors": len(report.errors), "rows": report.error_rows, "total": report.total_rows}
            )
        summary = _("%(total)s row(s) read: %(created)s created, %(updated)s updated, %(unchanged)s "
                    "unchanged.") % {"total": report.total_rows, "created": report.created,
                                     "updated": report.updated, "unchanged": report.unchanged}
        self.stdout.write(self.style.SUCCESS(summary))
        if report.errors:
            self.stdout.write(self.style.WARNING(
                _("%(rows)s row(s) with errors were skipped.") % {"rows": report.error_rows}
            ))

    @staticmethod
    def _retry(job_id: int):
        from kompeten.registry.importer import retry_import
        from kompeten.registry.models import ImportJob

        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None:
            raise CommandError(_("No import job %(job)s.") % {"job": job_id})
        try:
            return retry_import(job)
        except ValueError as error:
            raise CommandError(str(error)) from None

    @staticmethod
    def _line(error) -> str:
        if error.column:
            return _("row %(row)s, column %(column)s: %(message)s") % {
                "row": error.row, "column": error.column, "message": error.message}
        return _("row %(row)s: %(message)s") % {"row": error.row, "message": error.message}
