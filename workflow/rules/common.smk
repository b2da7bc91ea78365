"""Parse-time checks and input functions shared by every rule file.

All of this runs while Snakemake reads the workflow, before any job starts: a bad config
or sample sheet stops the run with one line that names the key (or column) and the file.
"""

import dataclasses
import os
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

try:
    import latentbin  # noqa: F401
except ImportError:  # the checkout's package, when latentbin is not installed here
    sys.path.insert(0, str(Path(workflow.basedir).parent / "src"))
from latentbin.config import load_layers
from latentbin.errors import InputError
from latentbin.options import Options
from latentbin.samples import read_sample_sheet
from latentbin.stages import results_path, stage_params

# script: and conda: paths resolve relative to the rule file (workflow/rules/).
SCRIPTS = "../../scripts"
ENVS = "../../envs"
RESULTS = "results"
STAGE = f"{SCRIPTS}/run_stage.py"  # every package stage runs through this one adapter


def config_source():
    """The config file(s) behind `config`, for error messages."""
    files = [str(f) for f in workflow.overwrite_configfiles] or ["config/config.yaml"]
    return " + ".join(files)


def load_config():
    """The run's config: --configfile files (else config/config.yaml), then --config values,
    validated by latentbin's one validator (defaults filled, strings from --config typed).
    A --configfile replaces config/config.yaml instead of merging over it, so keys it
    leaves out take their schema defaults (not the example's)."""
    files = [str(f) for f in workflow.overwrite_configfiles] or ["config/config.yaml"]
    try:
        cfg = load_layers(files, dict(workflow.config_settings.config))
    except InputError as exc:
        raise WorkflowError(str(exc)) from None
    config.clear()
    config.update(cfg)
    return Options.from_config(cfg)


def out(key, **wildcards):
    """Path of a stage file under results/ (latentbin.stages.LAYOUT, the one table of names)."""
    return results_path(key, RESULTS, **wildcards)


def params_of(stage):
    """A stage's options as the rule's params: a changed option reruns the rule."""
    return stage_params(stage, OPTS)


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


OPTS = load_config()
check_config_files()
try:
    SHEET = {
        s.name: s
        for s in read_sample_sheet(
            OPTS.samples, OPTS.assembly.mode == "per_sample", OPTS.assembly.separator, config_source()
        )
    }
except InputError as exc:
    raise WorkflowError(str(exc)) from None
SAMPLES = list(SHEET)


wildcard_constraints:
    sample="|".join(re.escape(s) for s in SAMPLES),
    preset="sr|map-ont|map-hifi|map-pb",


def get_assemblies(wildcards):
    """Assembly FASTA files that filter_contigs reads (one, or one per sample)."""
    if OPTS.assembly.mode == "per_sample":
        return [s.contigs for s in SHEET.values()]
    return [OPTS.assembly.contigs]


def get_assembly_samples():
    """Sample prefixes for per_sample assemblies (empty list in coassembly mode)."""
    return SAMPLES if OPTS.assembly.mode == "per_sample" else []


def get_reads(wildcards):
    """Read files of one sample: [r1, r2], [r1] or [long]."""
    return SHEET[wildcards.sample].reads


def get_preset(wildcards):
    """minimap2 -x preset: the sheet's preset column, else the config default."""
    return SHEET[wildcards.sample].preset_for(OPTS.mapping.default_preset, OPTS.mapping.long_preset)


def get_sample(wildcards):
    """One sample's sheet row (for check_reads)."""
    return dataclasses.asdict(SHEET[wildcards.sample])


def get_index(wildcards):
    """The minimap2 index built with this sample's preset (one index per preset in use)."""
    return out("index", preset=get_preset(wildcards))


def get_sample_depths(wildcards):
    """Per-sample depth files in sheet order (= depth matrix column order)."""
    return [out("sample_depth", sample=s) for s in SAMPLES]


def get_refine_inputs(wildcards):
    """Marker genes and depths for cluster.refine (nothing when it is off)."""
    if not OPTS.cluster.refine:
        return {}
    return {"markers": out("markers"), "depth": out("depth")}
