"""Logging for Snakemake rule scripts: stderr and the library's log records go to the
rule's ``log:`` file, with the latentbin version and rule name first."""

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
