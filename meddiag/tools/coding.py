"""ICD-10-CM coding: look up, validate, navigate, search, and code a differential.

Everything reads the cached SQLite index (``icd10_index``), so nothing here imports
``simple_icd_10_cm`` after the first build. ``Icd10Coder`` holds one read-only
connection; ``coder()`` returns a shared instance. A code is *billable* when it is a
leaf of the tabular list (a category or subcategory without children, or a 7th-character
extension). Search ranks with bm25 over descriptions and inclusion terms, then reranks by
query coverage, billability, specificity and description length; a few common clinical
abbreviations and lay terms are rewritten to tabular wording first. ``code_differential``
picks a billable code for each hypothesis (its own code when valid, else a search on its
name) with the reason, and flags excludes1 conflicts between the proposed codes.
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache
from itertools import combinations

from pydantic import BaseModel, Field

from meddiag.schema import Differential
from meddiag.tools import icd10_index as ix

# Lay terms and abbreviations rewritten to the tabular list's wording (whole words only).
SYNONYMS: dict[str, str] = {
    "community acquired": "",  # setting qualifiers are not coded in ICD-10-CM
    "hospital acquired": "",
    "nosocomial": "",
    "cap": "pneumonia",
    "heart attack": "myocardial infarction",
    "mi": "myocardial infarction",
    "stemi": "st elevation myocardial infarction",
    "nstemi": "non-st elevation myocardial infarction",
    "stroke": "cerebral infarction",
    "cva": "cerebral infarction",
    "tia": "transient cerebral ischemic attack",
    "uti": "urinary tract infection",
    "dvt": "deep vein thrombosis",
    "pe": "pulmonary embolism",
    "copd": "chronic obstructive pulmonary disease",
    "chf": "heart failure",
    "af": "atrial fibrillation",
    "afib": "atrial fibrillation",
    "htn": "hypertension",
    "high blood pressure": "hypertension",
    "type 1 diabetes": "type 1 diabetes mellitus",
    "type 2 diabetes": "type 2 diabetes mellitus",
    "t1dm": "type 1 diabetes mellitus",
    "t2dm": "type 2 diabetes mellitus",
    "dm": "diabetes mellitus",
    "dka": "diabetes mellitus with ketoacidosis",
    "gerd": "gastro-esophageal reflux disease",
    "reflux": "gastro-esophageal reflux",
    "uri": "acute upper respiratory infection",
    "common cold": "acute nasopharyngitis",
    "flu": "influenza",
    "covid": "covid-19",
    "aki": "acute kidney failure",
    "acute kidney injury": "acute kidney failure",
    "ckd": "chronic kidney disease",
    "sob": "shortness of breath",
    "ibs": "irritable bowel syndrome",
    "sah": "subarachnoid hemorrhage",
    "tb": "tuberculosis",
    "strep throat": "streptococcal pharyngitis",
    "kidney stone": "calculus of kidney",
    "gallstones": "calculus of gallbladder",
    "ra": "rheumatoid arthritis",
    "sle": "systemic lupus erythematosus",
    "bph": "benign prostatic hyperplasia",
}
MIN_COVERAGE = 0.6  # a text match must explain more than half of a hypothesis name to be proposed
COMMON_DF = 500  # in the any-word fallback, words in more codes than this only rank, they do not retrieve
DEFAULT_MARKERS = ("unspecified", "without", "uncomplicated", "not specified", "not intractable")
_CODE_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{0,4})?$")
_REF_RE = re.compile(r"\(([^()]*)\)")
_SYN_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True)) + r")\b")


class CodingError(ValueError):
    """A bad code or query; the message is one line for the user."""


class CodeRef(BaseModel):
    code: str
    description: str
    billable: bool


class CodeHit(CodeRef):
    score: float = 0.0
    coverage: float = 1.0  # share of the query's words found in the code's text
    matched: str = ""  # the inclusion term that matched, when it was not the description
    note: str = ""


class CodeNote(BaseModel):
    kind: str  # includes, inclusion_term, excludes1, excludes2, code_first, code_also, use_additional_code
    text: str
    at: str  # the code (or block/chapter) that carries the note


class CodeInfo(CodeRef):
    kind: str  # chapter, block, category, subcategory, extended
    parent: str | None = None
    ancestors: list[CodeRef] = Field(default_factory=list)  # nearest first
    children: list[CodeRef] = Field(default_factory=list)
    notes: list[CodeNote] = Field(default_factory=list)  # own and inherited from ancestors


class CodeCheck(BaseModel):
    code: str
    valid: bool
    billable: bool = False
    description: str = ""
    message: str
    billable_children: list[CodeRef] = Field(default_factory=list)


class CodeProposal(BaseModel):
    hypothesis: str
    rank: int
    probability: float
    code: str
    description: str
    billable: bool
    reason: str


class ExcludesConflict(BaseModel):
    code: str
    other: str
    note: str  # the excludes1 text that forbids coding both
    at: str  # where the note lives (code or an ancestor)


class CodingResult(BaseModel):
    proposals: list[CodeProposal] = Field(default_factory=list)
    conflicts: list[ExcludesConflict] = Field(default_factory=list)


def normalise_code(code: str) -> str:
    return code.strip().upper()


def _ref_matches(ref: str, code: str) -> bool:
    """Does a code reference from a note ('E10.-', 'J70.2-J70.4', 'J67-J70') cover ``code``?"""
    nodot = code.replace(".", "")
    ref = ref.strip().rstrip("-").rstrip(".").replace(".", "")
    if not ref:
        return False
    if "-" in ref:
        lo, hi = (part.strip() for part in ref.split("-", 1))
        return bool(lo and hi) and nodot[: len(lo)] >= lo and nodot[: len(hi)] <= hi
    return nodot.startswith(ref)


def note_refs(text: str) -> list[str]:
    """The code references inside the parentheses of a note."""
    refs = []
    for group in _REF_RE.findall(text):
        for part in group.split(","):
            part = part.strip()
            if re.match(r"^[A-Z][0-9][0-9A-Z]", part):
                refs.append(part)
    return refs


class Icd10Coder:
    """ICD-10-CM look-ups over one read-only connection to the cached index."""

    def __init__(self, db: sqlite3.Connection | None = None) -> None:
        self.db = db or ix.connect()

    # ------------------------------------------------------------------ look-ups
    def _row(self, code: str) -> sqlite3.Row | None:
        code = normalise_code(code)
        return self.db.execute(
            "SELECT * FROM codes WHERE code = ? OR nodot = ? ORDER BY code = ? DESC LIMIT 1",
            (code, code.replace(".", ""), code),
        ).fetchone()

    @staticmethod
    def _ref(row: sqlite3.Row) -> CodeRef:
        return CodeRef(code=row["code"], description=row["description"], billable=bool(row["billable"]))

    def is_valid(self, code: str) -> bool:
        return self._row(code) is not None

    def children(self, code: str) -> list[CodeRef]:
        rows = self.db.execute("SELECT * FROM codes WHERE parent = ? AND code != ? ORDER BY ord", (code, code))
        return [self._ref(r) for r in rows]

    def ancestors(self, code: str) -> list[CodeRef]:
        out: list[CodeRef] = []
        row = self._row(code)
        while row is not None and row["parent"]:
            row = self.db.execute("SELECT * FROM codes WHERE code = ?", (row["parent"],)).fetchone()
            if row is not None:
                out.append(self._ref(row))
        return out

    def notes(self, code: str, inherited: bool = True) -> list[CodeNote]:
        row = self._row(code)
        if row is None:
            raise CodingError(f"{code!r} is not an ICD-10-CM code")
        owners = [row["code"]] + ([a.code for a in self.ancestors(row["code"])] if inherited else [])
        out = []
        for owner in owners:
            for n in self.db.execute("SELECT kind, text FROM notes WHERE code = ? ORDER BY rowid", (owner,)):
                out.append(CodeNote(kind=n["kind"], text=n["text"], at=owner))
        return out

    def lookup(self, code: str) -> CodeInfo:
        row = self._row(code)
        if row is None:
            raise CodingError(f"{code!r} is not an ICD-10-CM code")
        return CodeInfo(
            code=row["code"],
            description=row["description"],
            billable=bool(row["billable"]),
            kind=row["kind"],
            parent=row["parent"] or None,
            ancestors=self.ancestors(row["code"]),
            children=self.children(row["code"]),
            notes=self.notes(row["code"]),
        )

    def billable_descendants(self, code: str, limit: int = 20) -> list[CodeRef]:
        """The nearest billable codes below ``code`` (breadth first, tabular order)."""
        out: list[CodeRef] = []
        frontier = [code]
        while frontier and len(out) < limit:
            kids = [k for parent in frontier for k in self.children(parent)]
            out += [k for k in kids if k.billable]
            frontier = [k.code for k in kids if not k.billable]
        return out[:limit]

    def check(self, code: str) -> CodeCheck:
        raw = normalise_code(code)
        row = self._row(raw)
        if row is None:
            prefix = raw.replace(".", "")
            while len(prefix) > 3 and self._row(prefix) is None:
                prefix = prefix[:-1]
            near = self._row(prefix) if len(prefix) >= 3 else None
            hint = f"; nearest valid code {near['code']} ({near['description']})" if near is not None else ""
            return CodeCheck(code=raw, valid=False, message=f"{raw} is not a valid ICD-10-CM code{hint}")
        ref = self._ref(row)
        if ref.billable:
            return CodeCheck(
                code=ref.code, valid=True, billable=True, description=ref.description,
                message=f"{ref.code} is billable: {ref.description}",
            )
        kids = self.billable_descendants(ref.code)
        named = ", ".join(k.code for k in kids[:8]) + (" ..." if len(kids) > 8 else "")
        return CodeCheck(
            code=ref.code, valid=True, billable=False, description=ref.description, billable_children=kids,
            message=f"{ref.code} ({ref.description}) is a {row['kind']}, not billable; billable codes below it: {named}",
        )

    # ------------------------------------------------------------------ search
    def expand(self, query: str) -> str:
        text = query.lower().replace("-", " ")
        return re.sub(r"\s+", " ", _SYN_RE.sub(lambda m: SYNONYMS[m.group(1)], text)).strip()

    def search(self, query: str, limit: int = 10, billable_only: bool = False) -> list[CodeHit]:
        query = query.strip()
        if not query:
            raise CodingError("empty search query")
        if _CODE_RE.match(query.upper()):
            hits = self._code_prefix(query.upper(), limit)
            if hits:
                return [h for h in hits if h.billable or not billable_only]
        words = [w for w in ix.words(self.expand(query)) if w not in ix.STOPWORDS] or ix.words(query)
        if not words:
            raise CodingError(f"nothing to search for in {query!r}")
        words = list(dict.fromkeys(words))
        df = dict(self.db.execute(
            f"SELECT word, df FROM vocab WHERE word IN ({','.join('?' * len(words))})", words
        ).fetchall())
        known = [w for w in words if df.get(w)] or words  # words absent from ICD-10-CM cannot match
        rows = self._candidates(" AND ".join(f'"{w}"' for w in known))
        if len(rows) < limit and len(known) > 1:
            # fall back to any word, leaving out very common ones when a rarer word exists
            rare = [w for w in known if df.get(w, 0) <= COMMON_DF] or known
            seen = {r["code"] for r in rows}
            rows += [r for r in self._candidates(" OR ".join(f'"{w}"' for w in rare)) if r["code"] not in seen]
        query_stems = {ix.stem(w) for w in words}
        top = max((-r["s"] for r in rows), default=1.0) or 1.0
        ranked = sorted(((self._score(r, query_stems, top), r) for r in rows), key=lambda x: -x[0][0])
        hits = []
        for (score, coverage, best), r in ranked:
            if len(hits) == limit:
                break
            if billable_only and not r["billable"]:
                continue
            hit = CodeHit(code=r["code"], description=r["description"], billable=bool(r["billable"]),
                          score=round(score, 3), coverage=round(coverage, 3),
                          matched=r["terms"].split(" ; ")[best - 1] if best else "")
            if not hit.billable:
                hit.note = "not billable: " + ("add a 7th character" if self._has_extension(hit.code) else "choose a code below it")
            hits.append(hit)
        return hits

    def _candidates(self, match: str, n: int = 50) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT c.code, c.description, c.billable, c.stems, c.heads, c.terms, f.s FROM "
            "(SELECT rowid, bm25(fts, 3.0, 1.0, 0.5) AS s FROM fts WHERE fts MATCH ? ORDER BY s LIMIT ?) f "
            "JOIN codes c ON c.ord = f.rowid ORDER BY f.s",
            (match, n),
        ).fetchall()

    @staticmethod
    def _score(row: sqlite3.Row, query: set[str], top: float) -> tuple[float, float, int]:
        """Rerank one candidate: bm25 (relative to the best), query coverage, how well the query
        fills a main term, billability, and the markers of a default code (unspecified ...).
        Returns (score, coverage, index of the best-fitting text: 0 description, i term i)."""
        coverage = len(query & set(row["stems"].split())) / len(query)
        best, best_fit = 0, 0.0
        for i, h in enumerate(row["heads"].split(";")):
            h_set = set(h.split())
            fit = len(query & h_set) / len(query | h_set) if h_set else 0.0
            if fit > best_fit:
                best, best_fit = i, fit
        lowered = row["description"].lower()
        score = 8.0 * -row["s"] / top + 4.0 * coverage + 6.0 * best_fit
        score += 3.0 if row["billable"] else 0.0
        score += 0.5 * sum(m in lowered for m in DEFAULT_MARKERS)
        score -= 0.05 * lowered.count(" ")
        return score, coverage, best

    def _has_extension(self, code: str) -> bool:
        return self.db.execute("SELECT 1 FROM codes WHERE parent = ? AND kind = 'extended' LIMIT 1", (code,)).fetchone() is not None

    def _code_prefix(self, code: str, limit: int) -> list[CodeHit]:
        nodot = code.replace(".", "")
        rows = self.db.execute(
            "SELECT * FROM codes WHERE nodot >= ? AND nodot < ? AND kind != 'block' ORDER BY ord LIMIT ?",
            (nodot, nodot + "\uffff", limit),
        ).fetchall()
        rows.sort(key=lambda r: (r["nodot"] != nodot, r["ord"]))
        return [CodeHit(code=r["code"], description=r["description"], billable=bool(r["billable"]),
                        score=1.0 if r["nodot"] == nodot else 0.5) for r in rows]

    # ------------------------------------------------------------------ differential
    def excludes1_conflicts(self, codes: list[str]) -> list[ExcludesConflict]:
        """Pairs of codes that an excludes1 note says must not be coded together."""
        notes = {c: [n for n in self.notes(c) if n.kind == "excludes1"] for c in dict.fromkeys(codes)}
        out = []
        for a, b in combinations(notes, 2):
            for x, y in ((a, b), (b, a)):
                for n in notes[x]:
                    if any(_ref_matches(ref, y) for ref in note_refs(n.text)):
                        out.append(ExcludesConflict(code=x, other=y, note=n.text, at=n.at))
                        break
        return out

    def _billable_for(self, code: str, name: str) -> tuple[CodeRef, str] | None:
        row = self._row(code)
        if row is None:
            return None
        ref = self._ref(row)
        if ref.billable:
            return ref, f"{ref.code} given by the differential is a valid billable code"
        kids = self.billable_descendants(ref.code, limit=200)
        if not kids:
            return None
        below = {k.code for k in kids}
        hits = [h for h in self.search(name, limit=20, billable_only=True) if h.code in below]
        if hits:
            return hits[0], f"{ref.code} given by the differential is not billable; {hits[0].code} is the best match below it for {name!r}"

        def default_rank(k: CodeRef) -> tuple[bool, ...]:  # the code a coder picks when nothing is specified
            d = k.description.lower()
            return (d != ref.description.lower(), not (d.endswith(", unspecified") or d.startswith("unspecified")),
                    "unspecified" not in d, not k.code.endswith("9"))

        pick = min(kids, key=default_rank)
        return pick, f"{ref.code} given by the differential is not billable; {pick.code} is its default (unspecified) code"

    def code_differential(self, differential: Differential, top: int = 5) -> CodingResult:
        proposals = []
        for rank, h in enumerate(differential.hypotheses[:top], start=1):
            found = self._billable_for(h.icd10, h.name) if h.icd10 else None
            if found is not None:
                ref, reason = found
            else:
                hits = [x for x in self.search(h.name, limit=1, billable_only=True) if x.coverage >= MIN_COVERAGE]
                if not hits:
                    continue
                ref = hits[0]
                why = f"{h.icd10} is not an ICD-10-CM code; " if h.icd10 else ""
                reason = f"{why}best text match for {h.name!r}: {ref.description}"
            proposals.append(
                CodeProposal(hypothesis=h.name, rank=rank, probability=h.probability, code=ref.code,
                             description=ref.description, billable=ref.billable, reason=reason)
            )
        return CodingResult(proposals=proposals, conflicts=self.excludes1_conflicts([p.code for p in proposals]))


@lru_cache(maxsize=1)
def coder() -> Icd10Coder:
    """The shared read-only coder (the index is built on first use)."""
    return Icd10Coder()
