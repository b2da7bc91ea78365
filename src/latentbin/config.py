"""Configuration: the JSON schema in ``schema/config.schema.yaml`` is the one source of
defaults, read by the CLI, the Python API and the Snakemake workflow.

>>> cfg = load_config({"vae": {"epochs": 10}})
>>> cfg["vae"]["epochs"], cfg["vae"]["latent"]
(10, 32)
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml

from .errors import InputError

SCHEMA_FILE = "config.schema.yaml"


@lru_cache(maxsize=1)
def _schema() -> dict:
    text = resources.files("latentbin").joinpath("schema").joinpath(SCHEMA_FILE).read_text()
    return yaml.safe_load(text)


def schema() -> dict:
    """The config JSON schema as a dict (a copy: callers may mutate it)."""
    return copy.deepcopy(_schema())


def schema_path() -> Path:
    """Filesystem path of the schema file shipped with the package."""
    return Path(str(resources.files("latentbin").joinpath("schema").joinpath(SCHEMA_FILE)))


def _fill_defaults(node: dict, value: dict) -> None:
    for key, sub in node.get("properties", {}).items():
        if key not in value and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
        if isinstance(value.get(key), dict) and sub.get("type") == "object":
            _fill_defaults(sub, value[key])


def defaults() -> dict:
    """Every default from the schema, nested as in the config file."""
    cfg: dict = {}
    _fill_defaults(_schema(), cfg)
    return cfg


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def validate(cfg: Mapping[str, Any], source: str = "config") -> dict:
    """Validate ``cfg`` against the schema and return a copy with defaults filled in.

    Raises :class:`InputError` with one line naming the key and the source file.
    """
    value = copy.deepcopy(dict(cfg))
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise InputError(f"{source}: key '{_where(err)}': {err.message} (see the schema: {schema_path()})")
    _fill_defaults(_schema(), value)
    return value


def load_config(config: str | Path | Mapping[str, Any] | None = None) -> dict:
    """Load a YAML config file (or take a dict), validate it and fill in defaults."""
    if config is None:
        return validate({})
    if isinstance(config, Mapping):
        return validate(config)
    path = Path(config)
    if not path.is_file():
        raise InputError(f"{path}: config file not found; write one with `latentbin init` or pass an existing path")
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: a config must be a mapping of keys to values, not {type(loaded).__name__}")
    return validate(loaded, source=str(path))


def describe(prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted key, default, description) for every leaf key, for docs and --help."""
    out: list[tuple[str, Any, str]] = []

    def walk(node: dict, path: str) -> None:
        for key, sub in node.get("properties", {}).items():
            dotted = f"{path}.{key}" if path else key
            if sub.get("type") == "object" and "properties" in sub:
                walk(sub, dotted)
            else:
                out.append((dotted, sub.get("default"), " ".join(str(sub.get("description", "")).split())))

    walk(_schema(), prefix)
    return out
