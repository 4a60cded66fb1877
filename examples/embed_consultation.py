"""Embed meddiag: run one consultation against a scripted patient and print the result.

    python examples/embed_consultation.py [MODEL_SPEC]
"""

import asyncio
import sys

from meddiag import Consultation, ConsultationConfig, load_graph
from meddiag.schema import DifferentialUpdated, Finished, Utterance


class ScriptedPatient:
    """A patient who answers from a list, then stops talking."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = iter(answers)

    async def reply(self, utterance: str) -> str | None:
        return next(self.answers, None)


async def main(model: str) -> None:
    patient = ScriptedPatient(["I've had a cough and a fever for three days.",
                               "Yes, I'm coughing up green phlegm.", "No.", "Yes, a bit.", "Not sure."])
    consultation = Consultation(ConsultationConfig(model=model, max_turns=4), graph=load_graph())
    async for event in consultation.run(patient):
        if isinstance(event, Utterance):
            print(f"{event.turn.role:>7}: {event.turn.text}")
        elif isinstance(event, DifferentialUpdated) and event.differential.leading:
            print(f"{'':>9}(leading: {event.differential.leading.name})")
        elif isinstance(event, Finished):
            for h in event.differential.top(3):
                print(f"  {h.name} [{h.icd10}] {h.probability:.2f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "scripted"))
