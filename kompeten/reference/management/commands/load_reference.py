from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kompeten.reference.loader import load_all


class Command(BaseCommand):
    help = "Load regions, sectors, occupations, education levels, training centres and vocations (idempotent)."

    def handle(self, *args, **options):
        counts = load_all()
        summary = ", ".join(f"{name} {n}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(_("Reference data loaded (rows written: %(summary)s).")
                                             % {"summary": summary}))
