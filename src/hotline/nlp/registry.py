"""Versioned model files in a folder, and the running process's view of the current one (hot reload)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib

from hotline.nlp.classifier import Head
from hotline.nlp.features import TextFeatures

log = logging.getLogger(__name__)
_NEVER = object()
FORMAT = 1
KEEP_VERSIONS = 5


@dataclass
class Bundle:
    """Everything a suggestion needs: the feature space, the heads and how they were trained."""

    version: int
    trained_at: str
    features: TextFeatures
    heads: dict[str, Head]
    category_parent: dict[str, str] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    format: int = FORMAT
    router: Any = None  # nlp.routing.DepartmentRouter when trained with places; older files have none


class ModelRegistry:
    """Saves bundles as classifier-vNNNN.joblib with a current.json pointer; reloads when it changes.

    Model files are pickles: the folder must be writable only by the platform's operators.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._bundle: Bundle | None = None
        self._stamp: object = _NEVER
        self.error: str | None = None

    @property
    def pointer(self) -> Path:
        """The file naming the current version."""
        return self.folder / "current.json"

    def next_version(self) -> int:
        """One more than the highest version on disk."""
        versions = [int(p.stem.split("-v")[-1]) for p in self.folder.glob("classifier-v*.joblib")
                    if p.stem.split("-v")[-1].isdigit()]
        return max(versions, default=0) + 1

    def save(self, bundle: Bundle) -> Path:
        """Write the bundle under its version and make it current; old versions beyond a few are removed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"classifier-v{bundle.version:04d}.joblib"
        _atomic_write(target, lambda handle: joblib.dump(bundle, handle))
        pointer = {"version": bundle.version, "file": target.name, "trained_at": bundle.trained_at}
        _atomic_write(self.pointer, lambda handle: handle.write(json.dumps(pointer).encode()))
        for old in sorted(self.folder.glob("classifier-v*.joblib"))[:-KEEP_VERSIONS]:
            old.unlink(missing_ok=True)
        return target

    def current(self) -> Bundle | None:
        """The current bundle, reloaded when the pointer or its file changed; None (with .error) if unusable."""
        stamp = self._stamp_now()
        if stamp == self._stamp:
            return self._bundle
        with self._lock:
            if stamp != self._stamp:
                self._load(stamp)
        return self._bundle

    def _stamp_now(self) -> tuple | None:
        try:
            pointer = self.pointer.stat()
            return (pointer.st_ino, pointer.st_mtime_ns, pointer.st_size)
        except OSError:
            return None

    def _load(self, stamp: object) -> None:
        self._stamp = stamp
        if stamp is None:
            self._bundle, self.error = None, f"no trained model in {self.folder} (run `hotline nlp train`)"
            return
        try:
            pointer = json.loads(self.pointer.read_text(encoding="utf-8"))
            path = self.folder / Path(pointer["file"]).name
            bundle = joblib.load(path)
            if not isinstance(bundle, Bundle) or bundle.format != FORMAT:
                raise ValueError("not a model bundle of this version of hotline")
        except Exception as error:  # a corrupt file must never stop intake: report and go on without
            self.error = f"model in {self.folder} is unusable: {type(error).__name__}: {error}"
            log.error(self.error)
            # Keep serving the previous model if one was loaded: a bad deploy should not blind intake.
            return
        self._bundle, self.error = bundle, None
        log.info("loaded classifier v%s", bundle.version)


def _atomic_write(target: Path, write) -> None:
    # Readers in other processes must see either the old file or the whole new one.
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=".tmp-", delete=False)
    try:
        with handle:
            write(handle)
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
