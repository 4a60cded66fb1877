"""Age, sex and pregnancy from free text ("a 45-year-old woman", "I'm 30, male", "pregnant").

Explicit statements win over hints: an age stated in years/months/weeks beats words such
as "infant", and the first age stated is the patient's, unless it is the mother's in a
newborn's case ("a male newborn is delivered to a 27-year-old woman": a newborn boy); the first person noun ("woman",
"boy") decides the sex over relatives ("his mother"), and beats pronouns, which decide
only when one kind clearly dominates. Pregnancy implies female; "not pregnant" is
recorded as False; a child's birth history ("born at 39 weeks' gestation") is not a pregnancy.
"""

from __future__ import annotations

import re

from meddiag.schema import Demographics

_AGE = [
    (re.compile(r"\b(\d{1,3})[\s-]*(?:years?|yrs?|y)[\s-]*(?:old|of age|/o|o\b)", re.I), 1.0),
    (re.compile(r"\b(\d{1,3})\s*(?:yo|y/o|y\.o\.|yrs?)\b", re.I), 1.0),
    (re.compile(r"\b(\d{1,2})[\s-]*months?[\s-]*old", re.I), 1 / 12),
    (re.compile(r"\b(\d{1,2})[\s-]*weeks?[\s-]*old", re.I), 1 / 52),
    (re.compile(r"\b(\d{1,2})[\s-]*days?[\s-]*old", re.I), 1 / 365),
    (re.compile(r"\b(?:aged?|age of|age:)\s*(\d{1,3})\b", re.I), 1.0),
    (re.compile(r"(?<![\d.,])\b(\d{1,2})[mf]\b", re.I), 1.0),  # "34F", not a temperature "(98.2F)"
    (re.compile(r"\b(\d{1,3})\s*,?\s*-?\s*(?:male|female|man|woman|boy|girl)\b", re.I), 1.0),
    (re.compile(r"\b(?:i'm|i am|im|she is|he is|she's|he's)\s+(\d{1,3})\b(?!\s*(?:%|kg|lb|pounds|weeks|days|months|minutes|hours|cm|\.\d))",
                re.I), 1.0),
]
_AGE_WORDS = [
    (re.compile(r"\b(newborn|neonate|neonatal)\b", re.I), 0.02),
    (re.compile(r"\b(infant|baby)\b", re.I), 0.5),
    (re.compile(r"\b(toddler)\b", re.I), 2.0),
    (re.compile(r"\b(teenager|teenage|adolescent)\b", re.I), 15.0),
    (re.compile(r"\b(elderly)\b", re.I), 75.0),
]
_FEMALE = re.compile(r"\b(woman|women|female|girl|lady|mother|mom|mum|wife|daughter|sister|mrs|ms)\b", re.I)
_MALE = re.compile(r"\b(man|men|male|boy|gentleman|father|dad|husband|son|brother|mr)\b", re.I)
_SHORT_SEX = re.compile(r"(?<![\d.,])\b(?:\d{1,2}|\d{1,3}\s*(?:yo|y/o))\s*([mf])\b", re.I)
_TEMP_BEFORE = re.compile(r"(?:\btemp\w*|\bt|°|\bfever(?: of)?)\s*(?:of|is|was|:|=)?\s*$", re.I)
_PERSON_FEMALE = frozenset("woman women female girl lady".split())
_PERSON = re.compile(r"\b(woman|women|female|girl|lady|man|men|male|boy|gentleman)\b", re.I)
_BORN = re.compile(r"\b(?:born|delivered)\b[^.;]*?\bgestation(?:al age)?\b", re.I)
_SHE = re.compile(r"\b(she|her|hers|herself)\b", re.I)
_HE = re.compile(r"\b(he|him|his|himself)\b", re.I)
_PREGNANT = re.compile(r"\b(pregnant|pregnancy|gestation|gravid|weeks pregnant|expecting a baby|g\d+p\d+)\b", re.I)
_NOT_PREGNANT = re.compile(r"\b(?:(?:not|never been|isn't|no chance of being|non)[\s-]+(?:currently\s+)?pregnan|"
                           r"pregnancy test (?:is|was|came back|returned) negative|negative (?:urine |serum )?"
                           r"(?:pregnancy test|hcg|(?:β|beta)[\s-]?hcg))", re.I)


# the mother's age in a newborn's case: "a male newborn is delivered to a 27-year-old woman", "born at 36 weeks'
# gestation to a 21-year-old", or a first sentence in which she gives birth to the patient ("A 23-year-old G1P0 gives
# birth to a male infant at 33 weeks' gestation") when she does not present herself
_TO_MOTHER = re.compile(r"\b(?:born|delivered)\b[^.;]{0,60}?\bto an?\s+(?:\w+\s+){0,2}$", re.I)
_GIVES_BIRTH = re.compile(r"\b(?:gives? birth|gave birth|deliver(?:s|ed)?)\b(?:[^.;]|\.\d)*?\b(?:newborn|neonate|infant|baby|boy|"
                          r"girl|son|daughter)\b", re.I)
_SHE_PRESENTS = re.compile(r"\b(?:presents?|presented|comes|came|is brought|was brought|visits|is transferred|"
                           r"is admitted|follow[- ]?up|after (?:giving birth|deliver\w*))\b", re.I)


def _mothers_age(text: str, at: int) -> bool:
    """Whether the age stated at ``at`` is the mother's in a newborn's case."""
    if _TO_MOTHER.search(text[max(0, at - 120):at]):
        return True
    first = re.match(r"(?:[^.;]|\.\d)*", text[at:]).group()
    sentence = text[:at] + first if "." not in text[:at] else first
    return bool(_GIVES_BIRTH.search(sentence)) and not _SHE_PRESENTS.search(sentence)


def _baby_sex(text: str) -> str | None:
    """The sex of the newborn a mother gives birth to ("delivers a 3.7 kg baby boy")."""
    m = _GIVES_BIRTH.search(text)
    if not m:
        return None
    word = re.search(r"\b(male|female|boy|girl|son|daughter)\b", text[m.start():m.end() + 6], re.I)
    return None if not word else "female" if word.group(1).lower() in ("female", "girl", "daughter") else "male"


def demographics(text: str) -> Demographics:
    age = None
    stated, mothers = [], []
    for i, (rx, scale) in enumerate(_AGE):
        for m in rx.finditer(text):
            (mothers if _mothers_age(text, m.start()) else stated).append((m.start(), i, float(m.group(1)) * scale))
    for _, _, v in sorted(stated):  # the first age stated is the patient's ("a 3-day-old boy born to a 23-year-old mother")
        if 0 <= v <= 120:
            age = round(v, 3)
            break
    newborn = age is None and any(i == 0 for _, i, _ in mothers)  # only "N-year-old" names the mother's age
    if newborn:
        age = 0.02
    if age is None:
        for rx, v in _AGE_WORDS:
            if rx.search(text):
                age = v
                break
    sex = None
    fem, mal = bool(_FEMALE.search(text)), bool(_MALE.search(text))
    first = _PERSON.search(text)
    if first:  # "a boy ... his mother": the first person noun is the patient
        fem, mal = first.group(1).lower() in _PERSON_FEMALE, first.group(1).lower() not in _PERSON_FEMALE
    short = next((m for m in _SHORT_SEX.finditer(text)  # "45 F", not a temperature "T 98 F"
                  if not _TEMP_BEFORE.search(text[max(0, m.start() - 20):m.start()])), None)
    if short and not first:
        fem, mal = short.group(1).lower() == "f", short.group(1).lower() == "m"
    if newborn and (baby := _baby_sex(text)):  # "a 36-year-old woman delivers a baby boy ... the baby has"
        fem, mal = baby == "female", baby == "male"
    if fem != mal:
        sex = "female" if fem else "male"
    else:
        she, he = len(_SHE.findall(text)), len(_HE.findall(text))
        if she > he:
            sex = "female"
        elif he > she:
            sex = "male"
    pregnant = None
    if age is not None and age < 10:
        pass  # "born at 39 weeks' gestation" is a child's birth history, not a pregnancy
    elif _NOT_PREGNANT.search(text):
        pregnant = False
    elif _PREGNANT.search(_BORN.sub(" ", text)):
        pregnant, sex = True, "female"
    return Demographics(age=age, sex=sex, pregnant=pregnant)
