"""The UMLS Metathesaurus source, read from a licensed user's RRF files.

Reads ``MRSTY.RRF`` (semantic types), ``MRCONSO.RRF`` (names) and ``MRREL.RRF``
(relations) in their real pipe-delimited column layout. Only concepts whose semantic
type matters for diagnosis are kept: diseases (disorders, syndromes, injuries, ...)
and findings (signs, symptoms, lab results). Relations kept are is-a (``PAR``/``CHD``)
between kept concepts and any relation linking a disease to a finding (orientation is
taken from the semantic types, not from the relation label). Names are English,
unsuppressed strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DISEASE_TYPES = frozenset({
    "T019",  # Congenital Abnormality
    "T020",  # Acquired Abnormality
    "T037",  # Injury or Poisoning
    "T046",  # Pathologic Function
    "T047",  # Disease or Syndrome
    "T048",  # Mental or Behavioral Dysfunction
    "T049",  # Cell or Molecular Dysfunction
    "T190",  # Anatomical Abnormality
    "T191",  # Neoplastic Process
})
FINDING_TYPES = frozenset({
    "T033",  # Finding
    "T034",  # Laboratory or Test Result
    "T184",  # Sign or Symptom
})
TEST_TYPES = frozenset({"T034"})
# MRCONSO / MRSTY / MRREL column positions (UMLS Reference Manual, "Metathesaurus files")
CONSO_CUI, CONSO_LAT, CONSO_ISPREF, CONSO_TTY, CONSO_STR, CONSO_SUPPRESS = 0, 1, 6, 12, 14, 16
STY_CUI, STY_TUI = 0, 1
REL_CUI1, REL_REL, REL_CUI2, REL_RELA, REL_SUPPRESS = 0, 3, 4, 7, 14


class RrfError(ValueError):
    """A UMLS RRF file is missing or not in the expected column layout."""


@dataclass(slots=True)
class UmlsConcept:
    cui: str
    kind: str  # "disease" | "finding" | "test"
    name: str = ""
    synonyms: list[str] = field(default_factory=list)


@dataclass(slots=True)
class UmlsData:
    concepts: dict[str, UmlsConcept]
    is_a: list[tuple[str, str]]  # (child cui, parent cui)
    manifests: list[tuple[str, str]]  # (disease cui, finding cui)


def _rows(path: Path, min_cols: int):
    if not path.is_file():
        raise RrfError(f"UMLS file not found: {path}")
    with path.open(encoding="utf-8", errors="replace") as fh:  # RRF is UTF-8; a bad byte is not fatal
        for n, line in enumerate(fh, 1):
            cols = line.rstrip("\n").split("|")
            if len(cols) < min_cols:
                raise RrfError(f"{path.name} line {n}: {len(cols)} columns, expected at least {min_cols}")
            yield cols


def load_umls(umls_dir: Path) -> UmlsData:
    """The diagnosis-relevant part of the Metathesaurus in ``umls_dir``."""
    umls_dir = Path(umls_dir)
    kinds: dict[str, str] = {}
    for cols in _rows(umls_dir / "MRSTY.RRF", 6):
        tui = cols[STY_TUI]
        kind = "disease" if tui in DISEASE_TYPES else "test" if tui in TEST_TYPES else (
            "finding" if tui in FINDING_TYPES else None)
        if kind and kinds.get(cols[STY_CUI]) != "disease":  # a disease type wins over a finding type
            kinds[cols[STY_CUI]] = kind
    concepts = {cui: UmlsConcept(cui, kind) for cui, kind in kinds.items()}
    for cols in _rows(umls_dir / "MRCONSO.RRF", 18):
        c = concepts.get(cols[CONSO_CUI])
        if c is None or cols[CONSO_LAT] != "ENG" or cols[CONSO_SUPPRESS] not in ("N", ""):
            continue
        s = cols[CONSO_STR]
        if not c.name and cols[CONSO_ISPREF] == "Y" and cols[CONSO_TTY] in ("PT", "PN", "MH"):
            c.name = s
        if s not in c.synonyms:
            c.synonyms.append(s)
    for c in concepts.values():
        if not c.name and c.synonyms:
            c.name = c.synonyms[0]
    concepts = {k: c for k, c in concepts.items() if c.name}
    is_a: set[tuple[str, str]] = set()
    manifests: set[tuple[str, str]] = set()
    for cols in _rows(umls_dir / "MRREL.RRF", 16):
        a, b, rel = cols[REL_CUI1], cols[REL_CUI2], cols[REL_REL]
        if a == b or a not in concepts or b not in concepts or cols[REL_SUPPRESS] not in ("N", ""):
            continue
        ka, kb = concepts[a].kind, concepts[b].kind
        if rel in ("PAR", "CHD"):  # PAR: the second concept is a parent of the first
            child, parent = (a, b) if rel == "PAR" else (b, a)
            if (concepts[child].kind == "disease") == (concepts[parent].kind == "disease"):
                is_a.add((child, parent))
        elif (ka == "disease") != (kb == "disease"):
            manifests.add((a, b) if ka == "disease" else (b, a))
    return UmlsData(concepts, sorted(is_a), sorted(manifests))
