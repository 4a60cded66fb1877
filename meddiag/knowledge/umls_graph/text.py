"""Text normalisation shared by the lexicon builder, the extractor and name lookup.

``tokens`` splits text into lower-case word tokens with their character spans and a
normalised key: British spellings folded to American, a light suffix stemmer
(plural, ``-ing``), possessives dropped. The same function normalises the lexicon and
the input, so a phrase matches however it was inflected. ``edit_distance`` is the
optimal-string-alignment (Damerau) distance used for misspellings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", re.IGNORECASE)

# spelling variants folded before stemming (British -> American, common forms)
_FOLD = [
    ("haem", "hem"), ("oedem", "edem"), ("anaem", "anem"), ("oesoph", "esoph"),
    ("oestr", "estr"), ("diarrhoe", "diarrhe"), ("paed", "ped"), ("tumour", "tumor"),
    ("colour", "color"), ("behaviour", "behavior"), ("leukaem", "leukem"), ("ischaem", "ischem"),
    ("orthopaed", "orthoped"), ("gynaec", "gynec"), ("faec", "fec"), ("coeliac", "celiac"),
    ("apnoea", "apnea"), ("dyspnoea", "dyspnea"), ("tachypnoea", "tachypnea"), ("aemia", "emia"),
]

# tokens ignored when matching phrases (they still bound negation scopes)
STOP = frozenset(
    "a an the of in on at my his her their your our its some any very really bit little "
    "lot to from for been being also just quite".split()
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Fold spelling variants and strip a plural or -ing suffix."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    for a, b in _FOLD:
        if a in w:
            w = w.replace(a, b)
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":  # running -> run
            w = w[:-1]
    elif len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return w


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(normalised token, start, end) for every word of text."""
    return [(stem(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def key(text: str) -> tuple[str, ...]:
    """A phrase's normalised content tokens (stop words dropped), as a lexicon key."""
    return tuple(t for t in map(stem, _WORD.findall(text)) if t not in STOP)


def name_key(text: str) -> str:
    """A name normalised for lookup: parenthetical asides and punctuation removed."""
    text = re.sub(r"\([^)]*\)", " ", text)
    return " ".join(key(text))


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance, giving up (returning limit+1) beyond limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def postings(items: list[tuple[int, frozenset[str]]]) -> dict[str, list[int]]:
    """Word -> the positions of the items (disease, word set) holding it; its length is the word's
    item frequency."""
    out: dict[str, list[int]] = defaultdict(list)
    for i, (_, ws) in enumerate(items):
        for w in ws:
            out[w].append(i)
    return out
