"""Snakemake adapter of every package stage: the rule's name picks the stage in
latentbin.stages.STAGES; its files come from the rule's named input/output, its options
from the rule's params. Logs go to the rule's log file; bad input ends the job with the
one-line message (no traceback)."""
from latentbin.rule_log import run_rule

run_rule(snakemake)  # noqa: F821 (Snakemake injects `snakemake`)
