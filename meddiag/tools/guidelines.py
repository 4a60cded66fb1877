"""Guideline lookup: ranked search over guideline sections, then the section text with its source.

Two kinds of source. The ``open-medicine`` package ships a registry of 43 guidelines
(organisation, year, DOI, topics) and one Markdown summary per section; those files are
read directly (nothing of the package is imported). Any folder of Markdown files can be
added (a hospital's own protocols): each file is a guideline, split into sections at its
``#`` and ``##`` headings; an optional YAML front matter gives ``title``, ``source``,
``year`` and ``organization``, otherwise the year is taken from the file name or the first
heading and the source is the file path. Search is SQLite FTS5 (bm25, porter stemming) in
memory over section titles, guideline metadata and the section text. Every result carries
its source, and ``GuidelineSection.citation`` is the line to print under any answer.
"""

from __future__ import annotations

import json
import re
import sqlite3
from importlib.util import find_spec
from pathlib import Path

import yaml
from pydantic import BaseModel

_HEADING = re.compile(r"^(#{1,2})\s+(.+?)\s*#*\s*$", re.M)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


class GuidelineError(ValueError):
    """A bad query, guideline id or folder; the message is one line for the user."""


class GuidelineHit(BaseModel):
    guideline_id: str
    section: str
    title: str
    source: str
    year: int | None = None
    score: float = 0.0
    coverage: float = 0.0  # share of the query's words found in the section
    title_coverage: float = 0.0  # ... in its title, guideline title and topics (how on-topic it is)

    def row(self) -> dict:
        """The JSON row of the CLI: guideline_id, section, title, source, year."""
        return self.model_dump(include={"guideline_id", "section", "title", "source", "year"})


class GuidelineSection(BaseModel):
    guideline_id: str
    section: str
    title: str
    source: str  # organisation and guideline title (or the file path)
    year: int | None = None
    doi: str | None = None
    guideline_title: str = ""
    topics: list[str] = []
    related_calculators: list[str] = []  # open-medicine function names, e.g. calculate_curb65
    text: str = ""

    @property
    def citation(self) -> str:
        parts = [self.source]
        if self.year and str(self.year) not in self.source:
            parts.append(str(self.year))
        if self.doi:
            parts.append(f"doi:{self.doi}")
        return "Source: " + ", ".join(parts)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "section"


def _title_of(markdown: str, fallback: str) -> str:
    m = _HEADING.search(markdown)
    return m.group(2).strip() if m else fallback


def open_medicine_dir() -> Path:
    spec = find_spec("open_medicine")
    if spec is None or not spec.submodule_search_locations:
        raise GuidelineError("the open-medicine package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "guidelines"


def load_open_medicine() -> list[GuidelineSection]:
    """Every curated section of the open-medicine guideline registry."""
    root = open_medicine_dir()
    registry = json.loads((root / "registry.json").read_text(encoding="utf-8"))
    out = []
    for g in registry:
        source = f"{g.get('organization', '')}: {g['title']}".strip(": ")
        for section in g.get("sections", []):
            path = root / "content" / g["id"] / f"{section}.md"
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8")
            out.append(
                GuidelineSection(
                    guideline_id=g["id"], section=section, title=_title_of(text, section), source=source,
                    year=g.get("year"), doi=g.get("doi"), guideline_title=g["title"],
                    topics=list(g.get("topics", [])), related_calculators=list(g.get("related_calculators", [])),
                    text=text,
                )
            )
    return out


def _front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            try:
                meta = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError as exc:
                raise GuidelineError(f"bad front matter: {str(exc).splitlines()[0]}") from None
            if isinstance(meta, dict):
                return meta, text[end + 4 :].lstrip("\n")
    return {}, text


def split_markdown(text: str, guideline_id: str, source: str, year: int | None = None) -> list[GuidelineSection]:
    """Split one Markdown guideline into sections at its level-1 and level-2 headings."""
    meta, body = _front_matter(text)
    heads = list(_HEADING.finditer(body))
    title = str(meta.get("title") or (heads[0].group(2) if heads else guideline_id))
    org = meta.get("organization")
    source = str(meta.get("source") or (f"{org}: {title}" if org else source))
    if meta.get("year") is not None:
        year = int(meta["year"])
    elif year is None:
        m = _YEAR.search(guideline_id) or _YEAR.search(title)
        year = int(m.group(1)) if m else None
    bounds = [(m.start(), m.group(2).strip()) for m in heads] or [(0, title)]
    if bounds[0][0] > 0 and body[: bounds[0][0]].strip():
        bounds.insert(0, (0, title))
    out, seen = [], set()
    for i, (start, heading) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(body)
        chunk = body[start:end].strip()
        if not chunk or _HEADING.fullmatch(chunk):
            continue  # a heading with nothing under it
        section, n = _slug(heading), 2
        while section in seen:
            section, n = f"{_slug(heading)}_{n}", n + 1
        seen.add(section)
        out.append(GuidelineSection(guideline_id=guideline_id, section=section, title=heading, source=source,
                                    year=year, doi=meta.get("doi"), guideline_title=title, text=chunk))
    return out


def load_markdown_dir(folder: str | Path) -> list[GuidelineSection]:
    """Every section of every ``*.md`` file under ``folder``; the id is the file's relative path."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise GuidelineError(f"guideline folder not found: {root}")
    out = []
    for path in sorted(root.rglob("*.md")):
        gid = path.relative_to(root).with_suffix("").as_posix()
        out += split_markdown(path.read_text(encoding="utf-8", errors="replace"), gid, str(path))
    return out


class GuidelineLibrary:
    """The sections of open-medicine plus any Markdown folders, searchable in memory."""

    def __init__(self, dirs: list[str | Path] = (), include_open_medicine: bool = True) -> None:
        self.sections: list[GuidelineSection] = load_open_medicine() if include_open_medicine else []
        for folder in dirs:
            self.sections += load_markdown_dir(folder)
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE VIRTUAL TABLE s USING fts5(title, meta, body, tokenize='porter unicode61')")
        self.db.executemany(
            "INSERT INTO s(rowid, title, meta, body) VALUES (?,?,?,?)",
            [
                (i, s.title, " ".join([s.guideline_id.replace("_", " "), s.guideline_title, s.source, *s.topics]), s.text)
                for i, s in enumerate(self.sections)
            ],
        )

    def search(self, query: str, limit: int = 5) -> list[GuidelineHit]:
        words = list(dict.fromkeys(re.findall(r"[a-z0-9]+", query.lower())))
        if not words:
            raise GuidelineError("empty guideline query")
        rows = self.db.execute(
            "SELECT rowid, bm25(s, 5.0, 1.0, 2.0) FROM s WHERE s MATCH ? ORDER BY 2 LIMIT ?",
            (" OR ".join(f'"{w}"' for w in words), max(limit * 4, 20)),
        ).fetchall()
        def coverage(text: str) -> float:  # share of query words found (prefix match ~ stemming)
            found = set(re.findall(r"[a-z0-9]+", text.lower()))
            return sum(any(f.startswith(w[:5]) for f in found) for w in words) / len(words)

        hits = []
        for rowid, bm in rows:
            s = self.sections[rowid]
            found = coverage(f"{s.title}\n{s.text}")
            on_topic = coverage(" ".join([s.title, s.guideline_title, *s.topics]))
            score = -bm * (0.5 + found) + 3.0 * coverage(s.title)
            hits.append(GuidelineHit(guideline_id=s.guideline_id, section=s.section, title=s.title, source=s.source,
                                     year=s.year, score=round(score, 3), coverage=round(found, 3),
                                     title_coverage=round(on_topic, 3)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]

    def get(self, guideline_id: str, section: str | None = None) -> GuidelineSection:
        """One section (the first of the guideline when ``section`` is None)."""
        matches = [s for s in self.sections if s.guideline_id == guideline_id]
        if not matches:
            raise GuidelineError(f"unknown guideline {guideline_id!r}")
        if section is None:
            return matches[0]
        for s in matches:
            if s.section == section:
                return s
        names = ", ".join(s.section for s in matches)
        raise GuidelineError(f"guideline {guideline_id!r} has no section {section!r} (sections: {names})")

    def answer(self, query: str) -> GuidelineSection:
        """The best section for a query, with its text and source."""
        hits = self.search(query, limit=1)
        if not hits:
            raise GuidelineError(f"no guideline section matches {query!r}")
        return self.get(hits[0].guideline_id, hits[0].section)
