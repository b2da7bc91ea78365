"""Gold-standard near-complete bins (recall >= 0.9, precision >= 0.95 by bp) and the tier the
built-in QC gives them (issue 14: none may be below medium).

    python tools/qc_tier_check.py GOLD.tsv results/cluster/clusters.tsv results/qc/builtin.tsv

Recall is over the genome's contigs in the clustering (the binnable part), not the
whole genome; prints a markdown table and a count.
"""
import csv, sys
from collections import defaultdict
gold, clusters, qc = sys.argv[1:4]
g = {}; L = {}
with open(gold) as fh:
    for r in csv.DictReader(fh, delimiter="\t"):
        g[r["contig"]] = r["genome"]; L[r["contig"]] = int(r["length"])
bins = defaultdict(list)
with open(clusters) as fh:
    for r in csv.DictReader(fh, delimiter="\t"):
        bins[r["bin"]].append(r["contig"])
q = {r["bin"]: r for r in csv.DictReader(open(qc), delimiter="\t")}
gsize = defaultdict(int)
for c in g:
    gsize[g[c]] += L[c] if c in L else 0
# genome size over contigs in clusters (those >= min length that were binned or not)
clustered = {c for cs in bins.values() for c in cs}
gsz = defaultdict(int)
for c in clustered: gsz[g[c]] += L[c]
print("| genome | bin | recall | precision | completeness | contamination | domain | mimag_tier | cc_tier |")
print("|---|---|---:|---:|---:|---:|---|---|---|")
bad = 0; n = 0
for b, cs in bins.items():
    if b not in q: continue
    by = defaultdict(int)
    for c in cs: by[g[c]] += L[c]
    top = max(by, key=by.get); tot = sum(by.values())
    rec, prec = by[top] / gsz[top], by[top] / tot
    if rec >= 0.9 and prec >= 0.95:
        n += 1; r = q[b]
        low = r["mimag_tier"] == "low"
        bad += low
        print(f"| {top} | {b} | {rec:.3f} | {prec:.3f} | {r['completeness']} | {r['contamination']} | {r['domain']} | {r['mimag_tier']} | {r['cc_tier']} |")
print(f"\n{n} gold-standard near-complete bins; {bad} of them tiered below medium")
