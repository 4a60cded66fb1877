"""Tolerant phrase matching over patient text, for the red-flag rules.

Text is split into sentences, clauses and word tokens; each token is lower-cased,
stripped of apostrophes ("can't" -> "cant") and lightly stemmed, so patterns and text
meet on the same form. A pattern phrase is a sequence of slots separated by spaces:

- ``chest pain``        words in order, up to 2 other words between consecutive slots
- ``vomit*``            prefix match ("vomiting", "vomitted")
- ``lip|lips|tongue``   any one of the alternatives fills the slot
- ``pain ... back``     ``...`` widens the next gap to 8 words (same sentence)
- ``throat+swollen``     ``+`` joins adjacent words (no gap)

Concept words also match misspellings (see :func:`near`: one edit from 7 letters, only
swapped or doubled letters at 5-6), found through a deletion index so matching a
paragraph stays in the low milliseconds; cue words (negation, context) match exactly. A match is *negated* when a negation cue ("no", "not",
"denies", "without", ...) or a context cue ("family history of", "worried about") from
the rule file precedes it in the same clause within 6 words.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")
_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|[!?;\n]")
CLAUSE_BREAKS = frozenset({"but", "however", "although", "though", "except", "whereas", "yet", "apart"})
_AND_BREAK = frozenset(
    {"i", "im", "ive", "my", "it", "its", "now", "then", "the", "this", "he", "she", "they", "her", "his", "our", "your"}
)
WIDE_GAP = 8
NEGATION_WINDOW = 6


@functools.lru_cache(maxsize=65536)
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


def near(a: str, b: str) -> bool:
    """Is ``a`` a plausible misspelling of ``b``? 7+ letters: one edit (Damerau);
    5-6 letters: only a swap of neighbours or a doubled/undoubled letter; shorter: never."""
    if min(len(a), len(b)) < 5 or a == b:
        return False
    if min(len(a), len(b)) >= 7:
        return osa_distance(a, b, 1) <= 1
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return len(longer) == len(shorter) + 1 and any(
        longer[i] == longer[i - 1] and longer[:i] + longer[i + 1 :] == shorter for i in range(1, len(longer))
    )


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


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


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
    positions: tuple[int, ...] = ()  # the tokens that filled the phrase's slots


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
    for part in re.sub(r"[-/]", " ", text).replace("+", " + ").split():
        if part in ("...", "+"):
            next_gap = WIDE_GAP if part == "..." else 0
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

    protected: frozenset[str] = frozenset()  # real words never read as misspellings
    aliases: dict[str, str] = field(default_factory=dict)  # misspelling -> meant word
    words: set[str] = field(default_factory=set)
    fuzzy_words: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    _deletes: dict[str, set[str]] = field(default_factory=dict)
    _by_first2: dict[str, list[str]] = field(default_factory=dict)
    _cache: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, phrase: Phrase, fuzzy: bool = True) -> None:
        for slot in phrase.slots:
            for key in slot.keys:
                if key[0] == "p":
                    self.prefixes.add(key[2:])
                else:
                    self.words.add(key[2:])
                    if fuzzy:
                        self.fuzzy_words.add(key[2:])

    def build(self) -> None:
        for word in self.fuzzy_words:
            if len(word) >= 5:
                for variant in _deletions(word):
                    self._deletes.setdefault(variant, set()).add(word)
        for prefix in self.prefixes:
            self._by_first2.setdefault(prefix[:2], []).append(prefix)

    def keys(self, token: Token) -> frozenset[str]:
        cache_key = f"{token.raw}/{token.stem}"
        hit = self._cache.get(cache_key)
        if hit is None:
            raw = self.aliases.get(token.raw, token.raw)
            hit = self._lookup(raw, stem(raw) if raw != token.raw else token.stem)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[cache_key] = hit
        return hit

    def _lookup(self, raw: str, stem_: str) -> frozenset[str]:
        keys = {f"w:{w}" for w in (stem_, raw) if w in self.words}
        if not keys and raw not in self.protected and len(stem_) >= 5 and not raw.isdigit():
            candidates = set().union(*(self._deletes.get(v, ()) for v in _deletions(stem_)))
            keys.update(f"w:{c}" for c in candidates if near(stem_, c))
        keys.update(f"p:{p}" for p in self._by_first2.get(raw[:2], ()) if raw.startswith(p))
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
        positions = [i]
        for slot in phrase.slots[1:]:
            nxt = None
            for j in range(positions[-1] + 1, min(len(tokens), positions[-1] + 2 + slot.gap)):
                if tokens[j].sentence != tokens[i].sentence:
                    break
                if slot.keys & keys[j]:
                    nxt = j
                    break
            if nxt is None:
                break
            positions.append(nxt)
        if len(positions) == len(phrase.slots):
            out.append(Match(i, positions[-1], phrase.text, tuple(positions)))
    return out


def negated(match: Match, cues: list[Match], tokens: list[Token]) -> bool:
    """True when a cue precedes the match in its clause (within a few words) or sits in a gap of it."""
    clause = tokens[match.start].clause
    for cue in cues:
        if cue.end < match.start:
            if tokens[cue.end].clause == clause and match.start - cue.end <= NEGATION_WINDOW:
                return True
        elif cue.start > match.start and cue.end < match.end and not set(cue.positions) & set(match.positions):
            return True
    return False
