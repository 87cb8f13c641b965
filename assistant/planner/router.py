"""The intent router: nearest labelled examples in MiniLM space, on messages whose names are placeholders.

Why: rules match the phrasings they were written for; people write "wire connectors qty at housotn?" or
"who sells us X". The router embeds the *delexicalised* message (slots.py) with the local MiniLM model the
project already ships (numpy, no torch) and lets the k nearest examples of examples.yaml vote. It returns a
ranking with scores; the planner (intents.parse) decides: a confident reading is used, two close readings
become one question back, and no reading becomes a plain "here is what I can answer".

Start-up cost: the example embeddings are cached on disk under the hash of the example file and the model
name, so only the first start after an edit pays for them (~2 s for ~300 examples); a query costs one
MiniLM forward pass of a short sentence (~15 ms on one core).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

EXAMPLES = Path(__file__).resolve().parent / "examples.yaml"
log = logging.getLogger(__name__)

K = 5  # neighbours that vote
CONFIDENT = 0.62  # top score a reading needs to be used
MARGIN = 0.04  # below this gap between two different intents, ask which one


@lru_cache(maxsize=1)
def load_examples(path: Path = EXAMPLES) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): [str(x) for x in v] for k, v in (data.get("intents") or {}).items()}


@dataclass(frozen=True)
class Reading:
    intent: str
    score: float  # cosine similarity of the best examples that voted for it
    example: str  # the nearest example (for logs and the README's explanations)


def cache_dir() -> Path:
    base = os.environ.get("QM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "quartermaster")
    return Path(base) / "planner"


class Router:
    """k-nearest-example intent ranking. Build once per process with `get_router()`."""

    def __init__(self, embedder: Any, examples: dict[str, list[str]], cache: Path | None = None) -> None:
        self.embedder = embedder
        self._memo: dict[str, list[Reading]] = {}
        self.labels: list[str] = []
        self.texts: list[str] = []
        for intent, texts in examples.items():
            for t in texts:
                self.labels.append(intent)
                self.texts.append(t.lower())
        t0 = time.perf_counter()
        self.matrix, self.from_cache = self._embed_examples(cache)
        self.startup_ms = (time.perf_counter() - t0) * 1000

    def _embed_examples(self, cache: Path | None) -> tuple[np.ndarray, bool]:
        name = str(getattr(self.embedder, "name", type(self.embedder).__name__))
        digest = hashlib.sha256(("\n".join(f"{a}\t{b}" for a, b in zip(self.labels, self.texts, strict=True))
                                 + "\n" + name).encode()).hexdigest()[:16]
        path = (cache / f"examples-{digest}.npy") if cache else None
        if path is not None and path.exists():
            try:
                matrix = np.load(path)
                if matrix.shape[0] == len(self.texts):
                    return matrix.astype(np.float32), True
            except (OSError, ValueError):
                log.warning("router cache %s unreadable; recomputing", path)
        matrix = np.asarray(self.embedder.embed(self.texts), dtype=np.float32)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, matrix)
                tmp.replace(path)
            except OSError:
                log.warning("could not write the router cache %s", path)
        return matrix, False

    def rank(self, delexicalised: str) -> list[Reading]:
        """Intents best first. An intent scores 3/4 of its nearest example plus 1/4 of its second (one
        stray example cannot win alone, one exact example still counts most).
        Memoised: the planner reads a message twice per turn (to call tools, then to compose)."""
        key = delexicalised.lower()
        hit = self._memo.get(key)
        if hit is None:
            hit = self._rank(key)
            if len(self._memo) > 512:
                self._memo.clear()
            self._memo[key] = hit
        return list(hit)

    def _query(self, text: str) -> np.ndarray:
        """One short query. With the local MiniLM, its forward pass directly: `embed` would set and
        restore the BLAS thread limit around every call (a scan of the loaded libraries, 3-6 ms), and
        the process is already pinned to one BLAS thread (`_one_blas_thread`)."""
        model: Any = getattr(self.embedder, "model", None)
        tokenizer = getattr(model, "tokenizer", None)
        if tokenizer is not None and hasattr(model, "_forward"):
            ids = np.asarray([tokenizer.encode(text or " ").ids], dtype=np.int64)
            return np.asarray(model._forward(ids, np.ones_like(ids)), dtype=np.float32)[0]
        return np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]

    def _rank(self, delexicalised: str) -> list[Reading]:
        vec = self._query(delexicalised)
        sims = self.matrix @ vec
        order = np.argsort(-sims)[: K * 3]
        per: dict[str, list[float]] = {}
        best: dict[str, str] = {}
        for i in order:
            label = self.labels[int(i)]
            if len(per.get(label, [])) < 2:
                per.setdefault(label, []).append(float(sims[int(i)]))
                best.setdefault(label, self.texts[int(i)])
        scored = [Reading(label, 0.75 * v[0] + 0.25 * v[1] if len(v) == 2 else v[0] - 0.05, best[label])
                  for label, v in per.items()]
        return sorted(scored, key=lambda r: -r.score)


def _one_blas_thread() -> None:
    """Pin BLAS to one thread for the whole process. Why: turns run in worker threads, where OpenBLAS
    ignores the per-call limit the embedder sets, and two BLAS threads on a busy 2-core host made one
    short query 20-40x slower (17 ms -> 400-900 ms measured); one thread is also what the embedder
    chooses for queries anyway. Call from the main thread (the runtime's warm-up does)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional dependency of the embedder
        return
    threadpool_limits(limits=1, user_api="blas")


_router: Router | None = None
_lock = threading.Lock()


def get_router() -> Router:
    """The process's router (local MiniLM; example embeddings cached on disk by content hash)."""
    global _router
    with _lock:
        if _router is None:
            from knowledge.embeddings import make_embedder

            _one_blas_thread()
            _router = Router(make_embedder("local"), load_examples(), cache_dir())
            log.info("planner router ready in %.0f ms (%d examples, cache %s)", _router.startup_ms,
                     len(_router.texts), "hit" if _router.from_cache else "miss")
        return _router
