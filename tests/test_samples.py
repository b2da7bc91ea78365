"""The sample sheet (latentbin.samples): every rule, one line per problem naming the
sheet, the sample or line and column, and the fix."""

import pytest

from latentbin.errors import InputError
from latentbin.samples import Sample, read_sample_sheet


def write_sheet(path, header, *rows):
    path.write_text("\t".join(header) + "\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    return path


@pytest.fixture
def reads(tmp_path):
    """Two existing (empty) read files and an assembly, as relative paths from tmp_path."""
    for name in ("a_R1.fq.gz", "a_R2.fq.gz", "asm.fna"):
        (tmp_path / name).touch()
    return "a_R1.fq.gz", "a_R2.fq.gz", "asm.fna"


# case -> (header, rows, per_sample, substrings the one-line message must contain: what, where, fix)
R1, R2, ASM = "a_R1.fq.gz", "a_R2.fq.gz", "asm.fna"
BAD_SHEETS = {
    "sheet without sample column": (["name", "r1"], [("S1", R1)], False,
                                    ["column 'sample' is missing", "must be tab-separated"]),
    "sheet without reads column": (["sample", "reads"], [("S1", R1)], False,
                                   ["needs column 'r1'", "or 'long'"]),
    "unknown sheet column": (["sample", "r1", "R2"], [("S1", R1, R2)], False,
                             ["column 'R2'", "'R2' was unexpected", "allowed: sample, r1, r2, long"]),
    "repeated sheet column": (["sample", "r1", "r1"], [("S1", R1, R1)], False,
                              ["column 'r1' occurs twice in the header", "keep one"]),
    "sheet with no samples": (["sample", "r1"], [], False, ["no samples", "add one row per sample"]),
    "too many fields in a row": (["sample", "r1"], [("S1", R1, R2)], False,
                                 ["line 2 has 3 fields but the header 2", "one tab"]),
    "empty sample name": (["sample", "r1"], [("", R1)], False, ["line 2, column 'sample' is empty", "give every row"]),
    "sample name with a space": (["sample", "r1"], [("S 1", R1)], False,
                                 ["line 2, column 'sample'", "'S 1'", "use letters, digits"]),
    "sample name with a slash": (["sample", "r1"], [("run/S1", R1)], False,
                                 ["line 2, column 'sample'", "'run/S1'", "use letters, digits"]),
    "sample name starting with a dot": (["sample", "r1"], [(".S1", R1)], False,
                                        ["line 2, column 'sample'", "'.S1'", "starting with a letter or digit"]),
    "duplicate sample name": (["sample", "r1"], [("S1", R1), ("S1", R1)], False,
                              ["column 'sample'", "'S1' occurs twice (line 3)", "must be unique"]),
    "missing read file": (["sample", "r1"], [("S1", "nope.fq.gz")], False,
                          ["sample 'S1', column 'r1': file 'nope.fq.gz' not found", "working directory"]),
    "both r1 and long": (["sample", "r1", "long"], [("S1", R1, R1)], False,
                         ["sample 'S1'", "column 'r1' (+ 'r2') or in 'long', not both"]),
    "neither r1 nor long": (["sample", "r1", "long"], [("S1", "", "")], False,
                            ["sample 'S1'", "or in 'long', not neither"]),
    "r2 without r1": (["sample", "r1", "r2", "long"], [("S1", "", R2, R1)], False,
                      ["sample 'S1'", "column 'r2' is set but 'r1' is empty", "put the forward mates in r1"]),
    "short-read preset for long reads": (["sample", "long", "preset"], [("S1", R1, "sr")], False,
                                         ["sample 'S1'", "column 'preset' is sr", "use map-ont"]),
    "unknown preset": (["sample", "r1", "preset"], [("S1", R1, "nanopore")], False,
                       ["sample 'S1', column 'preset'", "'nanopore'", "use one of sr, map-ont"]),
    "per_sample sheet without contigs column": (["sample", "r1"], [("S1", R1)], True,
                                                ["column 'contigs' is missing", "per_sample", "own assembly"]),
    "per_sample sample without contigs": (["sample", "r1", "contigs"], [("S1", R1, "")], True,
                                          ["sample 'S1': column 'contigs' is empty", "needs its assembly"]),
    "per_sample contigs file missing": (["sample", "r1", "contigs"], [("S1", R1, "nope.fna")], True,
                                        ["sample 'S1', column 'contigs': file 'nope.fna' not found"]),
    "separator in sample name": (["sample", "r1", "contigs"], [("SC1", R1, ASM)], True,
                                 ["sample 'SC1'", "separator 'C'", "assembly.separator", "rename the sample"]),
}


@pytest.mark.parametrize("case", BAD_SHEETS, ids=str)
def test_bad_sample_sheet(tmp_path, reads, monkeypatch, case):
    header, rows, per_sample, expected = BAD_SHEETS[case]
    monkeypatch.chdir(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", header, *rows)
    with pytest.raises(InputError) as err:
        read_sample_sheet(sheet, per_sample=per_sample, separator="C")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{sheet}: ")
    for text in expected:
        assert text in msg, msg


def test_missing_sheet_names_config_key(tmp_path):
    with pytest.raises(InputError) as err:
        read_sample_sheet(tmp_path / "nope.tsv", False, "C", config_source="bad.yaml")
    msg = str(err.value)
    assert msg.startswith("bad.yaml: key 'samples': sample sheet ") and "nope.tsv' not found" in msg
    assert "config/README.md" in msg and "\n" not in msg


def test_sheet_not_utf8(tmp_path):
    sheet = tmp_path / "samples.tsv"
    sheet.write_bytes(b"sample\tr1\nS\xe91\ta.fq\n")
    with pytest.raises(InputError, match=r"samples.tsv: line 2 is not UTF-8 text \(byte 11\); save the sheet as plain"):
        read_sample_sheet(sheet, False, "C")


def test_good_sheet_with_comments_blanks_and_mixed_rows(tmp_path, reads, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "# latentbin samples\n"
        "sample\tr1\tr2\tlong\tpreset \n"
        "\n"
        f"P1\t{R1}\t{R2}\t\t\n"
        "# single-end next\n"
        f"S.2\t {R1} \t\t\t\n"
        f"L-3\t\t\t{R2}\tmap-hifi\n"
        f"L4\t\t\t{R1}\n"  # short row: missing trailing cells are empty
    )
    samples = read_sample_sheet(sheet, per_sample=False, separator="C")
    assert [s.name for s in samples] == ["P1", "S.2", "L-3", "L4"]
    assert samples[0] == Sample("P1", r1=R1, r2=R2)
    assert samples[0].reads == [R1, R2] and samples[0].kind == "short"
    assert samples[1].reads == [R1] and samples[1].r1 == R1  # cells are stripped
    assert samples[2].reads == [R2] and samples[2].kind == "long"
    assert samples[2].preset_for("sr", "map-ont") == "map-hifi"
    assert samples[3].preset_for("sr", "map-ont") == "map-ont"
    assert samples[0].preset_for("sr", "map-ont") == "sr"


def test_per_sample_sheet_keeps_contigs(tmp_path, reads, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", ["sample", "r1", "contigs"], ("S1", R1, ASM), ("S2", R2, ASM))
    samples = read_sample_sheet(sheet, per_sample=True, separator="C")
    assert [(s.name, s.contigs) for s in samples] == [("S1", ASM), ("S2", ASM)]
    # in coassembly mode the separator and the contigs column do not matter
    assert read_sample_sheet(sheet, per_sample=False, separator="S")[0].contigs == ASM


def test_relative_paths_are_read_from_the_working_directory(tmp_path, reads, monkeypatch):
    sheet = write_sheet(tmp_path / "samples.tsv", ["sample", "r1"], ("S1", R1))
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(InputError, match=f"file '{R1}' not found .*working directory {tmp_path.parent}"):
        read_sample_sheet(sheet, False, "C")
    monkeypatch.chdir(tmp_path)
    assert read_sample_sheet(sheet, False, "C")[0].r1 == R1
