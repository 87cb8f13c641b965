"""The Chroma side: one collection `qm_documents`, embedded (PersistentClient) or a server (HttpClient).

Why a wrapper: the rest of `knowledge` must not care which client is underneath, must always hand
Chroma our explicit embedding function (chromadb's default downloads a model), and needs a few
bulk operations (all chunks for the keyword index, delete by source) in one place.
Lower layers never read settings: the runtime passes the data dir or host/port in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embeddings import Embedder

log = logging.getLogger(__name__)

COLLECTION = "qm_documents"
_PAGE = 2000  # chunks per bulk get; Chroma servers limit request sizes


@dataclass
class StoredChunk:
    """One chunk as it lives in Chroma (text + flat metadata)."""

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


class DocumentStore:
    """Chroma collection + embedder. `DocumentStore(embedder, path=...)` or `(embedder, host=, port=)`."""

    def __init__(self, embedder: Embedder, *, path: Path | str | None = None, host: str | None = None,
                 port: int = 8000, collection: str = COLLECTION) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.embedder = embedder
        from knowledge.adapters import ChromaEmbeddingFunction  # chromadb: imported when a store is opened

        self.embedding_function = ChromaEmbeddingFunction(embedder)
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if host:
            self.client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
            self.location = f"http://{host}:{port}"
        else:
            if path is None:
                raise ValueError("DocumentStore needs a path (embedded) or a host (server)")
            Path(path).mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self.location = str(path)
        self.collection_name = collection
        self.collection = self._open()

    @classmethod
    def in_data_dir(cls, embedder: Embedder, data_dir: Path | str) -> DocumentStore:
        """The default: `<data_dir>/chroma`."""
        return cls(embedder, path=Path(data_dir) / "chroma")

    def _open(self) -> Any:
        col = self.client.get_or_create_collection(
            self.collection_name, embedding_function=self.embedding_function,  # type: ignore[arg-type]
            metadata={"hnsw:space": "cosine", "embedder": self.embedder.name})
        stored = (col.metadata or {}).get("embedder")
        if stored and stored != self.embedder.name:
            # vectors of another model are meaningless (and often of another dimension): start over
            log.warning("collection %s was built with %s, now %s: rebuilding it", self.collection_name,
                        stored, self.embedder.name)
            self.client.delete_collection(self.collection_name)
            col = self.client.get_or_create_collection(
                self.collection_name, embedding_function=self.embedding_function,  # type: ignore[arg-type]
                metadata={"hnsw:space": "cosine", "embedder": self.embedder.name})
        return col

    # -- writes ----------------------------------------------------------------------------------
    def upsert(self, ids: list[str], texts: list[str], metadatas: list[dict[str, Any]],
               embeddings: np.ndarray) -> None:
        for start in range(0, len(ids), _PAGE):
            sl = slice(start, start + _PAGE)
            self.collection.upsert(ids=ids[sl], documents=texts[sl], metadatas=metadatas[sl],
                                   embeddings=[row for row in embeddings[sl]])

    def update_metadata(self, ids: list[str], metadatas: list[dict[str, Any]]) -> None:
        """Change metadata without re-embedding (e.g. a new file hash on an unchanged chunk)."""
        for start in range(0, len(ids), _PAGE):
            self.collection.update(ids=ids[start:start + _PAGE], metadatas=metadatas[start:start + _PAGE])

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), _PAGE):
            self.collection.delete(ids=ids[start:start + _PAGE])

    def reset(self) -> None:
        """Drop every chunk (used by `knowledge remove --all`)."""
        self.client.delete_collection(self.collection_name)
        self.collection = self._open()

    # -- reads -----------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.collection.count())

    def all_chunks(self) -> list[StoredChunk]:
        """Every chunk with text and metadata (paged), for the keyword index."""
        return self._all(["documents", "metadatas"])

    def all_metadata(self) -> list[StoredChunk]:
        """Every chunk's metadata without its text (the ingestion manifest)."""
        return self._all(["metadatas"])

    def _all(self, include: list[str]) -> list[StoredChunk]:
        out: list[StoredChunk] = []
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=_PAGE, offset=offset)  # type: ignore[arg-type]
            ids = got.get("ids") or []
            docs = got.get("documents") or []
            metas = got.get("metadatas") or []
            for i, cid in enumerate(ids):
                text = docs[i] if i < len(docs) else ""
                out.append(StoredChunk(cid, text or "", dict(metas[i] or {})))
            if len(ids) < _PAGE:
                return out
            offset += _PAGE

    def query(self, embedding: np.ndarray, n: int, where: dict[str, Any] | None = None,
              total: int | None = None) -> list[tuple[str, float]]:
        """Nearest chunks as (id, cosine similarity), best first. `total` (the chunk count, when the
        caller knows it) saves a round trip."""
        total = self.count() if total is None else total
        if total == 0:
            return []
        got = self.collection.query(query_embeddings=[embedding], n_results=min(n, total), where=where,
                                    include=["distances"])
        ids = (got.get("ids") or [[]])[0]
        dists = (got.get("distances") or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, dists, strict=False)]
