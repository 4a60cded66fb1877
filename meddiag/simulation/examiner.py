"""The examiner: examination findings and test results from a case, only on request, all counted.

The doctor team asks for a general examination first, then for investigations by name
("Contrast enema", "Urinalysis"); a request may also name a finding ("Pyuria", "lobar
consolidation on chest X-ray"). A request is answered like this:

1. a general examination request returns every examination line of the case;
2. otherwise the case's examination lines and test results that match the request are
   returned: they share a graph concept with it (the same finding, or a more specific
   one), or — for a request that names a test (one of the families below, or an
   investigation the graph knows) — a test result's name holds one of its distinctive words
   (``enema`` in "Contrast enema" and "Barium enema", ``creatinine`` in "Elevated circulating
   creatinine concentration" and "serum biochemistry, creatinine"; a physical sign never
   matches by words alone, so a knee X-ray is no answer to knee pain); a request that names
   a test rather than a finding ("chest x-ray") gets the case's results of that test family;
3. with no match, the request is sorted into a test family (urine tests, blood count,
   chemistry, chest imaging, ...). When the case holds **no** result from that family (or the
   request names an investigation the graph knows outside every family) and
   follows AgentClinic's convention (``Case.unlisted == "normal"``), the answer is
   "Normal." — a test the case writer did not list is taken as unremarkable. When the case
   *does* hold results from that family, none of which mentions the finding, nothing is
   reported: a "normal" there could deny a finding the case states in other words, and the
   reasoner reads "normal" as the finding being absent. Requests that name no test family
   (physical signs), and every unmatched request on a case without the convention, get
   :data:`NO_RESULT`, which carries no evidence either way.

Every request is recorded in :attr:`Examiner.log` (what was asked, what was returned);
:attr:`Examiner.tests_ordered` counts the targeted requests (the general examination is not a
test). Answers never repeat the requested finding's name, so an "absent" can't be misread
as "present".
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from meddiag.simulation.case import Case

NO_RESULT = "No result is available for that request."
NORMAL = "Normal."
UNREMARKABLE = "Examination is unremarkable."
_GENERAL = re.compile(r"physical examination|vital signs|general examination", re.I)
_WORD = re.compile(r"[a-z0-9]+")
# words too general to tie a request to a result on their own
_COMMON = {"test", "tests", "level", "levels", "count", "blood", "serum", "plasma", "urine", "the", "of", "and", "in",
           "on", "a", "an", "with", "abnormal", "abnormality", "increased", "decreased", "elevated", "reduced", "low",
           "high", "positive", "negative", "result", "results", "findings", "finding", "circulating", "concentration",
           "examination", "exam", "sign", "signs", "left", "right", "bilateral", "normal", "present", "absent",
           "chest", "abdominal", "abdomen", "lung", "lungs", "heart", "skin", "general", "imaging", "x", "ray",
           "scan", "ct", "mri", "study", "tissue", "cell", "cells", "acute", "chronic", "mild", "severe", "type"}
TEST_FAMILIES: dict[str, re.Pattern[str]] = {name: re.compile(rx, re.I) for name, rx in {
    "urine": r"\burin|\w+uria\b|\bdipstick",
    "blood count": r"\bcbc\b|blood count|h(a)?emoglobin|h(a)?ematocrit|platelet|thrombocyt|leukocytosis|leukopenia|"
                   r"neutrophil|lymphocyt|eosinophil|white (blood )?cell|\bwbc\b|an(a)?emi|\w+cytosis\b|\w+penia\b|"
                   r"blood smear|mean corpuscular",
    "chemistry": r"sodium|potassium|creatinine|\burea\b|\bbun\b|glucose|calcium|magnesium|phosph|electrolyte|"
                 r"\w+(na|ka|glyc|calc)(a)?emia\b|bicarbonate|lactate|uric acid|lipase|amylase|troponin|"
                 r"creatine kinase|\bck\b|ammonia|cholesterol|triglyceride|ferritin|iron\b|b12|folate",
    "liver": r"bilirubin|\balt\b|\bast\b|transaminase|aminotransferase|alkaline phosphatase|albumin|liver function|"
             r"\bggt\b|jaundice on",
    "inflammation": r"\bcrp\b|c-reactive|\besr\b|sedimentation|procalcitonin|inflammatory marker",
    "coagulation": r"\binr\b|prothrombin|\baptt\b|\bptt\b|coagul|fibrinogen|d-dimer|bleeding time",
    "hormones": r"\btsh\b|thyro|cortisol|hormone|\bacth\b|prolactin|insulin|hcg|estradiol|testosterone|aldosterone|"
                r"renin|parathyroid|\bpth\b|hba1c|glycated",
    "serology": r"antibod|antigen|serolog|titer|titre|\bana\b|\bpcr\b|viral load|\bigm\b|\bigg\b|\bige\b|complement",
    "microbiology": r"culture|gram stain|smear|microscop|\bstool\b|fecal|faecal|swab",
    "blood gas": r"blood gas|\bph\b|pao2|paco2|hypox|hypercapn|acidosis|alkalosis|oxygen saturation",
    "chest imaging": r"chest x|chest radiograph|\bcxr\b|chest film",
    "radiograph": r"x-ray|xray|radiograph",
    "ct": r"\bct\b|computed tomograph",
    "mri": r"\bmri\b|magnetic resonance",
    "ultrasound": r"ultraso|sonograph|doppler|\bfast\b scan",
    "echocardiogram": r"echocardiog|\becho\b",
    "ecg": r"\becg\b|\bekg\b|electrocardiog|st elevation|st depression|qt interval|\bqrs\b|q waves?|p waves?",
    "csf": r"\bcsf\b|lumbar puncture|cerebrospinal",
    "biopsy": r"biops|histolog|patholog|cytolog|aspirate",
    "neurophysiology": r"\beeg\b|electroencephalog|\bemg\b|electromyog|nerve conduction",
    "toxicology": r"toxicolog|drug screen|tox screen",
    "endoscopy": r"endoscop|colonoscop|bronchoscop|cystoscop",
    "spirometry": r"spirometr|\bfev1\b|pulmonary function",
}.items()}


class ExamRequest(BaseModel):
    request: str
    kind: str  # "general", "matched", "normal" (unlisted test), "unavailable"
    answer: str


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _COMMON and len(w) > 2}


def families(text: str) -> set[str]:
    """The test families a request or a test name belongs to."""
    return {name for name, rx in TEST_FAMILIES.items() if rx.search(text)}


class Examiner:
    """Answers examination and test requests from one case, keeping a log of every request."""

    def __init__(self, case: Case, graph) -> None:
        self.case = case
        self.graph = graph
        self.log: list[ExamRequest] = []
        entries = [(line, set()) for line in case.exam]  # exam lines match through concepts only
        entries += [(f"{name}: {result}", _words(name)) for name, result in case.tests.items()]
        self._entries = [(text, {c.id for c in graph.extract(text)}, words) for text, words in entries]
        self._tests = [(f"{name}: {result}", families(name)) for name, result in case.tests.items()]
        self._families = set().union(*(f for _, f in self._tests))

    @property
    def tests_ordered(self) -> int:
        return sum(r.kind != "general" for r in self.log)

    def _related(self, asked: set[str], have: set[str]) -> bool:
        return bool(asked & have) or any(self.graph.is_a(h, a) for h in have for a in asked)

    def answer(self, request: str) -> ExamRequest:
        if _GENERAL.search(request):
            return ExamRequest(request=request, kind="general", answer=" ".join(self.case.exam) or UNREMARKABLE)
        asked = {c.id for c in self.graph.extract(request) if c.polarity != "absent"}
        fams = families(request)
        names_test = bool(fams) or bool(self.graph.lookup_investigations(request))
        words = _words(request) if names_test else set()  # words tie only test requests to test names
        hits = [text for text, concepts, name_words in self._entries
                if self._related(asked, concepts) or words & name_words]
        if hits:
            return ExamRequest(request=request, kind="matched", answer=" ".join(dict.fromkeys(hits)))
        if not asked and fams:  # the request names a test, not a finding: that test's results
            named = [text for text, f in self._tests if f & fams]
            if named:
                return ExamRequest(request=request, kind="matched", answer=" ".join(named))
        if names_test and self.case.unlisted == "normal" and not fams & self._families:
            return ExamRequest(request=request, kind="normal", answer=NORMAL)
        return ExamRequest(request=request, kind="unavailable", answer=NO_RESULT)

    async def examine(self, request: str) -> str | None:
        result = self.answer(request)
        self.log.append(result)
        return result.answer
