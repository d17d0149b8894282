"""``kompeten allocate DIR --out RESULT.csv [--time] [--lang en|id]``.

Reads programmes.csv, applicants.csv and applications.csv from DIR (formats in
kompeten/selection/csvio.py), runs the seat allocation (deferred acceptance with reserves,
kompeten/selection/engine.py) and writes RESULT.csv: applicant_id,programme_id,rank. Bad files
stop the command with a message naming file, line and column (exit status 1) and write nothing.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from kompeten.selection.csvio import CsvError, read_problem, write_result
from kompeten.selection.engine import InstanceError, allocate


class Command(BaseCommand):
    help = ("Allocate seats from the CSV files in DIR (programmes.csv, applicants.csv, applications.csv) "
            "by deferred acceptance with reserves, and write RESULT.csv.")

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="Folder holding the three CSV files.")
        parser.add_argument("--out", required=True, metavar="RESULT.csv",
                            help="Where to write applicant_id,programme_id,rank (one row per applicant).")
        parser.add_argument("--time", action="store_true", help="Print how long reading, allocating and writing took.")
        parser.add_argument("--lang", choices=[code for code, _name in settings.LANGUAGES],
                            help=f"Language of the messages (default: {settings.LANGUAGE_CODE}).")

    def handle(self, *args, **options):
        with translation.override(options["lang"] or settings.LANGUAGE_CODE):
            self._run(Path(options["folder"]), Path(options["out"]), options["time"])

    def _run(self, folder: Path, out: Path, timed: bool):
        if not folder.is_dir():
            raise CommandError(_("%(folder)s is not a folder.") % {"folder": folder})
        if not out.parent.is_dir():
            raise CommandError(_("The folder of %(out)s does not exist.") % {"out": out})
        started = time.perf_counter()
        try:
            problem = read_problem(folder)
        except CsvError as error:
            raise CommandError("\n".join(error.messages)) from None
        read = time.perf_counter()
        try:
            result = allocate(problem.instance)
        except InstanceError as error:  # read_problem checks everything the engine does; kept as a guard
            raise CommandError(str(error)) from None
        allocated = time.perf_counter()
        try:
            write_result(out, problem, result)
        except OSError as error:
            raise CommandError(_("%(out)s cannot be written: %(reason)s")
                               % {"out": out, "reason": error.strerror}) from None
        written = time.perf_counter()

        total = result.assignment.size
        assigned = int((result.assignment >= 0).sum())
        first = int((result.assigned_rank == 1).sum())
        self.stdout.write(self.style.SUCCESS(
            _("%(assigned)s of %(total)s applicant(s) got a seat (%(first)s their first choice); %(unassigned)s did "
              "not. Written to %(out)s.") % {"assigned": assigned, "total": total, "first": first,
                                             "unassigned": total - assigned, "out": out}))
        if timed:
            self.stdout.write(
                _("Time: reading %(read).2f s, allocating %(allocate).2f s (%(rounds)s rounds), writing %(write).2f s, "
                  "total %(total).2f s.") % {"read": read - started, "allocate": allocated - read,
                                             "rounds": result.rounds, "write": written - allocated,
                                             "total": written - started})
