"""Diagnostic ranking over all diseases, with evidence paths, and the next best question.

A disease's score is its log-odds: the log prior of its prevalence class (times
``prior_weight``), a demographic term (sex it cannot occur in, age outside its typical
range), a word-profile term when the case is written text (``profile.py``), and one
likelihood-ratio term per known finding. For a present finding ``f`` the
likelihood ``P(f | d)`` is the disease's weight for ``f`` or for a more specific HPO term
(true-path closure), or a parent annotation's weight times ``child_discount`` (the
patient's specific finding supports a disease annotated with the general term), or
``leak`` when the sources do not link them (a curated disease borrows from its curated
look-alikes instead, times ``borrow``: ``neighbours.py``); NOT edges set it to their small weight. The
term added is ``log(P(f|d) / base_f)`` (at most ``present_cap``); an absent finding adds
``absent_weight * log((1 - P(f|d)) / (1 - base_f))``. ``base_f`` is the mean of
``P(f|d)`` over all visible diseases. In a written case, the present findings of the first
sentence (the presenting complaint) count ``complaint_weight`` times and the findings of the last
statement before the question (where an exam case puts its telling result) ``closing_weight``
times, and each typical finding of a curated condition (``w >= typical``) that the case does not
mention at all adds ``unmentioned_weight * log(1 - w)`` to it. Related present findings (sharing an
ancestor specific enough to bring them together) are correlated evidence: each of k counts
``k ** -related_power`` times. The parameters are ``params.RankParams``.
A written case that states none of a condition's ``requires`` findings or a more specific one
(an adverse effect's drug, pregnancy, psychosis), or a conversation that has denied one and
confirmed none, costs it ``unmet_requirement``. Probabilities are a softmax over all diseases.
Everything is vectorised over the precompiled sparse columns in ``index.Index``; networkx
is not touched at query time.

The next question maximises the expected information gain (bits) about the top of the
differential, with must-not-miss diseases up-weighted, over findings of the requested
kinds that are not yet known or asked.
"""

from __future__ import annotations

import re

import numpy as np

from meddiag.knowledge.umls_graph.facts import facts_of
from meddiag.knowledge.umls_graph.index import Index
from meddiag.knowledge.umls_graph.neighbours import neighbours_of
from meddiag.knowledge.umls_graph.params import RankParams, load_params
from meddiag.knowledge.umls_graph.profile import profiles_of
from meddiag.schema import CaseState, Differential, Evidence, Hypothesis, Question

MUST_NOT_MISS_WEIGHT = 3.0
KIND_GROUPS = {"history": ("symptom", "risk", "history"), "exam": ("sign",), "test": ("test",)}
PREGNANCY_FINDING = "local:pregnancy"
_HISTORY = re.compile(r"\b(?:(?:has|had|have|with) an? (?:past |prior |long |long-standing |known |previous )?(?:medical )?"
                      r"history of|past (?:medical )?history|medical history|previously|in the past|years ago)\b", re.I)
_SENTENCE = re.compile(r"[^.?!]*(?:[.?!](?!\d)|$)")


class Ranker:
    def __init__(self, index: Index, params: RankParams | None = None):
        self.ix = index
        self.params = prm = params or load_params()
        self._age_penalty = np.array([prm.age_out_curated if s == "curated" else prm.age_out_other
                                      for s in index.d_source])
        self.logprior = prm.prior_weight * np.array([prm.log_prior[c] for c in index.d_prior_class])
        n = max(index.n_active, 1)
        self.base = np.clip((index.f_wsum + (index.n_active - index.f_count) * prm.leak) / n, 1e-4, 0.9)
        self._cache: dict[int, np.ndarray] = {}  # memo: finding -> P(f | every disease)
        self._terms: dict[tuple[int, str], np.ndarray] = {}  # memo: (finding, status) -> log-LR per disease
        n_f = len(index.finding_ids)
        self._col_of = np.repeat(np.arange(n_f), np.diff(index.direct.ptr))
        self._kind_masks = {k: np.array([fk in kinds for fk in index.f_kind]) for k, kinds in KIND_GROUPS.items()}
        self._text: tuple[str, np.ndarray] | None = None  # memo: the last narrative and its profile scores
        self._typical: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # typical (finding, disease, log(1-w))
        known = [frozenset(index.finding_pos[f] for f in need if f in index.finding_pos) for need in index.d_requires]
        self._requires = [(d, need) for d, need in enumerate(known) if need]  # one no case can state is no requirement

    def text_scores(self, text: str) -> np.ndarray:
        """``text_weight`` times the word-profile similarity of every disease to a written case,
        plus ``fact_weight`` times how much of its curated facts the case states (``facts.py``)."""
        if self._text is None or self._text[0] != text:
            s = self.params.text_weight * profiles_of(self.ix).scores(text)
            if self.params.fact_weight:
                s = s + self.params.fact_weight * facts_of(self.ix).scores(text)
            self._text = (text, s)
        return self._text[1]

    # ----------------------------------------------------------------- likelihoods
    def _floor(self, f: int) -> np.ndarray:
        """P(f | d) before the disease's own annotations: ``leak``, or for a curated disease
        what it borrows from its look-alikes (``neighbours.py``)."""
        p = np.full(len(self.ix.disease_ids), self.params.leak, dtype=np.float64)
        if self.params.borrow:
            dis, mean = neighbours_of(self.ix).borrowed(self.ix, f)
            p[dis] = np.maximum(p[dis], self.params.borrow * mean)
        return p

    def likelihood(self, f: int) -> np.ndarray:
        """P(finding f present | disease) for every disease (cached per finding)."""
        p = self._cache.get(f)
        if p is not None:
            return p
        ix = self.ix
        prm = self.params
        p = self._floor(f)
        anc = ix.ancestors(f)
        for a in anc:
            if self.base[a] >= prm.general_base:
                continue
            sl = ix.direct.col(a)
            d = ix.direct.dis[sl]
            p[d] = np.maximum(p[d], ix.direct.w[sl] * prm.child_discount)
        sl = ix.closure.col(f)
        d = ix.closure.dis[sl]
        p[d] = np.maximum(p[d], ix.closure.w[sl])
        for a in (f, *anc):
            sl = ix.negated.col(a)
            p[ix.negated.dis[sl]] = ix.negated.w[sl]
        if len(self._cache) < 4096:
            self._cache[f] = p
        return p

    def absent_likelihood(self, f: int) -> np.ndarray:
        """P(finding f absent | disease): the closure weight only (a missing child says little)."""
        ix = self.ix
        p = self._floor(f)
        sl = ix.closure.col(f)
        p[ix.closure.dis[sl]] = ix.closure.w[sl]
        sl = ix.negated.col(f)
        p[ix.negated.dis[sl]] = ix.negated.w[sl]
        return 1.0 - p

    # ----------------------------------------------------------------- scoring
    def _known(self, state: CaseState) -> list[tuple[int, str]]:
        ix = self.ix
        known = [(ix.finding_pos[f.id], f.status) for f in state.findings.values()
                 if f.status != "unknown" and f.id in ix.finding_pos]
        present = [f for f, st in known if st == "present"]
        if len(present) > 1:  # a general finding the patient has a more specific form of adds nothing new
            implied = {int(a) for f in present for a in ix.ancestors(f)}
            known = [(f, st) for f, st in known if not (st == "present" and f in implied)]
        preg = state.demographics.pregnant
        if preg is not None and PREGNANCY_FINDING in self.ix.finding_pos and PREGNANCY_FINDING not in state.findings:
            known.append((self.ix.finding_pos[PREGNANCY_FINDING], "present" if preg else "absent"))
        return known

    def terms(self, f: int, status: str) -> np.ndarray:
        """The log-likelihood-ratio each disease gets from one known finding."""
        t = self._terms.get((f, status))
        if t is None:
            b = self.base[f]
            if status == "present":
                t = np.minimum(np.log(self.likelihood(f) / b), self.params.present_cap)
            else:
                t = self.params.absent_weight * np.log(self.absent_likelihood(f) / (1.0 - b))
            if len(self._terms) < 4096:
                self._terms[(f, status)] = t
        return t

    def scores(self, state: CaseState, terms: list[np.ndarray] | None = None) -> np.ndarray:
        """Log-odds of every disease; ``terms`` (if given) receives each known finding's term."""
        ix = self.ix
        s = self.logprior.copy()
        demo = state.demographics
        if demo.sex is not None:
            code = 1 if demo.sex == "male" else 2
            s[(ix.d_sex != 0) & (ix.d_sex != code)] += self.params.sex_mismatch
        if demo.age is not None:
            with np.errstate(invalid="ignore"):
                out = (demo.age < ix.d_age[:, 0] - 0.5) | (demo.age > ix.d_age[:, 1] + 0.5)
            s[out] += self._age_penalty[out]
        if state.narrative and (self.params.text_weight or self.params.fact_weight):
            s += self.text_scores(state.narrative)
        if state.narrative and self.params.unmentioned_weight:
            s += self.params.unmentioned_weight * self._unmentioned(state)
        if self.params.unmet_requirement and self._requires:
            s[self._unmet(state)] += self.params.unmet_requirement
        known = self._known(state)
        ctx = self._context(state) if state.narrative else {}
        for key, k in self._related(known).items():
            ctx[key] = ctx.get(key, 1.0) * k
        for f, status in known:
            t = self.terms(f, status)
            k = ctx.get((f, status), 1.0)
            if k != 1.0:
                t = k * t
            s += t
            if terms is not None:
                terms.append(t)
        s[ix.d_hidden] = -np.inf
        return s

    def _related(self, known: list[tuple[int, str]]) -> dict[tuple[int, str], float]:
        """Per present finding, ``k ** -related_power`` when it is one of k related findings: linked through
        ancestors specific enough (``base < related_base``) that their findings tend to come together
        ("bowel urgency" and "tenesmus" under "abnormal large intestine physiology")."""
        ix, prm = self.ix, self.params
        present = [f for f, st in known if st == "present"]
        if len(present) < 2 or not prm.related_base:
            return {}
        near = [{f} | {int(a) for a in ix.ancestors(f) if self.base[a] < prm.related_base} for f in present]
        group = list(range(len(present)))  # union-find over findings whose near sets meet

        def root(i: int) -> int:
            while group[i] != i:
                i = group[i]
            return i

        for i in range(len(present)):
            for j in range(i + 1, len(present)):
                if near[i] & near[j]:
                    group[root(i)] = root(j)
        size: dict[int, int] = {}
        for i in range(len(present)):
            size[root(i)] = size.get(root(i), 0) + 1
        return {(f, "present"): size[root(i)] ** -prm.related_power
                for i, f in enumerate(present) if size[root(i)] > 1}

    def _context(self, state: CaseState) -> dict[tuple[int, str], float]:
        """Per (finding, status), how much a written case's wording makes it count: a finding of the last statement
        before the question (of a case of more than two) counts ``closing_weight`` times, and a present finding of the
        first sentence, where a case report states the presenting complaint, ``complaint_weight`` times (unless that
        sentence also tells the past history)."""
        prm, ix, text = self.params, self.ix, state.narrative
        if prm.closing_weight == 1.0 and prm.complaint_weight == 1.0:
            return {}
        body = [m for m in _SENTENCE.finditer(text) if m.group().strip() and not m.group().rstrip().endswith("?")]
        closing = body[-1].span() if len(body) > 2 else (0, 0)
        opening = body[0].span() if body and not _HISTORY.search(body[0].group()) else (0, 0)
        out = {}
        for f in state.findings.values():
            if f.span is None or f.status == "unknown" or f.id not in ix.finding_pos:
                continue
            if f.status == "present" and opening[0] <= f.span[0] < opening[1]:
                out[(ix.finding_pos[f.id], f.status)] = prm.complaint_weight
            elif closing[0] <= f.span[0] < closing[1]:
                out[(ix.finding_pos[f.id], f.status)] = prm.closing_weight
        return out

    def _unmentioned(self, state: CaseState) -> np.ndarray:
        """Per disease, sum of ``log(1 - w)`` over the typical findings (``w >= typical``) of a curated condition
        that a written case does not mention at all: neither the finding, nor a more general or a more specific
        one (a case report of a disease seldom leaves out all it typically shows)."""
        ix = self.ix
        if self._typical is None:
            d = ix.direct
            f_of = np.repeat(np.arange(len(ix.finding_ids)), np.diff(d.ptr))
            curated = np.array([src == "curated" for src in ix.d_source])
            keep = (d.w >= self.params.typical) & curated[d.dis]
            self._typical = (f_of[keep], d.dis[keep].astype(np.int64), np.log1p(-np.minimum(d.w[keep], 0.95)))
        f_of, dis, lw = self._typical
        known = [ix.finding_pos[f.id] for f in state.findings.values() if f.status != "unknown" and f.id in ix.finding_pos]
        near = set(known)
        for f in known:
            near.update(int(a) for a in ix.ancestors(f))
            near.update(int(g) for g in ix.closure.src[ix.closure.col(f)])
        told = np.isin(f_of, np.fromiter(near, dtype=np.int64, count=len(near)))
        return np.bincount(dis[~told], weights=lw[~told], minlength=len(ix.disease_ids))

    def _unmet(self, state: CaseState) -> list[int]:
        """The conditions whose requirement the case does not meet: a written case states none of its
        findings (nor a more specific one); a conversation, where what was not asked is unknown, has
        denied one and confirmed none."""
        ix = self.ix
        stated = {ix.finding_pos[f.id] for f in state.findings.values() if f.status == "present" and f.id in ix.finding_pos}
        stated |= {int(a) for f in stated for a in ix.ancestors(f)}
        if state.narrative:
            return [d for d, need in self._requires if not stated.intersection(need)]
        denied = {ix.finding_pos[f.id] for f in state.findings.values() if f.status == "absent" and f.id in ix.finding_pos}
        return [d for d, need in self._requires if denied.intersection(need) and not stated.intersection(need)]

    def posterior(self, state: CaseState, terms: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        s = self.scores(state, terms)
        z = np.exp(s - s.max())
        return s, z / z.sum()

    def evidence(self, d: int, state: CaseState, terms: list[np.ndarray] | None = None) -> list[Evidence]:
        ix = self.ix
        did = ix.disease_ids[d]
        known = self._known(state)
        terms = terms if terms is not None else [self.terms(f, st) for f, st in known]
        out: list[Evidence] = []
        for (f, status), t in zip(known, terms):
            w = float(t[d])
            if abs(w) < 0.05:
                continue
            out.append(Evidence(finding_id=ix.finding_ids[f], label=ix.f_label[f], status=status, weight=round(w, 3),
                                path=self._path(f, d, did)))
        out.sort(key=lambda e: -abs(e.weight))
        return out

    def _path(self, f: int, d: int, did: str) -> list[str]:
        """finding -> (the annotated HPO term it reached through is-a) -> disease."""
        ix = self.ix
        fid = ix.finding_ids[f]
        sl = ix.closure.col(f)
        hit = np.flatnonzero(ix.closure.dis[sl] == d)
        if hit.size:
            src = int(ix.closure.src[sl][hit[0]])
            return [fid, did] if src == f else [fid, ix.finding_ids[src], did]
        for a in ix.ancestors(f):
            sl = ix.direct.col(a)
            if (ix.direct.dis[sl] == d).any():
                return [fid, ix.finding_ids[a], did]
        return [fid, did]

    def rank(self, state: CaseState, top: int = 10) -> Differential:
        ix = self.ix
        terms: list[np.ndarray] = []
        s, p = self.posterior(state, terms)
        order = np.argsort(-s)[:top] if top * 20 > len(s) else np.argpartition(-s, top)[:top]
        order = order[np.argsort(-s[order])]
        hyps = []
        for d in order:
            if not np.isfinite(s[d]):
                break
            hyps.append(Hypothesis(
                disease_id=ix.disease_ids[d], name=ix.d_name[d], icd10=ix.d_icd10[d],
                probability=float(min(max(p[d], 0.0), 1.0)), score=round(float(s[d]), 4),
                evidence=self.evidence(int(d), state, terms), red_flag=bool(ix.d_red[d]), must_not_miss=bool(ix.d_mnm[d]),
            ))
        return Differential(hypotheses=hyps)

    # ----------------------------------------------------------------- next question
    def next_questions(self, state: CaseState, top: int = 3, kinds=("history",), pool: int = 25) -> list[Question]:
        ix = self.ix
        s, p = self.posterior(state)
        cand_d = np.argsort(-s)[:pool]
        cand_d = cand_d[np.isfinite(s[cand_d])]
        if cand_d.size == 0:
            return []
        pi = p[cand_d] * np.where(ix.d_mnm[cand_d], MUST_NOT_MISS_WEIGHT, 1.0)
        pi = pi / pi.sum()
        mask = np.zeros(len(ix.finding_ids), dtype=bool)
        for k in kinds:
            if k in self._kind_masks:
                mask |= self._kind_masks[k]
        skip = [ix.finding_pos[i] for i in (*state.findings, *state.asked) if i in ix.finding_pos]
        mask[skip] = False
        # candidates: findings the top diseases are annotated with directly
        cands = np.unique(self._col_of[np.isin(ix.direct.dis, cand_d)])
        cands = cands[mask[cands]]
        if cands.size == 0:
            return []
        lik = self._sub_likelihoods(cands, cand_d)
        p_yes = lik @ pi
        post_yes = lik * pi / np.maximum(p_yes[:, None], 1e-12)
        post_no = (1 - lik) * pi / np.maximum(1 - p_yes[:, None], 1e-12)

        def ent(m: np.ndarray) -> np.ndarray:
            m = np.clip(m, 1e-12, 1.0)
            return -(m * np.log2(m)).sum(axis=-1)

        h0 = float(ent(pi[None, :])[0])
        gain = h0 - (p_yes * ent(post_yes) + (1 - p_yes) * ent(post_no))
        best = np.argsort(-gain)[:top]
        return [self.question(int(cands[i]), float(gain[i])) for i in best if gain[i] > 1e-6]

    def pool(self, state: CaseState, size: int = 50) -> tuple[np.ndarray, np.ndarray]:
        """(positions, posterior renormalised over them) of the case's ``size`` best diseases."""
        s = self.scores(state)
        finite = np.flatnonzero(np.isfinite(s))
        dis = finite[np.argsort(-s[finite])[:size]]
        if dis.size == 0:
            return dis, np.zeros(0)
        pi = np.exp(s[dis] - s[dis].max())
        return dis, pi / pi.sum()

    def lift(self, cands: np.ndarray, dis: np.ndarray) -> np.ndarray:
        """P(finding | disease) / base_f for candidate findings x a few diseases, capped like a present term."""
        return np.minimum(self._sub_likelihoods(cands, dis) / self.base[cands][:, None], np.exp(self.params.present_cap))

    def expected_findings(self, state: CaseState, pool: int = 50) -> tuple[np.ndarray, np.ndarray]:
        """(finding positions, log lift) for findings the case does not yet know: how much more
        likely each is under the case's posterior (its ``pool`` best diseases) than on average."""
        ix = self.ix
        dis, pi = self.pool(state, pool)
        if dis.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cands = np.unique(self._col_of[np.isin(ix.direct.dis, dis)])
        known = {ix.finding_pos[f] for f in state.findings if f in ix.finding_pos}
        cands = cands[~np.isin(cands, list(known))] if known else cands
        if cands.size == 0:
            return cands, np.zeros(0)
        return cands, np.log(np.maximum(self.lift(cands, dis) @ pi, 1e-12))

    def _sub_likelihoods(self, cands: np.ndarray, dis: np.ndarray) -> np.ndarray:
        """P(finding | disease) for candidate findings x a few diseases (closure and NOT edges,
        and for the curated diseases what they borrow from their look-alikes)."""
        ix = self.ix
        nb = neighbours_of(ix) if self.params.borrow else None
        near = nb.cur[nb.nbr[nb.row[dis[nb.row[dis] >= 0]]]].ravel() if nb is not None else dis[:0]
        every = np.concatenate([dis, np.setdiff1d(near, dis)])  # the diseases, then their look-alikes
        col = np.full(len(ix.disease_ids), -1)
        col[every] = np.arange(len(every))
        lik = np.zeros((len(cands), len(every)))
        own = np.zeros((len(cands), len(every)), dtype=bool)
        for sp in (ix.closure, ix.negated):  # gather only the candidates' columns
            starts, lens = sp.ptr[cands], sp.ptr[cands + 1] - sp.ptr[cands]
            pos = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
            r = np.repeat(np.arange(len(cands)), lens)
            c = col[sp.dis[pos]]
            keep = c >= 0
            lik[r[keep], c[keep]] = sp.w[pos][keep]
            own[r[keep], c[keep]] = True
        floor = np.full((len(cands), len(dis)), self.params.leak)
        if nb is not None:
            for k in np.flatnonzero(nb.row[dis] >= 0):
                i = nb.row[dis[k]]
                mean = lik[:, col[nb.cur[nb.nbr[i]]]] @ nb.sim[i]
                floor[:, k] = np.maximum(floor[:, k], self.params.borrow * mean)
        return np.where(own[:, :len(dis)], lik[:, :len(dis)], floor)

    def question(self, f: int, gain: float = 0.0) -> Question:
        ix = self.ix
        kind = next((k for k, kinds in KIND_GROUPS.items() if ix.f_kind[f] in kinds), "history")
        return Question(finding_id=ix.finding_ids[f], label=ix.f_label[f], text=question_text(ix, f, kind),
                        gain=round(gain, 4), kind=kind)


_MASS = frozenset("pain nausea diarrhea diarrhoea vomiting bleeding fatigue weakness constipation numbness tingling "
                  "swelling itching discharge loss gain stiffness sweating trouble difficulty blood pus mucus "
                  "heartburn reflux wheezing hair acne dandruff jaundice".split())
_ADJ_END = ("y", "ed", "ous", "less", "ful", "ish", "ible", "able")
_PREPOSITIONS = frozenset("in of on at with after during over under around behind".split())
# a condition a patient has been told of rather than felt ("chronic kidney disease", "renal failure")
_TOLD = ("disease", "failure", "insufficiency", "syndrome", "disorder", "deficiency")


def _lay_phrase(lay: str) -> str:
    """Lower-case except acronyms ("runny Nose" -> "runny nose", "ECG" stays)."""
    return " ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in lay.split())


def question_text(ix: Index, f: int, kind: str) -> str:
    """The question for a finding: the curated wording, else a template that fits the lay
    phrase's part of speech ("Have you been feeling tired?", "Have you been coughing?",
    "Have you had a runny nose?", "Have you had any diarrhea?")."""
    if ix.f_question[f]:
        return ix.f_question[f]
    phrase = _lay_phrase(ix.f_lay[f])
    if kind == "exam":
        return f"On examination, is there {phrase}?"
    if kind == "test":
        return f"Do the test results show {phrase}?"
    if ix.f_kind[f] == "risk":
        return f"Does this apply to you: {phrase}?"
    words = phrase.split()
    head, last = words[0], words[-1]
    if last in _TOLD:
        return f"Have you ever been told you have {phrase}?"
    if len(words) == 1 and head.endswith("ing"):
        return f"Have you been {phrase}?"
    if (len(words) == 1 and head.endswith(_ADJ_END) and not head.endswith(("eed", "ity", "ology"))) or \
            phrase.startswith(("short of", "out of", "unable to", "sensitive to")):
        return f"Have you been feeling {phrase}?"
    core = next((words[:i] for i, w in enumerate(words) if i and w in _PREPOSITIONS), words)[-1]  # "nodes in the chest"
    if any(w in _MASS or w.endswith(("ia", "ea", "ing", "ness", "sis", "tion", "sion", "ity", "ism", "ema"))
           or (w.endswith("s") and not w.endswith("ss")) for w in {last, core}) or head in _MASS:
        return f"Have you had any {phrase}?"
    article = "an" if phrase[0] in "aeiou" else "a"
    return f"Have you had {article} {phrase}?"
