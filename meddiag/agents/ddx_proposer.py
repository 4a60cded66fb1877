"""The differential-diagnosis proposer: a ranked differential with a reason for each entry.

The ranking is the knowledge graph's; every reason is grounded in the graph's evidence
(the findings for and against). With a model, the model writes the reasons in prose
from that evidence; a reason for a name the graph did not propose is discarded.
"""

from __future__ import annotations

from autogen_core.models import ChatCompletionClient
from pydantic import BaseModel, Field

from meddiag.agents import llm
from meddiag.agents.base import AgentResult, TypedAgent
from meddiag.agents.words import stems
from meddiag.schema import CaseState, Differential, Hypothesis

SYSTEM = (
    "You are a clinician explaining a differential diagnosis to a colleague. For each candidate "
    "you get the findings for and against it. Write one short sentence per candidate that "
    "explains why it is on the list, using only the findings given."
)


class DdxRequest(BaseModel):
    differential: Differential
    state: CaseState
    top: int = 5


class Reason(BaseModel):
    name: str = Field(max_length=120)
    reason: str = Field(max_length=240)


class Reasons(BaseModel):
    reasons: list[Reason]


class DdxResult(AgentResult):
    differential: Differential


def evidence_reason(h: Hypothesis) -> str:
    """A one-line reason written from the evidence alone."""
    pro = [e.label for e in h.evidence if e.weight > 0 and e.status == "present"]
    con = [("no " + e.label) if e.status == "absent" else e.label for e in h.evidence if e.weight < 0]
    parts = []
    if pro:
        parts.append("for: " + ", ".join(pro[:4]))
    if con:
        parts.append("against: " + ", ".join(con[:3]))
    return "; ".join(parts) or "prior probability given the presentation"


def grounded(reason: str, h: Hypothesis) -> bool:
    """A model's reason is kept only if it is a real sentence that cites the evidence."""
    evidence = stems(" ".join(e.label for e in h.evidence))
    return len(reason.split()) >= 5 and bool(stems(reason) & evidence)


class DdxProposer(TypedAgent[DdxRequest, DdxResult]):
    input_type = DdxRequest
    output_type = DdxResult

    def __init__(self, model: ChatCompletionClient | None, *, name: str = "ddx_proposer", timeout: float = 120.0) -> None:
        super().__init__(name, "Writes the ranked differential with grounded reasons.")
        self.model = model
        self.timeout = timeout

    async def handle(self, request: DdxRequest) -> DdxResult:
        top = request.differential.hypotheses[: request.top]
        hyps = [h.model_copy(update={"reason": evidence_reason(h)}) for h in top]
        result = DdxResult(differential=Differential(hypotheses=hyps + request.differential.hypotheses[request.top:]))
        if self.model is None or not hyps:
            return result
        lines = [f"- {h.name}: {h.reason}" for h in hyps]
        out = await llm.structured(
            self.model, llm.prompt(SYSTEM, "Candidates:\n" + "\n".join(lines)), Reasons,
            max_tokens=220, retries=1, timeout=self.timeout,
            validate=lambda r: None if any(x.name.lower() in {h.name.lower() for h in hyps} for x in r.reasons)
            else "no reason names a candidate",
        )
        result.tokens = out.tokens
        if out.value is None:
            result.fallback, result.fallback_kind = out.error, out.kind
            return result
        by_name = {r.name.strip().lower(): r.reason.strip() for r in out.value.reasons}
        for i, h in enumerate(hyps):
            reason = by_name.get(h.name.lower(), "")
            if grounded(reason, h):
                hyps[i] = h.model_copy(update={"reason": reason})
        result.differential = Differential(hypotheses=hyps + request.differential.hypotheses[request.top:])
        return result
