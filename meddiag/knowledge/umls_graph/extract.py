"""Text -> concepts: dictionary matching, misspellings, negation, uncertainty, vitals.

The text is tokenised and normalised (``text.tokens``); the longest lexicon phrase is
matched at each position (stop words skipped); for written case reports the looser
matches of ``loose`` are added on request. A token of six letters or more that is
neither in the vocabulary nor a word of a disease name is corrected to a vocabulary
token one edit away (two for nine letters or more). Each match is then given a polarity
by NegEx-style triggers that precede it ("no", "denies", "without", "never had") or
follow it ("... ruled out") and uncertainty triggers ("not sure if", "maybe", "I
think"), each scoped to its clause: the scope ends at a sentence mark, at a contrasting
conjunction ("but", "however") or at a new subject or verb ("I", "she", "has",
"reports"). Commas do not end a scope, so "denies fever, chills or cough" negates all
three. What is said of relatives ("his father had a myocardial infarction", "family
history of diabetes") is not taken as the patient's own finding. Measured vitals and
common labs are read with their units and turned into the finding they imply (a
temperature of 39.2 C -> fever present; 36.8 C -> fever absent).
"""

from __future__ import annotations

import re
from functools import cached_property

from meddiag.knowledge.umls_graph.index import Index
from meddiag.knowledge.umls_graph.lay import NEUTRAL
from meddiag.knowledge.umls_graph.loose import NEGATING, LooseIndex, canon
from meddiag.knowledge.umls_graph.text import STOP, edit_distance, tokens
from meddiag.knowledge.umls_graph.urine import urine_findings
from meddiag.schema import Concept

_NEG_PRE = [
    "no", "not", "denies", "denied", "deny", "denying", "without", "never", "never had", "negative for",
    "free of", "absence of", "nor", "none", "hasn't", "haven't", "hadn't", "didn't", "doesn't", "don't",
    "isn't", "wasn't", "aren't", "cannot", "no sign of", "no evidence of", "rule out", "ruled out", "non",
    "sparing", "spares", "spared",
    "nothing like", "not had", "no longer", "no more", "hasnt", "havent", "didnt", "doesnt", "dont", "neither",
    "normal",
]
_NEG_POST = ["ruled out", "absent", "negative", "not present", "none", "resolved", "gone", "within normal limits",
             "unremarkable", "normal", "wnl", "within normal range", "in the normal range", "within the normal range",
             "within the reference range", "within reference range", "in the reference range", "within reference limits",
             "not detected", "undetectable", "nonreactive", "non reactive", "trace"]  # "urine ketones are trace": a dipstick trace is no ketonuria
_UNCERTAIN = [
    "not sure if", "not sure whether", "not sure", "unsure", "maybe", "might", "might have", "possibly",
    "suspecting", "suspects", "suspect",
    "perhaps", "i think", "think", "probably", "could be", "may have", "i don't know if", "don't know if",
    "not certain", "questionable", "suspected", "possible", "kind of", "sort of", "a bit of",
    # a belief or a fear is not a finding ("convinced he has colon cancer", "worried that she has MS")
    "convinced", "convinced that", "believes", "believes that", "insists", "insists that", "fears", "fears that",
    "terrified", "terrified that", "afraid", "afraid that", "worried that", "concerned that", "scared that",
    "worried he", "worried she", "worried about having", "fear of having",
]
_PSEUDO = ["no change", "not only", "no increase", "not necessarily", "no further", "not cause"]
_TERMINATORS = frozenset(
    "but however although though yet except apart aside besides still which who whereas while i he she "
    "they we it there has have had is was are were reports report reported complains complained "
    "endorses endorsed presents presented notes noted now then also since because "
    "shows showed reveals revealed demonstrates demonstrated confirms confirmed "
    # a verb the negation governs in place of the finding ("oxygen does not improve cyanosis")
    "improve improves improved worsen worsens worsened relieve relieves relieved alleviate alleviates alleviated "
    "exacerbate exacerbates exacerbated respond responds responded response relief benefit "
    "reproduce reproduces reproduced elicit elicits elicited provoke provokes provoked "
    # a new clause about the patient's life ("denies tobacco use, and enjoys sunbathing")
    "enjoys works lives drinks smokes uses takes eats plays travels spends attends exercises runs likes".split()
)
_SKIP = frozenset(  # words that may sit between a trigger and its concept ("don't have", "I think I've had")
    "i i'm im i've ive he she they we it has have had been is was are were get got feel felt do does did am "
    "any a an experienced noticed having currently really".split()
)
_SENTENCE = re.compile(r"[.;:?!\n]")
_PUNCT = re.compile(r"[,.;:?!()\n]")
_LIST_END = frozenset(("or", "nor", "and"))
_EXAMPLES = re.compile(r"\s*(?:including|such as|especially|particularly|in particular|e\.?g\.?)\b", re.I)  # "no drugs, including lithium"
_BE = frozenset("is are was were remains remained appears appeared seems".split())
_LIST_JOIN = re.compile(r",\s*(?:and|or|but)\b", re.I)
_DONE = frozenset("performed done obtained drawn sent repeated ordered checked".split())
_POST_GAP = frozenset("notably conspicuously completely entirely also "
                      "test tests testing tested result results screen screening culture cultures study studies level levels came "
                      "back was is were are been antibody antibodies antigen serology titer titers titre assay panel "
                      "stain staining smear pcr swab serologies markers screens panels smears swabs workup "
                      "repeatedly persistently consistently all both".split())
# verbs a negation governs rather than ends at ("does not report any trauma", "did not notice blood")
_NEGATED_VERBS = frozenset("report reports reported complain complains complained endorse endorses endorsed notice "
                           "noticed recall recalls mention mentions mentioned describe describes experience "
                           "experienced show shows showed reveal reveals revealed".split())
# real words one edit from a vocabulary word, never "corrected" ("thirty" is not thirsty, "incubated" not intubated)
_KEEP_WORDS = frozenset("stride strides twenty thirty forty fifty sixty seventy eighty ninety hundred thousand eleven twelve "
                          "thirteen fourteen fifteen sixteen seventeen eighteen nineteen incubated incubation".split())
# a lab measured in another body fluid than blood ("CSF glucose 20", "Urine: ... Glucose 0 mg/dL")
_FLUID = re.compile(r"\b(?:csf|cerebrospinal|spinal fluid|lumbar puncture|pleural|synovial|ascitic|peritoneal|"
                    r"urine|urinary|urinalysis|stool|fecal|faecal|aspirate|amniotic|sweat|joint fluid|paracentesis|thoracentesis|"
                    r"arthrocentesis|bronchoalveolar lavage)\b", re.I)
_BLOOD = re.compile(r"\b(?:serum|plasma|blood (?:count|gas|tests?|work|studies)|bloodwork|cbc|abg|chemistry|"
                    r"hematolog\w*|haematolog\w*)\b", re.I)
_VITAL_KINDS = frozenset(("temp", "bp", "hr", "rr", "spo2"))
_FETAL_BEFORE = re.compile(r"\b(?:fetal|fetus|foetal|fhr)\b[^.;\n]{0,20}$", re.I)
_TIMES = re.compile(r"\s*(?:times|x|\u00d7|-?fold)(?![^\s.,;])(?!\s*10\b)", re.I)  # a multiple of normal
_ABBREVIATION = re.compile(r"(?<=[a-z])\s*\((?=[A-Za-z0-9+-]*[A-Za-z])[A-Za-z][A-Za-z0-9+-]{0,7}\)(?=\s+[a-z])")
# "Babinski sign: Not assessed", "Neck stiffness: not mentioned": the finding's name, with no result
_COLON_UNKNOWN = re.compile(r"\s*[:=-]\s*(?:not (?:assessed|mentioned|examined|performed|done|tested|reported|recorded|"
                            r"available|obtained|evaluated|documented)|unknown|n/?a)\b", re.I)
_SERIES_NEGATIVE = re.compile(r"(?:\s*,?\s*(?:and\s+|or\s+)?(?:[A-E]|[1-4])\b){1,4}\s+(?:tests?\s+|serolog(?:y|ies)\s+)?"
                              r"(?:are|were|is|was)\s+(?:all\s+|both\s+)?(?:negative|nonreactive|non-reactive)\b")
_COLON_NEGATIVE = re.compile(r"\s*(?:\([^()]{1,15}\)\s*)?[:=]\s*(?:negative|absent|none|not detected|non-?reactive)\b", re.I)
_AFTER_NAME = ((_COLON_NEGATIVE, "absent"), (_SERIES_NEGATIVE, "absent"), (_COLON_UNKNOWN, "uncertain"))
# Statements about relatives: a finding inside one is the relative's, not the patient's, unless its own
# words say so ("family history of colon cancer" is a finding of its own).
_KIN = (r"(?:father|mother|dad|mom|mum|brother|sister|siblings?|parents?|uncle|aunt|grand(?:father|mother|parents?)|"
        r"cousin|son|daughter|twin|relatives?|family members?|husband|wife|spouse|partner)")
_FAMILY = re.compile(
    r"\bfamily (?:medical )?history\b[^.;]*"
    rf"|\b(?:his|her|their|patient's|the patient's|a|an|one|two)\s+(?:\w+\s+)?{_KIN}"
    rf"(?:\s*(?:,|and|as well as)\s*(?:(?:his|her|their|maternal|paternal|older|younger)\s+)*{_KIN})*"
    r"\s+(?:(?:also|too|both|all)\s+)?(?:was diagnosed with|were diagnosed with|died|has a history of|"
    r"had a history of|have a history of|suffers? from|suffered from|developed|is known for|is known to have|"
    r"(?:was|were|is|has been|had been)\s+(?:\w+\s+)?treated for|started|underwent|passed away|"
    r"(?:has|had|have)(?!\s+(?:been|noticed|observed|seen|brought|reported|"
    r"said|told|taken|given|tried|to|not|no)\b))[^.;]*"
    rf"|[^.;,]*\bin\s+(?:his|her|their|a|the patient's)\s+(?:\w+\s+)?{_KIN}\b"
    r"|[^.;,]*\bruns in (?:the|his|her|their) family\b",
    re.I)
_KIN_WORD = re.compile(rf"\b(?:family|familial|{_KIN})\b", re.I)
# one word that states an absence ("afebrile", "anicteric"): the lexicon cannot carry a polarity
_ABSENCE_WORDS = {
    "afebrile": "HP:0001945", "apyrexial": "HP:0001945", "anicteric": "HP:0000952", "acyanotic": "HP:0000961",
    "normotensive": "HP:0000822", "normothermic": "HP:0001945", "nondistended": "HP:0003270", "non-distended": "HP:0003270",
}
_ABSENCE = re.compile(r"\b(" + "|".join(_ABSENCE_WORDS) + r")\b", re.I)
# Habits stated with a number or a plain verb: (pattern, finding, polarity)
_N = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|several|a few|a couple of)"
_HABITS = [
    (re.compile(r"\b(?:drinks?|drank|drinking|consumes?)\s+(?:about\s+|around\s+|approximately\s+|at least\s+)?"
                rf"(?:[3-9]|\d\d|three|four|five|six|seven|eight|nine|ten|twelve|several)(?:\s*(?:-|to)\s*{_N})?\s+"
                r"(?:\w+\s+)?(?:beers?|drinks|glasses|cans|bottles|shots|pints|units)\b"
                r"(?:\s+of\s+\w+)?\s+(?:a|per|each|every)\s+(?:day|night|evening)", re.I), "local:heavy_alcohol_use", "present"),
    (re.compile(r"\b(?:does not|doesn't|do not|don't|did not|didn't|never)\s+(?:smoke|use tobacco)\b", re.I),
     "local:smoking", "absent"),
    (re.compile(r"\b(?:does not|doesn't|do not|don't|never)\s+(?:smoke\s+(?:or|and)\s+)?drinks?(?:\s+alcohol)?\b"
                r"|\bdenies\s+(?:any\s+)?(?:alcohol|drinking)\b", re.I), "local:heavy_alcohol_use", "absent"),
    (re.compile(r"\b(?:alert and oriented|fully oriented|oriented to (?:person|time|place)|a\s?&\s?o\s?x\s?[34]|aox[34])\b",
                re.I), "HP:0001289", "absent"),  # no confusion
]
# an operation days or a few weeks ago ("underwent a cholecystectomy 10 days ago", "postoperative day 3")
_OPERATION = (r"(?:surgery|surgical\s+\w+|operation|operated|\w+ectom(?:y|ies)|\w+otomy|\w+plasty|replacement|repair|"
              r"resection|bypass|c-section|cesarean(?:\s+section|\s+delivery)?|caesarean(?:\s+section)?)")
_LATELY = (r"(?:(?:[1-9]|[12]\d|30|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several|"
           r"a couple of)\s+days?|(?:[1-6]|one|two|three|four|five|six|a few|a couple of)\s+weeks?|yesterday)")
_RECENT_OPERATION = re.compile(
    rf"\b{_OPERATION}\b[^.;]{{0,40}}?\b{_LATELY}(?:\s+(?:ago|earlier|before|prior))?"
    rf"|\b{_LATELY}\s+(?:after|following)\s+(?:(?:a|an|the|his|her|\w+)\s+){{0,3}}{_OPERATION}\b"
    r"|\bpost-?\s?op(?:erative)?(?:ly)?\s+day\b|\b(?:recently|just)\s+(?:underwent|had|undergone)\s+(?:(?:a|an|the|\w+)\s+){0,3}"
    rf"{_OPERATION}\b", re.I)
_AIDS = re.compile(r"\bAIDS\b")  # in capitals, the disease (in lower case, hearing aids)
_HABITS += [(re.compile(r"\b(?:lost|losing|loss of)\s+(?:about\s+|approximately\s+|nearly\s+|almost\s+|over\s+|more than\s+)?"
                        r"\d+(?:\.\d+)?\s*(?:kg|kilograms?|lbs?|pounds)\b", re.I), "HP:0001824", "present")]
_HABITS += [(_RECENT_OPERATION, "local:recent_immobilization_or_surgery", "present"),
            (_RECENT_OPERATION, "local:recent_surgery_or_varicella", "present")]
_IGNORE = frozenset({"HP:0032443", "HP:0032316", "HP:0032322", "HP:0032321"})  # "past medical history", "family
# history", "healthy", "unaffected"
# Words of a finding used in another sense: a match inside one of these is not that finding
# ("bilirubin falls" is no fall, "a faint lacy rash" no faint, "pain and temperature sensation" no fever).
_MEASURE = (r"(?:levels?|counts?|pressures?|bilirubin|h(?:a)?emoglobin|hb|platelets?|sodium|potassium|glucose|"
            r"saturations?|sats|weight|percentiles?|temperature|tit(?:er|re)s?|scores?|fraction|output|values?|"
            r"concentrations?|it|which|that|calcium|creatinine|hematocrit|haematocrit|ratio|volume|rate)")
_NOT_MEANT: dict[str, re.Pattern] = {
    "HP:0002527": re.compile(  # Falls
        rf"\b{_MEASURE}\s+(?:then\s+|subsequently\s+|further\s+|\w+ly\s+)?(?:falls?|fell|falling|fallen)\b"
        r"|\b(?:fall(?:s|ing|en)?|fell)\s+(?:back\s+)?(?:asleep|ill|sick|pregnant)\b"
        r"|\b(?:a|the|any)\s+(?:\w+\s+)?fall\s+(?:in|of)\b"
        r"|\b(?:falls?|fell|falling|fallen)\s+(?:from|to|below|by|under)\s+(?:the\s+|about\s+|around\s+)?\d", re.I),
    "HP:0001279": re.compile(  # Syncope; a collapsed lung, gallbladder or vertebra is no faint
        r"\bcollaps\w*\s+(?:(?:right|left|upper|lower|middle|a|the)\s+)*(?:lung|lobe|gallbladder|vertebra\w*|alveol\w*|veins?|"
        r"ivc|inferior vena cava|trachea|airways?|bladder|segment)|\b(?:lung|lobe|vertebra\w*)\s+(?:has\s+|had\s+|is\s+)?collaps\w*"
        r"|\bfaint(?:ly)?\s+(?!(?:and|or|feeling|spells?|episodes?|attacks?|after|when|while|on|during|with|at|in|"
        r"for|but|if|before)\b)[a-z]+", re.I),
    "HP:0009926": re.compile(  # Epiphora: "sharp and tearing pain"
        r"\btearing\s+(?:\w+\s+)?pain|\b(?:sharp|sudden|severe|ripping)\s*(?:and|,)\s*tearing\b", re.I),
    "HP:0001892": re.compile(  # Abnormal bleeding: a friable lesion "bleeds easily on contact"
        r"\bbleeds?\s+(?:easily\s+|readily\s+)?(?:on|with|upon|to)\s+(?:contact|touch|palpation|manipulation)", re.I),
    "HP:0000716": re.compile(  # Depression (of mood), not a depressed structure or a depressed function
        r"\bdepression\s+of\s+(?:both\s+|the\s+|his\s+|her\s+)?(?:eyes?|globes?|skull|sternum|fontanel\w*|scapula|"
        r"mandible|eyelids?)|\b(?:cns|central nervous system|skull|bone marrow|marrow)\s+depression", re.I),
    "local:menarche_not_occurred": re.compile(r"\bperiods?\s+of\b", re.I),  # "never had a period of elevated mood"
    "HP:0002835": re.compile(  # Aspiration (into the airway), not a needle aspiration
        r"\baspiration\s+(?:of\s+(?:the\s+|a\s+|an\s+)?(?!food|gastric|stomach|vomit|oral|secretions|saliva|fluids?\b|liquids?)"
        r"|biopsy|cytology|yield|yields|yielded|shows?|showed|reveals?|revealed)"
        r"|\b(?:needle|joint|fine[- ]needle|bone marrow|marrow|cyst|knee|synovial|suprapubic|bladder)\s+aspiration", re.I),
    "local:pregnancy": re.compile(r"\bpregnancies\b|\b(?:previous|prior|past|earlier|last|other)\s+pregnanc\w*", re.I),
    "local:dilated_lv_reduced_ef": re.compile(  # "a dilated left ventricle with an ejection fraction of 65%"
        r"dilated left ventricle(?=[^.;]{0,60}ejection fraction\s+(?:of\s+|is\s+|was\s+)?(?:[5-7]\d)\s*%)", re.I),
    "HP:0004372": re.compile(  # Reduced consciousness: "unresponsive to pain medications"
        r"\bunresponsive\s+to\s+(?!(?:voice|verbal|pain(?:ful)?\s+stimul|stimul|command|touch|sound)\w*)", re.I),
    "HP:0001945": re.compile(  # Fever; a named fever is a disease ("never had rheumatic fever")
        r"\b(?:rheumatic|scarlet|yellow|typhoid|paratyphoid|dengue|hay|q|valley|glandular|relapsing|trench|lassa|"
        r"spotted|mediterranean|rat[- ]bite|cat[- ]scratch|hemorrhagic|haemorrhagic|west nile)\s+fever|\bfever blisters?"
        r"|\btemperature\s+(?:sensation|perception|discrimination|sense)|\bpain\s+(?:and|or)\s+temperature"
        r"|\btemperature\b(?=\s*(?::|is|was|of)?\s*(?:normothermic|normal|within|afebrile|unremarkable|stable|\d))"
        r"|\btemperature\s+(?:and|or)\s+pain", re.I),
}


def _phrases(items: list[str]) -> list[tuple[str, ...]]:
    return sorted({tuple(t.lower() for t in re.findall(r"[a-z']+", p.lower())) for p in items},
                  key=len, reverse=True)


_NEG_PRE_T, _NEG_POST_T, _UNC_T, _PSEUDO_T = map(_phrases, (_NEG_PRE, _NEG_POST, _UNCERTAIN, _PSEUDO))
_RAW = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", re.IGNORECASE)

# ----------------------------------------------------------------------------- vitals and labs

# name -> (pattern words, low threshold, finding below, high threshold, finding above); values in US units
_LABS: dict[str, tuple[str, float | None, str | None, float | None, str | None]] = {
    "lipase": (r"lipase", None, None, 180, "HP:0032932"),
    "amylase": (r"amylase", None, None, 150, "HP:0410288"),
    "creatinine": (r"(?:serum )?creatinine|\bcr", None, None, 1.3, "HP:0003259"),
    "bun": (r"bun|blood urea nitrogen|urea nitrogen", None, None, 25, "HP:0003138"),
    "retic": (r"reticulocytes?(?: count)?|retic(?:ulocyte)? count", 0.6, "HP:0001896", 2.5, "HP:0001923"),
    "mcv": (r"mcv|mean corpuscular volume", 79.5, "HP:0025066", 100.5, "HP:0005518"),
    "hct": (r"hematocrit|haematocrit|hct", None, None, 54, "HP:0001901"),
    "calcium": (r"(?:serum )?calcium|ca2\+|ca", 8.3, "HP:0002901", 10.6, "HP:0003072"),
    "alt": (r"alt|ast|sgot|sgpt|alanine aminotransferase|aspartate aminotransferase|alanine transaminase|"
            r"aspartate transaminase", None, None, 50, "HP:0002910"),
    "bili": (r"(?<!direct )(?<!indirect )(?<!conjugated )(?<!unconjugated )(?:total )?bilirubin", None, None, 1.4,
             "HP:0002904"),
    "dbili": (r"(?:direct|conjugated) bilirubin", None, None, 1.0, "HP:0002908"),
    "crp": (r"crp|c-reactive protein", None, None, 10, "HP:0011227"),  # mg/L
    "bmi": (r"bmi|body mass index", 18.5, "HP:0004325", 30, "HP:0001513"),
    "alp": (r"alkaline phosphatase|alk phos|alp", None, None, 150, "HP:0003155"),
    "ck": (r"creatine kinase|cpk|ck", None, None, 400, "HP:0003236"),
    "tsh": (r"tsh|thyroid[- ]stimulating hormone", 0.3, "HP:0031098", 5.0, "HP:0002925"),
    "esr": (r"esr|erythrocyte sedimentation rate", None, None, 30, "HP:0003565"),
    "ferritin": (r"(?:serum )?ferritin", 15, "HP:0012343", 400, "HP:0003281"),
    "hco3": (r"hco3-?|bicarbonate", 20, "HP:0032066", 30, "HP:0032067"),
    "albumin": (r"(?:serum )?albumin", 3.3, "HP:0003073", None, None),
    "ldh": (r"ldh|lactate dehydrogenase", None, None, 300, "HP:0025435"),
    "a1c": (r"hba1c|hemoglobin a1c|haemoglobin a1c|a1c", None, None, 5.6, "HP:0040217"),  # 5.7-6.4: prediabetes
    "cpeptide": (r"c-peptide|c peptide", 0.8, "HP:0030795", 3.1, "HP:0030796"),  # ng/mL
    "pth": (r"(?:intact )?pth|parathyroid hormone|parathormone", 10, "HP:0031817", 65, "HP:0003165"),  # pg/mL
    "chloride": (r"cl-?|chloride", 96, "HP:0003113", 108, "HP:0011423"),
    "chol": (r"(?<!hdl )(?<!hdl-)(?<!ldl )(?<!ldl-)(?<!lipoprotein )(?:total |serum )?cholesterol", None, None, 240, "HP:0003124"),
    "ldl": (r"ldl(?: cholesterol)?|ldl-c|low-density lipoprotein(?: cholesterol)?", None, None, 190, "HP:0003141"),
    "tg": (r"triglycerides?|tgs?", None, None, 200, "HP:0002155"),
    "uric": (r"(?:serum )?uric acid|urate", None, None, 7.0, "HP:0002149"),
    "ammonia": (r"(?:serum |plasma )?ammonia|nh3", None, None, 80, "HP:0001987"),  # µg/dL or µmol/L alike
    "lactate": (r"(?:serum |plasma |blood )?lactate|lactic acid", None, None, 2.2, "HP:0002151"),  # mmol/L
    "troponin": (r"(?:cardiac |high-sensitivity |hs-?)?troponin(?: i| t)?|tn[it]", None, None, 0.04, "HP:0410173"),
    "inr": (r"inr", None, None, 1.3, "HP:0008151"),
    "pt": (r"prothrombin time|pt", None, None, 14, "HP:0008151"),  # seconds
    "ptt": (r"a?ptt|(?:activated )?partial thromboplastin time", None, None, 40, "HP:0003645"),  # seconds
    "mg": (r"(?:serum )?magnesium|mg2\+", 1.7, "HP:0002917", 2.6, "HP:0002918"),  # mg/dL
    "phos": (r"(?:serum )?(?:phosphorus|phosphate)|po4", 2.5, "HP:0002148", 4.5, "HP:0002905"),  # mg/dL
    "ft4": (r"free t4|ft4|free thyroxine", 0.8, "HP:0033078", 1.8, "HP:0033077"),  # ng/dL
    "iron": (r"serum iron|iron", 50, "HP:0040303", 170, "HP:0003452"),  # µg/dL
    "tibc": (r"tibc|total iron[- ]binding capacity", 250, "HP:0033211", 450, "HP:0025196"),
    "bnp": (r"bnp|b-type natriuretic peptide|brain natriuretic peptide", None, None, 100, "HP:0033534"),
    "prolactin": (r"(?:serum )?prolactin", None, None, 25, "HP:0000870"),  # ng/mL
    "ggt": (r"ggt|(?:gamma|\u03b3)-glutamyl ?transferase|(?:gamma|\u03b3)-glutamyl ?transpeptidase", None, None, 60, "HP:0030948"),
    "hapto": (r"(?:serum )?haptoglobin", 30, "HP:0020181", 200, "HP:0020180"),  # mg/dL
    "folate": (r"(?:serum |rbc |red cell )?folate|folic acid", 3, "HP:0100507", None, None),  # ng/mL
    "acth": (r"acth|adrenocorticotropic hormone|corticotropin", 5, "HP:0011748", 60, "HP:0003154"),  # pg/mL
    "b12": (r"(?:vitamin |serum )?b12|cobalamin", 200, "HP:0100502", None, None),  # pg/mL
    "ige": (r"(?:serum |total )?ige", None, None, 200, "HP:0003212"),  # IU/mL
    "gap": (r"(?:serum )?anion gap", None, None, 16, "HP:0031962"),
    "sosm": (r"(?:serum|plasma) osmolality", 275, "HP:6000680", 295, "HP:6000681"),  # mOsm/kg
    "pco2": (r"pa?co2", 35, "HP:0012417", 45, "HP:0012416"),  # mm Hg
    "afp": (r"(?:serum )?(?:alpha|\u03b1|a)[- ]?fetoprotein|afp", None, None, 10, "HP:0006254"),  # ng/mL; not MoM
    "psa": (r"psa|prostate[- ]specific antigen", None, None, 4, "HP:0025020"),  # ng/mL
    "hcg": (r"(?:serum |quantitative )?(?:(?:beta|\u03b2|b)[- ]?)?hcg|(?:beta[- ])?human chorionic gonadotropin", None, None,
            5, "HP:6000485"),  # mIU/mL
    "uosm": (r"urine osmolality|urinary osmolality|urine osm", 250, "HP:0003158", None, None),  # mOsm/kg
}
# labs of a fluid other than blood, read wherever they stand
_OWN_FLUID = frozenset(("uosm",))
# A white cell type as a share (%) or an absolute count (/µL): (words, % above, cells/µL below, /µL above, low, high)
_DIFF: dict[str, tuple[str, float, float | None, float, str | None, str]] = {
    "eos": (r"eosinophils?|eos", 6, None, 500, None, "HP:0001880"),
    "neut": (r"(?:segmented )?neutrophils?|segs|polys|(?:absolute )?neutrophil count|anc", 80, 1500, 7700,
             "HP:0001875", "HP:0011897"),
    "lymph": (r"lymphocytes?|lymphs|(?:absolute )?lymphocyte count|alc", 50, 1000, 4000, "HP:0001888", "HP:0100827"),
}
_LAB_NAMES = {name: v[0] for name, v in _LABS.items()}
# (lab, unit) -> factor to the US unit the thresholds use
_SI = {("calcium", "mmol/l"): 4.0, ("lactate", "mg/dl"): 1 / 9, ("troponin", "ng/l"): 0.001, ("mg", "mmol/l"): 2.43,
       ("phos", "mmol/l"): 3.1, ("chol", "mmol/l"): 38.7, ("ldl", "mmol/l"): 38.7, ("tg", "mmol/l"): 88.5,
       ("uric", "µmol/l"): 1 / 59.5, ("uric", "umol/l"): 1 / 59.5, ("ft4", "pmol/l"): 1 / 12.87,
       ("b12", "pmol/l"): 1.355, ("iron", "µmol/l"): 5.59, ("iron", "umol/l"): 5.59, ("crp", "mg/dl"): 10.0}
ACIDOSIS, ALKALOSIS = "HP:0001941", "HP:0001948"
PANCYTOPENIA = "HP:0001876"
POLYCYTHEMIA = "HP:0001901"
CD4_BELOW_100, CD4_BELOW_200, CD4_LOW = "local:cd4_below_100", "local:cd4_below_200", "local:low_cd4_count"

_NUM = r"(\d{1,3}(?:[.,]\d+)?)"
_VITALS = [
    ("temp", re.compile(r"\b(?:temp(?:erature)?|t|fever(?: of)?|febrile(?: to)?)\s*(?:of|is|was|at|:|=)?\s*"
                        + _NUM + r"\s*(?:°|º|deg(?:rees?)?)?\s*(c|f|celsius|fahrenheit)?\b", re.I)),
    ("temp", re.compile(_NUM + r"\s*(?:°|º|deg(?:rees?)?)\s*(c|f|celsius|fahrenheit)?\b(?!\s+of\b)", re.I)),  # not "110 degrees of abduction"
    ("temp", re.compile(_NUM + r"\s*(c|f)\b(?!\s*/)", re.I)),
    ("bp", re.compile(r"\b(?:bp|blood pressure)\s*(?:of|is|was|are|were|:|=)?\s*(\d{2,3})\s*/\s*(\d{2,3})", re.I)),
    ("bp", re.compile(r"\b(\d{2,3})\s*/\s*(\d{2,3})\s*(?:mm ?hg)", re.I)),
    ("hr", re.compile(r"\b(?:hr|heart rate|pulse(?: rate)?|p)\s*(?:of|is|was|are|were|:|=)?\s*(\d{2,3})\b", re.I)),
    ("hr", re.compile(r"\b(\d{2,3})\s*(?:bpm|beats? (?:per|a|/) ?min(?:ute)?)", re.I)),
    ("rr", re.compile(r"\b(?:rr|resp(?:iratory)? rate|respirations?)\s*(?:of|is|was|are|were|:|=)?\s*(\d{1,2})\b", re.I)),
    ("rr", re.compile(r"\b(\d{1,2})\s*(?:breaths? (?:per|a|/) ?min(?:ute)?)", re.I)),
    ("spo2", re.compile(r"\b(?:spo2|sp02|sao2|o2 sat(?:uration)?s?|sats?|oxygen sat(?:uration)?s?|pulse ox(?:imetry)?)"
                        r"(?:\s+on\s+(?:room air|ra))?\s*(?:of|is|was|are|were|:|=)?\s*(?:initially\s+|now\s+|only\s+)?(\d{2,3})\s*%?",
                        re.I)),
    ("glucose", re.compile(r"\b(?:blood )?(?:glucose|sugar|bg|bsl)(?:\s+(?:level|concentration))?\s*(?:of|is|was|are|were|:|=)?\s*" + _NUM
                           + r"\s*(mg/dl|mmol/l|mmol)?", re.I)),
    ("hb", re.compile(r"\b(?:hb|hgb|ha?emoglobin)(?:\s+(?:level|concentration))?\s*(?:of|is|was|are|were|:|=)?\s*" + _NUM
                      + r"\s*(g/dl|g/l)?", re.I)),
    ("wbc", re.compile(r"\b(?:wbcs?(?: count)?|white (?:blood )?(?:cell )?count|white (?:blood )?cells?|leu[ck]ocytes?(?: count)?)\s*(?:of|is|was|are|were|:|=)?\s*"
                       r"(\d{1,3}(?:,\d{3})+|\d{1,6}(?:\.\d+)?)(?!\d|(?:\s*[-\u2013]\s*\d+)?\s*(?:/|per)\s*(?:hpf|hf|high))", re.I)),  # not urine /hpf
    ("plt", re.compile(r"\b(?:plts?|platelets?(?: count)?)\s*(?:of|is|was|are|were|:|=)?\s*(\d{1,3}(?:,\d{3})+|\d{1,6}(?:\.\d+)?)",
                       re.I)),
    *[(name, re.compile(r"\b(?:" + words + r")(?:\s*\([a-z0-9 -]{1,12}\))?\s*(?:level|concentration|count|activity)?\s*"
                        r"(?:of|is|was|are|were|:|=)?\s*"
                        r"(\d{1,3}(?:,\d{3})+|\d{1,6}(?:\.\d+)?)(?![-\u2013]\d)(?!\d|[.,]\d)(?!\s*(?:mg|mcg|g|units?|tablets?)\b(?!/))\s*(%|mg/dl|g/dl|u/l|iu/l|fl|mmol/l|"
                        r"meq/l|µiu/ml|miu/l|mu/l|ng/ml|ng/dl|ng/l|pg/ml|pmol/l|[µu]g/dl|mcg/dl|[µu]mol/l|mg/l|iu/ml|"
                        r"mm ?hg|mosm/kg|mm/h|mm/hr|sec|seconds|s)?", re.I))  # "CA 19-9" is no calcium of 19
      for name, words in _LAB_NAMES.items()],
    ("na", re.compile(r"\b(?:na\+?|sodium)\s*(?:of|is|was|are|were|:|=)?\s*(\d{2,3})\b", re.I)),
    ("k", re.compile(r"\b(?:k\+?|potassium)\s*(?:of|is|was|are|were|:|=)?\s*(\d(?:\.\d+)?)\b", re.I)),
    ("ph", re.compile(r"\b(?:arterial )?ph\s*(?:of|is|was|are|were|:|=)?\s*(7\.\d\d)\b", re.I)),  # two decimals: blood, not urine
    ("cd4", re.compile(r"\bcd4\+?(?:\s*(?:\+|positive))?(?:\s*t[- ]?(?:cells?|lymphocytes?|helper cells?))?\s*"
                       r"(?:cell\s+)?(?:count|level)?\s*(?:of|is|was|are|were|:|=)?\s*(?:only\s+|now\s+)?"
                       r"(\d{1,4})(?!\d|[.,]\d|\s*%)", re.I)),
    *[(name, re.compile(r"\b(?:" + row[0] + r")\s*(?:count)?\s*(?:of|is|was|are|were|:|=)?\s*(\d{1,3}(?:,\d{3})+|\d{1,6}(?:\.\d+)?)"
                        r"(?![-\u2013]\d)(?!\d|[.,]\d)\s*(%|/(?:µ|u|mc|m)l|/mm3|cells/(?:µ|u|m)l)?", re.I)) for name, row in _DIFF.items()],
    # the share first: "with 84% neutrophils", "11% eosinophils"
    *[(name, re.compile(r"\b(\d{1,2}(?:\.\d)?)\s*(%)\s*(?:" + row[0] + r")\b", re.I)) for name, row in _DIFF.items()],
]


FEVER, HYPOTHERMIA = "HP:0001945", "HP:0002045"
TACHY, BRADY = "HP:0001649", "HP:0001662"
HTN, HYPOTN, HTN_CRISIS = "HP:0000822", "HP:0002615", "HP:0100735"
TACHYPNEA, BRADYPNEA, HYPOXEMIA = "HP:0002789", "HP:0046507", "HP:0012418"
HYPERGLY, HYPOGLY, ANEMIA = "HP:0003074", "HP:0001943", "HP:0001903"
LEUKOCYTOSIS, LEUKOPENIA, THROMBOCYTOPENIA, THROMBOCYTOSIS = "HP:0001974", "HP:0001882", "HP:0001873", "HP:0001894"
HYPONATREMIA, HYPERNATREMIA, HYPOKALEMIA, HYPERKALEMIA = "HP:0002902", "HP:0003228", "HP:0002900", "HP:0002153"


def _num(s: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", s):  # a thousands separator: 26,300
        return float(s.replace(",", ""))
    return float(s.replace(",", "."))


def _child_limits(age: float | None) -> tuple[float, float, float, float] | None:
    """(heart rate above, heart rate below, breathing rate above, systolic pressure below) that are
    abnormal for a child of this age (None: an adult's limits)."""
    if age is None or age >= 12:
        return None
    for top, hr_hi, hr_lo, rr_hi in ((1, 160, 100, 60), (3, 150, 90, 40), (6, 140, 80, 34), (12, 120, 70, 30)):
        if age < top:
            return hr_hi, hr_lo, rr_hi, (60 if age < 1 / 12 else 70 + 2 * int(age))


def _vital_findings(kind: str, m: re.Match, age: float | None = None) -> tuple[list[tuple[str, str]], float, str]:
    """(finding id, polarity) pairs implied by one measurement, its value and unit (a child's vital
    signs against a child's ranges)."""
    child = _child_limits(age)
    g = m.groups()
    if kind == "temp":
        v = _num(g[0])
        unit = (g[1] or "").lower()[:1] or ("f" if v > 50 else "c")
        if (unit == "c" and not 30 <= v <= 45) or (unit == "f" and not 86 <= v <= 113):
            return [], v, unit
        if not g[1] and not (34 <= v <= 43 or 93 <= v <= 107) and not _TEMP_WORD.search(m.group()):
            return [], v, unit  # "flexed to 90 degrees" is an angle, not a temperature
        c = (v - 32) * 5 / 9 if unit == "f" else v
        if c >= 38.0:
            return [(FEVER, "present")], v, unit.upper()
        if c < 35.0:
            return [(HYPOTHERMIA, "present"), (FEVER, "absent")], v, unit.upper()
        if c >= 37.5:  # 37.5-37.9 °C: low-grade, neither a fever nor its absence
            return [(FEVER, "uncertain")], v, unit.upper()
        return [(FEVER, "absent")], v, unit.upper()
    if kind == "bp":
        s, d = int(g[0]), int(g[1])
        if not (50 <= s <= 260 and 20 <= d <= 160 and s > d):
            return [], s, "mmHg"
        high = s >= 120 or d >= 80 if child else s >= 140 or d >= 90
        out = [(HTN, "present" if high else "absent")]
        out.append((HYPOTN, "present" if s < (child[3] if child else 90) else "absent"))
        if not child:  # 180/120 or more is a hypertensive crisis (emergency or urgency)
            out.append((HTN_CRISIS, "present" if s >= 180 or d >= 120 else "absent"))
        return out, float(s), "mmHg"
    v = _num(g[0])
    if kind == "hr":
        if not 20 <= v <= 250:
            return [], v, "bpm"
        hi, lo = child[:2] if child else (100, 60)
        return [(TACHY, "present" if v > hi else "absent"), (BRADY, "present" if v < lo else "absent")], v, "bpm"
    if kind == "rr":
        if not 4 <= v <= 70:
            return [], v, "/min"
        hi = child[2] if child else 20
        return [(TACHYPNEA, "present" if v > hi else "absent")] + ([(BRADYPNEA, "present")] if v < 10 else []), v, "/min"
    if kind == "spo2":
        if not 50 <= v <= 100:
            return [], v, "%"
        return [(HYPOXEMIA, "present" if v < 94 else "absent")], v, "%"
    if kind == "glucose":
        unit = (g[1] or "").lower()
        mg = v * 18 if unit.startswith("mmol") or (not unit and v < 35) else v
        if mg >= 126:  # diabetic range fasting (a random value this high is raised too)
            return [(HYPERGLY, "present")], v, unit or None
        if mg < 70:
            return [(HYPOGLY, "present")], v, unit or None
        if mg >= 100:  # impaired fasting glucose: not normal, so hyperglycaemia is not ruled out
            return [(HYPOGLY, "absent")], v, unit or None
        return [(HYPERGLY, "absent"), (HYPOGLY, "absent")], v, unit or None
    if kind == "hb":
        unit = (g[1] or "").lower()
        gdl = v / 10 if unit == "g/l" or v > 30 else v
        out = [(ANEMIA, "present" if gdl < 11.5 else "absent")]
        if age is None or age >= 1:  # a newborn's haemoglobin runs high
            if not 16.5 < gdl <= 18.5:  # a raised value short of the threshold does not rule it out
                out.append((POLYCYTHEMIA, "present" if gdl > 18.5 else "absent"))
        return out, v, unit or "g/dL"
    if kind == "cd4":
        if v >= 2000:
            return [], v, "/µL"
        return [(CD4_BELOW_100, "present" if v < 100 else "absent"), (CD4_BELOW_200, "present" if v < 200 else "absent"),
                (CD4_LOW, "present" if v < 200 else "absent")], v, "/µL"
    if kind in _LABS:
        unit = (g[1] or "").lower() if len(g) > 1 else ""
        if kind == "pt" and "prothrombin" not in m.group().lower() and not unit.startswith("s"):
            return [], v, unit  # a bare "pt" with no seconds may be the patient ("pt is 45")
        if kind == "afp" and ((age is not None and age < 1) or _MOM.match(m.string, m.end())):
            return [], v, unit  # an infant's AFP runs high; a maternal AFP in multiples of the median is read as words
        return _lab_findings(kind, v, unit), v, unit or ""
    if kind == "ph":
        return [(ACIDOSIS, "present" if v < 7.35 else "absent"), (ALKALOSIS, "present" if v > 7.45 else "absent")], v, ""
    if kind in _DIFF:
        _, pct_hi, abs_lo, abs_hi, low, high = _DIFF[kind]
        unit = (g[1] or "").lower()
        if unit == "%" or (not unit and 1 <= v <= 100 and "count" not in m.group().lower()):
            if v > 100:
                return [], v, "%"
            return [(high, "present" if v > pct_hi else "absent")], v, "%"
        cells = v * 1000 if v < 50 else v  # 10^9/L or /µL
        out = [(high, "present" if cells > abs_hi else "absent")]
        if low and abs_lo is not None:
            out.append((low, "present" if cells < abs_lo else "absent"))
        return out, v, "/µL"
    if kind == "wbc":
        k = v / 1000 if v >= 300 else v
        out = [(LEUKOCYTOSIS, "present" if k > 11 else "absent")]
        if k < 4:
            out.append((LEUKOPENIA, "present"))
        return out, v, "10^9/L"
    if kind == "plt":
        k = v / 1000 if v >= 2000 else v
        return [(THROMBOCYTOPENIA, "present" if k < 150 else "absent"),
                (THROMBOCYTOSIS, "present" if k > 450 else "absent")], v, "10^9/L"
    if kind == "na":
        if not 100 <= v <= 180:
            return [], v, "mmol/L"
        return [(HYPONATREMIA, "present" if v < 135 else "absent"),
                (HYPERNATREMIA, "present" if v > 145 else "absent")], v, "mmol/L"
    if kind == "k":
        if not 1.5 <= v <= 9:
            return [], v, "mmol/L"
        return [(HYPOKALEMIA, "present" if v < 3.5 else "absent"),
                (HYPERKALEMIA, "present" if v > 5.2 else "absent")], v, "mmol/L"
    return [], v, ""


def _lab_findings(kind: str, v: float, unit: str) -> list[tuple[str, str]]:
    """A lab value (in ``unit``) against the thresholds of ``_LABS``."""
    _, lo, below, hi, above = _LABS[kind]
    v4 = v * _SI.get((kind, unit), 1.0)
    if kind == "creatinine" and v > 30:  # µmol/L
        v4 = v / 88.4
    out = []
    if below and lo is not None and v4 < lo:
        out.append((below, "present"))
    if above and hi is not None and v4 > hi:
        out.append((above, "present"))
    return out or [(f, "absent") for f in (below, above) if f]


# a later value of the same lab in the same sentence, in the same unit: "troponin I is 0.02 ng/mL on arrival and
# 1.8 ng/mL 6 hours later", "creatinine was 1.1 mg/dL at admission and 3.4 mg/dL on day 3"
_SERIAL = re.compile(r"(?:\s*(?:,|\b(?:and|then|but|which|on|at|upon|in|the|arrival|admission|presentation|initially|"
                     r"first|rose|rising|rises|increased|increasing|decreased|decreasing|fell|falling|dropped|"
                     r"to|a|repeat|repeated|value|of|was|is|now|later|after|subsequently|hours?|days?|measured|"
                     r"it|has|had|\d+)\b))*?\s*(\d{1,3}(?:,\d{3})+|\d{1,6}(?:\.\d+)?)\s*([a-zµ/%]+)", re.I)
_PAST = re.compile(r"(?:\s+\w+){0,3}\s+(?:ago|earlier|previously|before|prior)\b", re.I)  # "... 4 months ago"
# the colon of a result stated in a word: "TSH: Elevated", "HBsAg: Positive"
_COLON_RESULT = re.compile(r"(?<=[A-Za-z0-9)])\s?:(?=\s*(?:markedly |mildly |slightly |significantly |very |moderately )?"
                           r"(?:increased|decreased|elevated|low|high|raised|reduced|positive|prolonged|present)\b)", re.I)
_TEST_WORDS = frozenset("test tests testing assay antibody antibodies screen titer titre".split())
_THEN_POSITIVE = re.compile(r"\s*(?::|\s(?:test|tests|testing|is|was|are|were|came back|returned|strongly|weakly))*\s*positive\b", re.I)
# the first word of a finding that is an absence, and words saying a thing is normal rather than missing
_LACK_FIRST = frozenset("absent absence no failure inability unable lack lacking without not non".split())
_NOT_MISSING = re.compile(r"\b(?:normal|normally|unremarkable|wnl|resolved|gone|negative|intact|symmetric(?:al)?)\b", re.I)
_MOM = re.compile(r"\s*(?:mom|multiples?)\b", re.I)  # a maternal AFP in multiples of the median
# a temperature's own words: a bare "90 degrees" beside them is still read, out of range
_TEMP_WORD = re.compile(r"\b(?:temp|temperature|fever|febrile|t)\b", re.I)


# a reference range printed after a value: "ferritin of 300 micrograms/liter (normal range 15-200)"
_STATED_RANGE = re.compile(r"[^()\n.;]{0,25}\(\s*(?:normal|reference|ref\.?|nl)(?: range)?\s*[:=]?\s*"
                           r"(\d+(?:\.\d+)?)\s*(?:-|\u2013|to)\s*(\d+(?:\.\d+)?)", re.I)


def _against_range(kind: str, value: float, lo: float, hi: float) -> list[tuple[str, str]]:
    """A lab's findings judged against the range the text states (in the text's own units)."""
    _, _, below, _, above = _LABS[kind]
    if not lo < hi:
        return []
    out = []
    if below:
        out.append((below, "present" if value < lo else "absent"))
    if above:
        out.append((above, "present" if value > hi else "absent"))
    return out


def _renamed(lex: dict[str, str], names) -> dict[str, str]:
    """Each other name ``names(words)`` gives a lexicon phrase, where it is no phrase of its own -> that
    phrase's finding (the first phrase in sorted order wins)."""
    out: dict[str, str] = {}
    for phrase in sorted(lex):
        for name in names(phrase.split()):
            if name not in lex:
                out.setdefault(name, lex[phrase])
    return out


def _unsigned_names(words: list[str]) -> list[str]:
    """"positive gonorrhea test" -> "gonorrhea test", "gonorrhea"."""
    if len(words) < 2 or "positive" not in words:
        return []
    rest = [w for w in words if w != "positive"]
    return [" ".join(n) for n in (rest, [w for w in rest if w not in _TEST_WORDS]) if n]


def _lacking_names(words: list[str]) -> list[str]:
    """"absent ganglion cells" -> "ganglion cells"; one word left ("symptoms") is too general."""
    if len(words) > 1 and words[0] in _LACK_FIRST:
        rest = words[1:]
    elif len(words) > 1 and words[-1] == "absent":
        rest = words[:-1]
    else:
        return []
    return [" ".join(rest)] if len(rest) > 1 else []


def _serial(text: str, at: int, unit: str) -> re.Match | None:
    """The last later value, in the same unit, of the lab whose value ends at ``at``."""
    last = None
    while (m := _SERIAL.match(text, at)) and m.group(2).lower() == unit.lower() and not _PAST.match(text, m.end()):
        last, at = m, m.end()
    return last


def _in_other_fluid(text: str, at: int) -> bool:
    """Whether a lab value at ``at`` belongs to urine, CSF or another fluid: the last fluid word of its
    sentence (or of the lab panel's lines above it) comes after the last word naming blood."""
    head = re.split(r"[.;?!]\s", text[:at])[-1]
    fluid = [m.end() for m in _FLUID.finditer(head)]
    if not fluid:
        return False
    blood = [m.end() for m in _BLOOD.finditer(head)]
    return not blood or fluid[-1] > blood[-1]



# How long the complaint has lasted, in the forms case reports write it ("for 5 days", "began 4 days ago",
# "of 3 days' duration", "an eight-month history"), as the duration findings' buckets; the first such statement of
# a case that is not about a habit, a partner, a trip or a drug.
_WORD_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 3, "few": 3, "couple": 2}
_QTY = r"(\d{1,3}(?:\.\d)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|a couple of)"
_UNIT = r"(hours?|days?|weeks?|months?|years?)"
_DURATION = re.compile(
    rf"\b(?:for|over|during|in)\s+(?:the\s+)?(?:past|last|previous)?\s*(?:about\s+|approximately\s+|around\s+|nearly\s+)?"
    rf"{_QTY}[\s-]+{_UNIT}\b(?!\s+(?:of|after|before|later|postpartum|post))"
    rf"|\b{_QTY}[\s-]+{_UNIT}\s+ago\b"
    rf"|\bof\s+{_QTY}[\s-]+{_UNIT}(?:'|\u2019)?\s*duration\b"
    rf"|\b{_QTY}[\s-]+{_UNIT[:-2]}s?)[\s-]+history\b"
    rf"|\b(?:with|has|had|have|reports?|describes?|notes?|complains? of)\s+(?:about\s+|approximately\s+|nearly\s+)?"
    rf"{_QTY}[\s-]+{_UNIT}\s+of\b(?!\s+(?:age|gestation|life|pregnancy|amenorrh\w*))", re.I)
_NOT_COMPLAINT = re.compile(r"\b(?:smok\w*|cigarettes?|packs?|sexual\w*|partners?|married|lives?|living|works?|worked|"
                            r"employed|travel\w*|trip|vacation|visit\w*|tak(?:es|ing|en)|been on|us(?:es|ing|ed)|therapy|medications?|drugs?|drinks?|"
                            r"alcohol|quit|diagnosed|surgery|\w+ectomy|\w+otomy|\w+plasty|operation|operated|repair|resection|underwent|treated|started|admitted|hospitali[sz]ed|born|"
                            r"pregnan\w*|delivered|menstrual|period|immigrated|moved|incarcerated|prescribed|accident|injury|injured|"
                            r"fell|fall|trauma|collision|crash|bitten|bite|exposed|contact|returned|attended|gained|lost)\b",
                            re.I)
_BUCKETS = ((14, "local:symptoms_under_one_month"), (31, "local:symptoms_at_least_two_weeks"),
            (180, "local:symptoms_one_to_six_months"), (730, "local:symptoms_over_six_months"),
            (10 ** 9, "local:symptoms_over_two_years"))
_DURATIONS = "local:symptoms_"
_STOP = re.compile(r"(?<!\d)[.;](?!\d)")
_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30.4, "year": 365}


def stated_duration(text: str) -> tuple[str, tuple[int, int]] | None:
    """The duration finding of the complaint, and where it is said."""
    for m in _DURATION.finditer(text):
        qty, unit = next((q, u) for q, u in zip(m.groups()[::2], m.groups()[1::2]) if q)
        clause = _STOP.split(text[:m.start()])[-1] + _STOP.split(text[m.start():])[0]  # its sentence
        if _NOT_COMPLAINT.search(clause):
            continue
        q = qty.lower().replace("a couple of", "couple").replace("a few", "few")
        n = _WORD_NUM.get(q) or float(q)
        days = n * _DAYS[unit.lower().rstrip("s")]
        return next(f for top, f in _BUCKETS if days < top), m.span()
    return None


# Growth-chart percentiles ("at the 5th percentile for height and weight", "his head circumference at the 99th
# percentile"): at or below the 5th, or at or above the 95th, each measure states its finding.
_MEASURE = r"(?:height|length|weight|head circumference|bmi)"
_PERCENTILE = re.compile(rf"\b((?:{_MEASURE}(?:,\s*|\s+and\s+|\s+))+)(?:(?:is|are|was|were)\s+)?(?:at|in)\s+the\s+"
                         rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:percentile|centile)\b"
                         rf"|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:percentile|centile)\s+(?:for|of)\s+((?:(?:his|her|the)\s+)?"
                         rf"{_MEASURE}(?:(?:,\s*|\s+and\s+)(?:(?:his|her|the)\s+)?{_MEASURE})*)", re.I)
_EXTREME = {"height": ("HP:0004322", "HP:0000098"), "length": ("HP:0004322", "HP:0000098"),
            "weight": ("HP:0004325", "HP:0001513"), "bmi": ("HP:0004325", "HP:0001513"),
            "head circumference": ("HP:0000252", "HP:0000256")}


def percentile_findings(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(finding id, "present", span) for each growth measure stated at an extreme percentile."""
    out = []
    for m in _PERCENTILE.finditer(text):
        measures, n = (m.group(1), m.group(2)) if m.group(2) else (m.group(4), m.group(3))
        n = int(n)
        if 5 < n < 95:
            continue
        for name in re.findall(_MEASURE, measures, re.I):
            out.append((_EXTREME[name.lower()][n >= 95], "present", m.span()))
    return out


# Tests stated to be normal ("Liver enzymes, creatinine and coagulation studies are normal", "with a normal
# lipase"): each named test's abnormal findings are absent. Item name -> those findings.
_NORMAL_TESTS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"(?:" + words + r")(?:\s+(?:level|concentration|count))?", re.I),
     tuple(f for f in (row[2], row[4]) if f))
    for words, row in ((row[0], row) for row in _LABS.values())
] + [(re.compile(rx, re.I), ids) for rx, ids in (
    (r"h(?:a)?emoglobin|hb|hgb|h(?:a)?ematocrit|hct", (ANEMIA,)),
    (r"wbc|white (?:blood )?(?:cell )?count|white cells?|leu[ck]ocytes?|leu[ck]ocyte count", (LEUKOCYTOSIS, LEUKOPENIA)),
    (r"plts?|platelets?|platelet count", (THROMBOCYTOPENIA, THROMBOCYTOSIS)),
    (r"(?:blood )?glucose|blood sugar", (HYPERGLY, HYPOGLY)),
    (r"sodium|na", (HYPONATREMIA, HYPERNATREMIA)),
    (r"potassium|k", (HYPOKALEMIA, HYPERKALEMIA)),
    (r"(?:serum )?electrolytes|lytes", (HYPONATREMIA, HYPERNATREMIA, HYPOKALEMIA, HYPERKALEMIA)),
    (r"liver (?:enzymes|function(?: tests)?|tests|panel|chemistries|function studies)|lfts?|transaminases|"
     r"aminotransferases", ("HP:0002910",)),
    (r"coagulation(?: tests| studies| profile| screen| panel| parameters)?|coags|clotting(?: tests| studies| screen)?|"
     r"pt/inr|pt and a?ptt|pt and inr|pt/a?ptt", ("HP:0008151", "HP:0003645")),
    (r"(?:renal|kidney) function(?: tests)?|bun and creatinine|urea and electrolytes|u&e", ("HP:0003259",)),
    (r"urinalysis|ua|urine (?:analysis|dipstick|microscopy)", ("HP:0000790", "HP:0000093", "HP:0012085")),
    (r"(?:complete |full )?blood counts?|cbc|fbc", (ANEMIA, LEUKOCYTOSIS, LEUKOPENIA, THROMBOCYTOPENIA)),
    (r"thyroid function(?: tests)?|tfts|thyroid (?:studies|panel)", ("HP:0031098", "HP:0002925")),
    (r"vital signs|vitals", (FEVER, HTN, HYPOTN, TACHY, BRADY, TACHYPNEA)),
    # examination findings stated normal ("Deep tendon reflexes are 2+", "full muscle strength", "gait is normal")
    (r"(?:deep tendon )?reflexes|dtrs", ("HP:0001265", "HP:0001347")),
    (r"(?:muscle |motor )?strength|power", ("HP:0001324",)),
    (r"gait", ("HP:0001288", "HP:0002066")),
    (r"finger[- ](?:to[- ])?nose(?: test| testing)?|coordination", ("HP:0001310", "HP:0001251")),
    (r"speech", ("HP:0001260",)),
    (r"lungs?|breath sounds", ("HP:0030830", "HP:0030828")),
    (r"cardiopulmonary", ("HP:0030148", "HP:0030830", "HP:0030828")),
    (r"heart(?: sounds)?|cardiac", ("HP:0030148",)),
    (r"(?:(?:peripheral|distal|pedal|femoral|radial|dorsalis pedis|posterior tibial) )*pulses",
     ("HP:0032553", "HP:0032554")),
    (r"(?:comprehensive|basic) metabolic(?: panel)?|cmp|bmp|(?:serum )?chemistr(?:y|ies)",
     (HYPONATREMIA, HYPERNATREMIA, HYPOKALEMIA, HYPERKALEMIA, HYPERGLY, HYPOGLY, "HP:0003259")),
)]
_NORMAL_AFTER = re.compile(r"(?:\s+(?:is|are|was|were|remains?|remained)|\s*[:=])?\s+(?:all\s+|both\s+|also\s+|otherwise\s+|"
                           r"entirely\s+|completely\s+|reportedly\s+)?(?:normal|within (?:the )?(?:normal|reference) (?:limits|ranges?)|"
                           r"unremarkable|wnl|not (?:elevated|raised)|intact|2\+|5/5|full|clear|palpable|symmetric(?:al)?|"
                           r"(?:shows?|showed|reveals?|revealed|demonstrates?|demonstrated) no (?:abnormalit(?:y|ies)|findings)|stable)"
                           r"(?![\w+/])(?!\s+(?:except|apart|other|aside|but|for|(?:in|on) (?:the |both )?(?:upper|lower|"
                           r"left|right|proximal|distal|arms?|legs?|hands?|feet)|(?:in|on) (?:his|her) (?:left|right))\b)",
                           re.I)
_NORMAL_BEFORE = re.compile(r"\b(?:normal|full|intact)\s+", re.I)
_ITEM_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s+as well as\s+", re.I)
_ITEM_TRIM = re.compile(r"^[^a-z0-9]*(?:(?:the|her|his|their|patient's|patient\u2019s|a|an|serum|plasma|blood|both|all|other|"
                        r"routine|initial|repeat)\s+)*|"
                        r"(?:\s+(?:levels?|tests?|studies|results?|values?|concentrations?|panel|exam|examination))+$", re.I)


def _normal_test(item: str) -> tuple[str, ...] | None:
    item = _ITEM_TRIM.sub("", item.strip())
    return next((ids for rx, ids in _NORMAL_TESTS if rx.fullmatch(item)), None)


def stated_normal(text: str) -> list[tuple[str, tuple[int, int]]]:
    """(finding id, span) of each abnormal finding that a statement of normal tests denies."""
    out: list[tuple[str, tuple[int, int]]] = []
    for clause in re.finditer(r"[^.;\n]+", text):
        c, base = clause.group(), clause.start()
        for m in _NORMAL_AFTER.finditer(c):  # "A, B and C are normal": the items just before, back to the first unknown
            for item in reversed(_ITEM_SPLIT.split(c[:m.start()])):
                ids = _normal_test(item)
                if ids and m.group().lower().endswith("stable") and FEVER not in ids:
                    ids = None  # "vital signs are stable"; a stable creatinine may be stably high
                if ids is None:  # another normal thing ("physical examination"), else the list has ended
                    if len(item.split()) > 3:
                        break
                    continue
                out += [(f, (base, base + m.end())) for f in ids]
        for m in _NORMAL_BEFORE.finditer(c):  # "with a normal creatinine and lipase": the items just after
            rest = re.split(r"\s+(?:is|are|was|were|with|but|and (?:a|an|the)\s)", c[m.end():], maxsplit=1)[0]
            for item in _ITEM_SPLIT.split(rest):
                ids = _normal_test(item)
                if ids is None:
                    break
                out += [(f, (base + m.start(), base + m.end() + len(rest))) for f in ids]
    return out

class Extractor:
    """Finds the graph's findings in free text."""

    def __init__(self, index: Index):
        self.ix = index
        self._fix: dict[str, str | None] = {}
        self._loose: LooseIndex | None = None
        # words of disease names are real words, not misspellings ("proctitis" is not "parotitis")
        self._real = frozenset(t for k in index.names for t in k.split())

    @property
    def loose(self) -> LooseIndex:
        if self._loose is None:
            ix = self.ix
            active = {fid for f, fid in enumerate(ix.finding_ids) if ix.closure.ptr[f + 1] > ix.closure.ptr[f]}
            self._loose = LooseIndex(ix.lexicon, active)
        return self._loose

    def _loose_matches(self, text: str, toks: list[tuple[str, int, int]],
                       exact: list[tuple[str, int, int]]) -> list[tuple[str, int, int, str | None]]:
        """Findings whose synonym words all occur close together in one sentence (see ``loose``),
        other than those found exactly and those whose words exact matches already account for
        ("nausea without vomiting" is two findings, not "nausea and vomiting"), and those with a
        negating word among their words ("angiography shows no stenosis": its polarity is unclear)."""
        found = {fid for fid, _, _ in exact}
        covered = {i for _, a, b in exact for i in range(a, b)}
        out: list[tuple[str, int, int, str | None]] = []
        sent: list[int] = []
        for i in range(len(toks) + 1):
            if i == len(toks) or (i and _SENTENCE.search(text[toks[i - 1][2]:toks[i][1]])):
                if sent:
                    words = [canon(self.correct(toks[j][0])) for j in sent]
                    for fid, picks in self.loose.find(words):
                        used = [sent[p] for p in picks]
                        span = range(min(used), max(used) + 1)
                        negs = [j for j in span if toks[j][0] in NEGATING or (toks[j][0] == "normal" and j not in used)]
                        absent = negs == [max(used) - 1] and toks[negs[0]][0] in ("not", "no") and \
                            toks[negs[0] - 1][0] in _BE  # "the abdomen is not tender": denied of its subject
                        if negs and not absent:
                            continue  # "elevated homocysteine and a normal methylmalonic acid" is no raised MMA
                        if _LIST_JOIN.search(text, toks[min(used)][1], toks[max(used)][2]):
                            continue  # words from two items of a list: "fever, vomiting, and mild diarrhea"
                        if fid not in found and not all(i in covered for i in used):
                            out.append((fid, min(used), max(used) + 1, "absent" if absent else None))
                sent = []
            if i < len(toks) and toks[i][0] not in STOP:
                sent.append(i)
        return out

    # -- misspellings
    def correct(self, tok: str) -> str:
        if len(tok) < 6 or tok in self.ix.vocab or tok.isdigit() or tok in self._real or tok in _KEEP_WORDS:
            return tok
        if tok in self._fix:
            return self._fix[tok] or tok
        limit = 2 if len(tok) >= 9 else 1
        cands = set(self.ix.deletes.get(tok, "").split())
        for i in range(len(tok)):
            d = tok[:i] + tok[i + 1:]
            if d in self.ix.vocab:
                cands.add(d)
            cands.update(self.ix.deletes.get(d, "").split())
        best, best_d = None, limit + 1
        for c in sorted(cands):
            if c[0] != tok[0]:
                continue
            dist = edit_distance(tok, c, limit)
            if dist < best_d:
                best, best_d = c, dist
        if len(self._fix) < 50_000:
            self._fix[tok] = best
        return best or tok

    # -- matching
    @cached_property
    def unsigned(self) -> dict[str, str]:
        """The name of a "positive X" test finding without its "positive" ("rheumatoid factor") -> the
        finding, where that name is no phrase of its own: a negated one says the finding is absent."""
        return _renamed(self.ix.lexicon, _unsigned_names)

    @cached_property
    def lacking(self) -> dict[str, str]:
        """The name of a finding that is an absence ("absent ganglion cells", "failure to pass meconium") without
        its absence word ("ganglion cells") -> the finding, where that name is no phrase of its own: negated
        ("absence of ganglion cells", "has not been able to pass meconium") it is the finding."""
        return _renamed(self.ix.lexicon, _lacking_names)

    def _matches(self, toks: list[tuple[str, int, int]], text: str,
                 lex: dict[str, str] | None = None) -> list[tuple[str, int, int]]:
        """(finding id, first token, last token + 1), leftmost-longest over content tokens; a phrase
        does not run across punctuation ("smoking history, high blood pressure")."""
        content = [i for i, (t, _, _) in enumerate(toks) if t not in STOP]
        words = [self.correct(toks[i][0]) for i in content]
        seg, k = [], 0
        for j, i in enumerate(content):
            if j and _PUNCT.search(text[toks[content[j - 1]][2]:toks[i][1]]):
                k += 1
            seg.append(k)
        lex, out, i = self.ix.lexicon if lex is None else lex, [], 0
        while i < len(words):
            hit = None
            for n in range(min(self.ix.max_phrase, len(words) - i), 0, -1):
                if seg[i + n - 1] != seg[i]:
                    continue
                fid = lex.get(" ".join(words[i:i + n]))
                if fid is not None:
                    hit = (fid, n)
                    break
            if hit:
                out.append((hit[0], content[i], content[i + hit[1] - 1] + 1))
                i += hit[1]
            else:
                i += 1
        return out

    @staticmethod
    def _triggers(raw: list[str], table: list[tuple[str, ...]]) -> list[tuple[int, int]]:
        found, i = [], 0
        while i < len(raw):
            for p in table:
                if tuple(raw[i:i + len(p)]) == p:
                    found.append((i, i + len(p)))
                    i += len(p) - 1
                    break
            i += 1
        return found

    def _polarity(self, text: str, raw: list[re.Match], start: int, end: int) -> str:
        """Polarity of the concept spanning raw tokens [start, end), from triggers in its clause."""
        words = [m.group().lower() for m in raw]

        def breaks(i: int) -> bool:  # a sentence mark between raw token i-1 and i
            return bool(_SENTENCE.search(text[raw[i - 1].end():raw[i].start()]))

        lo = start
        while lo > 0 and not breaks(lo):
            lo -= 1
        before = words[lo:start]
        clause_end = end
        while clause_end < len(words) and not breaks(clause_end):
            clause_end += 1

        nxt = [w for w in words[end:end + 4] if w not in ("both", "all", "also", "level", "levels", "count", "and")]
        subject_of_clause = (bool(nxt) and nxt[0] in _BE) or any(w in _BE for w in words[start:end])

        def in_scope(e: int) -> bool:
            """No terminator between the trigger's end and the concept; a comma between them
            continues the scope only through a list closed by "or", "nor" or "and" ("denies
            fever, chills, and dysuria") or a bare list of short items to the end of the
            sentence, not into the next statement ("without vomiting, nausea since the morning")."""
            rest = before[e:]
            j = 0
            while j < len(rest) and rest[j] in _SKIP:
                j += 1
            if j < len(rest) and rest[j] in _NEGATED_VERBS:  # "does not report any recent trauma"
                j += 1
                while j < len(rest) and rest[j] in _SKIP:
                    j += 1
            if any(w in _TERMINATORS for w in rest[j:]):
                return False
            if e < len(before) and "," in text[raw[lo + e - 1].end():raw[start].start()]:
                if subject_of_clause:  # "no hyperpigmentation, and cortisol and ACTH are both low"
                    return False
                return (any(w in _LIST_END for w in words[lo + e:clause_end]) or bare_list(lo + e)
                        or bool(_EXAMPLES.match(text[raw[lo + e - 1].end():raw[start].start()].rsplit(",", 1)[-1])))
            return True

        def bare_list(i: int) -> bool:
            """From raw token i to the end of the sentence, a list of three or more short items
            joined by commas alone ("denies nausea, vomiting, diarrhea.")."""
            items = text[raw[i].start():raw[clause_end - 1].end()].split(",")
            return len(items) >= 3 and all(0 < len(x.split()) <= 3 for x in items)

        unc = [(s, e) for s, e in self._triggers(before, _UNC_T) if in_scope(e)]
        pseudo = {s for s, _ in self._triggers(before, _PSEUDO_T)}
        neg = [(s, e) for s, e in self._triggers(before, _NEG_PRE_T)
               if s not in pseudo and in_scope(e) and not any(us <= s < ue for us, ue in unc)
               and (before[s:e] not in (["non"], ["normal"]) or e == len(before))]  # "non-bloody vomiting":
        # vomiting stays; "normal" negates only what it touches ("a normal methylmalonic acid level", not
        # "normal anion gap metabolic acidosis")
        if unc or neg:
            last_unc = max((e for _, e in unc), default=-1)
            last_neg = max((e for _, e in neg), default=-1)
            return "uncertain" if last_unc >= last_neg else "absent"
        hi = end  # a trailing trigger stays in its own list item: "positive for red cells, negative for ..."
        while hi < len(words) and not breaks(hi) and hi - end < 6 and "," not in text[raw[hi - 1].end():raw[hi].start()]:
            hi += 1
        after = words[end:hi]
        j = 0
        while j < len(after) and (after[j] in _SKIP or after[j] in _POST_GAP or after[j] in _DONE or (
                after[j] == "and" and after[j + 1:j + 2] and after[j + 1] in _BE)):  # "pregnancy test was negative",
            j += 1  # "a rapid HIV test is performed and is negative"
        if any(tuple(after[j:j + len(p)]) == p for p in _NEG_POST_T) and after[j + 1:j + 2] != ["for"]:
            return "absent"
        if end < len(raw):  # what follows the name: "HBsAg: Negative", "hepatitis A, B, and C are negative"
            for rx, polarity in _AFTER_NAME:
                if rx.match(text, raw[end - 1].end()):
                    return polarity
        return "present"

    def vitals(self, text: str, age: float | None = None) -> list[Concept]:
        out: list[Concept] = []
        taken: list[tuple[int, int]] = []
        for kind, rx in _VITALS:
            for m in rx.finditer(text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                if kind not in _VITAL_KINDS and kind not in _OWN_FLUID and _in_other_fluid(text, m.start()):
                    continue
                if kind == "hr" and _FETAL_BEFORE.search(text[max(0, m.start() - 40):m.start()]):
                    continue  # the fetus's heart rate, not the mother's
                pairs, value, unit = _vital_findings(kind, m, age)
                if kind in _LABS and (rng := _STATED_RANGE.match(text, m.end())):
                    pairs = _against_range(kind, value, _num(rng.group(1)), _num(rng.group(2))) or pairs
                span = m.span()
                if kind in _LABS and unit and (later := _serial(text, m.end(), unit)):  # the latest value counts
                    value, span = _num(later.group(1)), (m.start(), later.end())
                    pairs = _lab_findings(kind, value, unit.lower())
                if kind in _LABS and _TIMES.match(text, m.end()):  # "lipase is 8 times the upper limit of normal"
                    high = _LABS[kind][4]
                    pairs, unit = ([(high, "present")] if high and value > 1 else []), "x normal"
                if not pairs:
                    continue
                taken.append(span)
                out += [self._concept(fid, pol, span, text, value=value, unit=unit)
                        for fid, pol in pairs if fid in self.ix.finding_pos]
        return out

    def _concept(self, fid: str, polarity: str, span: tuple[int, int], text: str, **measured) -> Concept:
        """The finding ``fid`` as read at ``span`` of ``text``."""
        return Concept(id=fid, label=self.ix.f_label[self.ix.finding_pos[fid]], polarity=polarity, span=span,
                       text=text[span[0]:span[1]], **measured)

    def extract(self, text: str, loose: bool = False, age: float | None = None) -> list[Concept]:
        """The findings stated in text; ``loose`` adds the looser matches (for written case reports);
        ``age`` (years) sets the vital-sign ranges."""
        written = text  # an abbreviation in brackets is blanked out: "right upper quadrant (RUQ) pain"
        text = _ABBREVIATION.sub(lambda m: " " * len(m.group()), text)
        text = _COLON_RESULT.sub(" ", text)  # "Serum Ferritin: Decreased" reads as "serum ferritin decreased"
        out = self._extract(text, loose, age)
        return [c.model_copy(update={"text": written[c.span[0]:c.span[1]]}) if c.span else c for c in out]

    def _extract(self, text: str, loose: bool, age: float | None) -> list[Concept]:
        measured = self.vitals(text, age)
        spans = [c.span for c in measured]
        toks = tokens(text)
        raw = list(_RAW.finditer(text))
        out = list(measured)
        seen = {(c.id, c.polarity) for c in measured}
        exact = self._matches(toks, text)
        family = [m.span() for m in _FAMILY.finditer(text)]
        def outside_exact(a: int, b: int) -> bool:
            return not any(a < eb and ea < b for _, ea, eb in exact)

        # "rheumatoid factor is negative": a positive test's name, negated
        negated = []
        for fid, a, b in self._matches(toks, text, self.unsigned):
            if outside_exact(a, b):
                if self._polarity(text, raw, a, b) == "absent":
                    negated.append((fid, a, b, "absent"))
                elif _THEN_POSITIVE.match(text, toks[b - 1][2]):  # "Gonorrhea: Positive"
                    negated.append((fid, a, b, "present"))
        # "absence of ganglion cells": the name of an absence, negated by a word that says it is missing
        negated += [(fid, a, b, "present") for fid, a, b in self._matches(toks, text, self.lacking)
                    if outside_exact(a, b) and self._polarity(text, raw, a, b) == "absent"
                    and not _NOT_MISSING.search(text[max(0, toks[a][1] - 60):toks[b - 1][2] + 40])]
        for fid, a, b, denied in [(*m, None) for m in exact] + (self._loose_matches(text, toks, exact) if loose else []) + negated:
            if fid == NEUTRAL or fid in _IGNORE:
                continue
            s, e = toks[a][1], toks[b - 1][2]
            if any(s < se and ss < e for ss, se in spans):
                continue
            if fid in _NOT_MEANT and any(m.start() < e and s < m.end() for m in _NOT_MEANT[fid].finditer(text)):
                continue
            if any(fs <= s < fe for fs, fe in family) and not _KIN_WORD.search(
                    self.ix.f_label[self.ix.finding_pos[fid]] + " " + text[s:e]):
                continue  # the relative's condition, not the patient's
            pol = denied or self._polarity(text, raw, a, b)
            if pol == "absent" and fid.startswith(_DURATIONS):
                continue  # "has 'not been herself' for the past 3 months": the complaint is negative, not its length
            if (fid, pol) in seen:
                continue
            seen.add((fid, pol))
            out.append(self._concept(fid, pol, (s, e), text))
        # statements read as a whole, each only when its finding is not read already: the complaint's duration,
        # tests and examinations stated normal, habits, and single words that state an absence
        stated: list[tuple[str, str, tuple[int, int]]] = []
        if loose and (dur := stated_duration(text)) and not any(c.id.startswith("local:symptoms_") for c in out):
            stated.append((dur[0], "present", dur[1]))
        stated += [(fid, "absent", span) for fid, span in stated_normal(text)]
        stated += urine_findings(text)
        stated += percentile_findings(text)
        stated += [(fid, pol, m.span()) for rx, fid, pol in _HABITS for m in rx.finditer(text)]
        starts = {m.start(): i for i, m in enumerate(raw)}
        stated += [("local:hiv_infection", self._polarity(text, raw, starts[m.start()], starts[m.start()] + 1), m.span())
                   for m in _AIDS.finditer(text) if m.start() in starts]
        stated += [(_ABSENCE_WORDS[m.group(1).lower()], "absent", m.span()) for m in _ABSENCE.finditer(text)]
        for fid, pol, span in stated:
            if fid in self.ix.finding_pos and not any(c.id == fid for c in out):
                out.append(self._concept(fid, pol, span, text))
        present = {c.id for c in out if c.polarity == "present"}
        if {ANEMIA, LEUKOPENIA, THROMBOCYTOPENIA} <= present and PANCYTOPENIA in self.ix.finding_pos:
            first = next(c for c in out if c.id == ANEMIA)
            out.append(self._concept(PANCYTOPENIA, "present", first.span, text))
        out.sort(key=lambda c: c.span or (0, 0))
        return out
