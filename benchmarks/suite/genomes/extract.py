"""Provenance: how benchmarks/suite/genomes/*.fna.gz were made (run once, by hand, not by CI).

Each source file was read from a local git mirror of its public GitHub repository at the
commit in MANIFEST.tsv (GenBank records converted to FASTA: one record per LOCUS, named by
its VERSION), upper-cased, wrapped at 80, gzipped with mtime 0 and level 9. Needs the
mirrors under /work/.mirror (owner+name/repo); the builder itself only needs the outputs.
Paracoccus sp. SCN 68-21 is extracted too but was left out of MANIFEST.tsv (87 contigs).
"""
import gzip, hashlib, io, subprocess, sys, os
OUT = "/work/scratch/suite/pool"
M = "/work/.mirror"
# (name, repo dir, commit, path)
SRC = [
 ("Brucella_melitensis_16M", "linsalrob+PhiSpy", "735e7dc4bab768164c54b70d0e5d4a1130951c34", "test_genbank_files/Brucella_melitensis_16M.gb.gz"),
 ("Haemophilus_influenzae_RdKW20", "linsalrob+PhiSpy", "e7b71dce1b585869ec973babd9717599d9c988e0", "tests/Haemophilus_influenzae_Rd_KW20.gb"),
 ("Neisseria_meningitidis_MC58", "linsalrob+PhiSpy", "735e7dc4bab768164c54b70d0e5d4a1130951c34", "test_genbank_files/Neisseria_meningitidis_MC58.gb.gz"),
 ("Neisseria_meningitidis_Z2491", "linsalrob+PhiSpy", "735e7dc4bab768164c54b70d0e5d4a1130951c34", "test_genbank_files/Neisseria_meningitidis_Z2491.gb.gz"),
 ("Paracoccus_sp_SCN68-21", "linsalrob+PhiSpy", "735e7dc4bab768164c54b70d0e5d4a1130951c34", "test_genbank_files/Paracoccus_sp._SCN_68-21.gb.gz"),
 ("Shigella_flexneri_2a_301", "linsalrob+PhiSpy", "735e7dc4bab768164c54b70d0e5d4a1130951c34", "test_genbank_files/Shigella_flexneri_2a_str._301.gb.gz"),
 ("Streptococcus_pyogenes_M1GAS", "linsalrob+PhiSpy", "90c71f2b90baddbe43b8a76198b373eade712db9", "tests/Streptococcus_pyogenes_M1_GAS.gb"),
 ("Streptococcus_pyogenes_MGAS315", "linsalrob+PhiSpy", "e7b71dce1b585869ec973babd9717599d9c988e0", "tests/Streptococcus_pyogenes_MGAS315.gb"),
 ("Streptococcus_pyogenes_MGAS8232", "linsalrob+PhiSpy", "e7b71dce1b585869ec973babd9717599d9c988e0", "tests/Streptococcus_pyogenes_MGAS8232.gb"),
 ("Yersinia_pestis_KIM", "linsalrob+PhiSpy", "03e08ac4519a16136e7022fe6e0e96c72ef51370", "tests/Yersinia_pestis_KIM.gb.gz"),
 ("Aquifex_aeolicus_VF5", "althonos+diced", "d4f98613c2ca8336210a6c723ad58d7b1c81ef7b", "diced/tests/data/Aquifex_aeolicus_VF5.fna"),
 ("Clostridioides_difficile_BR81", "althonos+diced", "d4f98613c2ca8336210a6c723ad58d7b1c81ef7b", "diced/tests/data/NZ_CP019870.1.fna"),
 ("Ca_Nanohalobium_constans_LC1Nh", "pirovc+ganon", "6ac58a5460c90892dfafbef35e3bdd9da7f58d7c", "tests/ganon/data/build-custom/files/GCF_009617975.1_ASM961797v1_genomic.fna.gz"),
 ("Ca_Mancarchaeum_acidiphilum_Mia14", "pirovc+ganon", "6ac58a5460c90892dfafbef35e3bdd9da7f58d7c", "tests/ganon/data/build-custom/files/more/GCF_002214165.1_ASM221416v1_genomic.fna.gz"),
 ("Bacillus_subtilis_168", "althonos+pyrodigal", "40648dd3c865b3b12e6f5b4d428ec407fe70e293", "pyrodigal/tests/data/GCF_000009045.1_ASM904v1_genomic.fna.gz"),
]
ANI = "538e7daa3537a396a06530f82e7540ab4f9600a3"
ani = {
 "Synechocystis_sp_PCC6803": "small_dataset/GCF_000009725.1_ASM972v1_genomic.fna.gz",
 "Synechocystis_sp_PCC6714": "small_dataset/GCF_000478825.2_ASM47882v2_genomic.fna.gz",
 "Synechocystis_sp_PCC7338": "small_dataset/GCF_018282115.1_ASM1828211v1_genomic.fna.gz",
 "Synechocystis_sp_PCC7339": "small_dataset/GCF_019924095.1_ASM1992409v1_genomic.fna.gz",
 "Synechococcus_sp_PCC7002": "small_dataset/GCF_000019485.1_ASM1948v1_genomic.fna.gz",
 "Synechococcus_sp_PCC7003": "small_dataset/GCF_001693255.1_ASM169325v1_genomic.fna.gz",
 "Synechococcus_sp_PCC7117": "small_dataset/GCF_001693275.1_ASM169327v1_genomic.fna.gz",
 "Synechococcus_sp_PCC8807": "small_dataset/GCF_001693295.1_ASM169329v1_genomic.fna.gz",
 "Synechococcus_sp_PCC73109": "small_dataset/GCF_001521855.1_ASM152185v1_genomic.fna.gz",
 "Synechococcus_sp_NIES970": "small_dataset/GCF_002356215.1_ASM235621v1_genomic.fna.gz",
 "Cupriavidus_necator_H16": "normal_dataset/GCF_000009285.1_ASM928v2_genomic.fna.gz",
 "Cupriavidus_metallidurans_CH34": "normal_dataset/GCF_000196015.1_ASM19601v1_genomic.fna.gz",
 "Cupriavidus_gilardii_CR3": "normal_dataset/GCF_001281465.1_ASM128146v1_genomic.fna.gz",
 "Cupriavidus_pauculus_FDAARGOS614": "normal_dataset/GCF_003854935.1_ASM385493v1_genomic.fna.gz",
 "Cupriavidus_taiwanensis_SWF66294": "normal_dataset/GCF_022406855.1_ASM2240685v1_genomic.fna.gz",
 "Cupriavidus_campinensis_MJ1": "normal_dataset/GCF_008271425.1_ASM827142v1_genomic.fna.gz",
 "Cupriavidus_oxalaticus_Ox1": "normal_dataset/GCF_016894385.1_ASM1689438v1_genomic.fna.gz",
 "Cupriavidus_sp_MP-37": "normal_dataset/GCF_020618415.1_ASM2061841v1_genomic.fna.gz",
}
for k, v in ani.items():
    SRC.append((k, "moshi4+ANIclustermap", ANI, "example/input/" + v))

def gb_to_records(text):
    recs, name, seq, inseq = [], None, [], False
    for line in text.splitlines():
        if line.startswith("LOCUS"):
            name = line.split()[1]; seq = []; inseq = False
        elif line.startswith("VERSION") and name:
            name = line.split()[1]
        elif line.startswith("ORIGIN"):
            inseq = True
        elif line.startswith("//"):
            if name and seq: recs.append((name, "".join(seq).upper()))
            name, inseq = None, False
        elif inseq:
            seq.append("".join(ch for ch in line if ch.isalpha()))
    return recs

def fa_to_records(text):
    recs, name, seq = [], None, []
    for line in text.splitlines():
        if line.startswith(">"):
            if name: recs.append((name, "".join(seq).upper()))
            name, seq = line[1:].split()[0], []
        else: seq.append(line.strip())
    if name: recs.append((name, "".join(seq).upper()))
    return recs

rows = []
for name, repo, commit, path in SRC:
    raw = subprocess.run(["git", "-C", f"{M}/{repo}/repo", "show", f"{commit}:{path}"], capture_output=True, check=True).stdout
    src_sha = hashlib.sha256(raw).hexdigest()
    if path.endswith(".gz"): raw = gzip.decompress(raw)
    text = raw.decode()
    recs = gb_to_records(text) if ".gb" in path else fa_to_records(text)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        for n, s in recs:
            gz.write(f">{n}\n".encode())
            for i in range(0, len(s), 80): gz.write(s[i:i+80].encode() + b"\n")
    data = buf.getvalue()
    fn = f"{name}.fna.gz"
    open(os.path.join(OUT, fn), "wb").write(data)
    tot = sum(len(s) for _, s in recs); gc = sum(s.count("G") + s.count("C") for _, s in recs) / tot
    rows.append((name, repo.replace("+", "/"), commit, path, len(recs), tot, round(gc * 100, 1), len(data), hashlib.sha256(data).hexdigest(), src_sha))
    print(name, len(recs), tot, round(gc*100,1), len(data), flush=True)
with open("/work/scratch/suite/pool.tsv", "w") as fh:
    fh.write("name\trepo\tcommit\tpath\tn_seq\tbp\tgc\tgz_bytes\tsha256\tsource_sha256\n")
    for r in rows: fh.write("\t".join(map(str, r)) + "\n")
