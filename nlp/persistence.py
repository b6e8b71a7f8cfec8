"""Fitted models on disk, with what is needed to trust them when they are loaded again.

A model file is a joblib pickle, and unpickling runs code and needs the same library
versions: so beside each model lies a JSON file with the versions it was made with, a hash
of its training data and its scores, and `load_model` refuses a model whose versions differ
(retrain instead). Loaded models are kept per process, keyed by path and modification time.
"""

from __future__ import annotations

import hashlib
import json
import platform
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joblib

LIBRARIES = ("scikit-learn", "numpy", "scipy", "spacy", "joblib")


class ModelOutdated(RuntimeError):
    """The model was made with other library versions; it must be trained again."""


def library_versions() -> dict[str, str]:
    python = ".".join(platform.python_version_tuple()[:2])
    return {"python": python, **{name: version(name) for name in LIBRARIES}}


def data_hash(texts: Iterable[str], labels: Iterable[Iterable[str]]) -> str:
    """A fingerprint of the training data, to tell whether a model is up to date."""
    digest = hashlib.sha256()
    for text, row in zip(texts, labels, strict=True):
        digest.update(text.encode())
        digest.update(b"\x00" + "\x1f".join(sorted(row)).encode() + b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True)
class SavedModel:
    model: Any
    metadata: dict[str, Any]


def _metadata_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".json")


def save_model(model: Any, path: Path, *, data: str, scores: dict[str, Any] | None = None) -> None:
    """Write the model and its metadata; the model file is replaced only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "version": getattr(model, "version", None),
        "libraries": library_versions(),
        "data_hash": data,
        "scores": scores or {},
    }
    partial = path.with_suffix(path.suffix + ".partial")
    joblib.dump(model, partial, compress=3)
    _metadata_path(path).write_text(json.dumps(metadata, indent=2))
    partial.replace(path)
    with _lock:
        _cache.pop(path, None)


_cache: dict[Path, tuple[float, SavedModel]] = {}
_lock = threading.Lock()


def load_model(path: Path) -> SavedModel:
    """The model at `path`, loaded once per process (again only if the file changed)."""
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    metadata = json.loads(_metadata_path(path).read_text())
    saved_with = metadata.get("libraries", {})
    now = library_versions()
    differing = {k: (saved_with.get(k), v) for k, v in now.items() if saved_with.get(k) != v}
    if differing:
        details = ", ".join(f"{k} {old} -> {new}" for k, (old, new) in differing.items())
        raise ModelOutdated(f"{path.name} was saved with other library versions ({details})")
    loaded = SavedModel(model=joblib.load(path), metadata=metadata)
    with _lock:
        _cache[path] = (mtime, loaded)
    return loaded
