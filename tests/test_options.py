"""Typed options: one dataclass per schema section, fields exactly the schema's keys,
no defaults of their own."""

import dataclasses

import pytest

from latentbin.config import load_layers, schema
from latentbin.errors import InputError
from latentbin.options import SECTIONS, Options, plain


def test_option_classes_match_the_schema():
    props = schema()["properties"]
    for name, cls in SECTIONS.items():
        fields = {f.name for f in dataclasses.fields(cls)}
        assert fields == set(props[name]["properties"]), name
        assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(cls)), f"{name} has defaults"
    top = {f.name for f in dataclasses.fields(Options)}
    assert top == set(props), "Options attributes differ from the schema's top-level keys"


def test_from_config_and_back():
    opts = Options.from_config(load_layers([]))
    assert opts.vae.hidden == (512, 512) and isinstance(opts.vae.batch_steps, tuple)
    assert plain(opts.vae)["hidden"] == [512, 512]


def test_layers_name_the_source_of_a_bad_value(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("vae:\n  epochs: 10\n")
    b = tmp_path / "b.yaml"
    b.write_text("cluster:\n  method: nope\n")
    with pytest.raises(InputError, match=r"b\.yaml: key 'cluster.method'"):
        load_layers([a, b])
    with pytest.raises(InputError, match=r"--config: key 'vae.epochs'"):
        load_layers([a], {"vae": {"epochs": "many"}})
    cfg = load_layers([a], {"vae": {"epochs": "12", "hidden": "[64, 32]"}, "cluster": {"refine": "false"}})
    assert cfg["vae"]["epochs"] == 12 and cfg["vae"]["hidden"] == [64, 32] and cfg["cluster"]["refine"] is False


def test_per_sample_mode_bins_multisplit():
    assert load_layers([], {"assembly": {"mode": "per_sample"}})["cluster"]["multisplit"] is True


@pytest.mark.parametrize("over, n_samples, long_reads, want", [
    ({}, 3, False, ("elbo", 1, "fixed")),  # the default: several short-read samples, Vamb 5's VAE
    ({}, 1, False, ("iwae", 5, "learned")),  # one sample: depth is weak
    ({}, 3, True, ("iwae", 5, "learned")),  # long reads
    ({"importance_samples": 3}, 1, False, ("iwae", 3, "learned")),  # k given: kept
    ({"bound": "elbo"}, 1, True, ("elbo", 1, "learned")),  # bound given: kept
    ({"bound": "iwae"}, 4, False, ("iwae", 5, "fixed")),
    ({"variance": "learned"}, 4, False, ("elbo", 1, "learned")),  # variance given: kept
    ({"variance": "fixed"}, 1, False, ("iwae", 5, "fixed")),
])
def test_auto_bound_and_variance_follow_how_weak_depth_is(over, n_samples, long_reads, want):
    vae = Options.from_config(load_layers([], {"vae": over})).vae
    got = vae.resolved(n_samples, long_reads)
    assert (got.bound, got.importance_samples, got.variance) == want
    assert got.resolved(1, True) == got  # concrete options stay as they are
