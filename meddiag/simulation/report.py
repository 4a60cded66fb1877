"""Reports over benchmark run folders: one Markdown file and one self-contained HTML page.

``write_report(run_dirs, out_dir)`` reads each folder's ``run.json`` and ``results.jsonl``
(see :mod:`meddiag.simulation.runner`) and writes ``report.md`` and ``report.html`` with
the metrics table, accuracy against the number of doctor turns, accuracy by specialty
(plain-text bars in Markdown, inline SVG in HTML), a case-by-case comparison of every run
with the first one, and a table per run linking each case to its transcript.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

from pydantic import BaseModel

from meddiag.simulation.runner import RESULTS, BenchConfig, CaseResult, RunError, Summary, read_results, summarise

TURN_BINS = [(0, 4), (5, 8), (9, 12), (13, 16), (17, 10_000)]


class Run(BaseModel):
    name: str
    path: Path
    config: BenchConfig
    results: list[CaseResult]
    summary: Summary


def load_run(path: str | Path) -> Run:
    path = Path(path)
    manifest = path / "run.json"
    if not manifest.is_file() or not (path / RESULTS).is_file():
        raise RunError(f"{path} is not a benchmark run folder (no run.json or {RESULTS})")
    try:
        config = BenchConfig.model_validate(json.loads(manifest.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValueError):
        raise RunError(f"{manifest} is not a valid run manifest") from None
    results = sorted(read_results(path / RESULTS).values(), key=lambda r: (r.line or 0, r.case_id))
    return Run(name=path.name, path=path, config=config, results=results, summary=summarise(results, config, path))


def _rate(rs: list[CaseResult], attr: str) -> float:
    return sum(getattr(r, attr) for r in rs) / len(rs) if rs else 0.0


def _bins(run: Run) -> list[tuple[str, int, float, float]]:
    out = []
    for lo, hi in TURN_BINS:
        rs = [r for r in run.results if lo <= r.turns <= hi]
        if rs:
            out.append((f"{lo}-{hi}" if hi < 10_000 else f"{lo}+", len(rs), _rate(rs, "top1"), _rate(rs, "top10")))
    return out


def _specialties(run: Run) -> list[tuple[str, int, float, float]]:
    groups: dict[str, list[CaseResult]] = {}
    for r in run.results:
        groups.setdefault(r.specialty or "unknown", []).append(r)
    return sorted(((k, len(v), _rate(v, "top1"), _rate(v, "top10")) for k, v in groups.items()),
                  key=lambda t: (-t[1], t[0]))


def _bar(x: float, width: int = 20) -> str:
    n = round(x * width)
    return "█" * n + "·" * (width - n)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _label(run: Run) -> str:
    return f"{run.name} ({run.config.team}, {run.config.model})"


def _compare(a: Run, b: Run) -> tuple[dict[str, int], list[tuple[CaseResult, CaseResult]]]:
    bmap = {r.case_id: r for r in b.results}
    counts = {"both": 0, "only_a": 0, "only_b": 0, "neither": 0}
    differ = []
    for ra in a.results:
        rb = bmap.get(ra.case_id)
        if rb is None:
            continue
        key = ("both" if rb.top1 else "only_a") if ra.top1 else ("only_b" if rb.top1 else "neither")
        counts[key] += 1
        if ra.top1 != rb.top1:
            differ.append((ra, rb))
    return counts, differ


def _link(run: Run, r: CaseResult, base: Path) -> str:
    return os.path.relpath(run.path / r.transcript, base) if r.transcript else ""


def markdown(runs: list[Run], base: Path) -> str:
    lines = ["# meddiag benchmark report", "", "## Metrics", "",
             "| run | team | model | seed | n | top-1 | top-3 | top-10 | mean turns | mean tests | tokens | seconds | errors |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        s = run.summary
        lines.append(f"| {run.name} | {s.team} | {s.model} | {s.seed} | {s.n} | {_pct(s.top1)} | {_pct(s.top3)} | "
                     f"{_pct(s.top10)} | {s.mean_turns:.1f} | {s.mean_tests:.1f} | {s.tokens} | {s.seconds:.1f} | {s.errors} |")
    lines += ["", "## Accuracy against doctor turns", ""]
    for run in runs:
        lines += [f"**{_label(run)}**", "", "```", "turns   n     top-1                        top-10"]
        lines += [f"{b:<7} {n:<5} {_bar(t1)} {_pct(t1):>6}  {_bar(t10)} {_pct(t10):>6}" for b, n, t1, t10 in _bins(run)]
        lines += ["```", ""]
    lines += ["## Accuracy by specialty", ""]
    for run in runs:
        lines += [f"**{_label(run)}**", "", "```"]
        lines += [f"{k[:22]:<22} {n:<4} {_bar(t1)} {_pct(t1):>6}  top-10 {_pct(t10):>6}"
                  for k, n, t1, t10 in _specialties(run)]
        lines += ["```", ""]
    if len(runs) > 1:
        lines += ["## Comparison with the first run (top-1)", ""]
        for other in runs[1:]:
            counts, differ = _compare(runs[0], other)
            lines += [f"**{runs[0].name}** vs **{other.name}**: both right {counts['both']}, only "
                      f"{runs[0].name} {counts['only_a']}, only {other.name} {counts['only_b']}, "
                      f"neither {counts['neither']}.", ""]
            if differ:
                lines += ["| case | answer | " + runs[0].name + " | " + other.name + " |", "|---|---|---|---|"]
                for ra, rb in differ:
                    lines.append(f"| [{ra.case_id}]({_link(runs[0], ra, base)}) | {ra.diagnosis} | "
                                 f"{(ra.predicted or ['-'])[0]} | [{(rb.predicted or ['-'])[0]}]({_link(other, rb, base)}) |")
                lines.append("")
    for run in runs:
        lines += [f"## Cases: {_label(run)}", "", "| case | answer | top-3 predicted | rank | turns | tests |",
                  "|---|---|---|---|---|---|"]
        for r in run.results:
            pred = "; ".join(r.predicted[:3]) or (r.error or "-")
            lines.append(f"| [{r.case_id}]({_link(run, r, base)}) | {r.diagnosis} | {pred} | {r.rank or '-'} | "
                         f"{r.turns} | {r.tests_ordered} |")
        lines.append("")
    return "\n".join(lines)


def _svg_bars(rows: list[tuple[str, int, float, float]], width: int = 520) -> str:
    """Horizontal paired bars (top-1 dark, top-10 light) for labelled groups."""
    h = 22 * len(rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img">']
    for i, (label, n, t1, t10) in enumerate(rows):
        y = 5 + 22 * i
        parts += [f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label[:24])} (n={n})</text>',
                  f'<rect x="190" y="{y}" width="{t10 * 260:.1f}" height="18" fill="#9ecae1"/>',
                  f'<rect x="190" y="{y + 4}" width="{t1 * 260:.1f}" height="10" fill="#08519c"/>',
                  f'<text x="{455}" y="{y + 14}" font-size="12">{_pct(t1)} / {_pct(t10)}</text>']
    parts.append("</svg>")
    return "".join(parts)


def html_page(runs: list[Run], base: Path) -> str:
    e = html.escape
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>meddiag benchmark report</title><style>",
           "body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}",
           "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}th{background:#f3f3f3}",
           ".ok{color:#060}.no{color:#a00}</style></head><body><h1>meddiag benchmark report</h1>",
           "<h2>Metrics</h2><table><tr><th>run</th><th>team</th><th>model</th><th>seed</th><th>n</th><th>top-1</th>"
           "<th>top-3</th><th>top-10</th><th>mean turns</th><th>mean tests</th><th>tokens</th><th>seconds</th>"
           "<th>errors</th></tr>"]
    for run in runs:
        s = run.summary
        out.append(f"<tr><td>{e(run.name)}</td><td>{e(s.team)}</td><td>{e(s.model)}</td><td>{s.seed}</td><td>{s.n}</td>"
                   f"<td>{_pct(s.top1)}</td><td>{_pct(s.top3)}</td><td>{_pct(s.top10)}</td><td>{s.mean_turns:.1f}</td>"
                   f"<td>{s.mean_tests:.1f}</td><td>{s.tokens}</td><td>{s.seconds:.1f}</td><td>{s.errors}</td></tr>")
    out.append("</table><p>Bars: top-1 (dark) inside top-10 (light).</p><h2>Accuracy against doctor turns</h2>")
    for run in runs:
        out += [f"<h3>{e(_label(run))}</h3>", _svg_bars(_bins(run))]
    out.append("<h2>Accuracy by specialty</h2>")
    for run in runs:
        out += [f"<h3>{e(_label(run))}</h3>", _svg_bars(_specialties(run))]
    if len(runs) > 1:
        out.append("<h2>Comparison with the first run (top-1)</h2>")
        for other in runs[1:]:
            counts, differ = _compare(runs[0], other)
            out.append(f"<p><b>{e(runs[0].name)}</b> vs <b>{e(other.name)}</b>: both right {counts['both']}, "
                       f"only the first {counts['only_a']}, only the second {counts['only_b']}, neither {counts['neither']}.</p>")
            if differ:
                out.append("<table><tr><th>case</th><th>answer</th><th>first run</th><th>second run</th></tr>")
                for ra, rb in differ:
                    out.append(f"<tr><td><a href='{e(_link(runs[0], ra, base))}'>{e(ra.case_id)}</a></td>"
                               f"<td>{e(ra.diagnosis)}</td><td>{e((ra.predicted or ['-'])[0])}</td>"
                               f"<td><a href='{e(_link(other, rb, base))}'>{e((rb.predicted or ['-'])[0])}</a></td></tr>")
                out.append("</table>")
    for run in runs:
        out += [f"<h2>Cases: {e(_label(run))}</h2><details><summary>{len(run.results)} cases</summary><table>",
                "<tr><th>case</th><th>answer</th><th>top-3 predicted</th><th>rank</th><th>turns</th><th>tests</th></tr>"]
        for r in run.results:
            cls = "ok" if r.top1 else "no"
            pred = "; ".join(r.predicted[:3]) or (r.error or "-")
            out.append(f"<tr><td><a href='{e(_link(run, r, base))}'>{e(r.case_id)}</a></td><td>{e(r.diagnosis)}</td>"
                       f"<td class='{cls}'>{e(pred)}</td><td>{r.rank or '-'}</td><td>{r.turns}</td>"
                       f"<td>{r.tests_ordered}</td></tr>")
        out.append("</table></details>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(run_dirs: list[str | Path], out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` (into ``out_dir``, default the first run folder)."""
    if not run_dirs:
        raise RunError("give at least one run folder")
    runs = [load_run(d) for d in run_dirs]
    base = Path(out_dir) if out_dir else runs[0].path
    base.mkdir(parents=True, exist_ok=True)
    md, page = base / "report.md", base / "report.html"
    md.write_text(markdown(runs, base) + "\n", encoding="utf-8")
    page.write_text(html_page(runs, base) + "\n", encoding="utf-8")
    return md, page
