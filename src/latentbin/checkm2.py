"""CheckM2 (Chklovski et al. 2023): command line, database check and report parsing.

CheckM2 runs only in its own conda env (``envs/checkm2.yaml``, bioconda ``checkm2``):
PyPI's checkm2 1.0.1 cannot be installed on Python 3.11. latentbin never imports it.

``quality_report.tsv`` is parsed by column name. CheckM2 writes ``Completeness`` (model
picked automatically) or, with ``--allmodels``, ``Completeness_General`` and
``Completeness_Specific`` plus ``Completeness_Model_Used`` naming the one it recommends;
older releases wrote ``Translation_Table Used`` with a space (normalised here).

>>> checkm2_command("results/bins", "results/qc/checkm2", "db.dmnd", threads=4)[:4]
['checkm2', 'predict', '--threads', '4']
"""

from __future__ import annotations

import csv
import os
import shlex
from pathlib import Path
from typing import Mapping

from .errors import InputError

DB_SUBPATH = "CheckM2_database/uniref100.KO.1.dmnd"
CHECKM2_COLUMNS = ("bin", "checkm2_completeness", "checkm2_contamination", "checkm2_model",
                   "checkm2_completeness_general", "checkm2_completeness_specific", "translation_table",
                   "coding_density", "n50", "average_gene_length", "genome_size", "gc", "n_cds", "notes")
# CheckM2 column -> latentbin column (values copied as they are)
_RENAME = {
    "Contamination": "checkm2_contamination",
    "Completeness_Model_Used": "checkm2_model",
    "Completeness_General": "checkm2_completeness_general",
    "Completeness_Specific": "checkm2_completeness_specific",
    "Translation_Table_Used": "translation_table",
    "Coding_Density": "coding_density",
    "Contig_N50": "n50",
    "Average_Gene_Length": "average_gene_length",
    "Genome_Size": "genome_size",
    "GC_Content": "gc",
    "Total_Coding_Sequences": "n_cds",
    "Additional_Notes": "notes",
}
_FLOATS = {"checkm2_completeness", "checkm2_contamination", "checkm2_completeness_general",
           "checkm2_completeness_specific", "coding_density", "average_gene_length", "gc"}
_INTS = {"translation_table", "n50", "genome_size", "n_cds"}


def download_db_path(download_dir: str | os.PathLike) -> str:
    """Where ``checkm2 database --download --path DIR`` leaves the DIAMOND database."""
    return str(Path(download_dir) / DB_SUBPATH)


def checkm2_db(cfg: Mapping, exists=os.path.exists) -> str | None:
    """The CheckM2 database the run will use, or None when ``qc.checkm2`` is off.

    Raises :class:`InputError` (one line) when CheckM2 is on and the database is not
    configured, or is missing and not the download location (rule
    ``download_checkm2_db`` fetches that one).
    """
    qc = cfg["qc"]
    if not qc["checkm2"]:
        return None
    download = download_db_path(qc["checkm2_download_dir"])
    db = qc["checkm2_db"]
    if not db:
        raise InputError(
            "config key qc.checkm2_db is not set but qc.checkm2 is true; set it to your CheckM2 "
            f"database (uniref100.KO.1.dmnd), or to {download} to have rule download_checkm2_db fetch it, "
            "or set qc.checkm2: false to use the built-in QC only")
    if not exists(db) and os.path.normpath(db) != os.path.normpath(download):
        raise InputError(
            f"config key qc.checkm2_db: database file {db} not found; give the path of an existing "
            f"uniref100.KO.1.dmnd, or set it to {download} to have rule download_checkm2_db fetch it")
    return db


def checkm2_command(bins_dir: str, outdir: str, db: str, threads: int = 1, extension: str = "fna",
                    extra: str = "") -> list[str]:
    """argv of ``checkm2 predict`` on every ``*.<extension>`` bin in ``bins_dir``."""
    cmd = ["checkm2", "predict", "--threads", str(threads), "--input", str(bins_dir), "-x", extension,
           "--output-directory", str(outdir), "--database_path", str(db), "--force"]
    return cmd + shlex.split(extra)


def _number(value: str, kind: type, path: str, name: str, column: str):
    if value in ("", "NA", "nan", "None"):
        return None
    try:
        return kind(float(value)) if kind is int else kind(value)
    except ValueError:
        raise InputError(f"{path}: bin {name}: column {column} holds {value!r}, not a number; "
                         "is this a CheckM2 quality_report.tsv?") from None


def parse_quality_report(path: str | os.PathLike) -> list[dict]:
    """Rows of a CheckM2 ``quality_report.tsv`` with latentbin's column names (``CHECKM2_COLUMNS``).

    ``checkm2_completeness`` is ``Completeness`` or, for ``--allmodels`` reports, the
    column that ``Completeness_Model_Used`` names (specific for "Specific Model", else general).
    """
    path = str(path)
    with open(path, newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        try:
            header = [h.strip().replace(" ", "_") for h in next(reader)]
        except StopIteration:
            raise InputError(f"{path}: empty file; expected a CheckM2 quality_report.tsv with a header") from None
        missing = [c for c in ("Name", "Contamination") if c not in header]
        if missing or not ({"Completeness", "Completeness_General", "Completeness_Specific"} & set(header)):
            raise InputError(f"{path}: header lacks {missing or ['Completeness']}; expected a CheckM2 "
                             f"quality_report.tsv (columns Name, Completeness, Contamination, ...), got {header[:4]}")
        rows = []
        for lineno, fields in enumerate(reader, 2):
            if not fields or not "".join(fields).strip():
                continue
            if len(fields) < len(header):
                fields += [""] * (len(header) - len(fields))
            rec = dict(zip(header, fields))
            name = rec["Name"]
            row: dict = {"bin": name}
            for src, dst in _RENAME.items():
                if src in rec:
                    row[dst] = rec[src]
            for col in list(row):
                if col in _FLOATS:
                    row[col] = _number(row[col], float, path, name, col)
                elif col in _INTS:
                    row[col] = _number(row[col], int, path, name, col)
            if "Completeness" in rec:
                row["checkm2_completeness"] = _number(rec["Completeness"], float, path, name, "Completeness")
            else:
                specific = "specific" in str(row.get("checkm2_model", "")).lower()
                key = "checkm2_completeness_specific" if specific else "checkm2_completeness_general"
                row["checkm2_completeness"] = row.get(key)
            rows.append(row)
    return rows


def write_checkm2_table(report: str | os.PathLike, out: str | os.PathLike) -> list[dict]:
    """Parse ``report`` and write ``out`` (``CHECKM2_COLUMNS`` TSV, one row per bin, sorted)."""
    from .tables import write_table

    rows = sorted(parse_quality_report(report), key=lambda r: r["bin"])
    write_table(rows, CHECKM2_COLUMNS, out)
    return rows


def read_checkm2_table(path: str | os.PathLike) -> dict[str, dict]:
    """``{bin: row}`` from a table written by :func:`write_checkm2_table`."""
    out: dict[str, dict] = {}
    with open(path, newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            row: dict = dict(rec)
            for col in ("checkm2_completeness", "checkm2_contamination"):
                row[col] = float(rec[col]) if rec.get(col) else None
            out[rec["bin"]] = row
    return out
