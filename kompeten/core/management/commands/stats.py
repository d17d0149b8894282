import json

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.stats import LABELS, record_counts


class Command(BaseCommand):
    help = gettext_lazy("Print the number of records of each kind (persons, batches, certificates ...).")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print one JSON object."))

    def handle(self, *args, **options):
        counts = record_counts()
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        labels = {key: str(LABELS.get(key, key)) for key in counts}
        width = max(len(label) for label in labels.values())
        self.stdout.write(_("Record counts"))
        for key, value in counts.items():
            self.stdout.write(f"  {labels[key]:<{width}}  {number_format(value, force_grouping=True):>9}")
