"""Rule-based review of every draft the doctor team wants to send to the patient.

``review(draft, flags=..., patient_text=...)`` applies, in order: strip role markers and
injection debris; replace the whole draft with a crisis message if it facilitates
self-harm or gives controlled-drug access; drop sentences that disclose prompts or
internal scores, that prescribe or dose, or that reassure despite a fired red flag;
soften certainty ("you definitely have X" -> "you may have X"); bound the length;
prepend the escalation advice when an emergency/urgent flag fired and the draft lacks
it. ``approved`` is True only when the draft goes out unchanged; ``final`` is always
safe to send. The rules are deterministic and always run, with or without a model.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from meddiag.safety.injection import find_injections, neutralise
from meddiag.safety.redflags import LEVEL_ADVICE, LEVEL_ORDER
from meddiag.schema import RedFlag

MAX_CHARS = 1200
CRISIS_MESSAGE = (
    "I can't help with that, but I don't want you to be alone with this. If you are thinking about "
    "harming yourself or might act on it, call emergency services now (999 in the UK, 911 in the US, "
    "112 in Europe) or go to A&E. You can talk to someone any time: Samaritans on 116 123 (UK and "
    "Ireland) or the 988 Suicide & Crisis Lifeline (US)."
)
SAFE_MESSAGE = (
    "I can't help with that part, but I can keep going with your symptoms. Could you tell me more "
    "about how you are feeling?"
)
_F = re.IGNORECASE
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+(?:[.!?]+|\n|$)")

_CONTROLLED = (
    r"(?:oxy\w*|fentanyl|morphine|tramadol|codeine|diazepam|valium|xanax|alprazolam|benzo\w*|ketamine|"
    r"adderall|ritalin|methadone|buprenorphine|pregabalin|gabapentin|zopiclone|heroin|cocaine|meth\w*|opioids?|opiates?)"
)
_HARM = re.compile(
    r"\b(?:lethal|fatal|deadly|overdose|toxic)\s+(?:dose|amount|quantity|number)\s+(?:of|is|would\s+be|for)\b"
    r"|\bhow\s+(?:many|much)\s+\w+(?:\s+\w+)?\s+(?:it\s+)?(?:would\s+)?(?:take|takes|you\s+need|is\s+needed)\s+to\s+(?:die|kill|overdose|end)"
    r"|\b(?:best|easiest|quickest|fastest|surest|most\s+reliable|painless|least\s+painful)\s+(?:way|method|means)\s+(?:to|of)\s+(?:die|dying|kill|killing|end\w*|suicide|overdos\w*|hang\w*|hurt\w*\s+yourself)"
    r"|\b(?:how|ways?|methods?|means)\s+to\s+(?:kill|hang|cut|harm|hurt|poison|overdose)\s+(?:yourself|himself|herself|someone|him|her|them)\b"
    r"|\byou\s+(?:can|could|should|might)\s+(?:kill|hang|cut|harm|hurt|poison)\s+(?:yourself|someone|him|her|them)\s+(?:\w+\s+)?(?:by|with|using|safely)\b"
    r"|\b(?:enough|sufficient)\s+(?:\w+\s+)?to\s+(?:die|kill|end\s+(?:it|your\s+life)|overdose)"
    r"|\bto\s+get\s+high\b"
    rf"|\bextract\w*\s+(?:the\s+)?{_CONTROLLED}"
    rf"|\b(?:buy|get|obtain|order|source|find)\s+(?:\w+\s+){{0,3}}{_CONTROLLED}\s+(?:\w+\s+){{0,3}}?(?:without|online|from\s+(?:a|the)\s+(?:dealer|street|internet)|on\s+the|illegally)"
    rf"|\bwhere\s+to\s+(?:buy|get|find)\s+(?:\w+\s+){{0,2}}{_CONTROLLED}"
    r"|\b(?:dark\s*web|darknet)\b"
    r"|\bhow\s+to\s+(?:get\s+high|cook\s+(?:meth|crack|heroin)|extract\s+\w+\s+from|synthesi[sz]e)"
    rf"|\b(?:crush\s+and\s+snort|snort|smoke|inject)\s+(?:the\s+|your\s+|some\s+)?(?:{_CONTROLLED}|pills|tablets)",
    _F,
)
_DISCLOSURE = re.compile(
    r"\b(?:system|developer|hidden|internal|initial|original)\s+(?:prompt|message|instructions?)\b"
    r"|\bmy\s+(?:prompt|instructions|programming|rules)\s+(?:is|are|say|says|tell|state)\b"
    r"|\b(?:here\s+(?:is|are)|these\s+are)\s+(?:my|the)\s+(?:\w+\s+)?(?:prompt|instructions|rules)\b|\bmy\s+(?:\w+\s+)?(?:prompt|instructions)\s*[:=]"
    r"|\byou\s+are\s+(?:a|an|the)\s+(?:\w+\s+){0,3}(?:assistant|agent|model|critic|history[\s-]taker|reasoner|proposer)\b"
    r"|\bI\s+(?:was|am|have\s+been)\s+(?:instructed|told|programmed|prompted)\s+to\b"
    r"|\byou\s+are\s+(?:a|an)\s+(?:helpful|medical|clinical|ai|diagnostic)\s+(?:\w+\s+)?(?:assistant|agent|model)\b"
    r"|\blog[\s-]?odds\b|\blogits?\b|\bposterior\b|\bprior\s+probabilit|\bsoftmax\b|\bbayes\w*\s+(?:score|update)"
    r"|\b(?:probabilit(?:y|ies)|likelihood|confidence|certainty|scores?)\b[^.!?\n\d]{0,40}\d"
    r"|\b\d+(?:\.\d+)?\s*%\s*(?:probability|likelihood|chance|likely|confiden\w*|certain\w*|sure|match)"
    r"|\b(?:p|prob|score)\s*[=:]\s*\d"
    r"|\b(?:internal|hidden)\s+(?:score|ranking|reasoning|notes?)\b"
    r"|\bchain[\s-]of[\s-]thought\b|\bred[\s-]flag\s+(?:rule|engine|id)\b",
    _F,
)
_DRUG_UNIT = r"(?:mg|milligrams?|mcg|micrograms?|µg|ug|g|grams?|ml|millilitres?|milliliters?|units?|iu|tablets?|pills?|capsules?|caps|puffs?|drops?|sachets?|patches?|doses?)"
_DOSING = re.compile(
    rf"\b\d+(?:[.,]\d+)?\s*(?:-|to)?\s*\d*\s*{_DRUG_UNIT}\b"
    r"|\b\d+\s+(?:[\w-]+\s+){1,2}(?:tablets?|pills?|capsules?)\b"
    r"|\b(?:one|two|three|four|five|six|eight|ten|a\s+couple\s+of)\s+(?:tablets?|pills?|capsules?|puffs?|teaspoons?)\b"
    r"|\b(?:i\s*(?:'ll|will|am\s+going\s+to|would|can)|we\s*(?:'ll|will|can))\s+(?:prescribe|start\s+you\s+on|put\s+you\s+on|give\s+you\s+a\s+prescription)"
    r"|(?<!n't\s)(?<!not\s)(?<!cannot\s)(?<!unable\sto\s)\bprescrib(?:e|ing)\s+(?:you|it|this|that|them)\b|\b(?:here\s+is|this\s+is)\s+your\s+prescription\b"
    r"|\b(?:every|each)\s+\d+\s*(?:-|to)?\s*\d*\s*(?:hours?|hrs?)\b|\b(?:once|twice|three\s+times|four\s+times)\s+(?:a|per)\s+day\b|\b(?:bd|tds|qds|bid|tid|qid|prn|od)\b"
    r"|\bincrease\s+your\s+(?:dose|insulin|medication)\s+(?:to|by)\b|\bdouble\s+your\s+(?:dose|insulin|medication|tablets)\b",
    _F,
)
# a question *about* medication the patient takes is spared; it must open the sentence, so an
# instruction with a question tacked on ("take 500 mg ..., and have you ...?") is not
_ASKING = re.compile(
    r"^(?!.*\b(?:should|must|need\s+to|have\s+to|please|to)\s+(?:take|start|use|double|increase)\b)"
    r"\W*(?:did\s+you|have\s+you|do\s+you|are\s+you|were\s+you|how\s+many|how\s+much|what)\b[^?]*\?\s*$", _F)
_REASSURE = re.compile(
    r"\bnothing\s+(?:to\s+worry\s+about|serious|to\s+be\s+(?:concerned|worried)\s+about|major)\b"
    r"|\bno\s+(?:need|reason)\s+to\s+(?:worry|panic|be\s+(?:concerned|worried)|see\s+(?:a|the|your)\s+doctor|go\s+to|call|seek|get\s+help)"
    r"|\bno\s+need\s+for\s+(?:a\s+doctor|hospital|a&e|an\s+ambulance|concern)"
    r"|\b(?:don'?t|do\s+not)\s+(?:worry|panic|bother|call|go\s+to)\b"
    r"|\byou\s*(?:'re|\s+are|'ll\s+be|\s+will\s+be)\s+(?:fine|ok|okay|alright|all\s+right|perfectly\s+healthy)\b"
    r"|\b(?:it'?s|it\s+is|this\s+is|that'?s|that\s+is)\s+(?:probably\s+|likely\s+|almost\s+certainly\s+)?(?:just|only|simply|nothing\s+but)\s+(?:a|an|some)?\b"
    r"|\b(?:not|nothing)\s+(?:serious|dangerous|an\s+emergency|urgent|concerning)\b"
    r"|\b(?:harmless|benign|will\s+(?:pass|go\s+away|settle)|wait\s+and\s+see|sleep\s+it\s+off|rest\s+at\s+home|ride\s+it\s+out)\b",
    _F,
)
_CERTAIN = [
    (re.compile(r"\b(?:I\s*(?:'m|\s+am)\s+(?:sure|certain|confident|positive)|I\s+know|there\s*(?:'s|\s+is)\s+no\s+doubt)\s+(?:that\s+)?(?=you|it|this|your)", _F), "it is possible that "),
    (re.compile(r"\byou\s+(?:definitely|certainly|clearly|undoubtedly|surely|obviously|absolutely)\s+(?:have|have\s+got|are\s+suffering\s+from|are\s+having)\b", _F), "you may have"),
    (re.compile(r"\b(it|this|that)\s*(?:'s|\s+is)\s+(?:definitely|certainly|clearly|undoubtedly|surely|obviously|absolutely|100%|without\s+(?:a\s+)?doubt)\b", _F), r"\1 could be"),
    (re.compile(r"\b(?:the|your|my|a)\s+(?:final\s+|definitive\s+|confirmed\s+)?diagnosis\s+is\b", _F), "one possibility is"),
    (re.compile(r"\b(?:I\s+(?:can\s+)?(?:confirm|diagnose\s+you\s+with)|this\s+confirms)\b", _F), "this may suggest"),
    (re.compile(
        r"(?<![\w'])(?<!do\s)(?<!if\s)(?<!whether\s)(?<!might\s)(?<!may\s)(?<!could\s)(?<!can\s)(?<!did\s)(?<!ever\s)"
        r"\byou\s+(?:have|have\s+got|'ve\s+got|are\s+suffering\s+from)\s+(?=(?:a|an)?\s*(?:\w+\s+){0,2}?"
        r"(?:\w+(?:itis|oma|osis|aemia|emia|pathy|algia)|cancer|tumou?r|diabetes|stroke|heart\s+attack|infarction|"
        r"embolism|sepsis|pneumonia|meningitis|appendicitis|syndrome|disease|disorder|infection|fracture|failure|"
        r"leuka?emia|lymphoma|aneurysm|dissection|torsion|ectopic|asthma|copd|hiv|covid|influenza|flu|migraine|"
        r"epilepsy|depression|psychosis|dementia|ulcer|hernia|gallstones|kidney\s+stones?|clot|thrombosis)\b)",
        _F,
    ), "you may have "),
]
_ROLE_LINE = re.compile(r"^\s*(?:assistant|doctor|system|critic|ai|model)\s*:\s*", _F | re.M)


class Review(BaseModel):
    approved: bool
    final: str
    reasons: list[str] = Field(default_factory=list)


def _drop_sentences(text: str, pattern: re.Pattern[str], spare: re.Pattern[str] | None = None) -> tuple[str, bool]:
    """Remove the sentences that match ``pattern`` (unless ``spare`` matches them); keep layout."""
    parts, pos, changed = [], 0, False
    for m in _SENTENCE.finditer(text):
        if pattern.search(m.group()) and not (spare and spare.search(m.group())):
            parts.append(text[pos : m.start()])
            pos, changed = m.end(), True
    parts.append(text[pos:])
    return (re.sub(r"[ \t]{2,}", " ", "".join(parts)).strip(), True) if changed else (text, False)


def _like_case(new: str, old: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def _has_escalation(text: str, level: str) -> bool:
    emergency = re.search(r"\b(?:999|911|112|emergency\s+services|ambulance|a\s*&\s*e|emergency\s+department|emergency\s+room)\b", text, _F)
    if level == "emergency":
        return bool(emergency)
    return bool(emergency or re.search(r"\b(?:111|same[\s-]day|today|urgent\w*|right\s+away|straight\s+away|as\s+soon\s+as\s+possible)\b", text, _F))


def _bound(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "), cut.rfind("\n"))
    return (cut[: end + 1] if end > limit // 3 else cut.rsplit(" ", 1)[0] + " ...").strip()


def review(draft: str, *, flags: list[RedFlag], patient_text: str = "", max_chars: int = MAX_CHARS) -> Review:
    """Check a doctor-team draft against the safety rules; rewrite or replace what fails."""
    draft = draft if isinstance(draft, str) else str(draft)
    reasons: list[str] = []
    text = draft
    if find_injections(text) or _ROLE_LINE.search(text):
        text = neutralise(_ROLE_LINE.sub("", text)).text
        reasons.append("role markers or injected instructions removed")
    if _HARM.search(text):
        text = CRISIS_MESSAGE
        reasons.append("self-harm or controlled-drug facilitation replaced with a crisis message")
    for name, pattern, spare in (
        ("disclosure of prompts or internal scores removed", _DISCLOSURE, None),
        ("prescription or dosing removed", _DOSING, _ASKING),
    ):
        text, changed = _drop_sentences(text, pattern, spare)
        if changed:
            reasons.append(name)
    level = max((f.level for f in flags), key=LEVEL_ORDER.__getitem__, default="routine")
    if level != "routine":
        text, changed = _drop_sentences(text, _REASSURE)
        if changed:
            reasons.append("reassurance that contradicts a red flag removed")
    softened = text
    for pattern, repl in _CERTAIN:
        softened = pattern.sub(lambda m, r=repl: _like_case(m.expand(r), m.group()), softened)
    if softened != text:
        text = softened
        reasons.append("diagnosis stated as certain softened")
    if not text.strip():
        text = SAFE_MESSAGE
        reasons.append("nothing safe left: replaced with a safe message")
    if level != "routine" and not _has_escalation(text, level):
        top = next(f for f in flags if f.level == level)
        text = f"{top.advice or LEVEL_ADVICE[level]}\n\n{text}".strip()
        reasons.append(f"{level} escalation advice added ({top.rule})")
    bounded = _bound(text, max_chars)
    if bounded != text:
        text = bounded
        reasons.append(f"shortened to {max_chars} characters")
    return Review(approved=not reasons, final=text.strip(), reasons=reasons)
