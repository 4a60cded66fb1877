"""The ranking parameters, with their calibrated values read from ``params.json``.

The defaults below are the calibrated values (``benchmarks/calibrate_kg.py`` searches them
on the tune half of the CRAFT-MD vignettes and writes ``params.json`` next to this file;
keep both in sync). ``load_params`` returns the file's values over the defaults, or the
defaults alone when the file is missing. Every parameter is read at query time, so the
cached graph does not depend on them.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

PARAMS_FILE = Path(__file__).parent / "params.json"


class RankParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # log prior probability of each prevalence class (curated), of an HPO disease and of a UMLS-only one
    log_prior: dict[str, float] = {
        "very_common": -5.957, "common": -6.06, "uncommon": -6.21, "rare": -6.426, "very_rare": -6.604,
        "hpo": -20.0, "umls": -11.51,
    }
    prior_weight: float = 1.0  # how strongly the prior counts against the likelihood terms
    leak: float = 0.03  # P(finding | disease) when no source links them
    borrow: float = 0.8  # a curated disease's unlisted finding: this x its look-alikes' mean weight (neighbours.py)
    child_discount: float = 0.5  # a parent annotation supports the patient's more specific finding at w * this
    general_base: float = 0.3  # ancestors turning up this often are too general to lend support
    closing_weight: float = 1.25  # written case: multiplier on a finding of the last statement before the question
    complaint_weight: float = 1.25  # written case: multiplier on a present finding of its first sentence (the complaint)
    absent_weight: float = 0.75  # multiplier on the term of an absent finding
    related_base: float = 0.05  # present findings sharing an ancestor this specific (base below it) are related ...
    related_power: float = 0.5  # ... and each of k related ones counts k ** -related_power times
    unmentioned_weight: float = 0.1  # written case: multiplier on the absent term of a typical finding it never mentions
    typical: float = 0.7  # a curated condition's finding is typical of it from this weight up
    present_cap: float = 50.0  # largest log-likelihood ratio one present finding can add
    sex_mismatch: float = -9.21  # log-odds for a sex the disease cannot occur in
    age_out_curated: float = -5.0  # log-odds for an age outside a curated condition's range
    age_out_other: float = -1.2
    text_weight: float = 0.45  # weight of the word-profile score of a written case (profile.py)
    fact_weight: float = 0.05  # weight of how much of a condition's curated facts a written case states (facts.py)
    unmet_requirement: float = -2.0  # a case does not meet a condition's requirement (its drug, pregnancy, psychosis)
    choice_text_weight: float = 1.0  # mcq: weight of an unnamed choice's words against the likely diseases
    unknown_choice: float = -10.0  # mcq: log-odds (relative to the named choices' mean) of an unnamed choice
    complication_weight: float = 1.0  # mcq: weight of a named choice being what the likely diseases lead to
    plan_weight: float = 2.0  # mcq: weight of an unnamed choice being the likely diseases' work-up or treatment

    def with_(self, **changes) -> "RankParams":
        return self.model_copy(update=changes)


def load_params(path: Path = PARAMS_FILE) -> RankParams:
    if not path.is_file():
        return RankParams()
    try:
        return RankParams.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except Exception as exc:  # a malformed file: say which, on one line
        raise ValueError(f"{path.name}: not valid ranking parameters ({str(exc).splitlines()[0]})") from None


def save_params(params: RankParams, path: Path = PARAMS_FILE) -> None:
    path.write_text(json.dumps(params.model_dump(), indent=2) + "\n", encoding="utf-8")
