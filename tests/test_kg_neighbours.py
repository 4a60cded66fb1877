"""Look-alike neighbours on the full graph: who they are, and what an unlisted finding borrows from them."""

from __future__ import annotations

import numpy as np
import pytest

from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.knowledge.umls_graph.neighbours import neighbours_of
from meddiag.knowledge.umls_graph.params import RankParams


def nearest(graph, name: str, n: int = 6) -> list[str]:
    ix = graph.index
    nb = neighbours_of(ix)
    row = nb.row[ix.disease_pos[graph.lookup_disease(name)]]
    return [ix.d_name[nb.cur[j]].lower() for j in nb.nbr[row][:n]]


@pytest.mark.parametrize("name, look_alikes", [
    ("Ulcerative colitis", ["crohn disease"]),
    ("Migraine", ["tension-type headache", "cluster headache"]),
    ("Primary biliary cholangitis", ["primary sclerosing cholangitis", "autoimmune hepatitis"]),
])
def test_the_nearest_neighbours_are_the_look_alikes_a_clinician_names(graph, name, look_alikes):
    near = nearest(graph, name)
    assert all(x in near for x in look_alikes), near


def test_neighbour_weights_are_a_distribution_over_other_curated_diseases(graph):
    nb = neighbours_of(graph.index)
    assert np.allclose(nb.sim.sum(1)[nb.sim.sum(1) > 0], 1.0, atol=1e-4)
    assert not (nb.nbr == np.arange(len(nb.cur))[:, None]).any()  # never its own neighbour
    assert all(graph.index.d_source[d] == "curated" for d in nb.cur[nb.nbr[:50].ravel()])


def test_an_unlisted_finding_borrows_from_the_look_alikes_and_listed_weights_stand(graph):
    ix = graph.index
    uc = ix.disease_pos[graph.lookup_disease("Ulcerative colitis")]
    ranker = graph._ranker
    borrow, leak = ranker.params.borrow, ranker.params.leak
    assert borrow > 0
    listed = {int(f) for f in range(len(ix.finding_ids)) if uc in ix.closure.dis[ix.closure.col(f)]}
    nb = neighbours_of(ix)
    near = nb.cur[nb.nbr[nb.row[uc]]]
    shared = [f for f in range(len(ix.finding_ids)) if f not in listed
              and np.isin(ix.closure.dis[ix.closure.col(f)], near).sum() >= 4]
    assert shared, "some finding four of ulcerative colitis's look-alikes list and it does not"
    f = shared[0]
    p = ranker.absent_likelihood(f)
    assert 1 - p[uc] > leak  # no longer the "never" of a missing annotation
    without = graph.with_params(RankParams().with_(borrow=0.0))._ranker
    assert 1 - without.absent_likelihood(f)[uc] == pytest.approx(leak)
    own = next(iter(listed))
    w = ix.closure.w[ix.closure.col(own)][ix.closure.dis[ix.closure.col(own)] == uc].max()
    assert 1 - ranker.absent_likelihood(own)[uc] == pytest.approx(w)


def test_a_not_edge_is_never_overridden_by_borrowing(graph):
    ix = graph.index
    nb = neighbours_of(ix)
    f = next(f for f in range(len(ix.finding_ids)) if (nb.row[ix.negated.dis[ix.negated.col(f)]] >= 0).any())
    sl = ix.negated.col(f)
    d = next(int(d) for d in ix.negated.dis[sl] if nb.row[d] >= 0)
    w = ix.negated.w[sl][ix.negated.dis[sl] == d][0]
    assert graph._ranker.likelihood(f)[d] == pytest.approx(w)


def test_next_question_likelihoods_borrow_the_same_way(graph):
    ranker = graph._ranker
    st = case_from_text(graph, "A 30-year-old woman has fever, joint pain, a malar rash and fatigue.")
    dis, _ = ranker.pool(st, 40)
    cands = np.arange(0, len(graph.index.finding_ids), 41)
    full = np.stack([1 - ranker.absent_likelihood(int(f))[dis] for f in cands])
    assert np.allclose(ranker._sub_likelihoods(cands, dis), full, atol=1e-3)
