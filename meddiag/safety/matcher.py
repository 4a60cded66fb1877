"""Tolerant phrase matching over patient text, for the red-flag rules.

Text is split into sentences, clauses and word tokens; each token is lower-cased,
stripped of apostrophes ("can't" -> "cant") and lightly stemmed, so patterns and text
meet on the same form. A pattern phrase is a sequence of slots separated by spaces:

- ``chest pain``        words in order, up to 2 other words between consecutive slots
- ``vomit*``            prefix match ("vomiting", "vomitted")
- ``lip|lips|tongue``   any one of the alternatives fills the slot
- ``pain ... back``     ``...`` widens the next gap to 8 words (same sentence)

Words of 5+ letters also match misspellings (one edit, two from 8 letters; Damerau
transpositions count as one), found through a deletion index so matching a paragraph
stays in the low milliseconds. A match is *negated* when a negation cue ("no", "not",
"denies", "without", ...) or a context cue ("family history of", "worried about") from
the rule file precedes it in the same clause within 6 words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")
_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|[!?;\n]")
CLAUSE_BREAKS = frozenset({"but", "however", "although", "though", "except", "whereas", "yet", "apart"})
_AND_BREAK = frozenset(
    {"i", "im", "ive", "my", "it", "its", "now", "then", "the", "this", "he", "she", "they", "her", "his", "our", "your"}
)
WIDE_GAP = 8
NEGATION_WINDOW = 6


def stem(word: str) -> str:
    """A deliberately crude suffix stripper; patterns and text pass through the same one."""
    for suffix, repl in (("iness", "y"), ("ness", ""), ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[: len(word) - len(suffix)] + repl
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    return word


def normalise_word(raw: str) -> str:
    return raw.lower().replace("'", "").replace("\u2019", "")


def tolerance(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance, returning ``limit + 1`` once it is exceeded."""
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


def _deletions(word: str, depth: int) -> set[str]:
    out = {word}
    for k in range(1, depth + 1):
        out.update("".join(c) for c in combinations(word, len(word) - k))
    return out


@dataclass(frozen=True)
class Token:
    raw: str  # lower-cased, apostrophes removed
    stem: str
    start: int
    end: int
    sentence: int
    clause: int


@dataclass(frozen=True)
class Slot:
    keys: frozenset[str]  # "w:<stem>" or "p:<prefix>"
    gap: int  # how many other tokens may precede this slot since the previous one


@dataclass(frozen=True)
class Phrase:
    text: str
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Match:
    start: int  # token indices, inclusive
    end: int
    phrase: str


def tokenise(text: str) -> list[Token]:
    """Word tokens with sentence and clause numbers (a clause ends at "but", "and I", ...)."""
    ends = [m.start() for m in _SENTENCE_END.finditer(text)]
    tokens: list[Token] = []
    sentence = clause = 0
    e = 0
    for m in _WORD.finditer(text):
        while e < len(ends) and ends[e] < m.start():
            e += 1
            if tokens and tokens[-1].sentence == sentence:
                sentence += 1
                clause += 1
        raw = normalise_word(m.group())
        prev = tokens[-1] if tokens and tokens[-1].sentence == sentence else None
        if raw in CLAUSE_BREAKS or (prev is not None and prev.raw == "and" and raw in _AND_BREAK):
            clause += 1
        tokens.append(Token(raw, stem(raw), m.start(), m.end(), sentence, clause))
    return tokens


def compile_phrase(text: str, gap: int = 2) -> Phrase:
    slots: list[Slot] = []
    next_gap = 0
    for part in re.sub(r"[-/]", " ", text).split():
        if part == "...":
            next_gap = WIDE_GAP
            continue
        keys = []
        for alt in part.split("|"):
            word = normalise_word(alt)
            keys.append(f"p:{word[:-1]}" if word.endswith("*") else f"w:{stem(word)}")
        slots.append(Slot(frozenset(keys), next_gap if slots else 0))
        next_gap = gap
    if not slots:
        raise ValueError(f"empty pattern phrase: {text!r}")
    return Phrase(text, tuple(slots))


@dataclass
class Vocabulary:
    """All pattern words and prefixes, indexed for exact, prefix and misspelt lookup."""

    words: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    protected: frozenset[str] = frozenset()  # real words never read as misspellings
    _deletes: dict[str, set[str]] = field(default_factory=dict)
    _by_first2: dict[str, list[str]] = field(default_factory=dict)
    _cache: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, phrase: Phrase) -> None:
        for slot in phrase.slots:
            for key in slot.keys:
                (self.words if key[0] == "w" else self.prefixes).add(key[2:])

    def build(self) -> None:
        for word in self.words:
            for variant in _deletions(word, tolerance(word)):
                self._deletes.setdefault(variant, set()).add(word)
        for prefix in self.prefixes:
            self._by_first2.setdefault(prefix[:2], []).append(prefix)

    def keys(self, token: Token) -> frozenset[str]:
        cache_key = f"{token.raw}/{token.stem}"
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._lookup(token.raw, token.stem)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[cache_key] = hit
        return hit

    def _lookup(self, raw: str, stem_: str) -> frozenset[str]:
        keys = set()
        exact = stem_ in self.words or raw in self.words
        if stem_ in self.words:
            keys.add(f"w:{stem_}")
        if raw in self.words:
            keys.add(f"w:{raw}")
        fuzzy = not exact and raw not in self.protected and not raw.isdigit()
        if fuzzy and tolerance(stem_):
            limit = tolerance(stem_)
            candidates = set()
            for variant in _deletions(stem_, limit):
                candidates |= self._deletes.get(variant, set())
            for cand in candidates:
                if osa_distance(stem_, cand, min(limit, tolerance(cand))) <= min(limit, tolerance(cand)):
                    keys.add(f"w:{cand}")
        for prefix in self._by_first2.get(raw[:2], ()):
            if raw.startswith(prefix):
                keys.add(f"p:{prefix}")
            elif fuzzy and len(prefix) >= 5 and any(
                osa_distance(raw[:n], prefix, 1) <= 1 for n in (len(prefix) - 1, len(prefix), len(prefix) + 1)
            ):
                keys.add(f"p:{prefix}")
        return frozenset(keys)


def index(keys: list[frozenset[str]]) -> dict[str, list[int]]:
    """Token positions of every vocabulary key present in a text."""
    out: dict[str, list[int]] = {}
    for i, tok_keys in enumerate(keys):
        for key in tok_keys:
            out.setdefault(key, []).append(i)
    return out


def find(phrase: Phrase, tokens: list[Token], keys: list[frozenset[str]], where: dict[str, list[int]]) -> list[Match]:
    """All greedy matches of one phrase within single sentences (``where`` from :func:`index`)."""
    out: list[Match] = []
    starts = sorted({i for key in phrase.slots[0].keys for i in where.get(key, ())})
    for i in starts:
        pos = i
        for slot in phrase.slots[1:]:
            nxt = None
            for j in range(pos + 1, min(len(tokens), pos + 2 + slot.gap)):
                if tokens[j].sentence != tokens[i].sentence:
                    break
                if slot.keys & keys[j]:
                    nxt = j
                    break
            if nxt is None:
                pos = -1
                break
            pos = nxt
        if pos >= 0:
            out.append(Match(i, pos, phrase.text))
    return out


def preceded_by(match: Match, cues: list[Match], tokens: list[Token]) -> bool:
    """True when a cue ends before the match starts, in the same clause, close enough."""
    clause = tokens[match.start].clause
    for cue in cues:
        if cue.end < match.start and tokens[cue.end].clause == clause and match.start - cue.end <= NEGATION_WINDOW:
            return True
    return False
