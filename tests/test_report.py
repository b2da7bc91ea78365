"""HTML run report (latentbin.report): one test per section builder on tiny synthetic
inputs, full reports from synthetic results folders (current and old flat layout,
missing and damaged inputs), and a headless-Chromium test of the rendered page."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("jinja2")

from latentbin import report as rp  # noqa: E402
from latentbin.refhash import refhash  # noqa: E402
from latentbin.score import read_score, score, write_score  # noqa: E402

SECTION_TITLES = ["Run facts", "Training", "Latent space", "Bins", "Scores"]
GENOMES = 3
PER_GENOME = 40


# ----------------------------------------------------------------------------- synthetic results
def train_log_text(epochs: int = 30, active: list[int] | None = None) -> str:
    active = active or [32] * epochs
    lines = ["epoch\tloss\tce\tab\tsse\tkld\tactive_dims\tbatch_size\tseconds"]
    for e in range(1, epochs + 1):
        batch = 256 * 2 ** (e // 10)
        lines.append(f"{e}\t{0.5 + 1 / e}\t0.5\t{0.3 / e}\t{0.05 / e}\t0.01\t{active[e - 1]}\t{batch}\t0.1")
    return "\n".join(lines) + "\n"


def make_results(root: Path, flat: bool = False, extras: bool = True) -> Path:
    """A results folder for 3 genomes x 40 contigs (latent 8-d, 2 samples). ``flat``: the
    old `latentbin run` layout (no summary, score, benchmarks or new files); ``extras``:
    the new files (contigs.json, unbinned.tsv, train_info.json, config.yaml, benchmarks)."""
    rng = np.random.default_rng(3)
    n = GENOMES * PER_GENOME
    genome = np.repeat(np.arange(GENOMES), PER_GENOME)
    names = np.array([f"g{g}_c{i}" for i, g in enumerate(genome)])
    lengths = rng.integers(2000, 60000, n)
    latent = (rng.standard_normal((GENOMES, 8)) * 4)[genome] + rng.standard_normal((n, 8))
    bins = np.where(np.arange(n) % PER_GENOME < 35, genome + 1, 9)  # 5 contigs per genome in a mixed bin9

    def at(new: str, old: str) -> Path:
        path = root / (old if flat else new)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    np.savez(at("vae/latent.npz", "latent.npz"), names=names, lengths=lengths, latent=latent.astype(np.float32),
             refhash=refhash(names))
    np.savez(at("depth/depth.npz", "depth.npz"), names=names, samples=np.array(["S1", "S2"]),
             depth=rng.gamma(2, 2, (n, 2)).astype(np.float32))
    at("vae/train_log.tsv", "train_log.tsv").write_text(train_log_text())
    with open(at("cluster/clusters.tsv", "clusters.tsv"), "w") as fh:
        fh.write("bin\tcontig\n" + "".join(f"bin{b}\t{c}\n" for b, c in zip(bins, names)))
    (root / "gold.tsv").write_text("contig\tgenome\tlength\n" + "".join(
        f"{c}\tgenome_{g}\t{ln}\n" for c, g, ln in zip(names, genome, lengths)))
    if flat:
        return root
    # summary rows deliberately not in size order, with a column the report does not know
    (root / "summary.tsv").write_text(
        "bin\tsize_bp\tn_contigs\tn50\tgc\tdepth_S1\tdepth_S2\tcompleteness\tcontamination\tquality\tmimag_note\n"
        "bin2\t1200000\t35\t40000\t0.41\t3.5\t0.2\t71.0\t3.0\tmedium\tok\n"
        "bin1\t2500000\t35\t52000\t0.55\t8.0\t1.0\t95.5\t1.2\thigh\tok\n"
        "bin3\t900000\t35\t30000\t0.62\t0.5\t6.0\t20.0\t0.0\tlow\t<b>raw</b>\n")
    genome_of = {c: f"genome_{g}" for c, g in zip(names, genome)}
    write_score(score(genome_of, dict(zip(names, map(int, lengths))), {c: f"bin{b}" for b, c in zip(bins, names)}),
                at("score/score.tsv", "score.tsv"))
    if extras:
        (root / "contigs").mkdir(exist_ok=True)
        (root / "contigs/contigs.json").write_text(json.dumps({"total": n + 17, "kept": n, "min_length": 2000}))
        (root / "cluster/unbinned.tsv").write_text(
            "contig\tlength\treason\nx1\t2500\tzero_depth\nx2\t3000\tzero_depth\n")
        (root / "vae/train_info.json").write_text(json.dumps(
            {"device": "cpu", "device_name": "Test CPU", "threads": 2, "seconds": 12.5, "torch": "2.13.0"}))
        (root / "config.yaml").write_text("seed: 7\nvae:\n  epochs: 30\n")
        (root / "benchmarks/depth").mkdir(parents=True)
        bench = "s\th:m:s\tmax_rss\tmax_vms\n"
        (root / "benchmarks/train_vae.tsv").write_text(bench + "12.5\t0:00:12\t300.5\t900\n")
        (root / "benchmarks/depth/S1.tsv").write_text(bench + "2.0\t0:00:02\t100\t200\n")
        (root / "benchmarks/depth/S2.tsv").write_text(bench + "3.0\t0:00:03\t150\t200\n")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The full report of a synthetic current-layout results folder (built once: the
    first UMAP of a process pays numba's compile time)."""
    root = make_results(tmp_path_factory.mktemp("results"))
    return rp.build_report(root, gold_standard=root / "gold.tsv")


# ----------------------------------------------------------------------------- helpers and readers
def test_fmt_number_and_to_float():
    assert rp.fmt_number(1234567.0) == "1,234,567"
    assert rp.fmt_number(92.518) == "92.52"
    assert rp.fmt_number(0.53361) == "0.534"
    assert rp.fmt_number(None) == "" and rp.fmt_number(float("nan")) == ""
    assert rp.to_float("3.5") == 3.5 and rp.to_float("") is None and rp.to_float("NA") is None


def test_html_table_escapes_text_and_keys_numbers():
    out = rp.html_table(["name", "value"], [["<script>x</script>", 1500.0], ["b", None]], sortable=True,
                        numeric=[False, True])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert 'class="sortable"' in out
    assert '<td class="num" data-v="1500.0">1,500</td>' in out
    assert '<td class="num" data-v=""></td>' in out


def test_find_input_prefers_current_layout_then_flat(tmp_path):
    assert rp.find_input(tmp_path, "latent") is None
    (tmp_path / "latent.npz").write_bytes(b"")
    assert rp.find_input(tmp_path, "latent") == tmp_path / "latent.npz"
    (tmp_path / "vae").mkdir()
    (tmp_path / "vae/latent.npz").write_bytes(b"")
    assert rp.find_input(tmp_path, "latent") == tmp_path / "vae/latent.npz"


def test_read_json_tolerates_absent_and_broken_files(tmp_path):
    assert rp.read_json(None) is None
    assert rp.read_json(tmp_path / "nope.json") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert rp.read_json(tmp_path / "bad.json") is None
    (tmp_path / "list.json").write_text("[1, 2]")
    assert rp.read_json(tmp_path / "list.json") is None
    (tmp_path / "ok.json").write_text('{"a": 1}')
    assert rp.read_json(tmp_path / "ok.json") == {"a": 1}


# ----------------------------------------------------------------------------- run facts
def test_config_diff_lists_changed_added_and_removed_keys():
    defaults = {"seed": 1, "vae": {"epochs": 300, "hidden": [512, 512]}, "gone": 1}
    effective = {"seed": 1, "vae": {"epochs": 30, "hidden": [64]}, "new": "x"}
    assert rp.config_diff(defaults, effective) == [
        ("gone", 1, None), ("new", None, "x"), ("vae.epochs", 300, 30), ("vae.hidden", [512, 512], [64])]
    assert rp.config_diff(defaults, defaults) == []


def test_load_effective_config_fills_defaults(tmp_path):
    from latentbin.config import defaults

    (tmp_path / "config.yaml").write_text("vae:\n  epochs: 5\n")
    cfg, source = rp.load_effective_config(None, tmp_path)
    assert source.endswith("config.yaml") and cfg["vae"]["epochs"] == 5
    assert rp.config_diff(defaults(), cfg) == [("vae.epochs", 300, 5)]
    assert rp.load_effective_config(None, tmp_path / "absent") == (None, "")
    cfg, source = rp.load_effective_config({"seed": 3}, tmp_path)
    assert cfg["seed"] == 3 and cfg["vae"]["epochs"] == defaults()["vae"]["epochs"]


def test_benchmarks_summed_per_rule_in_pipeline_order(tmp_path):
    bench = "s\th:m:s\tmax_rss\n"
    (tmp_path / "depth").mkdir()
    (tmp_path / "depth/S1.tsv").write_text(bench + "2.0\t0:00:02\t100\n")
    (tmp_path / "depth/S2.tsv").write_text(bench + "3.0\t0:00:03\tNA\n")
    (tmp_path / "summary.tsv").write_text(bench + "1.0\t0:00:01\t50\n")
    (tmp_path / "tnf.tsv").write_text(bench + "4.0\t0:00:04\t80\n")
    (tmp_path / "broken.tsv").write_text("no header here\n")
    times = rp.wall_times(rp.read_benchmarks(tmp_path), None)
    assert [t["name"] for t in times] == ["depth", "tnf", "summary"]
    depth = times[0]
    assert (depth["jobs"], depth["seconds"], depth["max_seconds"], depth["max_rss"]) == (2, 5.0, 3.0, 100.0)
    html = rp.wall_time_table(times)
    assert "total (sum of jobs)" in html and 'data-v="10.0"' in html


def test_wall_times_from_cli_stages():
    times = rp.wall_times([], {"tnf": 1.5, "train": 30.0, "bad": "x"})
    assert [(t["name"], t["seconds"]) for t in times] == [("tnf", 1.5), ("train", 30.0)]
    assert rp.wall_times([], None) == []


def test_contig_counts_with_and_without_the_new_files():
    rows, notes = rp.contig_counts({"total": 120, "kept": 100, "min_length": 2000}, 100,
                                   [{"reason": "zero_depth"}, {"reason": "zero_depth"}, {"reason": "other"}], 97, 5, 3)
    d = dict(rows)
    assert d["contigs in the input"] == "120" and d["kept (>= 2,000 bp)"] == "100" and d["dropped by length"] == "20"
    assert d["set aside before clustering"] == "3" and d["  set aside: zero_depth"] == "2"
    assert d["bins written (summary.tsv)"] == "3" and notes == []
    rows, notes = rp.contig_counts(None, 100, None, None, None, None)
    assert dict(rows) == {"contigs embedded (latent.npz)": "100"}
    assert len(notes) == 2 and "contigs.json missing" in notes[0] and "unbinned.tsv missing" in notes[1]


def test_device_text():
    assert "not recorded" in rp.device_text(None)
    text = rp.device_text({"device": "cuda", "device_name": "NVIDIA H100", "threads": 4, "seconds": 12.0})
    assert text.startswith("cuda (NVIDIA H100)") and "4 threads" in text and "12 s" in text


def test_tool_versions_tolerate_missing_tools():
    v = rp.tool_versions(tools=("minimap2", "surely-not-a-tool-xyz"))
    assert v["latentbin"] and v["numpy"] == np.__version__
    assert v["surely-not-a-tool-xyz"] == "not on PATH"
    if shutil.which("minimap2"):
        assert re.match(r"\d", v["minimap2"])


def test_run_facts_section_reports_missing_config_and_times():
    sec = rp.run_facts_section([("gold standard", "none")], [], ["note"], None, "", {"latentbin": "0"}, "cpu", [], "")
    assert sec.missing == ["note"]
    assert "Effective config not recorded" in sec.body and "No wall times recorded" in sec.body
    sec = rp.run_facts_section([], [], [], [("vae.epochs", 300, 30)], "x.yaml", {}, "cpu", [], "")
    assert "vae.epochs" in sec.body and "<td>300</td><td>30</td>" in sec.body


# ----------------------------------------------------------------------------- training
def test_collapse_rule():
    assert rp.collapse_warning(np.full(50, 32), 32) is None
    assert rp.collapse_warning(np.array([]), 32) is None
    low = rp.collapse_warning(np.r_[np.full(10, 32), np.full(10, 7)], 32)  # 7 < 25 % of 32
    assert low and "only 7 of 32" in low
    drop = rp.collapse_warning(np.r_[np.full(10, 20), np.full(10, 9)], 32)  # 9 >= 8 but < half of 20
    assert drop and "fell from 20 to 9" in drop and "only" not in drop
    assert rp.collapse_warning(np.r_[np.full(10, 20), np.full(10, 12)], 32) is None
    assert rp.collapse_warning(np.array([4.0, 4.0]), None) is None  # no latent size: drop rule only


def test_training_section(tmp_path):
    (tmp_path / "log.tsv").write_text(train_log_text(30, [32] * 20 + [4] * 10))
    tlog = rp.read_train_log(tmp_path / "log.tsv")
    assert tlog["epoch"].shape == (30,) and tlog["active_dims"][-1] == 4
    sec = rp.training_section(tlog, 32)
    assert 'class="banner warning"' in sec.body and "Latent collapse" in sec.body
    assert sec.body.count("<img ") == 2 and not sec.missing
    (tmp_path / "ok.tsv").write_text(train_log_text(30))
    assert "banner" not in rp.training_section(rp.read_train_log(tmp_path / "ok.tsv"), 32).body
    missing = rp.training_section(None, None)
    assert missing.body == "" and "train_log.tsv" in missing.missing[0]


# ----------------------------------------------------------------------------- latent space
def test_sample_indices_seeded_and_bounded():
    a = rp.sample_indices(1000, 100, seed=1)
    assert len(a) == 100 and len(np.unique(a)) == 100 and np.all(np.diff(a) > 0)
    assert np.array_equal(a, rp.sample_indices(1000, 100, seed=1))
    assert not np.array_equal(a, rp.sample_indices(1000, 100, seed=2))
    assert np.array_equal(rp.sample_indices(50, 100, seed=1), np.arange(50))


def test_top_groups_by_weight():
    labels = np.array(["a", "b", "b", "c", "", ""])
    weights = np.array([10, 2, 2, 5, 100, 100])  # b sums to 4
    assert rp.top_groups(labels, weights, 2) == ["a", "c"]
    assert rp.top_groups(labels, weights, 5) == ["a", "c", "b"]
    assert rp.top_groups(labels, weights, 5, among={"b", "c"}) == ["c", "b"]


def test_embed_2d_pca_fallback_for_few_contigs():
    x = np.random.default_rng(0).standard_normal((10, 8)).astype(np.float32)
    xy, method = rp.embed_2d(x, seed=1)
    assert xy.shape == (10, 2) and method.startswith("PCA")
    assert rp.pca_2d(np.ones((1, 3))).shape == (1, 2)


def test_cached_embedding_reuses_and_invalidates(tmp_path, monkeypatch):
    calls = []

    def fake_embed(x, seed):
        calls.append(len(x))
        return x[:, :2].copy(), "UMAP"

    monkeypatch.setattr(rp, "embed_2d", fake_embed)
    latent = np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32)
    cache = tmp_path / "report/umap.npz"
    idx = np.arange(50)
    xy1, m1 = rp.cached_embedding(latent, idx, 1, cache)
    xy2, m2 = rp.cached_embedding(latent, idx, 1, cache)
    assert calls == [50] and m1 == "UMAP" and m2 == "UMAP (reused from report/umap.npz)" and np.array_equal(xy1, xy2)
    rp.cached_embedding(latent, idx, 2, cache)  # other seed
    rp.cached_embedding(latent + 1, idx, 2, cache)  # retrained latent, same names
    rp.cached_embedding(latent, idx, 2, None)  # no cache
    assert calls == [50, 50, 50, 50]


def test_latent_section_panels_and_sample_note():
    rng = np.random.default_rng(0)
    names = np.array([f"c{i}" for i in range(60)])
    lengths = rng.integers(2000, 50000, 60)
    index = np.arange(0, 60, 2)
    xy = rng.standard_normal((30, 2)).astype(np.float32)
    bin_of = {c: f"bin{i % 3}" for i, c in enumerate(names)}
    sec = rp.latent_section(names, lengths, xy, index, bin_of, None, "UMAP", 1, written={"bin0", "bin1"})
    assert sec.body.count("<img ") == 1 and "gold standard" in sec.missing[0]
    assert "random sample of 30 of 60 contigs (seed 1)" in sec.body
    sec = rp.latent_section(names, lengths, xy, index, bin_of, {c: "g" for c in names})
    assert sec.body.count("<img ") == 2 and not sec.missing
    assert "No latent means" in rp.latent_section(None, None, None, None, bin_of, None).missing[0]


# ----------------------------------------------------------------------------- bins and scores
def test_bins_section_shows_every_column(tmp_path):
    root = make_results(tmp_path)
    header, rows = rp.read_tsv(root / "summary.tsv")
    sec = rp.bins_section(header, rows)
    for col in header:
        assert f">{col}</th>" in sec.body
    assert 'class="sortable bins"' in sec.body and 'class="tier-high"' in sec.body
    assert "&lt;b&gt;raw&lt;/b&gt;" in sec.body  # cell text escaped
    assert sec.body.count("<img ") == 2 and not sec.missing
    assert "1 high, 1 medium, 1 low" in sec.body
    rows[0]["gc"] = rows[1]["gc"] = rows[2]["gc"] = ""
    sec = rp.bins_section(header, rows)
    assert ">gc</th>" not in sec.body and "Columns empty for every bin, not shown: gc." in sec.body


def test_bins_section_without_qc_or_depth():
    header = ["bin", "size_bp", "n_contigs"]
    rows = [{"bin": "b1", "size_bp": "1000", "n_contigs": "2"}]
    sec = rp.bins_section(header, rows)
    assert sec.body.count("<img ") == 0 and len(sec.missing) == 2
    assert "no QC" in sec.missing[0] and "depth_<sample>" in sec.missing[1]
    assert "summary.tsv" in rp.bins_section(None, None).missing[0]
    assert "no bins" in rp.bins_section(header, []).missing[0]


def test_heatmap_limits_bins():
    rows = [{"bin": f"b{i}", "size_bp": str(i), "depth_S1": "1", "depth_S2": "2"} for i in range(50)]
    fig, shown = rp.heatmap_figure(rows, ["depth_S1", "depth_S2"], limit=10)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown == 10 and labels[0] == "b49" and labels[-1] == "b40"


def test_scores_section(tmp_path):
    root = make_results(tmp_path)
    result = read_score(root / "score/score.tsv")
    sec = rp.scores_section(result, root / "gold.tsv")
    assert "recall &gt;= 0.9" in sec.body and "precision &gt;= 0.95" in sec.body
    assert sec.body.count("<img ") == 1 and "binned_bp_fraction" in sec.body
    nc = result["NC"]
    assert f"<th>NC</th><td>{nc}</td>" in sec.body
    none = rp.scores_section(None, None)
    assert "no gold standard given" in none.missing[0]


# ----------------------------------------------------------------------------- whole report
def sections_of(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def test_full_report_current_layout(built):
    page = built.read_text()
    assert built.name == "report.html" and sections_of(page) == SECTION_TITLES
    assert "could not be built" not in page and "cannot be read" not in page
    assert not re.search(r"https?://|//cdn|<link rel=\"stylesheet\"|<script src", page)  # self-contained
    assert page.count('<img src="data:image/png;base64,') == 7  # loss, schedule, 2 latent, qc, heat map, score
    assert "not recorded" not in page  # every new file was there
    assert "vae.epochs" in page and "Test CPU" in page and "zero_depth" in page
    assert (built.parent / rp.UMAP_CACHE).is_file()
    assert not [p for p in os.listdir(built.parent) if p.startswith(".report.html")]  # no temp file left


def test_old_flat_layout_and_missing_inputs(tmp_path):
    root = make_results(tmp_path, flat=True)
    out = rp.build_report(root, out=tmp_path / "out/r.html", cache=False)
    page = out.read_text()
    assert sections_of(page) == SECTION_TITLES and "could not be built" not in page
    assert page.count("<img ") == 3  # two training figures + the latent panel by bin
    for text in ("contigs.json missing", "No bin summary", "No scores", "No gold standard given",
                 "Effective config not recorded", "No wall times recorded", "train_info.json missing"):
        assert text in page, text
    assert not (root / rp.UMAP_CACHE).exists()


def test_empty_results_folder_gives_a_report(tmp_path):
    page = rp.build_report(tmp_path).read_text()
    assert sections_of(page) == SECTION_TITLES and "<img " not in page
    assert "No training log" in page and "No latent means" in page and "could not be built" not in page


def test_damaged_input_is_reported_not_fatal(tmp_path):
    root = make_results(tmp_path, extras=False)
    (root / "vae/latent.npz").write_text("not an npz")
    page = rp.build_report(root, cache=False).read_text()
    assert sections_of(page) == SECTION_TITLES
    assert "latent.npz: cannot be read" in page and "No latent means" in page
    assert page.count("<img ") == 5  # training x2, qc, heat map, score; no latent panels


def test_config_gold_standard_used_when_file_exists(tmp_path):
    root = make_results(tmp_path, extras=False)
    page = rp.build_report(root, config={"gold_standard": str(root / "gold.tsv")}, cache=False).read_text()
    assert page.count('alt="latent space by true genome"') == 1
    page = rp.build_report(root, config={"gold_standard": str(root / "absent.tsv")}, cache=False).read_text()
    assert "No gold standard given" in page


# ----------------------------------------------------------------------------- browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser():
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="latentbin-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_report_renders_in_headless_chromium(built, browser):
    from selenium.webdriver.common.by import By

    browser.get(built.resolve().as_uri())
    assert [h.text for h in browser.find_elements(By.TAG_NAME, "h2")] == SECTION_TITLES
    widths = browser.execute_script("return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == 7 and all(w > 0 for w in widths)
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith("data:") for name in fetched), fetched  # nothing from the network

    def column(name: str) -> list[str]:
        return browser.execute_script(
            "const t = document.querySelector('table.bins');"
            "const i = Array.from(t.tHead.rows[0].cells).findIndex(c => c.textContent === arguments[0]);"
            "return Array.from(t.tBodies[0].rows).map(r => r.cells[i].textContent);", name)

    assert column("bin") == ["bin2", "bin1", "bin3"]  # file order
    header = browser.find_element(By.XPATH, "//table[contains(@class,'bins')]//th[text()='size_bp']")
    header.click()
    assert column("size_bp") == ["900,000", "1,200,000", "2,500,000"]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert column("bin") == ["bin1", "bin2", "bin3"] and header.get_attribute("aria-sort") == "descending"
    browser.find_element(By.XPATH, "//table[contains(@class,'bins')]//th[text()='quality']").click()
    assert column("quality") == ["high", "low", "medium"]  # text columns sort alphabetically
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_cli_run_info_gives_inputs_and_stage_times(tmp_path):
    root = make_results(tmp_path, extras=False)
    (root / "run_info.json").write_text(json.dumps(
        {"stages": {"tnf": 1.25, "train": 40.0}, "inputs": {"contigs": "asm.fna", "bam": ["a.bam", "b.bam"]}}))
    rows = rp.inputs_rows(rp.read_json(root / "run_info.json"), None, ["S1", "S2"], None)
    assert rows == [("contigs", "asm.fna"), ("bam", "a.bam, b.bam"), ("samples (2)", "S1, S2"), ("gold standard", "none")]
    page = rp.build_report(root, cache=False).read_text()
    assert "run_info.json stages (CLI run)" in page and "<td>train</td>" in page and "a.bam, b.bam" in page
