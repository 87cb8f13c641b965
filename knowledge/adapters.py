"""Adapters of our embedders for chromadb and LangChain (imported only where a vector store is built).

Why a module of their own: chromadb's import alone costs seconds; the embedder (knowledge.embeddings) is
also used by the planner's router and one-shot CLI questions, which never touch chromadb.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from langchain_core.embeddings import Embeddings as LCEmbeddings

from knowledge.embeddings import Embedder, HashEmbedder, LocalMiniLMEmbedder, _kind_of, make_embedder


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """chromadb adapter. Passed explicitly to every collection, so chromadb never picks its
    own default (which downloads an ONNX model at first use)."""

    def __init__(self, embedder: Embedder | None = None, kind: str = "local") -> None:
        self.embedder: Embedder = embedder or make_embedder(kind)
        self.kind = kind if embedder is None else _kind_of(self.embedder)

    def __call__(self, input: Documents) -> Embeddings:
        return [row for row in self.embedder.embed(list(input))]

    @staticmethod
    def name() -> str:
        return "quartermaster"

    def default_space(self) -> Any:
        return "cosine"

    def supported_spaces(self) -> Any:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"kind": self.kind, "embedder": self.embedder.name}
        if isinstance(self.embedder, HashEmbedder):
            cfg["dim"] = self.embedder.dim
        return cfg

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        kind = str(config.get("kind", "local"))
        if kind == "hash":
            return ChromaEmbeddingFunction(HashEmbedder(int(config.get("dim", 256))))
        return ChromaEmbeddingFunction(kind=kind)

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        return


class LangChainEmbeddings(LCEmbeddings):
    """LangChain adapter, e.g. for `langchain_chroma.Chroma(embedding_function=...)`."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder: Embedder = embedder or LocalMiniLMEmbedder()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].tolist()
