"""Parse-time checks and input functions shared by every rule file.

All of this runs while Snakemake reads the workflow, before any job starts: a bad config
or sample sheet stops the run with one line that names the key (or column) and the file.
"""

import os
import re

import jsonschema
import pandas as pd
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# script: and conda: paths resolve relative to the rule file (workflow/rules/).
SCRIPTS = "../../scripts"
ENVS = "../../envs"


def config_source():
    """The config file(s) behind `config`, for error messages."""
    files = list(dict.fromkeys(str(f) for f in workflow.configfiles))
    return " + ".join(files) if files else "the --config values"


def _schema_error(exc):
    """The jsonschema error behind a WorkflowError from snakemake.utils.validate."""
    for err in (exc.__cause__, exc.__context__):
        if isinstance(err, jsonschema.ValidationError):
            return err
    return None


def validate_config():
    """Check `config` against the schema and fill in its defaults (in place)."""
    try:
        validate(config, schema="../schemas/config.schema.yaml")
    except WorkflowError as exc:
        err = _schema_error(exc)
        if err is None:
            raise
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise WorkflowError(
            f"{config_source()}: key '{key}': {err.message}; "
            "allowed keys and values: config/README.md"
        ) from None


def check_file(path, what):
    """Raise a one-line error unless `path` is an existing file."""
    if not os.path.isfile(path):
        raise WorkflowError(
            f"{what}: file '{path}' not found "
            f"(relative paths are read from the working directory {os.getcwd()})"
        )


def check_config_files():
    """Checks the schema cannot express: files exist, co-assembly has its contigs."""
    src = config_source()
    asm = config["assembly"]
    if asm["mode"] == "coassembly":
        if not asm["contigs"]:
            raise WorkflowError(
                f"{src}: key 'assembly.contigs' is not set; coassembly mode needs the "
                "contig FASTA (or set assembly.mode: per_sample and a contigs column)"
            )
        check_file(asm["contigs"], f"{src}: key 'assembly.contigs'")
    if config.get("gold_standard"):
        check_file(config["gold_standard"], f"{src}: key 'gold_standard'")


def _sheet_row_error(path, sheet, exc):
    err = _schema_error(exc)
    if err is None:
        raise exc
    row = int(re.search(r"row (\d+)", str(exc.args[0])).group(1))
    name = sheet.iloc[row].get("sample", f"row {row + 1}")
    column = ".".join(str(p) for p in err.absolute_path)
    where = f"sample '{name}'" + (f", column '{column}'" if column else "")
    return WorkflowError(f"{path}: {where}: {err.message}; columns: config/README.md")


def load_samples(path):
    """Read and check the sample sheet; rows indexed by sample, in sheet order."""
    src = config_source()
    if not os.path.isfile(path):
        raise WorkflowError(
            f"{src}: key 'samples': sample sheet '{path}' not found; give a TSV with "
            "columns sample, r1, r2 (or long), see config/README.md"
        )
    sheet = pd.read_csv(path, sep="\t", dtype=str, comment="#", skip_blank_lines=True)
    sheet.columns = [str(c).strip() for c in sheet.columns]
    if "sample" not in sheet.columns:
        raise WorkflowError(
            f"{path}: column 'sample' is missing (found: {', '.join(sheet.columns)}); "
            "the header must be tab-separated and name sample, r1, r2 or long"
        )
    if not {"r1", "long"} & set(sheet.columns):
        raise WorkflowError(f"{path}: needs column 'r1' (short reads) or 'long' (long reads)")
    if sheet.empty:
        raise WorkflowError(f"{path}: no samples; add one row per sample")
    try:
        validate(sheet, schema="../schemas/samples.schema.yaml")
    except WorkflowError as exc:
        raise _sheet_row_error(path, sheet, exc) from None
    dup = sheet["sample"][sheet["sample"].duplicated()].tolist()
    if dup:
        raise WorkflowError(f"{path}: column 'sample': name '{dup[0]}' occurs twice; names must be unique")
    per_sample = config["assembly"]["mode"] == "per_sample"
    if per_sample and "contigs" not in sheet.columns:
        raise WorkflowError(
            f"{path}: column 'contigs' is missing; assembly.mode is per_sample in {src}, "
            "which needs each sample's own assembly"
        )
    for col in ("r1", "r2", "long", "preset", "contigs"):
        sheet[col] = sheet[col].fillna("").str.strip() if col in sheet else ""
    for row in sheet.itertuples():
        check_sample(path, row, per_sample)
    return sheet.set_index("sample", drop=False)


def check_sample(path, row, per_sample):
    """Row-level rules: r1 xor long, r2 needs r1, presets fit, files exist."""
    where = f"{path}: sample '{row.sample}'"
    if bool(row.r1) == bool(row.long):
        which = "both" if row.r1 else "neither"
        raise WorkflowError(f"{where}: give reads in column 'r1' (+ 'r2') or in 'long', not {which}")
    if row.r2 and not row.r1:
        raise WorkflowError(f"{where}: column 'r2' is set but 'r1' is empty; put the forward mates in r1")
    if row.long and row.preset == "sr":
        raise WorkflowError(f"{where}: column 'preset' is sr, a short-read preset, for long reads; use map-ont, map-hifi or map-pb")
    if per_sample and not row.contigs:
        raise WorkflowError(f"{where}: column 'contigs' is empty; assembly.mode is per_sample, so every sample needs its assembly")
    separator = config["assembly"]["separator"]
    if per_sample and separator in row.sample:
        raise WorkflowError(
            f"{where}: column 'sample' contains the multi-split separator '{separator}' "
            "(key assembly.separator); rename the sample or change the separator"
        )
    for col in ("r1", "r2", "long") + (("contigs",) if per_sample else ()):
        if getattr(row, col):
            check_file(getattr(row, col), f"{where}, column '{col}'")


validate_config()
check_config_files()
if config["assembly"]["mode"] == "per_sample":
    # schema: cluster.multisplit is set automatically in per_sample mode
    config["cluster"]["multisplit"] = True
SHEET = load_samples(config["samples"])
SAMPLES = SHEET.index.tolist()


wildcard_constraints:
    sample="|".join(re.escape(s) for s in SAMPLES),


def keep_bam(path):
    """BAM outputs are temporary unless mapping.keep_bam is true."""
    return path if config["mapping"]["keep_bam"] else temp(path)


def get_assemblies(wildcards):
    """Assembly FASTA files that filter_contigs reads (one, or one per sample)."""
    if config["assembly"]["mode"] == "per_sample":
        return SHEET["contigs"].tolist()
    return [config["assembly"]["contigs"]]


def get_assembly_samples():
    """Sample prefixes for per_sample assemblies (empty list in coassembly mode)."""
    return SAMPLES if config["assembly"]["mode"] == "per_sample" else []


def get_reads(wildcards):
    """Read files of one sample: [r1, r2], [r1] or [long]."""
    row = SHEET.loc[wildcards.sample]
    if row["long"]:
        return [row["long"]]
    return [row["r1"], row["r2"]] if row["r2"] else [row["r1"]]


def get_preset(wildcards):
    """minimap2 -x preset: the sheet's preset column, else the config default."""
    row = SHEET.loc[wildcards.sample]
    if row["preset"]:
        return row["preset"]
    return config["mapping"]["long_preset" if row["long"] else "default_preset"]


def get_sample_depths(wildcards):
    """Per-sample depth files in sheet order (= depth matrix column order)."""
    return expand("results/depth/{sample}.npz", sample=SAMPLES)


def get_refine_inputs(wildcards):
    """Marker genes and depths for cluster.refine (nothing when it is off)."""
    if not config["cluster"]["refine"]:
        return {}
    return {"markers": rules.markers.output.npz, "depth": rules.merge_depth.output.npz}
