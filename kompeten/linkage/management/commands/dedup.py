"""``kompeten dedup INPUT.csv --out CLUSTERS.csv [--pairs PAIRS.csv [--all-pairs]] [--model MODEL.json] [--low P]
[--high P] [--lang id|en]``.

Reads INPUT.csv (a ``record_id`` column and any of the import template's columns: nik, nama, jenis_kelamin,
tempat_lahir, tanggal_lahir, no_hp, email, alamat, kecamatan, kabupaten_kota, kode_wilayah, pendidikan, plus kk and
source; any may be empty or absent), standardises every row (kompeten/linkage/standardise.py), links them
(kompeten/linkage/engine.py, docs/algorithms/linkage.md) and writes

* CLUSTERS.csv: ``record_id,cluster_id``, one row per input record in input order (the cluster id is the record id
  of the cluster's first record; a record alone is its own cluster);
* PAIRS.csv (with --pairs): the link and review pairs (with --all-pairs: every scored candidate pair, non-links
  too — at a million records 8 million rows, 1.6 GB): ``record_id_l,record_id_r,score,decision,weight``, the
  contribution of every field to the weight (``w_<field>``, with ``w_prior``, ``w_name_tf`` and ``w_crowd``: they
  add up to ``weight``) and every field's comparison level (``<field>``).

It never touches the database. Exit codes: 0 done; 2 bad input (no such file, no record_id column, an empty or
repeated record_id, a candidate pair count over the limit), with the message on stderr.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kompeten.core.commands import KompetenCommand, bad_input

csv.field_size_limit(1 << 20)


class Command(KompetenCommand):
    HELP = gettext_lazy("Find the records of one person in a CSV file (record linkage) and write their clusters.")

    def add_arguments(self, parser):
        parser.add_argument("input", metavar="INPUT.csv", help=str(gettext_lazy(
            "CSV file with a record_id column and the import template's columns.")))
        parser.add_argument("--out", required=True, metavar="CLUSTERS.csv", help=str(gettext_lazy(
            "Where to write record_id,cluster_id (one row per input record).")))
        parser.add_argument("--pairs", metavar="PAIRS.csv", help=str(gettext_lazy(
            "Also write the link and review pairs with their score, decision and per-field contributions.")))
        parser.add_argument("--all-pairs", action="store_true", help=str(gettext_lazy(
            "With --pairs: write every scored candidate pair, the non-links too.")))
        parser.add_argument("--model", metavar="MODEL.json", help=str(gettext_lazy(
            "A model saved as JSON (default: the built-in model).")))
        parser.add_argument("--low", type=float, help=str(gettext_lazy(
            "Match probability below which a pair is a non-link (default: the model's).")))
        parser.add_argument("--high", type=float, help=str(gettext_lazy(
            "Match probability from which a pair is a link (default: the model's).")))
        parser.add_argument("--lang", choices=[code for code, _name in settings.LANGUAGES], help=str(gettext_lazy(
            "Language of the messages (default: Indonesian).")))

    def handle(self, *args, **options):
        with translation.override(options.get("lang") or settings.LANGUAGE_CODE):
            self._run(options)

    def _run(self, options):
        from kompeten.linkage.blocking import TooManyPairs
        from kompeten.linkage.engine import Linker
        from kompeten.linkage.model import Model

        source, out = Path(options["input"]), Path(options["out"])
        pairs_path = Path(options["pairs"]) if options.get("pairs") else None
        if not source.is_file():
            raise bad_input(_("The input file %(path)s does not exist.") % {"path": source})
        for target in (out, pairs_path):
            if target is not None and not target.parent.is_dir():
                raise bad_input(_("The folder of %(path)s does not exist.") % {"path": target})
        model = None
        if options.get("model"):
            try:
                model = Model.from_json(Path(options["model"]).read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise bad_input(_("The model %(path)s cannot be read: %(reason)s")
                                % {"path": options["model"], "reason": error}) from None
        try:
            linker = Linker(model, low=options.get("low"), high=options.get("high"))
        except ValueError:
            raise bad_input(_("The thresholds must satisfy 0 < --low <= --high < 1.")) from None

        started = time.perf_counter()
        records = read_records(source)
        read = time.perf_counter()
        try:
            result = linker.dedupe(records, materialise=False)
        except TooManyPairs as error:
            raise bad_input(_("Blocking would make %(total)s candidate pairs, more than the limit of %(limit)s; "
                              "per rule: %(rules)s.") % {"total": error.report.total, "limit": error.limit,
                                                          "rules": error.report.pairs}) from None
        linked = time.perf_counter()
        try:
            write_clusters(out, records, result.clusters)
            if pairs_path is not None:
                write_pairs(pairs_path, result, all_pairs=bool(options.get("all_pairs")))
        except OSError as error:
            raise bad_input(_("%(path)s cannot be written: %(reason)s")
                            % {"path": error.filename or out, "reason": error.strerror}) from None
        written = time.perf_counter()

        stats = result.stats
        for block in stats["skipped_blocks"][:10]:
            self.stderr.write(_("Skipped block %(key)s: %(size)s records (more than %(cap)s), %(pairs)s pairs not "
                                "compared.") % {**block, "cap": linker.cap})
        if len(stats["skipped_blocks"]) > 10:
            self.stderr.write(_("... and %(count)s more skipped blocks.")
                              % {"count": len(stats["skipped_blocks"]) - 10})
        decisions = stats["decisions"]
        self.stdout.write(self.style.SUCCESS(_(
            "%(records)s records in %(clusters)s clusters (largest %(largest)s). %(candidates)s candidate pairs: "
            "%(link)s link, %(review)s review, %(non_link)s non-link; review queue %(queue)s records. Written to "
            "%(out)s.") % {"records": stats["records"], "clusters": stats["clusters"],
                           "largest": stats["largest_cluster"], "candidates": stats["candidate_pairs"],
                           "link": decisions["link"], "review": decisions["review"],
                           "non_link": decisions["non_link"], "queue": stats["review_queue_records"], "out": out}))
        self.stdout.write(_("Candidate pairs per blocking rule: %(rules)s.")
                          % {"rules": ", ".join(f"{k} {v}" for k, v in stats["candidate_pairs_per_rule"].items())})
        self.stdout.write(_("Time: reading and standardising %(read).1f s, linking %(link).1f s (blocking "
                            "%(blocking).1f s, comparison %(comparison).1f s, clustering %(clustering).1f s), writing "
                            "%(write).1f s.") % {"read": read - started, "link": linked - read,
                                                 "write": written - linked, **stats["timings"]})


def read_records(path: Path) -> list:
    """The standardised records of INPUT.csv (bad input: no record_id column, an empty or repeated record_id)."""
    from kompeten.linkage.records import COLUMNS
    from kompeten.linkage.standardise import standardise

    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise bad_input(_("The input file %(path)s cannot be read: %(reason)s")
                        % {"path": path, "reason": error.strerror}) from None
    with handle:
        sample = handle.read(4096)
        handle.seek(0)
        delimiter = ";" if sample.partition("\n")[0].count(";") > sample.partition("\n")[0].count(",") else ","
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise bad_input(_("The input file %(path)s is empty.") % {"path": path}) from None
        except (csv.Error, UnicodeDecodeError) as error:
            raise bad_input(_("The input file %(path)s is not a readable CSV file: %(reason)s")
                            % {"path": path, "reason": error}) from None
        names = [h.strip().lower() for h in header]
        if "record_id" not in names:
            raise bad_input(_("The input file %(path)s has no record_id column (columns: %(columns)s).")
                            % {"path": path, "columns": ", ".join(header) or "-"})
        id_at = names.index("record_id")
        wanted = [(i, n) for i, n in enumerate(names) if n in COLUMNS]
        records, seen = [], {}
        try:
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                record_id = row[id_at].strip() if id_at < len(row) else ""
                if not record_id:
                    raise bad_input(_("Line %(line)s of %(path)s has no record_id.") % {"line": line, "path": path})
                if record_id in seen:
                    raise bad_input(_("record_id %(id)s is repeated: lines %(first)s and %(line)s of %(path)s.")
                                    % {"id": record_id, "first": seen[record_id], "line": line, "path": path})
                seen[record_id] = line
                raw = {n: row[i] for i, n in wanted if i < len(row)}
                records.append(standardise(raw, id=record_id))
        except (csv.Error, UnicodeDecodeError) as error:
            raise bad_input(_("The input file %(path)s is not a readable CSV file: %(reason)s")
                            % {"path": path, "reason": error}) from None
    return records


def write_clusters(path: Path, records, clusters: dict[str, str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["record_id", "cluster_id"])
        writer.writerows((r.id, clusters[r.id]) for r in records)


def write_pairs(path: Path, result, *, all_pairs: bool = False) -> None:
    """The link and review pairs (``all_pairs``: every scored candidate pair), straight from the engine's arrays
    (no Pair object per row)."""
    import numpy as np

    from kompeten.linkage.compare import FIELDS, LEVELS
    from kompeten.linkage.engine import DECISIONS

    table, model = result.table, result.model
    weights = model.weight_table()
    contribution = [[f"{w:.3f}" for w in table_] for table_ in weights]
    header = ["record_id_l", "record_id_r", "score", "decision", "weight", "w_prior",
              *(f"w_{name}" for name in FIELDS), "w_name_tf", "w_crowd", *FIELDS]
    prior = f"{model.prior_weight:.3f}"
    ids = table.ids
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        chunk = 200_000
        chosen = np.arange(len(table.left)) if all_pairs else np.flatnonzero(table.decision >= 1)
        for start in range(0, len(chosen), chunk):
            sl = chosen[start:start + chunk]
            weight = table.weight[sl].astype(np.float64)
            score = 1.0 / (1.0 + np.exp2(-weight))
            tf = table.tf[sl].astype(np.float64) * model.tf_scale
            crowds = table.crowd[sl].astype(np.float64) * model.crowd_scale
            rows = []
            for a, b, w, p, d, t, cr, codes in zip(
                    table.left[sl].tolist(), table.right[sl].tolist(), weight.tolist(), score.tolist(),
                    table.decision[sl].tolist(), tf.tolist(), crowds.tolist(), table.codes[sl].tolist(),
                    strict=True):
                rows.append([ids[a], ids[b], f"{p:.6f}", DECISIONS[d], f"{w:.3f}", prior,
                             *(contribution[j][c] for j, c in enumerate(codes)), f"{t:.3f}", f"{cr:.3f}",
                             *(LEVELS[name][c] for name, c in zip(FIELDS, codes, strict=True))])
            writer.writerows(rows)
