"""The chat screen's widgets, each fed by the consultation's typed events.

Conversation (approved turns, plus a "drafting" line while the team writes), the
emergency banner, the live differential, findings present/absent, the evidence path of
the selected diagnosis, the safety panel (critic verdicts and red flags) and the agents'
trace, where the history-taker's draft tokens stream before the critic has seen them.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, RichLog, Static

from meddiag.schema import CaseState, CriticVerdict, Differential, Hypothesis, RedFlag, Turn

WHO = {
    "patient": {"doctor": "meddiag", "patient": "You"},
    "doctor": {"doctor": "You", "patient": "Patient"},
    "watch": {"doctor": "meddiag", "patient": "Patient"},
}


class Bubble(Static):
    """One turn of the conversation; a new doctor turn is revealed word by word (it is already
    approved and stored: the reveal is only how it is shown)."""

    def __init__(self, turn: Turn, who: str, reveal: float = 0.0) -> None:
        super().__init__(classes=f"bubble -{turn.role}")
        self.turn = turn
        self.who = who
        self.words = turn.text.split(" ")
        self.shown = 0 if reveal > 0 else len(self.words)
        self.reveal = reveal

    def on_mount(self) -> None:
        self.show_text()
        if not self.complete:
            self.timer = self.set_interval(self.reveal, self.tick)

    @property
    def complete(self) -> bool:
        return self.shown >= len(self.words)

    def tick(self) -> None:
        self.shown += 1
        self.show_text()
        if self.complete:
            self.timer.stop()
        if isinstance(self.parent, Conversation):
            self.parent.scroll_end(animate=False)

    def show_text(self) -> None:
        self.update(Text(" ".join(self.words[: self.shown])))


class Conversation(VerticalScroll):
    """The approved turns, newest at the bottom, with a typing line while the team drafts."""

    def __init__(self, role: str, reveal: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.who = {**WHO[role], "examiner": "Examiner", "system": "Note"}
        self.reveal = reveal

    def on_resize(self) -> None:
        self.scroll_end(animate=False)

    def compose(self):
        yield Static("", id="typing")

    def add(self, turn: Turn, live: bool = True) -> Bubble:
        """Show a turn; a live doctor turn is revealed word by word."""
        reveal = self.reveal if live and turn.role == "doctor" and self.who["doctor"] != "You" else 0.0
        bubble = Bubble(turn, self.who[turn.role], reveal)
        self.mount(bubble, before=self.query_one("#typing"))
        self.typing("")
        self.scroll_end(animate=False)
        return bubble

    def typing(self, text: str) -> None:
        line = self.query_one("#typing", Static)
        line.update(text)
        line.display = bool(text)
        if text:
            self.scroll_end(animate=False)


class EmergencyBanner(Static):
    """Impossible to miss: shown on an emergency or urgent red flag, and it stays."""

    flag: reactive[RedFlag | None] = reactive(None)

    def watch_flag(self, flag: RedFlag | None) -> None:
        self.display = flag is not None
        if flag is None:
            return
        self.set_class(flag.level == "emergency", "-emergency")
        self.set_class(flag.level == "urgent", "-urgent")
        head = "EMERGENCY" if flag.level == "emergency" else "URGENT"
        self.update(Text.assemble((f" ⚠ {head}: ", "bold"), flag.advice or flag.rule))

    def raise_flag(self, flag: RedFlag) -> None:
        if flag.level == "routine":
            return
        if self.flag is None or (self.flag.level == "urgent" and flag.level == "emergency"):
            self.flag = flag


class DifferentialPanel(DataTable):
    """The ranked differential: probability, diagnosis, ICD-10-CM code; a row selects its evidence."""

    class Selected(Message):
        def __init__(self, hypothesis: Hypothesis | None) -> None:
            super().__init__()
            self.hypothesis = hypothesis

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.hypotheses: list[Hypothesis] = []

    def on_mount(self) -> None:
        self.border_title = "Differential"
        self.add_columns("p", "ICD-10", "Diagnosis")

    def show(self, differential: Differential) -> None:
        # the selection follows the leading diagnosis unless the user is moving through the table
        held = self.has_focus and self.hypotheses and 0 <= self.cursor_row < len(self.hypotheses)
        selected = self.hypotheses[self.cursor_row].disease_id if held else None
        self.hypotheses = differential.top(10)
        self.clear()
        for h in self.hypotheses:
            mark = "!" if (h.red_flag or h.must_not_miss) else " "
            self.add_row(f"{h.probability:>4.0%}", h.icd10 or "-",
                         Text(mark + h.name, style="bold red" if mark == "!" else ""), key=h.disease_id)
        keep = next((i for i, h in enumerate(self.hypotheses) if h.disease_id == selected), 0)
        if self.hypotheses:
            self.move_cursor(row=keep)
        self.post_message(self.Selected(self.hypotheses[keep] if self.hypotheses else None))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.hypotheses):
            self.post_message(self.Selected(self.hypotheses[event.cursor_row]))


class FindingsPanel(Static):
    """What the team knows: findings present (+) and absent (−)."""

    def show(self, state: CaseState) -> None:
        text = Text()
        d = state.demographics
        who = " ".join(x for x in (f"{d.age:g} y" if d.age is not None else "", d.sex or "",
                                    "pregnant" if d.pregnant else "") if x)
        if who:
            text.append(f"{who}\n", style="bold")
        for status, mark, style in (("present", "+ ", "green"), ("absent", "− ", "red")):
            for f in state.with_status(status):
                value = f" {f.value:g}{f.unit or ''}" if f.value is not None and status == "present" else ""
                text.append(mark, style=f"bold {style}").append(f"{f.label}{value}")
                text.append(f"  {f.source}\n", style="dim")
        self.update(text if text else Text("Nothing gathered yet.", style="dim"))


class EvidencePanel(Static):
    """Why the selected diagnosis ranks where it does: each finding's push on its log-odds."""

    def show(self, h: Hypothesis | None, label=lambda i: i) -> None:
        if h is None:
            self.update(Text("Select a diagnosis to see its evidence.", style="dim"))
            return
        text = Text.assemble((h.name, "bold"), f"  {h.icd10 or '-'}  p={h.probability:.2f}\n")
        if h.reason:
            text.append(h.reason + "\n", style="italic")
        for e in sorted(h.evidence, key=lambda e: -abs(e.weight)):
            style = "green" if e.weight > 0 else "red"
            text.append(f"{e.weight:+.2f} ", style=f"bold {style}").append(f"{e.label} ({e.status})")
            hops = [label(n) for n in e.path[1:-1]]
            if hops:
                text.append(" via " + " → ".join(hops), style="dim")
            text.append("\n")
        if not h.evidence:
            text.append("No findings bear on it yet (prior only).", style="dim")
        self.update(text)


class SafetyPanel(Static):
    """The safety critic at work: red flags raised and every draft it changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.flags: list[RedFlag] = []
        self.approved = 0
        self.changed: list[CriticVerdict] = []

    def on_mount(self) -> None:
        self.render_panel()

    def add_flag(self, flag: RedFlag) -> None:
        self.flags.append(flag)
        self.render_panel()

    def add_verdict(self, verdict: CriticVerdict) -> None:
        if verdict.approved:
            self.approved += 1
        else:
            self.changed.append(verdict)
        self.render_panel()

    def render_panel(self) -> None:
        text = Text()
        style = {"emergency": "bold white on red", "urgent": "bold black on yellow", "routine": "bold"}
        for f in self.flags:
            text.append(f" {f.level.upper()} ", style=style[f.level]).append(f" {f.rule}\n")
            if f.evidence:
                text.append(f"   heard: {f.evidence}\n", style="dim")
        text.append(f"Critic: {self.approved} drafts approved, {len(self.changed)} changed\n")
        for v in self.changed[-5:]:
            text.append("  ✎ " + "; ".join(v.reasons) + "\n", style="yellow")
        self.update(text)


class TracePanel(Vertical):
    """Who said what to whom inside the team; draft tokens stream here, unreviewed."""

    def compose(self):
        yield RichLog(id="trace-log", wrap=True, markup=False, max_lines=500, min_width=20)
        yield Static("", id="draft")

    def on_mount(self) -> None:
        self.border_title = "Agents' trace"

    def log_line(self, sender: str, recipient: str, content: str) -> None:
        self.query_one(RichLog).write(Text.assemble((f"{sender} → {recipient}: ", "bold cyan"), content))

    def draft(self, text: str) -> None:
        draft = self.query_one("#draft", Static)
        draft.update(Text.assemble(("history_taker draft (not yet reviewed): ", "dim italic"), text) if text else "")
