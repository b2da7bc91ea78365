"""Errors that reach the user as one line (file, record, what to do)."""


class InputError(Exception):
    """Bad user input: a file, record or value that latentbin cannot use.

    The message is one line that names the file (or key), the record and the fix.
    The CLI prints it without a traceback and exits with status 2.
    """


class Interrupted(Exception):
    """Training stopped on SIGTERM after saving a checkpoint; rerun to resume (here, not in
    train.py, so that the CLI and rule adapter catch it without importing torch)."""
