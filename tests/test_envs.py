"""Conda env files: valid YAML, the right channels, every dependency pinned, and every
`conda:` directive in the workflow pointing at one of them. Neither `snakemake -n` nor
`--lint` looks inside these files, so this is their only check without conda."""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ENV_FILES = sorted((ROOT / "envs").glob("*.yaml"))
# "name =1.2", "name ==1.2.3", "name=1.2" with an optional "=build" string.
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*==?\s*(?P<version>\d[\w.]*)(=\S+)?$")
# PyPI names whose conda-forge package is called differently.
CONDA_NAME = {"matplotlib": "matplotlib-base", "torch": "pytorch"}


def load_env(path: Path) -> dict:
    env = yaml.safe_load(path.read_text())
    assert isinstance(env, dict), f"{path}: not a YAML mapping"
    return env


def conda_pins(env: dict) -> dict[str, str]:
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            m = PIN.match(dep.strip())
            assert m, f"dependency {dep!r} is not pinned (write 'name =X.Y[.Z]')"
            pins[m["name"].lower()] = m["version"]
    return pins


def test_env_files_exist():
    names = {p.name for p in ENV_FILES}
    assert {"mapping.yaml", "latentbin.yaml"} <= names


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_env_parses_with_channels_and_pins(path):
    env = load_env(path)
    assert set(env) <= {"name", "channels", "dependencies"}, f"{path.name}: unexpected keys {set(env)}"
    channels = env.get("channels")
    assert channels and "conda-forge" in channels and "nodefaults" in channels, f"{path.name}: channels {channels}"
    assert channels.index("conda-forge") < channels.index("nodefaults")
    deps = env.get("dependencies")
    assert deps, f"{path.name}: no dependencies"
    conda_pins(env)  # asserts each conda dependency is pinned
    for dep in deps:
        if isinstance(dep, dict):
            assert set(dep) == {"pip"}, f"{path.name}: unexpected {dep}"
            for req in dep["pip"]:
                assert "==" in req, f"{path.name}: pip requirement {req!r} is not pinned"


def test_mapping_env_has_the_mapping_tools():
    pins = conda_pins(load_env(ROOT / "envs" / "mapping.yaml"))
    assert {"minimap2", "samtools"} <= set(pins)
    assert "bioconda" in load_env(ROOT / "envs" / "mapping.yaml")["channels"]


def test_latentbin_env_satisfies_the_package_dependencies():
    """Every runtime dependency in pyproject.toml is in envs/latentbin.yaml, at a pinned
    version its range accepts (the post-deploy script installs latentbin with --no-deps)."""
    pins = conda_pins(load_env(ROOT / "envs" / "latentbin.yaml"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        req = Requirement(spec)
        name = CONDA_NAME.get(req.name.lower(), req.name.lower())
        assert name in pins, f"envs/latentbin.yaml lacks {name} (pyproject: {spec})"
        assert req.specifier.contains(Version(pins[name])), f"envs/latentbin.yaml: {name} ={pins[name]} not in {spec}"
    python = pins["python"]
    assert Requirement(f"python{project['requires-python']}").specifier.contains(Version(python + ".0"))


def test_post_deploy_script_installs_the_package():
    script = ROOT / "envs" / "latentbin.post-deploy.sh"
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash")
    assert "pip install --no-deps" in text
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_every_conda_directive_points_at_an_env_file():
    used = set()
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        for rule in re.split(r"^rule |^checkpoint ", text, flags=re.M)[1:]:
            name = rule.split(":", 1)[0]
            if re.search(r"^\s+(shell|script|run):", rule, flags=re.M):
                assert re.search(r"^\s+conda:", rule, flags=re.M), f"{smk.name}: rule {name} has no conda:"
        used |= set(re.findall(r'ENVS\}/([\w.-]+\.yaml)', text))
    assert used, "no conda: directives found"
    for name in used:
        assert (ROOT / "envs" / name).is_file(), f"conda: env envs/{name} does not exist"
