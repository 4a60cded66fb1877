"""The ICD-10-CM index: one SQLite file built once from ``simple_icd_10_cm`` and cached.

Importing ``simple_icd_10_cm`` parses the whole tabular XML (seconds), so the package is
read once and everything the coding tools need goes into
``$MEDDIAG_HOME/cache/icd10cm-<package version>-s<schema>.sqlite`` (MEDDIAG_HOME defaults
to ``~/.meddiag``):

* ``codes``: every code with description, kind, billable flag (a leaf category,
  subcategory or 7th-character extension), parent, and precomputed stems for the rerank;
* ``notes``: includes, inclusion terms, excludes1/2, code first/also, use additional code;
* ``vocab``: how many codes use each word (to skip very common words in a fallback);
* ``fts``: FTS5 (porter, bm25) over main terms, descriptions and inclusion terms of
  categories and subcategories; the 51k 7th-character extensions are left out, a search
  finds their parent and the parent lists them.

A new package version gives a new file name, so the index is rebuilt when the package
changes (the old file is removed). The file is written under a temporary name and
renamed, so concurrent builders are safe.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

SCHEMA_VERSION = 5
STOPWORDS = frozenset("a an and the of in on to for with by or nos nec unspecified other patient".split())


def meddiag_home() -> Path:
    return Path(os.environ.get("MEDDIAG_HOME") or Path.home() / ".meddiag").expanduser()


def index_path() -> Path:
    tag = f"{version('simple_icd_10_cm')}-s{SCHEMA_VERSION}"
    return meddiag_home() / "cache" / f"icd10cm-{tag}.sqlite"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light plural stemmer, used on both sides of the rerank (FTS5 does its own porter)."""
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def stems(text: str) -> list[str]:
    return list(dict.fromkeys(stem(w) for w in words(text) if w not in STOPWORDS))


def head(text: str) -> str:
    """The main term of a description: before the first comma, without (qualifiers) or NOS."""
    text = re.sub(r"\([^)]*\)|\[[^]]*\]|\bNOS\b", " ", text).split(",")[0]
    return " ".join(text.split())


def _kind(cm, code: str) -> str:
    if cm.is_extended_subcategory(code):
        return "extended"  # a 7th-character code (encounter, laterality ...)
    if cm.is_chapter(code):
        return "chapter"
    if cm.is_block(code) and not cm.is_category(code):
        return "block"
    return "category" if cm.is_category(code) else "subcategory"


def _note_rows(cm, code: str) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for kind, getter in (
        ("includes", cm.get_includes),
        ("inclusion_term", cm.get_inclusion_term),
        ("excludes1", cm.get_excludes1),
        ("excludes2", cm.get_excludes2),
    ):
        rows += [(code, kind, text) for text in getter(code)]
    for kind, getter in (
        ("code_first", cm.get_code_first),
        ("code_also", cm.get_code_also),
        ("use_additional_code", cm.get_use_additional_code),
    ):
        text = getter(code)
        if text:
            rows.append((code, kind, text))
    return rows


def build(path: Path) -> None:
    """Write the index to ``path`` (atomically)."""
    import simple_icd_10_cm as cm  # slow import: only when building

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        _write(cm, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for stale in path.parent.glob("icd10cm-*.sqlite"):  # indexes of other package versions
        if stale != path:
            stale.unlink(missing_ok=True)


def _write(cm, tmp: Path) -> None:
    db = sqlite3.connect(tmp)
    db.executescript(
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE codes(ord INTEGER PRIMARY KEY, code TEXT UNIQUE, nodot TEXT, description TEXT,
                           kind TEXT, billable INTEGER, parent TEXT, stems TEXT, heads TEXT, terms TEXT);
        CREATE INDEX codes_nodot ON codes(nodot);
        CREATE INDEX codes_parent ON codes(parent);
        CREATE TABLE notes(code TEXT, kind TEXT, text TEXT);
        CREATE INDEX notes_code ON notes(code);
        CREATE TABLE vocab(word TEXT PRIMARY KEY, df INTEGER);
        CREATE VIRTUAL TABLE fts USING fts5(head, description, terms, tokenize='porter unicode61');
        """
    )
    codes, notes, fts, df = [], [], [], Counter()
    # a block holding a single category shares its name with it: keep one row (the category)
    for i, code in enumerate(dict.fromkeys(cm.get_all_codes(with_dots=True))):
        kind = _kind(cm, code)
        billable = int(kind in ("category", "subcategory", "extended") and cm.is_leaf(code))
        description = cm.get_description(code)
        rows = [] if kind == "extended" else _note_rows(cm, code)  # extensions carry no notes of their own
        notes += rows
        all_stems = head_stems = ""
        terms = [t for _, k, t in rows if k in ("inclusion_term", "includes")]
        if kind in ("category", "subcategory"):
            texts = [description, *terms]
            fts.append((i, " ; ".join(dict.fromkeys(head(t) for t in texts)), description, " ; ".join(terms)))
            df.update(set(words(" ".join(texts))))
            # for the rerank: every stem, and the head stems of each text (aligned with texts)
            all_stems = " ".join(dict.fromkeys(x for t in texts for x in stems(t)))
            head_stems = ";".join(" ".join(stems(head(t))) for t in texts)
        parent = cm.get_parent(code, prioritize_blocks=True)
        codes.append((i, code, code.replace(".", ""), description, kind, billable, parent, all_stems, head_stems,
                      " ; ".join(terms)))
    db.executemany("INSERT INTO codes VALUES (?,?,?,?,?,?,?,?,?,?)", codes)
    db.executemany("INSERT INTO notes VALUES (?,?,?)", notes)
    db.executemany("INSERT INTO fts(rowid, head, description, terms) VALUES (?,?,?,?)", fts)
    db.executemany("INSERT INTO vocab VALUES (?,?)", df.items())
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.executemany(
        "INSERT INTO meta VALUES (?,?)",
        [("package_version", version("simple_icd_10_cm")), ("schema", str(SCHEMA_VERSION)), ("codes", str(len(codes)))],
    )
    db.commit()
    db.close()


def connect() -> sqlite3.Connection:
    """Open the cached index read-only, building it first when it is missing or unreadable."""
    path = index_path()
    for attempt in range(2):
        if not path.exists():
            build(path)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            return db
        except sqlite3.DatabaseError:
            db.close()
            if attempt:
                raise
            path.unlink(missing_ok=True)  # a damaged cache file: build it again
    raise AssertionError("unreachable")
