"""CRAFT-MD vignettes as conversation cases: the vignette is split between patient and examiner.

The first sentence (age, sex, why they came) is the patient's opening; the other
sentences are what the patient knows (the first two of them the story told when asked an
open question), unless they report an examination or a test, in
which case only the examiner holds them. Denials ("He denied fever, chills, ...") become
``denies`` entries. The four choices and the answer are kept (``Case.choices``,
``Case.diagnosis``); the category becomes the specialty. Rows are read by
:func:`meddiag.simulation.vignettes.load_vignettes`, which reports malformed rows.
"""

from __future__ import annotations

import re
from pathlib import Path

from meddiag.knowledge.umls_graph.demographics import demographics
from meddiag.simulation.agentclinic import _denied, _sentences, first_person
from meddiag.simulation.case import Case, CaseError, Fact

_EXAMINER = re.compile(
    r"\b(examination|exam\b|on exam|physical|vital|temperature|pulse|blood pressure|heart rate|respiratory rate|"
    r"auscultation|palpation|laborator|lab\b|labs\b|serum|level|biopsy|x-ray|radiograph|\bct\b|mri|ultrasound|"
    r"ecg|ekg|culture|smear|urinalysis|count|mm hg|mmhg|/min|°|revealed|reveals|shows|showed|demonstrat|"
    r"is identified|are identified|is noted|are noted|were noted|is seen|are seen|stain|histolog)", re.I)

_WHO = re.compile(r"^(an?\s+[^,]*?\d[^,]*?(?:man|woman|male|female|boy|girl|infant|child|baby|patient|adult))\b,?\s+"
                  r"(?:who\s+)?((?:presents|presented|is brought|was brought|comes|came|complains|reports|has|had|"
                  r"develops|developed|visits|visited|is seen|was seen)\b.*)$", re.I | re.S)


def case_from_vignette(v, source: str = "craftmd") -> Case:
    sentences = _sentences(v.text)
    if not sentences:
        raise CaseError(f"line {v.line}: empty vignette")
    m = _WHO.match(sentences[0])
    opening = (f"I'm {m.group(1)[0].lower() + m.group(1)[1:]}. {first_person('The patient ' + m.group(2))}" if m
               else first_person(sentences[0]))
    facts: list[Fact] = []
    denies: list[str] = []
    exam: list[str] = []
    for s in sentences[1:]:
        if _EXAMINER.search(s):
            exam.append(s)
        elif d := _denied(re.sub(r"^(he|she|the patient)\s+(denies|denied)", "denies", s, flags=re.I)):
            denies += d
        else:
            facts.append(Fact(text=first_person(s), story=len(facts) < 2))
    demo = demographics(sentences[0])
    return Case(id=f"{source}-{v.case_id or v.line}", title=sentences[0][:120], specialty=v.category.lower(),
                diagnosis=v.answer, age=demo.age, sex=demo.sex, opening=opening, facts=facts,
                denies=list(dict.fromkeys(denies)), exam=exam, choices=v.choices, source=source, line=v.line,
                objective="Take a history and find the diagnosis.")


def load_craftmd(path: str | Path) -> tuple[list[Case], list[str]]:
    """(cases, one ``line N: why`` entry per skipped row) from a CRAFT-MD vignette CSV."""
    from meddiag.simulation.vignettes import VignetteError, load_vignettes

    try:
        vignettes, problems = load_vignettes(path)
    except VignetteError as exc:
        raise CaseError(str(exc)) from None
    cases: list[Case] = []
    for v in vignettes:
        try:
            cases.append(case_from_vignette(v))
        except (CaseError, ValueError) as exc:
            problems.append(f"line {v.line}: {str(exc).splitlines()[0]}")
    return cases, problems
