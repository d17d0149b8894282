"""``kompeten report ...``: the programme's figures from the command line, for scripts and cron.

    kompeten report targets --year 2025 [--json]     each target against its realisation, per centre and in total,
                                                     with the forecast of certified persons for the year's end
    kompeten report refresh                          recompute the figures of the persons changed since last time
    kompeten report rebuild                          every fact and cell again from the source tables
    kompeten report monthly --year 2025 --month 11 --out laporan.pdf|laporan.xlsx [--centre CODE] [--lang id|en]
                                                     the monthly report (laporan bulanan) as a file

``targets`` and ``monthly`` refresh the stale persons first, so they agree with the dashboard and with direct counts.
``targets --json`` prints one object with stable keys::

    {"year": 2025, "figures_as_of": "...", "forecast_as_of": "2025-11-30",
     "centres": [{"id": 1, "code": "blki_balikpapan", "name": "BLKI Balikpapan",
                  "targets": {"trained": {"target": 1000, "realised": 640, "percent": 64},
                              "certified": {...}, "apprentices_placed": {...}},
                  "forecast": {"target": 1000, "realised": 610, "expected": 955.2, "low": 930, "high": 979,
                               "gap": 45}}, ...],
     "total": {"targets": {...}, "forecast": {...}}}

(``target`` and ``percent`` are null without a target; ``forecast`` is null for a centre the forecast leaves out:
no target, no batch and no one certified this year.) Exit codes: 0 done, 2 bad input (an unknown year, a month out
of 1–12, an unknown centre, a file that is neither .pdf nor .xlsx); the message on stderr says what.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, bad_input

FORMATS = (".pdf", ".xlsx")


def _programme_year(year: int) -> None:
    from kompeten.programmes.models import ProgrammeYear

    if not ProgrammeYear.objects.filter(year=year).exists():
        raise bad_input(_("There is no programme year %(year)s.") % {"year": year})


def _forecast_dict(f) -> dict | None:
    if f is None:
        return None
    return {"target": f.target, "realised": f.realised, "expected": round(float(f.expected), 2), "low": f.low,
            "high": f.high, "gap": f.gap}


def targets_data(year: int) -> dict:
    """The figures of ``kompeten report targets --json`` (the province; the stale persons refreshed first)."""
    from kompeten.reporting.forecast import forecast
    from kompeten.reporting.monthly import figures_as_of
    from kompeten.reporting.queries import Figures, target_rows
    from kompeten.reporting.refresh import refresh_stale

    refresh_stale()
    figures = Figures(year)
    predicted = forecast(year, figures=figures)
    by_centre = {f.centre_id: f for f in predicted.centres}
    refreshed = figures_as_of()
    data = {"year": year, "figures_as_of": timezone.localtime(refreshed).isoformat() if refreshed else None,
            "forecast_as_of": predicted.as_of.isoformat(), "centres": [], "total": None}
    for row in target_rows(figures):
        kinds = {kind: {"target": v["target"], "realised": v["done"], "percent": v["percent"]}
                 for kind, v in row["kinds"].items()}
        centre = row["centre"]
        if centre is None:
            data["total"] = {"targets": kinds, "forecast": _forecast_dict(predicted.total)}
        else:
            data["centres"].append({"id": centre.pk, "code": centre.code, "name": centre.short_name,
                                    "targets": kinds, "forecast": _forecast_dict(by_centre.get(centre.pk))})
    return data


def _n(value) -> str:
    return "-" if value is None else number_format(value, force_grouping=True)


class Command(KompetenCommand):
    HELP = gettext_lazy("Reporting: targets against realisation, the monthly report, refreshing the figures.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        targets = sub.add_parser("targets", help=str(gettext_lazy(
            "Each target against its realisation per centre and in total, with the forecast.")))
        targets.add_argument("--year", type=int, required=True, help=str(gettext_lazy("Programme year.")))
        targets.add_argument("--json", dest="as_json", action="store_true",
                             help=str(gettext_lazy("Print one JSON object.")))
        sub.add_parser("refresh", help=str(gettext_lazy(
            "Recompute the figures of the persons changed since the last refresh.")))
        sub.add_parser("rebuild", help=str(gettext_lazy("Make every fact and figure again from the source tables.")))
        monthly = sub.add_parser("monthly", help=str(gettext_lazy("Write the monthly report as PDF or XLSX.")))
        monthly.add_argument("--year", type=int, required=True, help=str(gettext_lazy("Programme year.")))
        monthly.add_argument("--month", type=int, required=True, help=str(gettext_lazy("Month, 1-12.")))
        monthly.add_argument("--out", required=True, help=str(gettext_lazy(
            "The file to write: its name ends in .pdf or .xlsx.")))
        monthly.add_argument("--centre", action="append", default=[], metavar="CODE", help=str(gettext_lazy(
            "Only this training centre (its code; may be given more than once). Default: the province.")))
        monthly.add_argument("--lang", choices=[code for code, _name in settings.LANGUAGES], help=str(gettext_lazy(
            "Language of the report (default: the language of the command).")))

    def do_targets(self, *, year, as_json=False, **_options):
        from kompeten.programmes.models import Target

        _programme_year(year)
        data = targets_data(year)
        if as_json:
            self.json_out(data)
            return
        kinds = dict(Target.Kind.choices)
        self.stdout.write(_("Programme year %(year)s: targets against realisation (figures as of %(when)s)")
                          % {"year": year, "when": data["figures_as_of"] or "-"})
        width = max([len(str(k)) for k in kinds.values()] + [20])
        header = f"  {'':<{width}} {_('Target'):>9} {_('Realised'):>9} {'%':>5}"
        for entry in [*data["centres"], {"name": _("Province total"), **data["total"]}]:
            self.stdout.write("")
            self.stdout.write(entry["name"])
            self.stdout.write(header)
            for kind, v in entry["targets"].items():
                percent = "-" if v["percent"] is None else f"{v['percent']}%"
                self.stdout.write(f"  {str(kinds[kind]):<{width}} {_n(v['target']):>9} {_n(v['realised']):>9} "
                                  f"{percent:>5}")
            f = entry["forecast"]
            if f is not None:
                self.stdout.write("  " + _("Certified by the end of the year: expected %(expected)s (%(low)s – "
                                           "%(high)s), gap %(gap)s") % {
                    "expected": _n(round(f["expected"])), "low": _n(f["low"]), "high": _n(f["high"]),
                    "gap": _n(f["gap"])})
        self.stdout.write("")
        self.stdout.write(_("Forecast as of %(day)s.") % {"day": data["forecast_as_of"]})

    def do_refresh(self, **_options):
        from kompeten.reporting.refresh import refresh_stale

        count = refresh_stale()
        self.stdout.write(_("Refreshed the figures of %(count)s persons.") % {"count": count})

    def do_rebuild(self, **_options):
        from kompeten.reporting.refresh import rebuild

        made = rebuild()
        self.stdout.write(_("Rebuilt: %(facts)s facts, %(cells)s cells.") % made)

    def do_monthly(self, *, year, month, out, centre=(), lang=None, **_options):
        if lang:
            with translation.override(lang):
                return self._monthly(year, month, out, centre)
        return self._monthly(year, month, out, centre)

    def _monthly(self, year: int, month: int, out: str, codes) -> None:
        from kompeten.programmes.models import TrainingCentre
        from kompeten.reporting import monthly
        from kompeten.reporting.refresh import refresh_stale

        if not 1 <= month <= 12:
            raise bad_input(_("--month must be 1 to 12, not %(month)s.") % {"month": month})
        _programme_year(year)
        path = Path(out)
        if path.suffix.lower() not in FORMATS:
            raise bad_input(_("--out must be a file name ending in .pdf or .xlsx, not %(out)s.") % {"out": out})
        if not path.parent.is_dir():
            raise bad_input(_("There is no folder %(folder)s to write %(out)s in.")
                            % {"folder": path.parent, "out": path.name})
        centres = None
        if codes:
            found = dict(TrainingCentre.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = [code for code in codes if code not in found]
            if unknown:
                known = ", ".join(TrainingCentre.objects.order_by("code").values_list("code", flat=True))
                raise bad_input(_("Unknown training centre %(code)s; the known codes are: %(codes)s.")
                                % {"code": ", ".join(unknown), "codes": known or "-"})
            centres = set(found.values())
        refresh_stale()
        report = monthly.build(year, month, centres)
        if path.suffix.lower() == ".pdf":
            from kompeten.reporting.documents import monthly_pdf

            content = monthly_pdf(report)
        else:
            from kompeten.reporting.xlsx import monthly_xlsx

            content = monthly_xlsx(report)
        path.write_bytes(content)
        self.stdout.write(_("Wrote %(path)s (%(size)s bytes).") % {"path": path, "size": _n(len(content))})
