"""What an exam question asks for: a diagnosis, a test, a finding, a treatment, or something else.

A vignette ends with its question ("Which of the following is the most likely diagnosis?",
"...the most appropriate next step in diagnosis?", "...most likely to be found on biopsy?").
``ask_of`` reads the last question sentence with a few ordered patterns; the free-text
benchmark uses it to decide which list the graph answers from (diseases, investigations or
findings), so the answer's own kind is never consulted. ``stated_diagnoses`` finds a diagnosis the
text states outright ("confirm the diagnosis of Down syndrome", "You suspect ulcerative colitis").
"""

from __future__ import annotations

import re
from typing import Literal

Ask = Literal["diagnosis", "test", "finding", "treatment"]

_TREATMENT = re.compile(
    r"\b(treatment|treat|therapy|management|manage|pharmacotherapy|medication|medications|drug|drugs|"
    r"prophylaxis|prevent|regimen|administer|prescribe|intervention|surgery|counsel)\b", re.I)
_TEST_STEP = re.compile(
    r"(step in (the )?(diagnosis|evaluation|work-?up|diagnostic)|"
    r"(confirm\w*|establish\w*|determine|make|support|rule in|help) (the|this|a|his|her|a definitive)?\s*"
    r"(\S+\s){0,3}diagnosis|"
    r"\b(test|tests|testing|investigation|investigations|study|studies|imaging|screening|modality|"
    r"procedure|evaluation|work-?up)\b)", re.I)
_FINDING = re.compile(
    r"(\b(finding|findings|feature|features|characteristic|result|results|sign|signs|marker|markers|"
    r"associated with|consistent with|expected|present in)\b|"
    r"(would|will|likely to|most likely|be) (show|shows|reveal|demonstrate|be (found|seen|present|observed)))", re.I)


_COMPLICATION = re.compile(
    r"\b(complications?|sequelae?|(?:at|of) (?:an? )?(?:increased |greatest |highest |higher |elevated )?risk (?:of|for)|"
    r"(?:most )?likely to develop|predispos\w*|will (?:later |subsequently |eventually )?develop|"
    r"(?:is|are) (?:also )?associated with (?:an? )?(?:increased )?(?:risk|incidence))\b", re.I)


def asks_complication(text: str) -> bool:
    """Whether the question asks what the case leads to or puts the patient at risk of ("Which of the
    following is a complication of ...", "... most at risk for developing?")."""
    q = question_of(text)
    return bool(_COMPLICATION.search(q)) and not _TREATMENT.search(q)


# a question that asks for the diagnosis itself ("Which of the following is the most likely diagnosis?",
# "... the most likely cause of his symptoms?"), not for what the diagnosis has, comes from or needs
_DISEASE = re.compile(r"(?:is|are) (?:the )?(?:most likely|most probable|likely|correct|best|underlying|primary) "
                      r"(?:\w+ ){0,2}(?:diagnosis|cause|etiology|condition)\b|diagnosis\W*$", re.I)


def asks_disease(text: str) -> bool:
    """Whether the question asks for the disease itself rather than a risk factor, cause, mechanism or
    association of it ("Based on the most likely diagnosis, which of the following is a risk factor?")."""
    return bool(_DISEASE.search(question_of(text)))


# the case's diagnosis, when the text states it ("confirm the diagnosis of Down syndrome in utero", "A diagnosis of
# lymphoplasmacytic lymphoma is confirmed", "She is diagnosed with appendicitis", "You suspect ulcerative colitis");
# not a past one ("was diagnosed with asthma 2 years ago") nor "the diagnosis of this patient"
_NOT_NAMED = r"(?!(?:this|these|that|his|her|their|its|(?:the|an?) (?:patient|most|following|condition|disease|same))\b)"
_STATED = re.compile(
    rf"\bdiagnosis of {_NOT_NAMED}(?:the |an? )?(.+?)(?=\s+(?:is|was|in|after|for|based|would|will|by|presents?|presented)\b"
    r"|\s*[,.;:?(]|\s*$)"
    r"|\b(?:is|are|has been) (?:subsequently |then |now )?diagnosed with (?:an? |the )?(.+?)"
    r"(?=\s+(?:and|after|by|based|caused|due|in|at)\b|\s*[,.;:?(]|\s*$)"
    r"|\b(?:you|physician|doctor|clinician|team) suspects? (?!(?:that|this|these)\b)(?:an? |the )?(.+?)"
    r"(?=\s+(?:and|in|as|because|based)\b|\s*[,.;:?(]|\s*$)",
    re.I)


def stated_diagnoses(text: str) -> list[str]:
    """The names of the case's diagnosis that the text states outright, in order."""
    return [next(g for g in m.groups() if g) for m in _STATED.finditer(text)]


def question_of(text: str) -> str:
    """The last sentence of a vignette that asks something ("" when nothing is asked)."""
    parts = [p.strip() for p in re.split(r"(?<=[.?!:])\s+|\n+", text.strip().strip('"')) if p.strip()]
    asked = [p for p in parts if p.rstrip('"').endswith(("?", ":"))]
    return asked[-1] if asked else ""


def ask_of(text: str) -> Ask:
    """What the vignette's question asks for; a case with no question asks for a diagnosis."""
    q = question_of(text)
    if not q:
        return "diagnosis"
    if _TREATMENT.search(q) and not re.search(r"step (in|to) (the )?(diagnos|confirm|evaluat)", q, re.I):
        return "treatment"
    if re.search(r"\b(finding|findings|feature|features|marker|markers)\b", q, re.I):
        return "finding"
    if _TEST_STEP.search(q):
        return "test"
    if _FINDING.search(q) and not re.search(r"most (likely|probable) (underlying |primary )?(diagnosis|cause|etiology|condition)", q, re.I):
        return "finding"
    return "diagnosis"
