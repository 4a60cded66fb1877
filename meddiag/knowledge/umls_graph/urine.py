"""Urinalysis as case reports write it, read item by item.

Exam cases give a urinalysis as a panel under a heading ("Urine\\nBlood 2+\\nProtein 3+\\nWBC 4-5/hpf")
or as one sentence after it ("Urinalysis shows 10-15 WBC/hpf and 1+ protein"). No synonym spells
"Protein 3+" or "WBC 0-1/hpf": ``urine_findings`` reads each item of such a panel as its finding,
present or absent: protein (proteinuria), blood and red cells (haematuria), white cells (pyuria,
more than 5 per high-power field), glucose, ketones and bacteria. A count of cells per high-power
field is always urine, never a blood count.
"""

from __future__ import annotations

import re

PROTEINURIA, HAEMATURIA, PYURIA = "HP:0000093", "HP:0000790", "HP:0012085"
GLYCOSURIA, KETONURIA, BACTERIURIA = "HP:0003076", "HP:0002919", "HP:0012461"

_ITEMS = {
    PROTEINURIA: r"proteins?|albumin",
    HAEMATURIA: r"blood|h(?:a)?emoglobin|rbcs?|red (?:blood )?cells?|erythrocytes",
    PYURIA: r"wbcs?|white (?:blood )?cells?|leu[ck]ocytes|pus cells",
    GLYCOSURIA: r"glucose|sugar",
    KETONURIA: r"ketones?|ketone bodies",
    BACTERIURIA: r"bacteria",
}


def _name(tag: str = "i") -> str:
    return "|".join(f"(?P<{tag}{n}>{rx})" for n, rx in enumerate(_ITEMS.values()))


_NAME = _name()
_FIDS = list(_ITEMS)
_PER_FIELD = r"\s*(?:/\s*h(?:p)?f|per\s+(?:hpf|high[- ]power field))"
_RANGE = r"\d{1,3}(?:\s*[-\u2013]\s*\d{1,3})?"  # "12", "0-1", "10\u201320"
_WORDS = (r"\d\s*\+|trace|positive|negative|pos|neg|none|nil|absent|present|moderate|many|numerous|"
          r"too numerous to count|large|small|few|rare|occasional")
# after its name a count must be per field ("WBC 4-5/hpf"; "Glucose: 0" alone is no urine item); before it, any count
_AFTER = re.compile(r"\b(?:" + _NAME + r")\s*(?::|=|-)?\s*(?P<v>" + _WORDS + "|" + _RANGE + "(?=" + _PER_FIELD
                    + r")|0(?=\s|$|[,;.]))(?![\w+])(?P<f>" + _PER_FIELD + r")?", re.I)
_BEFORE = re.compile(r"(?<![\w/+])(?P<v>" + _WORDS + "|" + _RANGE + r")\s+(?:" + _NAME + r")(?P<f>" + _PER_FIELD
                     + r")?(?!\w)", re.I)
_NO_LIST = re.compile(r"\bno\s+(?:" + _NAME + r")(?:\s+(?:or|and|nor)\s+(?:" + _name("j") + r"))?(?!\w)", re.I)

# a heading alone on its line ("Urine:", "Urinalysis"), or one followed by what it shows ("Urinalysis shows")
_HEAD = r"\b(?:urinalysis|urine(?:\s+(?:dipstick|studies|analysis|microscopy|sediment|examination|testing))?|ua)\b"
_PANEL = re.compile(r"^[ \t]*" + _HEAD + r"[ \t]*:?[ \t]*\n(?P<body>(?:[ \t]*[^\n?]{1,60}(?:\n|$))+)", re.I | re.M)
_SENTENCE = re.compile(_HEAD + r"\s*(?::|(?:shows?|showed|reveals?|revealed|demonstrates?|demonstrated|"
                       r"(?:is|was) (?:significant|notable|remarkable) for)\s*:?)\s*(?P<body>[^.\n?]*(?:\.\d[^.\n?]*)*)", re.I)
_COUNT = re.compile(r"\b(?:" + _name("k") + r")\s*(?::|=)?\s*" + _RANGE + _PER_FIELD
                    + r"|\b" + _RANGE + r"\s+(?:" + _name("m") + r")" + _PER_FIELD, re.I)
_OTHER = re.compile(r"\b(?:stool|fecal|faecal|csf|cerebrospinal|sputum|vaginal|discharge|smear)\b", re.I)
_NEGATIVE = frozenset("negative neg none nil absent 0".split())
_LITTLE = frozenset("few rare occasional small".split())


def _polarity(fid: str, value: str, per_field: bool) -> str | None:
    v = value.lower().replace(" ", "")
    if v in _NEGATIVE:
        return "absent"
    if re.fullmatch(_RANGE, v):
        if not per_field:
            return None  # a bare number is no urine count ("2 red cells")
        top = int(re.split(r"[-\u2013]", v)[-1])
        limit = 5 if fid == PYURIA else 2 if fid == HAEMATURIA else 0
        return "present" if top > limit else "absent"
    if v in _LITTLE:
        return None if fid in (PYURIA, HAEMATURIA, BACTERIURIA) else "present"
    if v == "trace":  # a dipstick trace of ketones or glucose is none to speak of; of protein or blood, unclear
        return "absent" if fid in (KETONURIA, GLYCOSURIA) else None
    return "present"


def _regions(text: str):
    for rx in (_PANEL, _SENTENCE):
        for m in rx.finditer(text):
            yield m.start("body"), m.group("body")
    for m in _COUNT.finditer(text):  # a count per high-power field is urine wherever it stands, unless stool's
        if not _OTHER.search(text, max(0, m.start() - 60), m.start()):
            yield m.start(), m.group()


def urine_findings(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(finding id, polarity, span) of every urinalysis item the text states under a urine heading."""
    out: list[tuple[str, str, tuple[int, int]]] = []
    seen: set[str] = set()
    for at, body in _regions(text):
        for rx in (_AFTER, _BEFORE):
            for m in rx.finditer(body):
                fid = _FIDS[next(int(k[1:]) for k, v in m.groupdict().items() if k[0] == "i" and v)]
                pol = _polarity(fid, m.group("v"), bool(m.group("f")))
                if pol and fid not in seen:
                    seen.add(fid)
                    out.append((fid, pol, (at + m.start(), at + m.end())))
        for m in _NO_LIST.finditer(body):
            for k, v in m.groupdict().items():
                if v and (fid := _FIDS[int(k[1:])]) not in seen:
                    seen.add(fid)
                    out.append((fid, "absent", (at + m.start(), at + m.end())))
    return out
