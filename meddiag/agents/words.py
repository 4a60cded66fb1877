"""Word stems for the agents' cheap checks that two texts are about the same thing.

A stem is the first five letters of a word of four or more letters, so "coughing" and
"cough" meet and "tired"/"tiredness" meet; ``stop`` drops words too common to count.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z]{4,}")


def stems(text: str, stop: frozenset[str] | set[str] = frozenset()) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in stop}
