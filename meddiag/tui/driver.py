"""What every chat front end shares: options, model loading, the event stream, the store.

``ChatSession`` turns :class:`ChatOptions` into a running stream of typed events for the
role the user plays — ``patient`` (the team interviews the user), ``doctor`` (OSCE
practice against a scenario's simulated patient) or ``watch`` (the team and a simulated
patient) — and commits every event to the session store before it is handed on, so a
front end can only show what is already on disk. A resumed session replays its stored
turns first. ``human`` is the front end's side of the conversation: ``reply()`` when
the user is the patient, ``ask()`` when the user is the doctor.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from pydantic import BaseModel, Field

from meddiag.models import ModelError, ModelSpecError, ScriptedClient, load_model
from meddiag.schema import Event, Turn
from meddiag.sessions import ChatRole, SessionError, SessionInfo, SessionStore


class ChatOptions(BaseModel):
    role: ChatRole = "patient"
    scenario: str | None = None
    model: str = "scripted"
    max_turns: int = Field(12, ge=1, le=200)
    resume: str | None = None  # a session id (or its unique prefix)
    pace: float = Field(0.0, ge=0.0)  # seconds before each simulated answer (watch mode)
    threads: int | None = None


def load_model_or_problem(spec: str, threads: int | None = None):
    """``(client, None)``, or ``(None, one-line problem)`` when the model cannot be loaded.

    A malformed spec is the user's error and raises ``ModelSpecError``."""
    try:
        return load_model(spec, n_threads=threads), None
    except ModelSpecError:
        raise
    except (ModelError, OSError) as exc:
        return None, f"cannot use model {spec!r}: {exc}"


class PacedPatient:
    """A simulated patient that waits a moment before answering, so a person can follow."""

    def __init__(self, patient, pace: float) -> None:
        self.patient, self.pace = patient, pace

    async def reply(self, utterance: str) -> str | None:
        await asyncio.sleep(self.pace)
        return await self.patient.reply(utterance)

    async def examine(self, request: str) -> str | None:
        await asyncio.sleep(self.pace)
        return await self.patient.examine(request)


class ChatSession:
    """One chat: resolved options, the stored session, and the engine behind it."""

    def __init__(self, options: ChatOptions, store: SessionStore, graph=None, session_id: str | None = None) -> None:
        self.store = store
        self.resumed: list[Turn] = []  # the stored turns of a resumed session
        if options.resume:
            info = store.info(options.resume)
            if info.status == "finished":
                raise SessionError(f"session {info.id} has finished; see `meddiag sessions show {info.id}`")
            options = options.model_copy(update={"role": info.role, "scenario": info.scenario,
                                                 "max_turns": info.max_turns,
                                                 "model": options.model if "model" in options.model_fields_set
                                                 else info.model})
            self.resumed = store.turns(info.id)
        if options.role != "patient" and not options.scenario:
            from meddiag.simulation.case import bundled_scenarios

            names = ", ".join(bundled_scenarios())
            raise SessionError(f"the {options.role} role needs --scenario NAME (bundled: {names})")
        self.options = options
        self.case = None
        if options.scenario:
            from meddiag.simulation.case import load_scenario

            self.case = load_scenario(options.scenario)
        if graph is None:
            from meddiag.knowledge.umls_graph import load_graph

            graph = load_graph()
        self.graph = graph
        if options.resume:
            self.info: SessionInfo = store.info(options.resume)
        else:
            self.info = store.create(options.role, options.model, options.max_turns, options.scenario,
                                     session_id=session_id)
        self.engine = None

    @property
    def persistent(self) -> bool:
        """False for ``--no-log`` (nothing on disk to show or resume later)."""
        return self.store.path != ":memory:"

    def start(self, model, human) -> AsyncIterator[Event]:
        """The recorded event stream; ``model`` is a loaded client (None: scripted)."""
        o = self.options
        if model is None:
            model = ScriptedClient()
        if self.resumed:
            self.store.reset_events(self.info.id)  # the replay records them again
        if o.role == "doctor":
            from meddiag.tui.practice import Practice

            self.engine = Practice(self.case, self.graph, max_turns=o.max_turns)
            self.engine.id = self.info.id
            events = self.engine.run(human, resume=self.resumed)
        else:
            from meddiag.orchestrator import Consultation, ConsultationConfig

            config = ConsultationConfig(model=o.model, max_turns=o.max_turns, n_threads=o.threads,
                                        stop_on_emergency=o.role == "patient")
            self.engine = Consultation(config, model=model, graph=self.graph)
            self.engine.id = self.info.id
            if o.role == "watch":
                from meddiag.simulation.patient import SimulatedPatient

                human = PacedPatient(SimulatedPatient(self.case, self.graph), o.pace)
            events = self.engine.run(human, resume=self.resumed)
        return self._recorded(events)

    async def _recorded(self, events: AsyncIterator[Event]) -> AsyncIterator[Event]:
        async for event in events:
            self.store.add_event(self.info.id, event)  # committed before anyone sees it
            yield event

    def use_model(self, spec: str, model) -> None:
        """Switch a running consultation to another model."""
        if hasattr(self.engine, "use_model"):
            self.engine.use_model(model)
            self.engine.config.model = spec
        self.options = self.options.model_copy(update={"model": spec})
        self.store.update(self.info.id, model=spec)

    def set_max_turns(self, n: int) -> None:
        if hasattr(self.engine, "config"):
            self.engine.config.max_turns = n
        elif self.engine is not None:
            self.engine.max_turns = n
        self.options = self.options.model_copy(update={"max_turns": n})
        self.store.update(self.info.id, max_turns=n)

