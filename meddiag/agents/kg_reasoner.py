"""The knowledge-graph reasoner: patient text in, case state, differential and next questions out.

Deterministic by design: concepts are extracted from the text by the graph's
dictionary matcher, a short answer ("yes", "not really", "not sure") is read as the
answer to the question just asked, and the graph ranks diseases and chooses the most
informative next question. This agent is the floor every model stands on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from meddiag.agents.base import AgentResult, TypedAgent
from meddiag.agents.words import stems
from meddiag.schema import CaseState, Differential, Finding, Question, Source, Status

if TYPE_CHECKING:
    from meddiag.knowledge.umls_graph import KnowledgeGraph

_UNSURE = re.compile(r"\b(not sure|unsure|don'?t know|do not know|no idea|can'?t (say|remember|tell)|not certain)\b", re.I)
_NO = re.compile(
    r"^\W*(no|nope|nah|not really|not at all|never|none|negative|i don'?t( think so)?|i do not|i haven'?t|"
    r"i have not|i didn'?t|i did not|it doesn'?t|it does not|it isn'?t|it is not|i'?m not|i am not)\b",
    re.I,
)
_YES = re.compile(
    r"^\W*((yes|yeah|yep|yup|ya|aye|correct|right|sure|definitely|absolutely|indeed|a (little|bit|lot)|sometimes|"
    r"occasionally|kind of|sort of|mostly|often|positive)\b|"
    # "I have." / "I do, mostly at night" / "I have had it" say yes; "I have an ache in my tummy" tells of something else
    r"(i do|i have|i did|i am|i'?m|it does|it is|it did|it has)(\s*($|[,.!;]|-)|\s+(had|been|got|noticed|felt)\b))",
    re.I,
)


_NORMAL = re.compile(r"\b(normal|negative|unremarkable|not (seen|detected|found|present)|none seen)\b", re.I)


_SENTENCES = re.compile(r"(?<=[.!?;])\s+|,\s*(?:and|but)\s+")
_NEGATED = re.compile(r"\b(no|not|never|none|nothing|without|haven'?t|hasn'?t|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t)\b", re.I)
_COMMON = {"have", "been", "with", "your", "that", "this", "there", "what", "when", "does", "feel", "feeling", "about",
           "having", "from", "were", "they", "them", "would", "could", "like", "much", "many", "time", "some", "ever",
           "recently", "noticed", "problem", "problems", "really", "very", "more", "than", "also", "just", "yours",
           # time and place words a reply shares without answering ("How many weeks pregnant are you?" - "My
           # last period was two weeks ago"; "upper right ...?" - "it moved to the lower right side")
           "week", "weeks", "day", "days", "month", "months", "year", "years", "ago", "right", "left", "side",
           "part", "upper", "lower",
           # how long a thing lasts says nothing of which span ("Does each attack last 15 minutes to 3 hours?" -
           # "Each one lasts most of the day")
           "last", "lasts", "lasting", "lasted", "long", "each", "hour", "hours", "minute", "minutes"}


def _echoes(answer: str, asked: Question, known: str = "") -> bool:
    """Does a reply take up the question's own words (then it answers it, yes or no)? Words of what
    is already known do not count ("Does the headache feel like a band?" - "My mum gets headaches too")."""
    shared = stems(answer, _COMMON) & stems(f"{asked.text} {asked.label}", _COMMON)
    return bool(shared - stems(known, _COMMON)) if known else bool(shared)


def _unread(text: str, found: list[Finding], asked: Question) -> str:
    """The text without the words of the other findings read from it: a reply's words that a finding
    of another name explains do not take up the question ("Are you eating more?" - "I've lost my
    appetite"); one that shares a word of the question or its finding still does ("bilious emesis" for
    "bilious (green) vomiting")."""
    chars = list(text)
    topic = stems(f"{asked.text} {asked.label}", _COMMON)
    for f in found:
        if f.span is not None and not stems(f.label, _COMMON) & topic:
            chars[f.span[0]:f.span[1]] = " " * (f.span[1] - f.span[0])
    return "".join(chars)


def answer_status(text: str, source: Source = "patient") -> Status | None:
    """How a reply answers a yes/no question (or a test request), or None when it does not."""
    if source in ("exam", "test"):  # only a short, whole-answer "normal": a long report may be normal in parts
        return "absent" if len(text) <= 60 and _NORMAL.search(text) else None
    if _UNSURE.search(text):
        return "unknown"
    if _NO.search(text):
        return "absent"
    if _YES.search(text):
        return "present"
    return None


class ReasonRequest(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    state: CaseState
    text: str
    source: Source = "patient"
    turn: int = 0
    asked: Question | None = None  # the question this text answers, if any
    question_kinds: tuple[Literal["history", "exam", "test"], ...] = ("history",)
    top: int = 10


class ReasonResult(AgentResult):
    new: list[Finding]
    state: CaseState
    differential: Differential
    questions: list[Question]


class KGReasoner(TypedAgent[ReasonRequest, ReasonResult]):
    input_type = ReasonRequest
    output_type = ReasonResult

    def __init__(self, graph: "KnowledgeGraph", name: str = "kg_reasoner") -> None:
        super().__init__(name, "Extracts findings, ranks diseases on the knowledge graph, picks the next question.")
        self.graph = graph

    def read(self, req: ReasonRequest) -> list[Finding]:
        """Findings stated in the text, plus the answer to the question asked."""
        found: list[Finding] = []
        seen: set[str] = set()
        for c in self.graph.extract(req.text):
            status: Status = {"present": "present", "absent": "absent", "uncertain": "unknown"}[c.polarity]
            if c.id in seen:
                continue
            seen.add(c.id)
            found.append(
                Finding(id=c.id, label=c.label, status=status, source=req.source, turn=req.turn,
                        span=c.span, text=c.text, value=c.value, unit=c.unit)
            )
        if req.asked is not None and req.asked.finding_id not in seen:
            status = answer_status(req.text, req.source)
            if status is None and req.source == "patient" and _echoes(_unread(req.text, found, req.asked), req.asked, " ".join(
                    f.label for f in req.state.findings.values() if f.status == "present")):
                # "Light really bothers me" / "Light doesn't bother me" answer "Does light bother you?"; only
                # the sentences that take the question up say which ("Just the high blood pressure, and I've
                # never had an operation" does not deny high blood pressure)
                said = [t for t in _SENTENCES.split(req.text) if _echoes(t, req.asked)] or [req.text]
                status = "absent" if any(_NEGATED.search(t) for t in said) else "present"
            if status is not None:
                found.append(Finding(id=req.asked.finding_id, label=req.asked.label, status=status,
                                     source=req.source, turn=req.turn, text=req.text.strip()[:80]))
        return found

    async def handle(self, request: ReasonRequest) -> ReasonResult:
        state = request.state.model_copy(deep=True)
        demo = self.graph.demographics(request.text)
        for field in ("age", "sex", "pregnant"):
            value = getattr(demo, field)
            if value is not None:
                setattr(state.demographics, field, value)
        new = [f for f in self.read(request) if state.update(f)]
        differential = self.graph.rank(state, top=request.top)
        questions = self.graph.next_questions(state, top=3, kinds=request.question_kinds)
        trace = [f"{f.status}: {f.label}" for f in new]
        return ReasonResult(new=new, state=state, differential=differential, questions=questions, trace=trace)
