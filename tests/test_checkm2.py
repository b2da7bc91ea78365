"""CheckM2 command line, database check and quality_report.tsv parsing (by column name)."""

import pytest

from latentbin.checkm2 import (CHECKM2_COLUMNS, checkm2_command, checkm2_db, download_db_path,
                               parse_quality_report, read_checkm2_table, write_checkm2_table)
from latentbin.config import load_config
from latentbin.errors import InputError

# CheckM2 1.x layout (default run): columns in the tool's order
HEADER = ("Name\tCompleteness\tContamination\tCompleteness_Model_Used\tTranslation_Table_Used\t"
          "Coding_Density\tContig_N50\tAverage_Gene_Length\tGenome_Size\tGC_Content\tTotal_Coding_Sequences\t"
          "Additional_Notes")
ROWS = [
    "bin_2\t97.51\t1.23\tNeural Network (Specific Model)\t11\t0.881\t52311\t312.4\t4519876\t0.51\t4321\tNone",
    "bin_1\t55.02\t12.7\tGradient Boost (General Model)\t4\t0.912\t8012\t290.1\t1290333\t0.32\t1200\t",
]
ALLMODELS = ("Name\tCompleteness_General\tContamination\tCompleteness_Specific\tCompleteness_Model_Used\t"
             "Translation_Table_Used\tCoding_Density\tContig_N50\tAverage_Gene_Length\tGenome_Size\tGC_Content\t"
             "Total_Coding_Sequences\tAdditional_Notes\n"
             "a\t80.0\t2.0\t90.0\tNeural Network (Specific Model)\t11\t0.9\t1000\t300\t2000000\t0.5\t2000\tNone\n"
             "b\t70.0\t3.0\t60.0\tGradient Boost (General Model)\t11\t0.9\t1000\t300\t2000000\t0.5\t2000\tNone\n")


def test_command_line():
    cmd = checkm2_command("results/bins", "results/qc/checkm2", "/db/uniref100.KO.1.dmnd", threads=4,
                          extra="--allmodels --lowmem")
    assert cmd == ["checkm2", "predict", "--threads", "4", "--input", "results/bins", "-x", "fna",
                   "--output-directory", "results/qc/checkm2", "--database_path", "/db/uniref100.KO.1.dmnd",
                   "--force", "--allmodels", "--lowmem"]


def test_database_check(tmp_path):
    assert checkm2_db(load_config({})) is None  # CheckM2 off: nothing to check
    with pytest.raises(InputError, match="qc.checkm2_db is not set") as err:
        checkm2_db(load_config({"qc": {"checkm2": True}}))
    assert "\n" not in str(err.value) and "download_checkm2_db" in str(err.value)
    with pytest.raises(InputError, match="not found"):
        checkm2_db(load_config({"qc": {"checkm2": True, "checkm2_db": str(tmp_path / "no.dmnd")}}))
    db = tmp_path / "x.dmnd"
    db.write_text("")
    assert checkm2_db(load_config({"qc": {"checkm2": True, "checkm2_db": str(db)}})) == str(db)
    # the download location is accepted before it exists: rule download_checkm2_db makes it
    dl = download_db_path(tmp_path / "dl")
    assert dl.endswith("CheckM2_database/uniref100.KO.1.dmnd")
    cfg = load_config({"qc": {"checkm2": True, "checkm2_db": dl, "checkm2_download_dir": str(tmp_path / "dl")}})
    assert checkm2_db(cfg) == dl


def test_parse_default_report(tmp_path):
    report = tmp_path / "quality_report.tsv"
    report.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n")
    rows = {r["bin"]: r for r in parse_quality_report(report)}
    assert rows["bin_2"]["checkm2_completeness"] == 97.51 and rows["bin_2"]["checkm2_contamination"] == 1.23
    assert rows["bin_1"]["translation_table"] == 4 and rows["bin_1"]["n50"] == 8012
    assert rows["bin_2"]["genome_size"] == 4519876 and rows["bin_2"]["gc"] == 0.51
    assert rows["bin_2"]["coding_density"] == 0.881 and rows["bin_2"]["n_cds"] == 4321
    assert rows["bin_2"]["checkm2_model"] == "Neural Network (Specific Model)"
    out = tmp_path / "checkm2.tsv"
    write_checkm2_table(report, out)
    lines = out.read_text().splitlines()
    assert lines[0].split("\t") == list(CHECKM2_COLUMNS)
    assert [line.split("\t")[0] for line in lines[1:]] == ["bin_1", "bin_2"]
    back = read_checkm2_table(out)
    assert back["bin_1"]["checkm2_completeness"] == 55.02 and back["bin_1"]["checkm2_contamination"] == 12.7


def test_parse_by_name_not_position(tmp_path):
    cols = HEADER.split("\t")
    order = [cols.index(c) for c in reversed(cols)]
    report = tmp_path / "r.tsv"
    report.write_text("\t".join(cols[i] for i in order) + "\n"
                      + "\n".join("\t".join(row.split("\t")[i] for i in order) for row in ROWS) + "\n")
    rows = {r["bin"]: r for r in parse_quality_report(report)}
    assert rows["bin_1"]["checkm2_completeness"] == 55.02 and rows["bin_1"]["checkm2_contamination"] == 12.7


def test_parse_allmodels_picks_the_model_checkm2_used(tmp_path):
    report = tmp_path / "r.tsv"
    report.write_text(ALLMODELS)
    rows = {r["bin"]: r for r in parse_quality_report(report)}
    assert rows["a"]["checkm2_completeness"] == 90.0 and rows["a"]["checkm2_completeness_general"] == 80.0
    assert rows["b"]["checkm2_completeness"] == 70.0 and rows["b"]["checkm2_completeness_specific"] == 60.0


def test_parse_old_layout_and_errors(tmp_path):
    old = tmp_path / "old.tsv"
    old.write_text("Name\tCompleteness\tContamination\tCompleteness_Model_Used\tTranslation_Table Used\n"
                   "x\t99.1\t0.5\tGradient Boost (General Model)\t11\n")
    (row,) = parse_quality_report(old)
    assert row["translation_table"] == 11 and row["checkm2_completeness"] == 99.1
    bad = tmp_path / "bad.tsv"
    bad.write_text("bin\tcompleteness\n")
    with pytest.raises(InputError, match="CheckM2"):
        parse_quality_report(bad)
    notnum = tmp_path / "nn.tsv"
    notnum.write_text("Name\tCompleteness\tContamination\nx\thigh\t1\n")
    with pytest.raises(InputError, match="bin x"):
        parse_quality_report(notnum)
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        parse_quality_report(empty)
