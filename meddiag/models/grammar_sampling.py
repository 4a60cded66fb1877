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
    """A drop-in for ``LlamaSampler`` whose grammar checks one token in the common case."""

    def __init__(self, chain: Any, model: Any, grammar: Any, n_vocab: int) -> None:
        self.chain = chain  # the ordinary LlamaSampler chain, without grammar
        self.grammar = internals.LlamaSampler()
        self.grammar.add_grammar(model, grammar)
        self.n_vocab = n_vocab
        self._buf = np.zeros(n_vocab, dtype=_TOKEN_DTYPE)
        self._ids = np.arange(n_vocab, dtype=np.int32)
        self._arr = llama_cpp.llama_token_data_array(
            data=self._buf.ctypes.data_as(llama_cpp.llama_token_data_p), size=n_vocab, selected=-1, sorted=False)
        self._one = np.zeros(1, dtype=_TOKEN_DTYPE)
        self._one_arr = llama_cpp.llama_token_data_array(
            data=self._one.ctypes.data_as(llama_cpp.llama_token_data_p), size=1, selected=-1, sorted=False)

    def _fill(self, logits: Any) -> None:
        self._buf["id"] = self._ids
        self._buf["logit"] = np.ctypeslib.as_array(logits, shape=(self.n_vocab,))
        self._buf["p"] = 0.0
        self._arr.size, self._arr.selected, self._arr.sorted = self.n_vocab, -1, False

    def _chosen(self) -> int:
        return int(self._buf["id"][self._arr.selected])

    def _allowed(self, token: int) -> bool:
        self._one["id"], self._one["logit"], self._one["p"] = token, 1.0, 0.0
        self._one_arr.size, self._one_arr.selected, self._one_arr.sorted = 1, -1, False
        llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(self._one_arr))
        return not math.isinf(float(self._one["logit"][0]))

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        self._fill(logits)
        llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(self._arr))
        token = self._chosen()
        if not self._allowed(token):  # rare: redo the step with the grammar over the whole vocabulary
            self._fill(logits)
            llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(self._arr))
            llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(self._arr))
            token = self._chosen()
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
