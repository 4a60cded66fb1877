"""Patient text is data, never instructions: strip prompt-injection devices before a model sees it.

``neutralise`` removes chat-template role markers (``<|im_start|>``, ``[INST]``,
``### Assistant``, a line starting ``system:``), fake tags (``<system>``, ``[critic]``)
and override phrases ("ignore previous instructions", "you are now ...", "print your
system prompt") together with the rest of their clause, and keeps everything else, so
the medical content survives. Text is NFKC-normalised and stripped of zero-width and
control characters first, so look-alike characters cannot smuggle a marker through.
What was removed is reported; red-flag rules should still run on the original text.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, Field

_F = re.IGNORECASE
_ROLES = r"system|assistant|user|developer|doctor|critic|safety[\s_-]*critic|orchestrator|admin|administrator|model|ai|bot|human|tool|function|instructions?|sys"
# Clause tail consumed after an override phrase: up to the end of the clause, or until the
# patient starts talking about themselves again ("I have ...", "my chest ...").
_TAIL = r"[^.!?\n;]*?(?=[.!?\n;]|,\s*(?:but|and)\b|\b(?:but\s+)?(?:i\s*(?:'m|am|have|'ve|feel|got|had)|my)\b|$)"

_INSTRUCTING = r"system|assistant|developer|critic|safety[\s_-]*critic|orchestrator|admin|administrator|sys"
_MARKERS = [
    re.compile(rf"^\s*(?:{_INSTRUCTING})\s*(?:\([^)]{{0,30}}\))?\s*:{_TAIL}", _F | re.M),
    re.compile(rf"<\|[^|>]{{0,40}}\|>(?:\s*(?:{_ROLES})\b)?", _F),  # <|im_start|>system, <|eot_id|>
    re.compile(r"\[/?(?:INST|SYS|SYSTEM|ASSISTANT|USER)\]", _F),
    re.compile(r"<</?SYS>>", _F),
    re.compile(r"</?s>", _F),
    re.compile(rf"</?\s*(?:{_ROLES})(?:[\s_-]*(?:prompt|message|note|override|mode|verdict|instructions?))?\s*/?>", _F),
    re.compile(rf"\[\s*/?(?:{_ROLES})(?:[\s_-]*(?:prompt|message|note|override|mode|verdict|instructions?))?\s*\]", _F),
    re.compile(rf"\{{\{{\s*(?:{_ROLES})\s*\}}\}}", _F),
    re.compile(rf"^\s*#+\s*(?:{_ROLES}|response|input|output)\b\s*:?", _F | re.M),
    re.compile(rf"^\s*(?:{_ROLES})\s*(?:\([^)]{{0,30}}\))?\s*[:>]", _F | re.M),
    re.compile(rf"(?<=[.!?]\s)\s*(?:{_ROLES})\s*:", _F),
    re.compile(r"-{3,}\s*(?:begin|end)\s+(?:system|instructions?|prompt)[^-\n]*-{0,}", _F),
]
_OVERRIDES = [
    rf"\b(?:please\s+)?(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|discard)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|these\s+|those\s+|of\s+)*(?:previous|prior|above|earlier|preceding|original|initial|existing|safety|system|old|other)?\s*(?:instructions?|prompts?|rules?|guidelines?|directions?|messages?|context|programming|restrictions?|filters?|policies|policy|guardrails?|constraints?|training|safety|safeguards?|checks?|protocols?|settings?){_TAIL}",
    rf"\b(?:ignore|disregard|forget)\s+(?:everything|all(?:\s+that)?|what)\s+(?:above|before|you\s+(?:were|have\s+been)\s+told|i\s+said\s+before){_TAIL}",
    rf"\byou\s+are\s+(?:now|no\s+longer|actually|really)\b{_TAIL}",
    rf"(?:^|(?<=[.!?\n>\]]))\s*you\s+are\s+(?:a|an|the)\s+(?!doctor\b|gp\b|nurse\b){_TAIL}",
    rf"\b(?:with|without)\s+(?:no\s+|any\s+)?(?:safety\s+)?(?:filters|restrictions|rules|limits|guardrails|censorship){_TAIL}",
    rf"\b(?:has|have|with)\s+no\s+(?:rules|restrictions|limits|filters|guardrails|boundaries)\b{_TAIL}",
    rf"\brepeat\s+(?:the\s+|all\s+)?(?:words|text|everything|lines?|messages?|instructions)\s+(?:above|before|so\s+far){_TAIL}",
    rf"\b(?:starting|beginning)\s+with\s+['\"]?you\s+are{_TAIL}",
    rf"\bfrom\s+now\s+on\b{_TAIL}",
    rf"\b(?:act|behave|respond|answer|reply)\s+as\s+(?:if\s+you\s+(?:are|were)\s+)?(?:a|an|my|the)\b{_TAIL}",
    rf"\bpretend\s+(?:to\s+be|you\s+are|that\s+you|you're){_TAIL}",
    rf"\b(?:role[\s-]?play|roleplay)\s+as\b{_TAIL}",
    rf"\b(?:new|updated|real|actual|hidden|secret)\s+(?:system\s+)?(?:instructions?|prompt|rules?|task)\s*:{_TAIL}",
    rf"\b(?:reveal|print|show|display|repeat|output|dump|leak|share|give\s+me|tell\s+me|write\s+out|recite|echo|list|copy|translate|summari[sz]e|paraphrase|rewrite|encode|spell\s+out)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:your|the)\s+(?:(?:full|entire|original|initial|hidden|secret|internal|exact)\s+)*(?:system\s+|developer\s+|initial\s+|hidden\s+|internal\s+)?(?:prompts?|instructions?|rules|guidelines|configuration|context\s+window|scores?|probabilit(?:y|ies)|log[\s-]?odds|weights|reasoning|chain[\s-]of[\s-]thought)\b{_TAIL}",
    rf"\bwhat\s+(?:is|are|was|were)\s+your\s+(?:system\s+|initial\s+|hidden\s+|original\s+)?(?:prompt|instructions|rules){_TAIL}",
    rf"\b(?:developer|debug|god|admin|jailbreak|unrestricted|dan)\s+mode\b{_TAIL}",
    r"\bdo\s+anything\s+now\b",
    rf"\bjailbreak\w*{_TAIL}",
    rf"\b(?:disable|turn\s+off|switch\s+off|deactivate)\s+(?:your\s+|the\s+)?(?:safety|filters?|critic|guardrails?|red[\s-]?flags?|rules){_TAIL}",
    rf"\b(?:do\s+not|don'?t|never)\s+(?:escalate|refer\s+me|mention\s+(?:the\s+)?(?:emergency|a&e|999|911|ambulance)|tell\s+me\s+to\s+(?:call|go|see)|send\s+me\s+to|warn\s+me|add\s+(?:a\s+)?(?:warning|disclaimer)){_TAIL}",
    rf"\b(?:the\s+)?(?:critic|safety\s+critic|reviewer|system|doctor\s+team)\s+(?:has\s+)?(?:approved|approves|says|said|allows|will\s+approve){_TAIL}",
    r"\b(?:approve|approved)\s*[:=]\s*(?:true|yes|1)\b",
    rf"\b(?:approve|accept|pass|allow)\s+(?:everything|all\s+(?:drafts|messages|replies)|this\s+(?:draft|message|reply)|the\s+(?:draft|message|reply)|my\s+(?:request|message)){_TAIL}",
    rf"\bthe\s+patient\s+(?:is|has\s+been|was)\s+(?:fine|healthy|safe|stable|not\s+(?:at\s+risk|urgent|an\s+emergency)|low[\s-]risk|cleared|triaged){_TAIL}",
    rf"\b(?:say|tell\s+me|confirm|reply|respond|write|answer)\s+(?:only\s+)?(?:that\s+)?(?:i\s*(?:'m|am)\s+(?:fine|ok|okay|healthy|safe)|it'?s?\s+(?:nothing|fine|not\s+serious)|there\s+is\s+nothing\s+wrong|everything\s+is\s+fine|no\s+need\s+to\s+(?:worry|see|go)){_TAIL}",
    rf"\b(?:begin|start)\s+(?:your\s+)?(?:reply|response|answer)\s+with\b{_TAIL}",
    rf"\bas\s+an?\s+(?:ai|language\s+model|llm)\b{_TAIL}",
    rf"\bI\s*(?:'m|am)\s+(?:now\s+)?(?:DAN|unrestricted|unfiltered|jailbroken|free\s+(?:of|from)\s+(?:all\s+)?(?:rules|restrictions|limits)|in\s+(?:developer|god|admin|debug|unrestricted)\s+mode)\b{_TAIL}",
]
_OVERRIDE_RES = [re.compile(p, _F) for p in _OVERRIDES]
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Sanitised(BaseModel):
    text: str
    removed: list[str] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def _clean(text: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([,.!?;:])", r"\1", text)
    text = re.sub(r"([.!?])[ \t]*[.,;:]+", r"\1", text)
    text = re.sub(r"^[\s.,;:!?]+|(?<=\n)[ \t.,;:!?]+", "", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip(" \n,;:")


def find_injections(text: str) -> list[str]:
    """The injection devices present in a text (role markers, fake tags, override phrases)."""
    text = _clean(text)
    found = [m.group() for p in _MARKERS for m in p.finditer(text)]
    return found + [m.group() for p in _OVERRIDE_RES for m in p.finditer(text)]


def neutralise(patient_text: str) -> Sanitised:
    """Remove role markers, fake tags and override phrases; keep the rest of the message."""
    text = _clean(patient_text if isinstance(patient_text, str) else str(patient_text))
    removed: list[str] = []

    def cut(match: re.Match[str]) -> str:
        if match.group().strip():
            removed.append(match.group().strip())
        return " "

    for _ in range(8):  # removing one device (or tidying around it) can expose another
        before = text
        for pattern in _MARKERS + _OVERRIDE_RES:
            text = pattern.sub(cut, text)
        text = _tidy(text)
        if text == before:
            break
    return Sanitised(text=text, removed=removed)
