"""``kompeten selection recompute ROUND`` / ``export ROUND DIR`` / ``expire-offers``.

recompute: anyone with a round's published inputs can redo its allocation. This command does it
from the database: it checks that the revealed seed matches the SHA-256 published when
registration opened, writes the inputs as the three CSV files that ``kompeten allocate`` reads
(no personal data), runs the engine on those files and compares with the stored result.
"""

import json
import tempfile

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kompeten.selection import allocation, csvio, services
from kompeten.selection.models import SelectionRound


class Command(BaseCommand):
    help = "Selection rounds: recompute a round from its published inputs, export them, expire offers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        recompute = sub.add_parser("recompute", help="Recompute a round's allocation and compare.")
        recompute.add_argument("round", type=int)
        export = sub.add_parser("export", help="Write a round's allocation inputs as CSV files.")
        export.add_argument("round", type=int)
        export.add_argument("directory")
        sub.add_parser("expire-offers", help="Close offers past their deadline and pass their seats on.")

    def handle(self, *args, action, **options):
        if action == "expire-offers":
            expired = services.expire_offers()
            self.stdout.write(_("%(n)s offers expired.") % {"n": expired})
            return
        round_ = self._round(options["round"])
        if action == "export":
            self._check_seed(round_)
            folder = allocation.export_inputs(round_, options["directory"])
            self.stdout.write(_("Inputs written to %(folder)s.") % {"folder": folder})
            return
        self._check_seed(round_)
        with tempfile.TemporaryDirectory() as folder:
            allocation.export_inputs(round_, folder)
            recomputed = csvio.allocate_dir(folder)
        stored = allocation.stored_result(round_)
        differences = sorted(a for a in stored.keys() | recomputed.keys() if stored.get(a) != recomputed.get(a))
        # Every seat held now must be the one the allocation gave (publishing may only take seats away).
        differences += sorted(ref for ref, batch in allocation.seats_held(round_).items()
                              if batch and stored.get(ref) != batch)
        report = {"round": round_.pk, "applicants": len(stored), "admitted": sum(1 for v in stored.values() if v),
                  "seed_sha256": round_.seed_hash, "identical": not differences, "differences": differences[:50]}
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        if differences:
            raise CommandError(_("The recomputed allocation differs for %(n)s applicants.") % {"n": len(differences)})

    def _round(self, pk) -> SelectionRound:
        try:
            return SelectionRound.objects.get(pk=pk)
        except SelectionRound.DoesNotExist:
            raise CommandError(_("There is no selection round %(pk)s.") % {"pk": pk}) from None

    def _check_seed(self, round_) -> None:
        if not round_.allocated_at:
            raise CommandError(_("Round %(pk)s has not been allocated yet.") % {"pk": round_.pk})
        if not round_.seed_matches():
            raise CommandError(_("The lottery seed does not match the published SHA-256: the result cannot be "
                                 "trusted."))
