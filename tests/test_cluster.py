import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from latentbin.cluster import (bin_names, cluster_latent, find_threshold, medoid_clusters, read_clusters,
                               write_clusters)
from tests.helpers import options
from latentbin.errors import InputError
import torch


def blobs(k=5, per=60, d=16, seed=0, spread=0.15):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((k, d)) * 3
    x = np.repeat(centers, per, axis=0) + rng.standard_normal((k * per, d)) * spread
    return x.astype(np.float32), np.repeat(np.arange(k), per)


def test_medoid_separates_blobs():
    x, truth = blobs()
    labels = medoid_clusters(x, np.full(len(x), 5000), max_steps=25, seed=1)
    assert adjusted_rand_score(truth, labels) > 0.99


def test_medoid_is_deterministic_and_uses_seed():
    x, _ = blobs(k=8, spread=0.6, seed=3)
    lengths = np.random.default_rng(0).integers(2000, 9000, len(x))
    a = medoid_clusters(x, lengths, max_steps=25, seed=5)
    b = medoid_clusters(x, lengths, max_steps=25, seed=5)
    np.testing.assert_array_equal(a, b)


def test_hdbscan_separates_blobs():
    x, truth = blobs()
    opts = options({"cluster": {"method": "hdbscan", "min_cluster_size": 5}})
    labels = cluster_latent(x, np.full(len(x), 5000), opts.cluster, seed=1)
    assert adjusted_rand_score(truth, labels) > 0.99
    assert (labels >= 0).all()


def test_threshold_at_valley():
    # a dense cluster at distance ~0.01 and a second group at ~0.2: the radius is between
    d = torch.cat([torch.full((100,), 0.01), torch.full((100,), 0.2)])
    t = find_threshold(d, torch.ones(200), pvr=0.1)
    assert t is not None and 0.02 < t < 0.2


def test_multisplit_and_names(tmp_path):
    x, truth = blobs(k=2, per=20)
    names = np.array([f"S{i % 2 + 1}C{i}" for i in range(40)])
    opts = options({"cluster": {"multisplit": True}})
    labels = cluster_latent(x, np.full(40, 5000), opts.cluster, seed=1, names=names, separator="C")
    assert len(set(labels.tolist())) == 4  # 2 clusters x 2 samples
    bins = bin_names(labels, names, True, "C")
    assert all(b.startswith(n.split("C")[0] + ".bin") for b, n in zip(bins, names))
    write_clusters(tmp_path / "c.tsv", bins, names)
    back = read_clusters(tmp_path / "c.tsv")
    assert sorted(c for cs in back.values() for c in cs) == sorted(names.tolist())
    assert (tmp_path / "c.tsv").read_text().startswith("bin\tcontig\n")


def test_bin_numbering_by_size():
    labels = np.array([7, 7, 3, 3, 3, 9])
    assert bin_names(labels, np.array(list("abcdef")), False, "C").tolist() == ["bin2", "bin2", "bin1", "bin1", "bin1", "bin3"]


def test_read_clusters_errors(tmp_path):
    with pytest.raises(InputError, match="clusters file not found"):
        read_clusters(tmp_path / "none.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("bin\tcontig\njustone\n")
    with pytest.raises(InputError, match="line 2 is not 'bin<TAB>contig'"):
        read_clusters(bad)


# ----------------------------------------------------------------------------- fast path = reference
def _cases():
    """Small inputs built deterministically: separated and overlapping blobs, varied
    lengths, duplicates and an all-zero row, dense noise (many loners and failed seeds)."""
    out = []
    for seed, (k, per, spread) in enumerate([(8, 80, 0.6), (5, 60, 0.15), (12, 40, 1.2), (3, 150, 2.5)]):
        x, _ = blobs(k=k, per=per, spread=spread, seed=seed)
        lengths = np.random.default_rng(seed).integers(2000, 20000, len(x))
        out.append((x, lengths, 25, seed + 1))
    x, _ = blobs(k=4, per=50, spread=0.5, seed=9)
    x = np.concatenate([x, x[:30], np.zeros((1, x.shape[1]), dtype=np.float32)])  # exact duplicates, a zero row
    out.append((x, np.full(len(x), 5000), 5, 3))
    noise = np.random.default_rng(4).standard_normal((500, 8)).astype(np.float32)
    out.append((noise, np.random.default_rng(5).integers(2000, 9000, 500), 25, 2))
    return out


@pytest.mark.parametrize("case", range(6))
def test_fast_path_gives_the_reference_labels(case):
    from latentbin.runtime import limit_threads

    x, lengths, steps, seed = _cases()[case]
    with limit_threads(1):  # the reference is slow with 2 threads on a busy machine
        np.testing.assert_array_equal(medoid_clusters(x, lengths, steps, seed),
                                      reference_medoid_clusters(x, lengths, steps, seed))


def test_uncertain_decisions_fall_back_to_the_reference(monkeypatch):
    """With a deliberately loose error bound most comparisons are 'too close to call', so
    the fallbacks (the reference's own product; histogram bin combinations) decide: the
    labels must still be the reference's."""
    from latentbin import cluster
    from latentbin.runtime import limit_threads

    x, lengths, steps, seed = _cases()[0]
    real_init = cluster._MedoidClusterer.__init__
    made = []

    def loose(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.eps = 3e-3
        made.append(self)

    monkeypatch.setattr(cluster._MedoidClusterer, "__init__", loose)
    with limit_threads(2):  # the fallback's product runs with the caller's threads, like the reference's
        labels = medoid_clusters(x, lengths, steps, seed)
        assert made[0].stats["exact"] > 0
        np.testing.assert_array_equal(labels, reference_medoid_clusters(x, lengths, steps, seed))



def test_large_exact_density_sums_with_the_callers_threads():
    """Above torch's grain size (32768) a float32 sum depends on the thread count; the
    clustering loop runs on one thread, so the reference-valued density must be summed
    with the caller's threads, as the reference did."""
    from latentbin.cluster import _MedoidClusterer
    from latentbin.runtime import limit_threads

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((1, 8)) * 3 + rng.standard_normal((40000, 8)) * 0.05).astype(np.float32)
    lengths = rng.integers(2000, 50000, len(x))
    with limit_threads(2):
        c = _MedoidClusterer(x, lengths, 25, 1, torch.device("cpu"))
        ref = _Reference(x, lengths, 25, 1)._density(0)[2]
        torch.set_num_threads(1)  # as inside run()
        v = c._exact(0)
        near = c._near(v)
        assert int(near.sum()) >= 32768
        assert c._density(v, near) == (ref, ref)
        assert torch.get_num_threads() == 1


#: labels of the code before the fast path (``latentbin.cluster`` at commit 906d82a) on
#: ``blobs(k=4, per=15, spread=1.5, seed=7)``, lengths 2000 + 500 * (i % 7), max_steps 25,
#: seed 1 (loners, a valley cluster, default-radius clusters): a guard against the
#: reference copy below drifting from the code it stands for
FIXTURE = [33, 29, 23, 17, 11, 6, 0, 34, 30, 24, 18, 12, 7, 1, 35, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
           43, 19, 13, 8, 3, 36, 31, 25, 42, 14, 9, 4, 37, 32, 26, 20, 15, 41, 5, 39, 39, 27, 21, 16, 10, 40, 38,
           39, 28, 22]


def test_fixture_labels():
    from latentbin.runtime import limit_threads

    x, _ = blobs(k=4, per=15, spread=1.5, seed=7)
    lengths = 2000 + 500 * (np.arange(len(x)) % 7)
    assert medoid_clusters(x, lengths, 25, 1).tolist() == FIXTURE
    with limit_threads(1):
        assert reference_medoid_clusters(x, lengths, 25, 1).tolist() == FIXTURE


# ----------------------------------------------------------------------------- reference
class _Reference:
    """The medoid clustering as it was before the certified fast path (commit 906d82a,
    ``latentbin.cluster._MedoidClusterer``): every density evaluation is ``0.5 - x @ x[i]``
    over all n points. The fast path must give exactly its labels."""

    def __init__(self, latent, lengths, max_steps, seed, window=300, min_successes=15):
        import random
        from collections import deque

        from latentbin.cluster import normalize

        self.x = normalize(torch.from_numpy(np.ascontiguousarray(latent, dtype=np.float32)))
        self.w = torch.as_tensor(np.asarray(lengths, dtype=np.float32))
        self.n = len(latent)
        self.kept = torch.ones(self.n, dtype=torch.bool)
        self.order = np.argsort(-np.asarray(lengths), kind="stable")
        self.pos = 0
        self.rng = random.Random(seed)
        self.max_steps = max_steps
        self.pvr = 0.1
        self.attempts = deque(maxlen=window)
        self.min_successes = min_successes

    def _next_seed(self):
        for _ in range(2 * len(self.order) + 1):
            if self.pos >= len(self.order):
                self.order = self.order[self.kept[torch.as_tensor(self.order)].numpy()]
                self.pos = 0
            i = int(self.order[self.pos])
            self.pos += 1
            if self.kept[i]:
                return i
        raise RuntimeError("no seed")

    def _density(self, i):
        from latentbin.cluster import MEDOID_RADIUS

        d = 0.5 - self.x @ self.x[i]
        d[i] = 0.0
        d = torch.where(self.kept, d, torch.full_like(d, 2.0))
        near = d <= MEDOID_RADIUS
        density = float((self.w[near] * (MEDOID_RADIUS - d[near])).sum())
        return d, near, density

    def _wander(self, seed):
        medoid = seed
        dist, near, density = self._density(seed)
        tried = {seed}
        cands = [c for c in torch.nonzero(near).view(-1).tolist() if c not in tried]
        cands = self.rng.sample(cands, k=min(len(cands), self.max_steps))
        i = 0
        while i < len(cands):
            c = cands[i]
            tried.add(c)
            d2, near2, dens2 = self._density(c)
            if dens2 > density:
                medoid, dist, density = c, d2, dens2
                cands = [k for k in torch.nonzero(near2).view(-1).tolist() if k not in tried]
                cands = self.rng.sample(cands, k=min(len(cands), self.max_steps))
                i = 0
            else:
                i += 1
        return medoid, dist

    def _record(self, success):
        self.attempts.append(success)
        if len(self.attempts) == self.attempts.maxlen and sum(self.attempts) < self.min_successes:
            self.pvr += 0.1
            self.attempts.clear()
            self.pos = 0

    def next_cluster(self):
        from latentbin.cluster import DEFAULT_RADIUS, MEDOID_RADIUS

        while True:
            seed = self._next_seed()
            medoid, dist = self._wander(seed)
            if int((dist < MEDOID_RADIUS).sum()) == 1:
                return torch.tensor([medoid])
            threshold = find_threshold(dist, self.w, self.pvr)
            if threshold is None:
                if self.pvr > 0.55:
                    return torch.nonzero(dist <= DEFAULT_RADIUS).view(-1)
                self._record(False)
                continue
            if self.pvr < 0.55:
                self._record(True)
            return torch.nonzero(dist <= threshold).view(-1)

    def run(self):
        labels = np.full(self.n, -1, dtype=np.int64)
        k, remaining = 0, self.n
        while remaining:
            members = self.next_cluster()
            self.kept[members] = False
            labels[members.numpy()] = k
            k += 1
            remaining -= len(members)
        return labels


def reference_medoid_clusters(latent, lengths, max_steps, seed):
    return _Reference(latent, lengths, max_steps, seed).run()
