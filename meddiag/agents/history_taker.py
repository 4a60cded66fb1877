"""The history-taker: turns the graph's chosen question into the next thing the doctor says.

The knowledge graph decides *what* to ask; the model, when there is one, only decides
*how* to say it, as schema-constrained JSON whose pattern admits one question. A
phrasing is accepted when it still asks about the chosen finding; otherwise the graph's
own plain-language template is used.
"""

from __future__ import annotations

import re

from autogen_core.models import ChatCompletionClient
from pydantic import BaseModel, Field

from meddiag.agents import llm
from meddiag.agents.base import AgentResult, TypedAgent
from meddiag.agents.words import stems
from meddiag.schema import Question

SYSTEM = (
    "You are a friendly doctor talking to a patient. Ask the patient the question you are given "
    "in simple, kind words, as one short question. Do not name any diagnosis and give no advice."
)

_ASKS = re.compile(r"^\W*(have|has|had|do|does|did|are|is|was|were|can|could|would|will|how|what|when|where|which|"
                   r"who|why|any|anything|may|might|should)\b", re.I)
_FIRST_PERSON = re.compile(r"(?<!may )(?<!can )(?<!could )\b(I|I'm|I've|I'd|my|me)\b", re.I)
_STOP = {"have", "been", "with", "your", "that", "this", "there", "what", "when", "does", "feel", "about",
         "noticed", "having", "any", "from", "were", "they", "them", "would", "could", "like"}


class Phrasing(BaseModel):
    """The model's output: one question; the pattern becomes a grammar for llama.cpp."""

    question: str = Field(pattern=r"^[A-Z][A-Za-z0-9 ,;:'()/-]{4,200}\?$")


class AskRequest(BaseModel):
    question: Question
    last_patient: str = ""  # already neutralised by the orchestrator
    lay_label: str = ""
    acknowledge: bool = True


class Draft(AgentResult):
    text: str
    question: Question | None = None


def _topic_words(req: AskRequest) -> set[str]:
    return stems(f"{req.question.label} {req.lay_label} {req.question.text}", _STOP)


def check_phrasing(text: str, req: AskRequest) -> str | None:
    """Why a model's phrasing is unusable, or None if it may be sent to the critic."""
    if len(text) > 220:
        return "too long"
    if text.count("?") != 1 or not text.rstrip().endswith("?"):
        return "not exactly one question"
    if re.search(r"[.!]\s", text):
        return "more than one sentence"
    if not _ASKS.match(text) or _FIRST_PERSON.search(text):
        return "not a question from the doctor"
    topic = _topic_words(req)
    if topic and not (stems(text) & topic):
        return "does not ask about the chosen finding"
    return None


class HistoryTaker(TypedAgent[AskRequest, Draft]):
    input_type = AskRequest
    output_type = Draft

    def __init__(self, model: ChatCompletionClient | None, *, name: str = "history_taker",
                 timeout: float = 120.0) -> None:
        super().__init__(name, "Phrases the next question chosen by the knowledge graph.")
        self.model = model
        self.timeout = timeout

    async def handle(self, request: AskRequest) -> Draft:
        template = request.question.text
        if self.model is None:
            return Draft(text=template, question=request.question)
        user = (f"The patient just said: \"{request.last_patient[:300]}\"\n" if request.last_patient else "")
        user += f"Question for the patient: {template}"
        out = await llm.structured(
            self.model, llm.prompt(SYSTEM, user), Phrasing, max_tokens=80, retries=1, timeout=self.timeout,
            validate=lambda p: check_phrasing(p.question, request),
        )
        if out.value is None:
            return Draft(text=template, question=request.question, tokens=out.tokens, fallback=out.error,
                         fallback_kind=out.kind)
        return Draft(text=out.value.question, question=request.question, tokens=out.tokens)
