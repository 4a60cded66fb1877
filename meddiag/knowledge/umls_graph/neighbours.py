"""Look-alike neighbours of curated diseases, so that a missing annotation is not read as "never".

A curated entry lists the findings its curator thought of; a finding left out gets the
``leak`` probability, which makes any finding listed on one look-alike and forgotten on
another a strong, spurious discriminator. Each curated disease therefore has its
``K`` nearest curated neighbours: cosine similarity of their finding-weight vectors
(true-path closure, each finding weighted by its inverse disease frequency, so "Pain" does
not make everything alike). When a curated disease has no annotation for a finding, the
ranker gives it ``borrow`` times the similarity-weighted mean weight its neighbours have
for it (``rank.Ranker.likelihood``), never less than ``leak``. Explicit weights and NOT
edges always stand. Built once with the graph cache (``cache.build``).
"""

from __future__ import annotations

import numpy as np

from meddiag.knowledge.umls_graph.index import Index

K = 20  # neighbours per curated disease


class Neighbours:
    """``cur``: the curated diseases' positions; ``row``: disease position -> row in ``cur``
    (-1 for the rest); ``nbr``/``sim``: each row's neighbour rows and their weights (summing to 1)."""

    def __init__(self, ix: Index, k: int = K):
        self.cur = np.flatnonzero(np.array([s == "curated" for s in ix.d_source]) & ~ix.d_hidden)
        self.row = np.full(len(ix.disease_ids), -1, dtype=np.int64)
        self.row[self.cur] = np.arange(len(self.cur))
        cl = ix.closure
        f_of = np.repeat(np.arange(len(ix.finding_ids)), np.diff(cl.ptr))
        r = self.row[cl.dis]
        keep = r >= 0
        used, col = np.unique(f_of[keep], return_inverse=True)  # only findings some curated disease has
        idf = np.log(max(ix.n_active, 1) / np.maximum(ix.f_count[used], 1)).astype(np.float32)
        x = np.zeros((len(self.cur), len(used)), dtype=np.float32)
        x[r[keep], col] = cl.w[keep] * idf[col]
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
        sim = x @ x.T
        np.fill_diagonal(sim, -1.0)
        k = min(k, max(len(self.cur) - 1, 0))
        self.nbr = np.argsort(-sim, axis=1)[:, :k].astype(np.int32)
        s = np.take_along_axis(sim, self.nbr, 1).clip(0.0)
        self.sim = (s / np.maximum(s.sum(1, keepdims=True), 1e-9)).astype(np.float32)

    def borrowed(self, ix: Index, f: int) -> tuple[np.ndarray, np.ndarray]:
        """(disease positions, borrowed P(f | d)) for the curated diseases with no weight of their
        own for finding ``f`` (neither annotated, through the closure, nor negated)."""
        w = np.zeros(len(self.cur), dtype=np.float32)
        own = np.zeros(len(self.cur), dtype=bool)
        sl = ix.closure.col(f)
        r = self.row[ix.closure.dis[sl]]
        w[r[r >= 0]] = ix.closure.w[sl][r >= 0]
        own[r[r >= 0]] = True
        sl = ix.negated.col(f)  # a NOT edge lends its own small weight, as in ``Ranker._sub_likelihoods``
        r = self.row[ix.negated.dis[sl]]
        w[r[r >= 0]] = ix.negated.w[sl][r >= 0]
        own[r[r >= 0]] = True
        mean = (w[self.nbr] * self.sim).sum(1)
        return self.cur[~own], mean[~own]


def neighbours_of(ix: Index) -> Neighbours:
    """The index's neighbours, kept with it: built with the graph cache, else on first use."""
    return ix.kept("_neighbours", lambda: Neighbours(ix))
