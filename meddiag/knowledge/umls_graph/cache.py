"""Build the graph from its sources once, then load it from a cache.

The cache lives in ``$MEDDIAG_HOME/cache`` (default ``~/.meddiag/cache``). Its file name
carries a fingerprint of every input: the HPO files, each curated YAML file, the UMLS RRF
files when given, and the package modules the build runs (sizes and modification times).
Any change gives a new fingerprint, so a stale cache is never read; older cache files
are removed when a new one is written. Two pickles are written: the compiled index
(what queries need, word profiles included, loaded eagerly) and the networkx graph (loaded only on request).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from meddiag.knowledge.umls_graph import curated
from meddiag.knowledge.umls_graph.paths import hpo_data_dir

if TYPE_CHECKING:
    import networkx as nx

    from meddiag.knowledge.umls_graph.index import Index

FORMAT = 9  # bump when the cached structures change shape
_CODE = Path(__file__).parent
RRF_FILES = ("MRCONSO.RRF", "MRREL.RRF", "MRSTY.RRF")
BUILD_MODULES = ("cache", "curated", "facts", "graph", "hpo", "index", "investigations", "lay", "loose", "neighbours", "profile",
                 "text", "umls_rrf")  # the code a build runs


def meddiag_home() -> Path:
    return Path(os.environ.get("MEDDIAG_HOME") or Path.home() / ".meddiag")


def default_cache_dir() -> Path:
    return meddiag_home() / "cache"


def source_files(data_dir: Path, umls_dir: Path | None, hpo_dir: Path) -> list[Path]:
    files = [hpo_dir / "hp.obo", hpo_dir / "phenotype.hpoa", *curated.data_files(data_dir)]
    if umls_dir is not None:
        files += [Path(umls_dir) / n for n in RRF_FILES]
    return files + [_CODE / f"{m}.py" for m in BUILD_MODULES]


def fingerprint(files: list[Path]) -> str:
    h = hashlib.sha256(f"format={FORMAT}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:20]


def build(data_dir: Path, umls_dir: Path | None, hpo_dir: Path) -> tuple[Index, nx.DiGraph]:
    from meddiag.knowledge.umls_graph import hpo
    from meddiag.knowledge.umls_graph.graph import build_graph
    from meddiag.knowledge.umls_graph.index import compile_index
    from meddiag.knowledge.umls_graph.investigations import compile_investigations
    from meddiag.knowledge.umls_graph.neighbours import neighbours_of
    from meddiag.knowledge.umls_graph.facts import facts_of
    from meddiag.knowledge.umls_graph.profile import profiles_of
    from meddiag.knowledge.umls_graph.umls_rrf import load_umls

    layer = curated.load_curated(data_dir)
    umls = load_umls(Path(umls_dir)) if umls_dir is not None else None
    g = build_graph(hpo.parse_obo(hpo_dir / "hp.obo"), hpo.parse_hpoa(hpo_dir / "phenotype.hpoa"), layer, umls)
    index = compile_index(g)
    index.investigations = compile_investigations(layer, index)
    profiles_of(index)  # stored with the index
    facts_of(index)
    neighbours_of(index)
    return index, g


def _write(path: Path, obj: object) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pkl")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def load_or_build(cache_dir: Path | None, data_dir: Path, umls_dir: Path | None,
                  hpo_dir: Path | None = None) -> tuple[Index, Path, bool]:
    """(index, path of the pickled graph, whether it was built now)."""
    hpo_dir = Path(hpo_dir) if hpo_dir is not None else hpo_data_dir()
    for name in ("hp.obo", "phenotype.hpoa"):
        if not (hpo_dir / name).is_file():
            raise FileNotFoundError(f"HPO file not found: {hpo_dir / name}")
    if umls_dir is not None:
        missing = [n for n in RRF_FILES if not (Path(umls_dir) / n).is_file()]
        if missing:
            raise FileNotFoundError(f"UMLS folder {umls_dir} lacks {', '.join(missing)}")
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    fp = fingerprint(source_files(data_dir, umls_dir, hpo_dir))
    index_path, graph_path = cache_dir / f"kg-{fp}.index.pkl", cache_dir / f"kg-{fp}.graph.pkl"
    if index_path.is_file() and graph_path.is_file():
        try:
            return _read(index_path), graph_path, False
        except Exception:  # a truncated or foreign file: rebuild it
            pass
    index, g = build(data_dir, umls_dir, hpo_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write(graph_path, g)
    _write(index_path, index)
    for old in cache_dir.glob("kg-*.pkl"):
        if fp not in old.name:
            old.unlink(missing_ok=True)
    return index, graph_path, True


def _read(path: Path):
    """Unpickle with the cyclic garbage collector paused (it slows loading many small objects)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with Path(path).open("rb") as fh:
            return pickle.load(fh)
    finally:
        if enabled:
            gc.enable()


def load_graph_pickle(path: Path) -> nx.DiGraph:
    return _read(path)
