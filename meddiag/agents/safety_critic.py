"""The safety critic and the gate: nothing reaches the patient without its seal.

The critic screens patient text for red flags and reviews every outgoing draft with the
deterministic rules of :mod:`meddiag.safety`; a failing draft is rewritten or replaced.
Its verdict carries an :class:`ApprovedMessage`, sealed with a key that lives only in
this module. The orchestrator delivers nothing else, and it checks the seal, so a
draft that skipped the critic — or was edited after approval — cannot be sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict

from meddiag.agents.base import AgentResult, TypedAgent
from meddiag.safety.critic_rules import review
from meddiag.safety.redflags import Assessment, assess
from meddiag.schema import CaseState, RedFlag

_KEY = secrets.token_bytes(32)


class SafetyGateError(RuntimeError):
    """Something tried to send the patient a message the critic did not approve."""


class ApprovedMessage:
    """Text the critic approved; immutable, and verifiable against the critic's seal."""

    __slots__ = ("_text", "_seal")

    def __init__(self, text: str, seal: bytes) -> None:
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_seal", seal)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("an approved message cannot be changed")

    @property
    def text(self) -> str:
        return self._text

    def verify(self) -> None:
        if not hmac.compare_digest(self._seal, _sign(self._text)):
            raise SafetyGateError("refusing to send a message the safety critic did not approve")


def _sign(text: str) -> bytes:
    return hmac.new(_KEY, text.encode("utf-8"), hashlib.sha256).digest()


class CritiqueRequest(BaseModel):
    draft: str
    patient_text: str = ""
    flags: list[RedFlag] = []
    kind: Literal["greeting", "question", "request", "closing", "escalation"] = "question"


class Verdict(AgentResult):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    approved: bool  # True when the draft passed unchanged
    final: str
    reasons: list[str] = []
    message: ApprovedMessage


class SafetyCritic(TypedAgent[CritiqueRequest, Verdict]):
    input_type = CritiqueRequest
    output_type = Verdict

    def __init__(self, name: str = "safety_critic") -> None:
        super().__init__(name, "Screens for red flags and approves, rewrites or replaces every outgoing message.")

    def screen(self, text: str, state: CaseState | None = None) -> Assessment:
        """Red-flag rules over the patient's words and the case state."""
        return assess(text, state)

    async def handle(self, request: CritiqueRequest) -> Verdict:
        r = review(request.draft, flags=request.flags, patient_text=request.patient_text)
        return Verdict(approved=r.approved, final=r.final, reasons=list(r.reasons),
                       message=ApprovedMessage(r.final, _sign(r.final)))
