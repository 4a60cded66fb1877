"""Disease names -> disease ids, tolerant of the ways exams and clinicians write them.

``Namer.lookup`` tries, in order: the name as written (through the index's normalised
name table: synonyms, abbreviations, word order, British spellings, possessives); the
name rewritten (typographic quotes and dashes, "X due to Y" -> X, "X, subtype" -> X, a
parenthetical abbreviation, disease/syndrome/disorder swapped or dropped, "infection"
dropped); each with misspelt words corrected to name words one edit away (two from nine
letters). A name that no single disease carries but that heads a family of HPO diseases
("Ehlers-Danlos syndrome" for its numbered types) names the whole family
(``lookup_all``). ``contained`` finds the most specific disease whose whole name occurs
inside a longer phrase ("Cutaneous Langerhans cell histiocytosis" -> Langerhans cell
histiocytosis); with ``modifiers_only`` the extra words must be qualifiers (site, course,
age, type), which keeps the match honest when it decides whether a name is known.
"""

from __future__ import annotations

import re
from functools import lru_cache

from meddiag.knowledge.umls_graph.index import Index
from meddiag.knowledge.umls_graph.text import edit_distance, name_key

_TYPO = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-", "\u2012": "-",
                       "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_SPLIT = re.compile(r"\s+(?:due to|secondary to|caused by|associated with|induced by|from)\s+|,\s*|\s+-\s+", re.I)
_PAREN = re.compile(r"\(([^)]*)\)")
_GENERIC_TAIL = ("disease", "syndrome", "disorder", "infection", "dementia", "condition")
MODIFIERS = frozenset(
    "acute chronic subacute recurrent primary secondary congenital acquired infantile juvenile adult childhood "
    "neonatal early late onset cutaneous systemic localized localised generalized generalised focal diffuse "
    "bilateral unilateral left right uterine type i ii iii iv 1 2 3 4 mild moderate severe simple complicated "
    "uncomplicated isolated idiopathic benign classic classical typical atypical familial sporadic "
    "symptomatic asymptomatic active".split())


class Namer:
    def __init__(self, index: Index):
        self.ix = index
        self.names = index.names
        self.vocab = frozenset(t for k in index.names for t in k.split())
        self.families = _families(index)
        self._by_len: dict[int, list[tuple[frozenset[str], str]]] = {}
        for toks, did in sorted({(frozenset(k.split()), did) for k, did in index.names.items()}, key=lambda x: x[1]):
            self._by_len.setdefault(len(toks), []).append((toks, did))
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for t in sorted(self.vocab):
            self._buckets.setdefault((t[0], len(t)), []).append(t)
        self._fixes: dict[str, str] = {}
        self._heads: dict[str, set[str]] | None = None

    def kinds(self, name: str) -> list[str]:
        """Curated diseases that are kinds of the named one: the name is the head of one of their
        names ("Squamous cell carcinoma" -> "Cutaneous squamous cell carcinoma", "Squamous cell
        carcinoma of the lung"; "Pneumothorax" -> "Tension pneumothorax"), sorted by id."""
        if self._heads is None:
            self._heads = _heads(self.ix)
        key = name_key(_SPLIT.split(_PAREN.sub(" ", name.translate(_TYPO)))[0])
        return sorted(self._heads.get(key, ())) if key else []

    def lookup(self, name: str) -> str | None:
        ids = self.lookup_all(name)
        return ids[0] if ids else None

    def lookup_all(self, name: str) -> list[str]:
        """The ids a name stands for: one disease, or the members of a family; empty when unknown."""
        name = name.strip()
        if name in self.ix.disease_pos:
            return [name]
        for v in _variants(name):
            for k in (v, self._corrected(v)):
                if not k:
                    continue
                for cand in (k, " ".join(sorted(k.split()))):
                    if cand in self.names:
                        return [self.names[cand]]
                    if cand in self.families:
                        return list(self.families[cand])
        return []

    def contained(self, phrase: str, modifiers_only: bool = False) -> str | None:
        """The disease with the longest name found inside phrase (all its words present)."""
        words = set(name_key(phrase.translate(_TYPO)).split())
        best, best_len = None, 0
        for n in sorted(self._by_len, reverse=True):
            if n <= best_len or n > len(words):
                continue
            for toks, did in self._by_len[n]:
                if toks <= words and (n > 1 or len(next(iter(toks))) >= 6):
                    extra = words - toks
                    if modifiers_only and not extra <= MODIFIERS:
                        continue
                    if best is None or n > best_len:
                        best, best_len = did, n
            if best is not None:
                break
        return best

    def _corrected(self, k: str) -> str | None:
        out, changed = [], False
        for t in k.split():
            c = self._correct(t) if len(t) >= 6 and t not in self.vocab else t
            changed |= c != t
            out.append(c)
        return " ".join(out) if changed else None

    def _correct(self, tok: str) -> str:
        """The name word nearest a misspelt one (same first letter), or the word itself."""
        if tok in self._fixes:
            return self._fixes[tok]
        limit = 2 if len(tok) >= 9 else 1
        best, best_d = tok, limit + 1
        for n in range(len(tok) - limit, len(tok) + limit + 1):
            for c in self._buckets.get((tok[0], n), ()):
                d = edit_distance(tok, c, limit)
                if d < best_d:
                    best, best_d = c, d
        if len(self._fixes) < 20_000:
            self._fixes[tok] = best
        return best


_OF = re.compile(r"\s+(?:of|in|involving|affecting)\s+", re.I)


def _heads(ix: Index) -> dict[str, set[str]]:
    """Head phrase -> curated diseases one of whose names ends with it after some qualifier
    ("iron deficiency anemia" -> "anemia", "deficiency anemia"; the part before "of"/"in" counts;
    "non-Hodgkin lymphoma" heads "lymphoma" only)."""
    out: dict[str, set[str]] = {}
    for d, (did, src) in enumerate(zip(ix.disease_ids, ix.d_source)):
        if src != "curated" or ix.d_hidden[d]:
            continue
        for n in [ix.d_name[d], *ix.d_synonyms[d]]:
            words = _OF.split(_PAREN.sub(" ", n.translate(_TYPO)))[0].split()  # a hyphenated word stays whole:
            for i in range(1, len(words)):  # "Kimmelstiel-Wilson disease" is no kind of Wilson disease
                if key := name_key(" ".join(words[i:])):
                    out.setdefault(key, set()).add(did)
    return out


@lru_cache(maxsize=4096)
def _variants(name: str) -> list[str]:
    """Normalised keys to try for a name, most literal first."""
    name = name.translate(_TYPO).strip().strip('"').strip()
    forms = [name]
    for m in _PAREN.finditer(name):  # "Endoscopic retrograde cholangiopancreatography (ERCP)"
        forms.append(m.group(1))
    bare = _PAREN.sub(" ", name)
    forms.append(_SPLIT.split(bare)[0])
    out: list[str] = []
    for f in forms:
        k = name_key(f)
        if not k:
            continue
        toks = k.split()
        cands = [k]
        if toks[-1] in _GENERIC_TAIL and len(toks) > 1:
            cands += [" ".join(toks[:-1])] + [" ".join(toks[:-1] + [t]) for t in _GENERIC_TAIL if t != toks[-1]]
        elif len(toks) >= 1:
            cands += [" ".join(toks + [t]) for t in ("disease", "syndrome", "infection")]
        for c in cands:
            if c not in out:
                out.append(c)
    return out


def _families(ix: Index) -> dict[str, tuple[str, ...]]:
    """Family name -> member diseases, for names heading several HPO diseases ("X, type 2", "X 3")."""
    fam: dict[str, list[str]] = {}
    for did, name in zip(ix.disease_ids, ix.d_name):
        if ix.d_source[ix.disease_pos[did]] == "curated":
            continue
        head = _SPLIT.split(_PAREN.sub(" ", name))[0]
        k = name_key(re.sub(r"\s+(?:type\s+)?(?:\d+[a-z]?|[ivx]+)$", "", head, flags=re.I))
        if k and k not in ix.names:
            fam.setdefault(k, []).append(did)
            fam.setdefault(" ".join(sorted(k.split())), []).append(did)
    hidden = ix.d_hidden
    return {k: tuple(v) for k, v in fam.items() if not all(hidden[ix.disease_pos[d]] for d in v)}
