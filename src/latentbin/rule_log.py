"""Running a stage inside a Snakemake rule script: logging to the rule's ``log:`` file,
the stage picked by rule name, files by input/output name, options from params."""

from __future__ import annotations

import logging
import sys
from typing import Any

from . import __version__


def start(smk: Any) -> None:
    """Send stderr and INFO logging to ``smk.log[0]``; log version, rule and threads."""
    sys.stderr = open(smk.log[0], "w", buffering=1)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s", force=True)
    logging.info("latentbin %s: rule %s, %d threads", __version__, smk.rule, smk.threads)


def rule_values(smk: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """(stage, files by key, typed options) of a rule, from its names and params."""
    from .stages import BY_RULE, EXTRAS, LISTS, options_from_params

    stage = BY_RULE[smk.rule]
    values: dict[str, Any] = {}
    for named in (smk.input, smk.output):
        for key in named.keys():
            values[key] = named[key]
    params = dict(smk.params.items())
    for key in EXTRAS + stage.scratch:  # values and scratch files come as params
        if key in params:
            values[key] = params[key]
    for key in LISTS:
        if key in values:
            value = values[key]
            values[key] = [value] if isinstance(value, str) else list(value)
    return stage, values, options_from_params(stage, params)


def run_rule(smk: Any) -> None:
    """Run the stage of rule ``smk.rule``; on bad input print the one-line error (which
    ``show-failed-logs`` puts on the terminal) and exit 1; on SIGTERM exit 143."""
    from .errors import InputError
    from .stages import run_stage
    from .errors import Interrupted

    start(smk)
    stage, paths, options = rule_values(smk)
    try:
        run_stage(stage, paths, options, smk.threads)
    except InputError as exc:
        logging.error("latentbin: error: %s", exc)
        sys.exit(1)
    except Interrupted as exc:
        logging.error("latentbin: stopped: %s; rerun the same command to resume", exc)
        sys.exit(143)
