"""Fast grammar-constrained sampling for llama-cpp-python ("sample first, check after").

llama-cpp-python puts the grammar at the front of its sampler chain, so every token
checks the whole vocabulary (49k entries for SmolLM2) against the grammar, which makes
constrained decoding several times slower than free text. llama.cpp's own
``common_sampler`` avoids that: sample with the ordinary chain, check only the chosen
token against the grammar, and fall back to the full grammar pass only when that token is
rejected. ``use_lazy_grammar(llama)`` installs this strategy on one ``Llama`` object:
afterwards every ``grammar=`` (or ``response_format``) it is given is enforced this way.
Greedy decoding gives exactly the same tokens as the eager check, only faster.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals as internals

_TOKEN_DTYPE = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)


class LazyGrammarSampler:
    """A drop-in for ``LlamaSampler`` whose grammar checks one token in the common case.

    When the freely sampled token breaks the grammar, the step is redone over the
    ``shortlist`` most likely tokens (a cheap grammar pass), and over the whole vocabulary
    only when none of those is allowed. Under greedy decoding the result is the same token
    the eager full-vocabulary pass would pick, unless repetition penalties reorder tokens
    across the shortlist boundary.
    """

    def __init__(self, chain: Any, model: Any, grammar: Any, n_vocab: int, shortlist: int = 256) -> None:
        self.chain = chain  # the ordinary LlamaSampler chain, without grammar
        self.grammar = internals.LlamaSampler()
        self.grammar.add_grammar(model, grammar)
        self.n_vocab = n_vocab
        self.shortlist = min(shortlist, n_vocab - 1)
        self._ids = np.arange(n_vocab, dtype=np.int32)
        self._full, self._full_arr = self._array(n_vocab)
        self._short, self._short_arr = self._array(self.shortlist)
        self._one, self._one_arr = self._array(1)

    @staticmethod
    def _array(n: int) -> tuple[np.ndarray, Any]:
        buf = np.zeros(n, dtype=_TOKEN_DTYPE)
        return buf, llama_cpp.llama_token_data_array(
            data=buf.ctypes.data_as(llama_cpp.llama_token_data_p), size=n, selected=-1, sorted=False)

    @staticmethod
    def _load(buf: np.ndarray, arr: Any, ids: np.ndarray, logits: np.ndarray) -> None:
        buf["id"], buf["logit"], buf["p"] = ids, logits, 0.0
        arr.size, arr.selected, arr.sorted = len(ids), -1, False

    def _pick(self, buf: np.ndarray, arr: Any, grammar_first: bool) -> int:
        if grammar_first:
            llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(arr))
            if np.isneginf(buf["logit"][: arr.size]).all():
                return -1
        llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(arr))
        return int(buf["id"][arr.selected])

    def _allowed(self, token: int) -> bool:
        self._load(self._one, self._one_arr, np.array([token], dtype=np.int32), np.ones(1, dtype=np.float32))
        llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(self._one_arr))
        return not math.isinf(float(self._one["logit"][0]))

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        self._load(self._full, self._full_arr, self._ids, logits)
        token = self._pick(self._full, self._full_arr, grammar_first=False)
        if not self._allowed(token):
            top = np.argpartition(-logits, self.shortlist)[: self.shortlist].astype(np.int32)
            self._load(self._short, self._short_arr, top, logits[top])
            token = self._pick(self._short, self._short_arr, grammar_first=True)
            if token < 0:  # nothing likely is allowed: the full pass
                self._load(self._full, self._full_arr, self._ids, logits)
                token = self._pick(self._full, self._full_arr, grammar_first=True)
        self.grammar.accept(token)
        self.chain.accept(token)
        return token


def use_lazy_grammar(llama: Any) -> None:
    """Make every grammar-constrained sampler that ``llama`` builds check the grammar lazily."""
    original = llama._init_sampler

    def init_sampler(*args: Any, grammar: Any = None, **kwargs: Any) -> Any:
        chain = original(*args, grammar=None, **kwargs)
        return chain if grammar is None else LazyGrammarSampler(chain, llama._model, grammar, llama.n_vocab())

    llama._init_sampler = init_sampler
