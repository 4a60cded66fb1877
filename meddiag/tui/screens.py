"""Modal screens of the chat app: help, settings (model, max turns), and the model problem notice."""

from __future__ import annotations

from pydantic import BaseModel
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown

HELP = """\
# meddiag chat

meddiag is a **diagnostic assistant, not a doctor**. In an emergency call your local
emergency number (999, 911, 112).

**The screen.** On the left, the conversation: only messages the safety critic approved
reach it. On the right, what the team is thinking, updated every turn:

- **Differential** — the diagnoses under consideration, with probability and ICD-10-CM
  code (`!` marks one that must not be missed). Move through it with the arrow keys.
- **Findings** — what has been learnt: `+` present, `−` absent.
- **Evidence** — how each finding moved the selected diagnosis.
- **Safety** — red flags and every draft the critic changed. A red flag also opens the
  red banner at the top, which stays.

The **agents' trace** (F3) shows who said what to whom inside the team, and the
history-taker's draft while it is still being written, before the critic has seen it.

**Playing the doctor** (`--as doctor`): type questions; `/exam` examines the patient,
`/test NAME` orders a test, `/dx DIAGNOSIS` commits to a diagnosis and ends the station
with feedback on what you missed; `/end` ends without one.

Every turn is saved before it is shown; quit at any time and continue with
`meddiag chat --resume ID` (`--no-log` keeps nothing).

| key | does |
|---|---|
| F1 | this help |
| F2 | settings: model, max turns |
| F3 | agents' trace on/off |
| F4 | light / dark theme |
| F8 | end the consultation |
| Tab | move between the answer box and the panels |
| Ctrl+Q | quit (the session can be resumed) |
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Markdown(HELP)
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self) -> None:
        self.dismiss()


class Settings(BaseModel):
    model: str
    max_turns: int


class SettingsScreen(ModalScreen[Settings | None]):
    """Switch the model or the turn budget; the change applies from the next turn."""

    BINDINGS = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, current: Settings) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-box", classes="dialog"):
            yield Label("Settings", classes="title")
            yield Label("Model (local, gguf:PATH, openai:MODEL[@URL], scripted)")
            yield Input(self.current.model, id="model")
            yield Label("Max history questions")
            yield Input(str(self.current.max_turns), id="max-turns", type="integer")
            yield Label("", id="settings-error")
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="apply", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self) -> None:
        self._apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self._apply()
        else:
            self.dismiss(None)

    def _apply(self) -> None:
        model = self.query_one("#model", Input).value.strip()
        turns = self.query_one("#max-turns", Input).value.strip()
        if not model or not turns.isdigit() or not 1 <= int(turns) <= 200:
            self.query_one("#settings-error", Label).update("Give a model spec and a number of turns from 1 to 200.")
            return
        self.dismiss(Settings(model=model, max_turns=int(turns)))


class ModelProblemScreen(ModalScreen[bool]):
    """One line on what went wrong with the model, and the choice to go on without it."""

    BINDINGS = [Binding("escape", "keep", "Keep")]

    def __init__(self, problem: str, keep_label: str = "Quit") -> None:
        super().__init__()
        self.problem = problem
        self.keep_label = keep_label

    def compose(self) -> ComposeResult:
        with Vertical(id="problem-box", classes="dialog"):
            yield Label(self.problem, id="problem")
            with Horizontal(classes="buttons"):
                yield Button("Continue on scripted", id="scripted", variant="warning")
                yield Button(self.keep_label, id="keep")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "scripted")

    def action_keep(self) -> None:
        self.dismiss(False)
