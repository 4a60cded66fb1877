"""Which benchmark answers and answer choices the graph cannot name (``meddiag kg coverage``).

For a CRAFT-MD vignette CSV, every answer and every choice is looked up the way the
vignette benchmark looks them up; the unnamed ones are counted, grouped by the CSV's
category (its specialty) and labelled with a rough kind — ``diagnosis``, ``test``
(investigations), ``treatment`` (drugs, procedures) or ``other`` (mechanisms, findings)
— so curators can see what the next batch of conditions should be.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel

_TEST = re.compile(
    r"\b(test|testing|assay|level|levels|scan|mri|ct|x-?ray|radiograph\w*|ultrasound|ultrasonography|"
    r"echocardiogra\w*|electrocardiogra\w*|ecg|ekg|eeg|emg|biopsy|smear|culture|cultures|serology|titer|"
    r"angiogra\w*|endoscop\w*|colonoscopy|bronchoscopy|laparoscopy|cystoscopy|manometry|esophagram|"
    r"series|aspiration|puncture|measurement|analysis|examination|antibod\w*|antigen|count|panel|urinalysis|"
    r"monitoring|study|studies|imaging|cytometry|electrophoresis|karyotyp\w*|sequencing|pcr|screen\w*)\b", re.I)
_TREAT = re.compile(
    r"(\b(therapy|treatment|surgery|surgical|resection|excision|repair|transplant\w*|steroids?|antibiotics?|"
    r"vaccin\w*|iv|oral|topical|dose|administration|reassurance|counsel\w*|observation|discontinu\w*|"
    r"avoid\w*|referral|evacuation|drainage|ligation|intubation|hole|ablation|cessation|diary)\b|"
    r"(mab|nib|pril|sartan|olol|azole|cillin|mycin|cycline|floxacin|statin|pine|zepam|zolam|tidine|prazole|"
    r"thiazide|parin|ide|one|ate|ine)$)", re.I)
_DIAGNOSIS = re.compile(r"(itis|osis|oma|emia|aemia|pathy|plasia|trophy|ectasia|algia|uria|rrhea|rrhoea|"
                        r"\b(disease|syndrome|disorder|deficiency|infection|fracture|injury|tumou?r|cancer|"
                        r"carcinoma|palsy|failure|malformation|atresia|stenosis|aneurysm|abscess|ulcer|"
                        r"pregnancy|poisoning|toxicity|reaction|attack|shock|insufficiency))\b", re.I)


class Unnamed(BaseModel):
    name: str
    count: int
    kind: str


class CategoryCoverage(BaseModel):
    category: str
    answers: int
    answers_unnamed: list[Unnamed]
    choices: int
    choices_unnamed: list[Unnamed]


class CoverageReport(BaseModel):
    vignettes: int
    answers_named: float  # share of answers the graph names
    choices_named: float
    categories: list[CategoryCoverage]


def kind_of(name: str) -> str:
    """A rough kind for an unnamed answer or choice (for sorting the curators' list)."""
    n = name.strip()
    if _DIAGNOSIS.search(n):
        return "diagnosis"
    if _TEST.search(n):
        return "test"
    if _TREAT.search(n) and len(n.split()) <= 4:
        return "treatment"
    return "other" if len(n.split()) > 5 else "diagnosis"


def coverage(kg, path: str | Path, half: str = "all") -> CoverageReport:
    from meddiag.simulation.vignettes import answer_targets, load_vignettes, select

    vignettes = select(load_vignettes(path)[0], half)  # type: ignore[arg-type]
    known: dict[str, bool] = {}

    def named(name: str, answer: bool) -> bool:
        """An answer as ``bench vignettes --mode free`` names it (a disease, an investigation or a
        finding); a choice as ``--mode mcq`` does (a disease)."""
        key = f"{answer}|{name}"
        if key not in known:
            known[key] = answer_targets(kg, name).named if answer else bool(
                kg.lookup_diseases(name) or kg.namer.contained(name))
        return known[key]

    per: dict[str, dict[str, Counter]] = defaultdict(lambda: {"a": Counter(), "c": Counter(), "na": Counter(),
                                                              "nc": Counter()})
    for v in vignettes:
        cat = per[v.category or "uncategorised"]
        cat["na"][v.answer] += 1
        if not named(v.answer, True):
            cat["a"][v.answer.strip()] += 1
        for c in v.choices:
            cat["nc"][c] += 1
            if not named(c, False):
                cat["c"][c.strip()] += 1

    def rows(counter: Counter) -> list[Unnamed]:
        return [Unnamed(name=n, count=k, kind=kind_of(n))
                for n, k in sorted(counter.items(), key=lambda x: (-x[1], x[0].lower()))]

    cats = [CategoryCoverage(category=name, answers=sum(d["na"].values()), answers_unnamed=rows(d["a"]),
                             choices=sum(d["nc"].values()), choices_unnamed=rows(d["c"]))
            for name, d in sorted(per.items())]
    n_a = sum(c.answers for c in cats) or 1
    n_c = sum(c.choices for c in cats) or 1
    return CoverageReport(
        vignettes=len(vignettes),
        answers_named=round(1 - sum(u.count for c in cats for u in c.answers_unnamed) / n_a, 4),
        choices_named=round(1 - sum(u.count for c in cats for u in c.choices_unnamed) / n_c, 4),
        categories=cats)
