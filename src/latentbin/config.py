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
from typing import Any, Callable, Mapping, Sequence

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


def validate(cfg: Mapping[str, Any], source: str | Callable[[list], str] = "config") -> dict:
    """Validate ``cfg`` against the schema and return a copy with defaults filled in.

    Raises :class:`InputError` with one line naming the key and the source: a string, or a
    function of the offending key path (list of keys) that names the file holding it.
    """
    value = copy.deepcopy(dict(cfg))
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = source(list(err.absolute_path)) if callable(source) else source
        raise InputError(f"{where}: key '{_where(err)}': {err.message}; allowed keys and values: config/README.md")
    _fill_defaults(_schema(), value)
    if value["assembly"]["mode"] == "per_sample":  # the schema's rule: per-sample assemblies bin multi-split
        value["cluster"]["multisplit"] = True
    return value


def read_yaml(path: str | Path) -> dict:
    """The one YAML config reader: a mapping, or a one-line :class:`InputError`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: config file not found; copy config/config.yaml and pass its path")
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: a config must be a mapping of keys to values, not {type(loaded).__name__}")
    return loaded


def _leaf_schema(keys: list) -> dict | None:
    node: dict | None = _schema()
    for key in keys:
        node = (node or {}).get("properties", {}).get(key)
    return node


def coerce(values: Mapping[str, Any], _path: tuple = ()) -> dict:
    """Command-line values typed as the schema says: strings that YAML reads as the
    key's type become that type (``snakemake --config vae='{epochs: 100}'`` delivers
    ``'100'``). Values that do not parse are left for validation to report."""
    out: dict = {}
    for key, value in values.items():
        path = (*_path, key)
        if isinstance(value, Mapping):
            out[key] = coerce(value, path)
            continue
        node = _leaf_schema(list(path)) or {}
        types = node.get("type", [])
        types = [types] if isinstance(types, str) else list(types)
        if isinstance(value, str) and types and "string" not in types:
            try:
                parsed = yaml.safe_load(value)
            except yaml.YAMLError:
                parsed = value
            value = parsed
            if isinstance(value, list):
                value = [yaml.safe_load(v) if isinstance(v, str) else v for v in value]
        out[key] = value
    return out


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict:
    """Nested merge: ``over``'s values replace ``base``'s, sections merge key by key."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _has(cfg: Mapping, keys: list) -> bool:
    node: Any = cfg
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def load_layers(files: Sequence[str | Path], overrides: Mapping[str, Any] | None = None,
                overrides_source: str = "--config") -> dict:
    """Config files merged in order, then ``overrides`` (command line), validated.

    An error names the layer that set the offending key: the override source when the
    key came from the command line, else the last file that sets it.
    """
    layers = [(str(f), read_yaml(f)) for f in files]
    if overrides:
        layers.append((overrides_source, coerce(overrides)))
    merged: dict = {}
    for _, values in layers:
        merged = merge(merged, values)

    def source(keys: list) -> str:
        for name, values in reversed(layers):
            if _has(values, keys[:2] or keys):
                return name
        return " + ".join(name for name, _ in layers) or "config"

    return validate(merged, source=source)


def load_config(config: str | Path | Mapping[str, Any] | None = None) -> dict:
    """Load a YAML config file (or take a dict), validate it and fill in defaults."""
    if config is None:
        return validate({})
    if isinstance(config, Mapping):
        return validate(config)
    return load_layers([config])


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
