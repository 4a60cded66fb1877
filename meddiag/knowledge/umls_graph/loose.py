"""Loose phrase matching: a finding's words found close together in one sentence, in any order.

Exact matching needs a synonym's words in order ("swollen lymph nodes"); case reports
and patients word the same thing freely ("the inguinal lymph node was tender and
swollen"). Here every multi-word synonym is reduced to a set of canonical words —
stemmed, with near-synonymous words folded together (enlarged/swollen/swelling,
pruritic/itchy, inguinal/groin) — and counts as found when all its words occur in
one sentence within a short window. Each phrase is indexed under its rarest word, so a
sentence only tests the phrases that can possibly match. Only findings that some
disease is annotated with take part (a term no disease uses cannot change a ranking), and
no phrase that states an absence ("without scale", "no pulse"), holds a number ("MMSE of 30") or
is only time words ("past several years"): exact matches only.
"""

from __future__ import annotations

from collections import Counter, defaultdict

# canonical word <- stemmed variants (text.stem has already folded plurals, -ing and spelling)
_FOLDS = {
    "swell": "swollen swell swelled enlarged enlarge enlargement engorged puffy puffiness",
    "pain": "pain painful ache aching achy sore",
    "tender": "tender tenderness",
    "grow": "grow grew grown growth bigger enlarging expanding",
    "red": "red redness reddened erythema erythematou erythematous",
    "itch": "itch itchy pruritic pruritus",
    "blister": "blister bulla bullae bullou bullous vesicle vesicular",
    "scale": "scale scaly scaling desquamation flaky",
    "ulcer": "ulcer ulcerated ulceration ulcerative",
    "rash": "rash eruption exanthem",
    "fever": "fever febrile pyrexia",
    "vomit": "vomit vomited emesi emesis",
    "bleed": "bleed bled bloody hemorrhage hemorrhagic",
    "weak": "weak weakness",
    "numb": "numb numbness",
    "stiff": "stiff stiffness",
    "groin": "groin inguinal",
    "abdomen": "abdomen abdominal belly tummy",
    "skin": "skin cutaneou cutaneous dermal",
    "face": "face facial",
    "foot": "foot feet pedal",
    "kidney": "kidney renal",
    "liver": "liver hepatic",
    "heart": "heart cardiac",
    "lung": "lung pulmonary",
    "joint": "joint articular",
    "muscle": "muscle muscular",
    "brain": "brain cerebral",
    "bowel": "bowel intestine intestinal",
    "urine": "urine urinary",
    "high": "high increased elevated raised",
    "low": "low decreased reduced diminished",
    "white": "white whitish",
    "breath": "breath breathing breathles breathless",
}
FOLD = {v: k for k, vs in _FOLDS.items() for v in vs.split()}
_NOISE = frozenset("with and or of the in on to by for at as both bilateral area".split())
# a phrase that says what is absent ("angioedema without urticaria", "no pulse") must match exactly:
# read as a bag of words it would fire on the opposite text
NEGATING = frozenset("without no not non negative absent never nor lack lacking free denies".split())
# a phrase made only of these ("past few years", "several months") is a duration: exact matches only
_TIME = frozenset("past last few several couple recent recently year month week day hour minute ago since for over "
                  "more than less about nearly almost long longstanding history one two three four five six seven "
                  "eight nine ten twelve".split())


def canon(tok: str) -> str:
    return FOLD.get(tok, tok)


class LooseIndex:
    """Multi-word synonyms as word sets, indexed by their rarest word."""

    def __init__(self, lexicon: dict[str, str], active: set[str], max_words: int = 5):
        sets: dict[frozenset[str], str] = {}
        for phrase, fid in lexicon.items():
            toks = phrase.split()
            if fid not in active or NEGATING.intersection(toks) or any(c.isdigit() for c in phrase) \
                    or set(toks) <= _TIME:
                continue  # numbers and time words read as a bag would match any date or dose
            words = frozenset(canon(t) for t in phrase.split() if t not in _NOISE)
            if 2 <= len(words) <= max_words and words not in sets:
                sets[words] = fid
        freq = Counter(w for ws in sets for w in ws)
        self.by_word: dict[str, list[tuple[frozenset[str], str]]] = defaultdict(list)
        for ws, fid in sets.items():
            self.by_word[min(ws, key=lambda w: (freq[w], w))].append((ws, fid))

    def find(self, words: list[str], window: int = 4) -> list[tuple[str, list[int]]]:
        """(finding id, the positions of its words) in ``words`` (one sentence's canonical words).

        All of a phrase's words must fall within ``len(phrase) + window`` positions."""
        where: dict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(words):
            where[w].append(i)
        out: list[tuple[str, list[int]]] = []
        for w in where:
            for ws, fid in self.by_word.get(w, ()):
                if not all(x in where for x in ws):
                    continue
                picks = _tightest([where[x] for x in sorted(ws)], len(ws) + window)
                if picks:
                    out.append((fid, picks))
        return out


def _tightest(positions: list[list[int]], limit: int) -> list[int] | None:
    """One position from each list, spanning as little as possible and less than limit."""
    best = None
    for start in positions[0]:  # anchor each choice of the first word, take the nearest of the others
        picks = [start] + [min(p, key=lambda i: abs(i - start)) for p in positions[1:]]
        if max(picks) - min(picks) < limit and (best is None or max(picks) - min(picks) < max(best) - min(best)):
            best = picks
    return best
