"""The stage table is the one owner of the chain: the Snakemake rules use its file
names and option sections, `latentbin run` and the subcommands are built from it."""

import ast
import re
from pathlib import Path

import pytest

from latentbin.stages import BY_RULE, EXTERNAL, EXTRAS, LAYOUT, STAGES, chain
from tests.helpers import options

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "workflow" / "rules"


def rule_blocks():
    """{rule name: its text} of every rule in workflow/rules/*.smk."""
    blocks = {}
    for path in RULES.glob("*.smk"):
        text = path.read_text()
        for match in re.finditer(r"^( *)rule (\w+):\n((?:\1 +.*\n|\s*\n)+)", text, re.M):
            blocks[match.group(2)] = match.group(3)
    return blocks


def names_in(block, section):
    """Keyword names listed under `section:` of a rule block."""
    m = re.search(rf"^( +){section}:\n((?:\1    .*\n)+)", block, re.M)
    if not m:
        return set()
    return set(re.findall(r"^ +(\w+)=", m.group(2), re.M))


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_each_stage_has_a_rule_with_its_keys(stage):
    blocks = rule_blocks()
    assert stage.rule in blocks, f"no rule {stage.rule} for stage {stage.name}"
    block = blocks[stage.rule]
    assert "script:" in block and "STAGE" in block, f"rule {stage.rule} does not run scripts/run_stage.py"
    outputs = names_in(block, "output")
    expected = set(stage.outputs)
    if stage.rule in ("depth", "map_depth"):  # per sample in the workflow: sample_depth under the key depth
        expected = {"depth"}
    assert outputs == expected, (stage.rule, outputs)
    inputs = names_in(block, "input")
    assert inputs <= set(stage.inputs + stage.optional) | {"bai", "checked", "reads_checked"}, (stage.rule, inputs)
    for key in stage.outputs:
        assert f'out("{key}"' in block or stage.rule in ("depth", "map_depth"), \
            f"rule {stage.rule}: output {key} not from LAYOUT"
    if stage.options:
        assert '**params_of("' + stage.name + '")' in block, f"rule {stage.rule} does not pass its options as params"


def test_keys_are_known():
    for stage in STAGES:
        for key in stage.inputs + stage.optional + stage.scratch + stage.outputs:
            assert key in LAYOUT or key in EXTERNAL or key in EXTRAS or key in ("sample_sheet", "reads"), key


def test_no_rule_names_a_results_path_by_hand():
    for path in RULES.glob("*.smk"):
        for line in path.read_text().splitlines():
            if '"results/' in line:
                assert "benchmark" in line or "benchmarks/" in line, f"{path.name}: {line.strip()}"


def test_chain_depends_on_options():
    names = [s.name for s in chain(options())]
    assert names[:3] == ["contigs", "tnf", "depth"] and "markers" in names and "score" not in names
    assert "markers" not in [s.name for s in chain(options({"cluster": {"refine": False}}))]
    assert "score" in [s.name for s in chain(options({"gold_standard": "g.tsv"}))]
    assert all(s.rule in BY_RULE for s in STAGES)


def test_rule_scripts_are_one_adapter():
    scripts = sorted(p.name for p in (ROOT / "scripts").iterdir() if p.suffix == ".py")
    assert scripts == ["run_stage.py"]
    tree = ast.parse((ROOT / "scripts" / "run_stage.py").read_text())
    assert len([n for n in tree.body if isinstance(n, ast.Expr)]) == 2  # docstring + one call


def test_records_written_before_a_key_existed_still_match_at_its_neutral_value():
    from latentbin.stages import NEUTRAL, records_match

    section, neutral = next(iter(NEUTRAL.items()))
    key, value = next(iter(neutral.items()))
    new = {"options": {section: {"statistic": "mean", key: value}, "seed": 1}, "inputs": {}}
    old = {"options": {section: {"statistic": "mean"}, "seed": 1}, "inputs": {}}
    assert records_match(old, new) and records_match(new, new)
    changed = {"options": {section: {"statistic": "mean", key: value + 1}, "seed": 1}, "inputs": {}}
    assert not records_match(old, changed)  # the option now differs from the old behaviour
    assert not records_match({**old, "inputs": {"bams": ["x"]}}, new)
    assert not records_match({"options": {section: {"statistic": "trimmed_mean"}, "seed": 1}, "inputs": {}}, new)


def test_neutral_values_are_the_schema_defaults():
    from latentbin.config import load_config
    from latentbin.stages import NEUTRAL

    # defaults changed after the key was added: the neutral value is the behaviour before
    # the key existed (recruitment off, no ensemble), so an old record must not match the
    # new default
    changed = {("cluster", "recruit"), ("cluster", "recruit_quantile"), ("cluster", "ensemble")}
    cfg = load_config({})
    for section, keys in NEUTRAL.items():
        for key, value in keys.items():
            if (section, key) in changed:
                assert cfg[section][key] != value
                load_config({section: {key: value}})  # still a valid value
                continue
            assert cfg[section][key] == value, f"{section}.{key}: neutral {value!r} is not the default"


def test_record_before_recruit_does_not_match_the_recruit_default():
    """A cluster record written before cluster.recruit existed (recruitment off) is reused
    only while recruitment stays off; with the recruit default it reruns."""
    from latentbin.stages import records_match

    old = {"options": {"cluster": {"method": "medoid"}}, "inputs": {}}
    on = {"options": {"cluster": {"method": "medoid", "recruit": True, "recruit_quantile": 0.99}}, "inputs": {}}
    off = {"options": {"cluster": {"method": "medoid", "recruit": False, "recruit_quantile": 0.95}}, "inputs": {}}
    assert not records_match(old, on) and records_match(old, off)
