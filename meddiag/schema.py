"""Typed data shared by every part of meddiag.

Concepts come out of text, findings make up the case state, hypotheses make up a
differential, turns make up a transcript, and events are what a consultation emits.
Every consumer (CLI, TUI, logs, tests) reads only these models. Events form one union
discriminated by their ``type`` field, so a JSONL trace round-trips through
``EventAdapter.validate_json``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Polarity = Literal["present", "absent", "uncertain"]
Status = Literal["present", "absent", "unknown"]
Source = Literal["patient", "exam", "test", "intake", "doctor"]
Role = Literal["doctor", "patient", "examiner", "system"]
Phase = Literal["intake", "history", "examination", "differential", "critique", "closing"]
Level = Literal["emergency", "urgent", "routine"]
Sex = Literal["male", "female"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Concept(BaseModel):
    """A knowledge-graph concept mentioned in a piece of text."""

    id: str  # graph node id: a UMLS CUI, an HPO id (HP:...), or a local id (local:...)
    label: str
    polarity: Polarity = "present"
    span: tuple[int, int] | None = None  # character offsets into the source text
    text: str = ""  # the matched surface text
    value: float | None = None  # a measured value (vitals, labs)
    unit: str | None = None


class Finding(BaseModel):
    """One entry of the case state: a finding known to be present, absent or unknown."""

    id: str
    label: str
    status: Status
    source: Source = "patient"
    turn: int | None = None
    span: tuple[int, int] | None = None
    text: str = ""
    value: float | None = None
    unit: str | None = None


class Demographics(BaseModel):
    age: float | None = None  # years
    sex: Sex | None = None
    pregnant: bool | None = None


class CaseState(BaseModel):
    """What the doctor team knows so far."""

    demographics: Demographics = Field(default_factory=Demographics)
    findings: dict[str, Finding] = Field(default_factory=dict)
    asked: list[str] = Field(default_factory=list)  # finding ids already asked about
    tests_done: list[str] = Field(default_factory=list)  # test names requested
    chief_complaint: str = ""
    narrative: str = ""  # the written case (a vignette), scored by the diseases' word profiles

    def update(self, finding: Finding) -> bool:
        """Record a finding; a later definite answer replaces an earlier one.

        An ``unknown`` never overwrites a definite status. Returns True when the state changed.
        """
        old = self.findings.get(finding.id)
        if old is not None and finding.status == "unknown" and old.status != "unknown":
            return False
        if old is not None and old.status == finding.status:
            return False
        self.findings[finding.id] = finding
        return True

    def with_status(self, status: Status) -> list[Finding]:
        return [f for f in self.findings.values() if f.status == status]

    @property
    def present(self) -> list[str]:
        return [f.id for f in self.with_status("present")]

    @property
    def absent(self) -> list[str]:
        return [f.id for f in self.with_status("absent")]


class Evidence(BaseModel):
    """One step of an evidence path: a finding and how much it moved a hypothesis."""

    finding_id: str
    label: str
    status: Status
    weight: float  # contribution to the log-odds (positive supports, negative argues against)
    path: list[str] = Field(default_factory=list)  # node ids from the finding to the disease


class Hypothesis(BaseModel):
    disease_id: str
    name: str
    icd10: str | None = None
    probability: float = Field(ge=0.0, le=1.0)
    score: float = 0.0  # log-odds before normalisation
    evidence: list[Evidence] = Field(default_factory=list)
    red_flag: bool = False
    must_not_miss: bool = False
    reason: str = ""  # one-line explanation (model-written or templated from evidence)


class Differential(BaseModel):
    hypotheses: list[Hypothesis] = Field(default_factory=list)

    def top(self, n: int = 1) -> list[Hypothesis]:
        return self.hypotheses[:n]

    @property
    def leading(self) -> Hypothesis | None:
        return self.hypotheses[0] if self.hypotheses else None


class Question(BaseModel):
    """A candidate next question or test chosen by the knowledge graph."""

    finding_id: str
    label: str
    text: str  # a plain-language question (template), before any model phrasing
    gain: float = 0.0  # expected information gain (bits), weighted
    kind: Literal["history", "exam", "test"] = "history"


class Turn(BaseModel):
    index: int
    role: Role
    text: str
    at: datetime = Field(default_factory=_now)


class RedFlag(BaseModel):
    level: Level
    rule: str
    evidence: str = ""
    advice: str = ""


# ----------------------------------------------------------------------------- events


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)
    at: datetime = Field(default_factory=_now)


class Started(_Event):
    type: Literal["started"] = "started"
    consultation_id: str
    model: str
    max_turns: int


class PhaseChanged(_Event):
    type: Literal["phase"] = "phase"
    phase: Phase


class TokenDelta(_Event):
    """A streamed piece of an utterance that is still being written (not yet approved)."""

    type: Literal["token"] = "token"
    role: Role
    text: str


class Utterance(_Event):
    """A complete turn of the conversation: only critic-approved text for the doctor."""

    type: Literal["utterance"] = "utterance"
    turn: Turn


class FindingsUpdated(_Event):
    type: Literal["findings"] = "findings"
    new: list[Finding]
    state: CaseState


class DifferentialUpdated(_Event):
    type: Literal["differential"] = "differential"
    differential: Differential


class QuestionChosen(_Event):
    type: Literal["question"] = "question"
    question: Question
    alternatives: list[Question] = Field(default_factory=list)


class CriticVerdict(_Event):
    type: Literal["verdict"] = "verdict"
    approved: bool  # True when the draft went out unchanged
    draft: str
    final: str
    reasons: list[str] = Field(default_factory=list)


class RedFlagRaised(_Event):
    type: Literal["red_flag"] = "red_flag"
    flag: RedFlag


class AgentMessage(_Event):
    """Trace of who said what to whom inside the team."""

    type: Literal["agent"] = "agent"
    sender: str
    recipient: str
    content: str


class Fallback(_Event):
    """A model call failed or returned garbage; the deterministic path took over."""

    type: Literal["fallback"] = "fallback"
    agent: str
    reason: str
    kind: Literal["error", "invalid"] = "error"  # the backend failed, or its output was rejected


class TestResult(_Event):
    __test__ = False  # not a pytest class
    type: Literal["test_result"] = "test_result"
    name: str
    result: str


class Finished(_Event):
    type: Literal["finished"] = "finished"
    reason: Literal["confident", "turn_budget", "escalated", "patient_left", "error"]
    differential: Differential
    final_diagnosis: str | None
    turns: int
    tokens: int
    seconds: float
    summary: str = ""


Event = Annotated[
    Union[
        Started,
        PhaseChanged,
        TokenDelta,
        Utterance,
        FindingsUpdated,
        DifferentialUpdated,
        QuestionChosen,
        CriticVerdict,
        RedFlagRaised,
        AgentMessage,
        Fallback,
        TestResult,
        Finished,
    ],
    Field(discriminator="type"),
]
EventAdapter: TypeAdapter[Event] = TypeAdapter(Event)
