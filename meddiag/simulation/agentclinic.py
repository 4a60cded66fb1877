"""AgentClinic OSCE cases (MedQA JSONL) as typed :class:`Case` objects.

Each line holds ``{"OSCE_Examination": {...}}`` with ``Objective_for_Doctor`` (what the
doctor is told), ``Patient_Actor`` (what the patient knows), ``Physical_Examination_Findings``
and ``Test_Results`` (free-form nested dicts, what the examiner knows) and
``Correct_Diagnosis``. The mapping:

- ``Demographics`` and the primary symptom become the opening ("what brings you in?");
- history and review-of-systems sentences, secondary symptoms, past history, medications
  and social history become facts (the history and the secondary symptoms are the story the
  patient tells when asked an open question), rewritten in the first person, each with ``about``
  words for the topic a question may name ("smoke", "medications", ...); sentences and
  items that deny something ("Denies nausea, vomiting") become ``denies`` entries;
- nested examination findings flatten to readable lines ("Vital signs. Heart rate: 72 bpm");
- nested test results flatten to ``test name -> result`` entries;
- unknown keys are kept as facts (patient side) or lines (examiner side); empty dicts and
  missing sections are fine. A line that is not JSON or lacks the diagnosis or any patient
  text is reported with its line number and skipped.

AgentClinic's examiner says "normal" for tests a case does not list, so these cases set
``unlisted="normal"`` (see :mod:`meddiag.simulation.examiner` for how requests match).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from meddiag.knowledge.umls_graph.demographics import demographics
from meddiag.simulation.case import Case, CaseError, Fact

TOPICS: dict[str, list[str]] = {
    "past_medical_history": ["medical history", "past history", "health problems", "illnesses", "conditions",
                             "operations", "surgery", "hospital", "diagnosed"],
    "medications": ["medications", "medication", "medicines", "medicine", "tablets", "pills", "drugs", "allergies"],
    "social_history": ["smoke", "smoking", "cigarettes", "alcohol", "drink", "drinking", "drugs", "work", "job",
                       "occupation", "live", "living", "social", "travel", "sexual", "partner", "diet", "exercise"],
    "family_history": ["family", "relatives", "parents", "mother", "father", "siblings", "runs in"],
    "review_of_systems": [],
    "history": [],
}
_MED_KEYS = {"current_medications", "medications", "medication", "drug_history", "current_medication"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_DENY = re.compile(r"^(?:(?:the )?(?:patient|child|infant|he|she) )?(?:denies|denied|reports no|has no|had no|"
                   r"no history of|negative for|no)\s+(?:any\s+|experiencing\s+|recent\s+)?(.+)$", re.I)
_EMPTY = re.compile(r"^\W*(n/?a|none|not provided|information not provided|not applicable|unknown|-)\W*$", re.I)
_SUBJECT = r"(?:the patient|the child|the infant|the newborn|the baby|the woman|the man|patient|she|he)"
_FIRST_PERSON = [
    (re.compile(rf"^{_SUBJECT} (?:reports|reported|notes|noted|mentions|mentioned|states|stated|says|said|"
                rf"explains|explained|adds|added|recalls|recalled) that\s+", re.I), ""),
    (re.compile(rf"^{_SUBJECT} (?:reports|reported|notes|noted|mentions|mentioned|describes|described|"
                rf"complains of|complained of|presents with|presented with|experiences|experienced)\s+", re.I),
     "I have had "),
    (re.compile(rf"^{_SUBJECT} (?:denies|denied)\s+", re.I), "I haven't had "),
    (re.compile(rf"^{_SUBJECT} (?:has been|had been)\s+", re.I), "I have been "),
    (re.compile(rf"^{_SUBJECT} (?:has|have)\s+", re.I), "I have "),
    (re.compile(rf"^{_SUBJECT} had\s+", re.I), "I had "),
    (re.compile(rf"^{_SUBJECT} is\s+", re.I), "I am "),
    (re.compile(rf"^{_SUBJECT} was\s+", re.I), "I was "),
    (re.compile(rf"^{_SUBJECT} (\w+?)s\s+", re.I), r"I \1 "),
    (re.compile(rf"^{_SUBJECT} (\w+ed)\s+", re.I), r"I \1 "),
]
_PRONOUNS = [(re.compile(r"\b(her|his)\b(?! (?:mother|father|parents|husband|wife|partner|roommates?|friends?|"
                         r"peers|son|daughter|doctor))", re.I), "my"),
             (re.compile(r"\b(she|he)\b", re.I), "I"), (re.compile(r"\b(herself|himself)\b", re.I), "myself")]


def humanise(key: str) -> str:
    """``"Cranial_Nerves"`` -> ``"cranial nerves"`` (acronyms such as ``"CBC"`` keep their case)."""
    words = re.split(r"[_\s]+", str(key).strip())
    return " ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in words if w)


def flatten(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Nested dicts and lists -> ``[(key path, text)]`` leaves, empty values dropped."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in flatten(v, path + (humanise(k),))]
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            text = "; ".join(str(v).strip() for v in value if str(v).strip())
            return [(path, text)] if text else []
        return [leaf for v in value for leaf in flatten(v, path)]
    text = "" if value is None else str(value).strip()
    return [(path, text)] if text else []


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def first_person(sentence: str) -> str:
    """A third-person case sentence as the patient would say it (a light, rule-based rewrite)."""
    s = sentence.strip()
    for rx, repl in _FIRST_PERSON:
        new = rx.sub(repl, s, count=1)
        if new != s:
            s = new
            for prx, prepl in _PRONOUNS:
                s = prx.sub(lambda m, r=prepl: r if m.group(0)[0].islower() else r.capitalize() if r != "I" else r, s)
            break
    s = s[0].upper() + s[1:] if s else s
    return s if s.endswith((".", "!", "?")) else s + "."


def _denied(sentence: str) -> list[str]:
    """The things a denial sentence names ("Denies nausea, vomiting, or dysuria" -> three)."""
    m = _DENY.match(sentence.strip().rstrip("."))
    if not m:
        return []
    body = re.split(r"\b(?:but|however|though|although)\b|;", m.group(1))[0]
    parts = re.split(r",\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+", body)
    return [p.strip(" .") for p in parts if p.strip(" .") and len(p.strip(" .")) < 60]


def _ros_part(text: str) -> tuple[list[Fact], list[str]]:
    facts, denies = [], []
    for s in _sentences(text):
        d = _denied(s)
        if d:
            denies += d
        elif not _EMPTY.match(s) and not re.match(r"^no (other|additional|further)\b", s, re.I):
            facts.append(Fact(text=first_person(s)))
    return facts, denies


def _section_facts(key: str, value: Any) -> tuple[list[Fact], list[str]]:
    """Facts and denials from one ``Patient_Actor`` section other than the opening parts."""
    norm = key.lower()
    about = TOPICS.get("medications" if norm in _MED_KEYS else norm, None)
    facts: list[Fact] = []
    denies: list[str] = []
    for path, text in flatten(value):
        if _EMPTY.match(text):
            continue
        words = list(dict.fromkeys([*(about if about is not None else [humanise(key)]), *path]))
        if norm in ("history", "review_of_systems"):
            f, d = _ros_part(text)
            facts += [x.model_copy(update={"story": norm == "history"}) for x in f]
            denies += d
        elif about is not None and norm != "social_history" and norm not in _MED_KEYS:
            facts.append(Fact(text=first_person(text), about=words))
        else:
            facts.append(Fact(text=first_person(f"{path[-1].capitalize()}: {text}" if path else text), about=words))
    return facts, denies


def _lower_first(text: str) -> str:
    return text if text[:2].isupper() else text[0].lower() + text[1:]


def _opening(actor: dict) -> str:
    demo = actor.get("Demographics")
    symptoms = actor.get("Symptoms")
    primary = symptoms.get("Primary_Symptom") if isinstance(symptoms, dict) else None
    if primary is None and isinstance(symptoms, (str, list)):
        primary = symptoms if isinstance(symptoms, str) else (symptoms[0] if symptoms else None)
    parts = []
    if isinstance(demo, str) and demo.strip() and not _EMPTY.match(demo):
        parts.append(f"I'm a {demo.strip().rstrip('.')}." if not re.match(r"^(a|an|the)\b", demo.strip(), re.I)
                     else f"I'm {demo.strip().rstrip('.')}.")
    if isinstance(primary, str) and primary.strip():
        p = primary.strip().rstrip(".")
        parts.append(f"I've come in because of {_lower_first(p)}.")
    return " ".join(parts)


def case_from_record(record: Any, line: int, source: str = "agentclinic") -> Case:
    """One parsed JSON record -> Case; a CaseError (one line) says what is wrong with it."""
    osce = record.get("OSCE_Examination", record) if isinstance(record, dict) else None
    if not isinstance(osce, dict):
        raise CaseError("expected an object with OSCE_Examination")
    diagnosis = osce.get("Correct_Diagnosis")
    if not isinstance(diagnosis, str) or not diagnosis.strip():
        raise CaseError("no Correct_Diagnosis")
    actor = osce.get("Patient_Actor") if isinstance(osce.get("Patient_Actor"), dict) else {}
    opening = _opening(actor)
    facts: list[Fact] = []
    denies: list[str] = []
    symptoms = actor.get("Symptoms")
    secondary = symptoms.get("Secondary_Symptoms", []) if isinstance(symptoms, dict) else []
    for item in secondary if isinstance(secondary, list) else [secondary]:
        text = str(item).strip()
        if not text:
            continue
        d = _denied(text)
        if d:
            denies += d
        else:
            said = text if re.match(rf"^{_SUBJECT}\b", text, re.I) else f"I have {_lower_first(text)}"
            facts.append(Fact(text=first_person(said), about=[text.lower()], story=True))
    for key, value in actor.items():
        if key in ("Demographics", "Symptoms"):
            continue
        f, d = _section_facts(key, value)
        facts += f
        denies += d
    if not opening and not facts:
        raise CaseError("no patient text (Patient_Actor is empty)")
    if not opening:
        opening, facts = facts[0].text, facts[1:]
    # "Vital signs. Respiratory rate: Normal": a heading joined by a comma would read as the whole group
    # being normal ("Vital signs, respiratory rate: Normal" denied fever and hypertension)
    exam = [f"{'. '.join(x[0].upper() + x[1:] for x in p)}: {t}" if p else t
            for p, t in flatten(osce.get("Physical_Examination_Findings"))]
    tests: dict[str, str] = {}
    for path, text in flatten(osce.get("Test_Results")):
        names = [p for p in path if p.lower() not in ("findings", "finding", "result", "results")] or ["result"]
        name = ", ".join(names)
        tests[name] = f"{tests[name]}; {text}" if name in tests else text
    demo = demographics(str(actor.get("Demographics", "")))
    objective = osce.get("Objective_for_Doctor")
    return Case(id=f"{source}-{line:04d}", title=str(objective or diagnosis)[:120], diagnosis=diagnosis.strip(),
                objective=str(objective or "").strip(), age=demo.age, sex=demo.sex, opening=opening, facts=facts,
                denies=list(dict.fromkeys(denies)), exam=exam, tests=tests, source=source, line=line,
                unlisted="normal")


def load_agentclinic(path: str | Path) -> tuple[list[Case], list[str]]:
    """(cases, one ``line N: why`` entry per skipped line) from an AgentClinic JSONL file."""
    path = Path(path)
    if not path.is_file():
        raise CaseError(f"AgentClinic file not found: {path}")
    cases: list[Case] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                problems.append(f"line {n}: not valid JSON ({exc.msg})")
                continue
            try:
                cases.append(case_from_record(record, n))
            except (CaseError, ValueError) as exc:
                problems.append(f"line {n}: {str(exc).splitlines()[0]}")
    return cases, problems
