"""A patient for logic tests: says the given answers in order, then nothing, and keeps what it heard."""

from __future__ import annotations


class ListPatient:
    def __init__(self, answers):
        self.answers = list(answers)
        self.heard: list[str] = []

    async def reply(self, utterance):
        self.heard.append(utterance)
        return self.answers.pop(0) if self.answers else None
