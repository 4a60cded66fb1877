"""Property tests: the safety functions never raise and keep their guarantees on arbitrary text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meddiag.safety import assess, neutralise, review
from meddiag.safety.critic_rules import MAX_CHARS
from meddiag.safety.injection import find_injections
from meddiag.schema import RedFlag

WORDS = st.sampled_from(
    ["chest", "pain", "no", "not", "fever", "system:", "<|im_start|>", "ignore", "previous", "instructions",
     "you", "have", "definitely", "cancer", "500", "mg", "BP", "88/50", "rr", "30", ".", ",", "\n", "kill",
     "myself", "baby", "6", "week", "old", "temp", "39", "[INST]", "and", "but", "nothing", "to", "worry"]
)
MEDICAL_TEXT = st.lists(WORDS, max_size=40).map(" ".join)
ANY_TEXT = st.one_of(st.text(max_size=400), MEDICAL_TEXT)
FLAGS = st.lists(
    st.builds(RedFlag, level=st.sampled_from(["emergency", "urgent", "routine"]), rule=st.text(max_size=10),
              evidence=st.text(max_size=20), advice=st.text(max_size=60)),
    max_size=3,
)
FAST = settings(max_examples=max(150, settings.default.max_examples), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(ANY_TEXT)
def test_assess_never_raises(text: str) -> None:
    result = assess(text)
    assert result.level in ("emergency", "urgent", "routine")
    assert (result.level == "routine") == (not result.flags)


@FAST
@given(ANY_TEXT)
def test_neutralise_never_raises_and_is_stable(text: str) -> None:
    once = neutralise(text)
    assert neutralise(once.text).text == once.text
    assert find_injections(once.text) == []


@FAST
@given(ANY_TEXT, FLAGS, ANY_TEXT)
def test_review_never_raises_and_output_is_bounded(draft: str, flags: list[RedFlag], patient: str) -> None:
    result = review(draft, flags=flags, patient_text=patient)
    assert result.final.strip()
    assert len(result.final) <= MAX_CHARS
    assert result.approved == (not result.reasons)
