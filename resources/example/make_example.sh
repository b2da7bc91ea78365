#!/usr/bin/env bash
# Rebuild the shipped example community (resources/example/) from ../shared.
# Deterministic: same inputs + seed = same files. Takes ~10 s; needs python3 + numpy.
#   bash resources/example/make_example.sh [SHARED_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${1:-$here/../../../shared}
g=$shared/data/genomes
python3 "$shared/tools/simulate_community.py" \
  --genomes "$g/Corynebacterium_diphtheriae_NCTC11397.fna.gz" "$g/Helicobacter_pylori_G27.fna.gz" \
            "$g/MAG_gtdbtk_genome_3.fna.gz" \
  --samples 3 --mean-coverage 3 --abundance-sigma 1.0 --min-contig 2000 --seed 5 \
  --out "$here"
# Recompress the reads at level 9 (the simulator writes level 3): ~10% smaller, same reads.
for fq in "$here"/reads/*.fq.gz; do
  gzip -dc "$fq" | gzip -9 -n > "$fq.tmp" && mv "$fq.tmp" "$fq"
done
du -sh "$here"
