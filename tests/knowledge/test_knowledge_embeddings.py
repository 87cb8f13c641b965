"""Embeddings: the numpy MiniLM reproduces all-MiniLM-L6-v2; adapters; the OpenAI-compatible client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from knowledge.embeddings import (
    ChromaEmbeddingFunction,
    HashEmbedder,
    LangChainEmbeddings,
    LocalMiniLMEmbedder,
    OpenAIEmbedder,
    load_minilm,
)

SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
# sentence-transformers' own documentation for all-MiniLM-L6-v2 prints these similarities
PUBLISHED = np.array([[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]])


def test_local_minilm_matches_the_published_similarities() -> None:
    vecs = LocalMiniLMEmbedder().embed(SENTENCES)
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.abs(vecs @ vecs.T - PUBLISHED).max() < 6e-4


def test_batching_and_padding_do_not_change_vectors() -> None:
    emb = LocalMiniLMEmbedder(batch_size=2)
    texts = ["short", "a much longer sentence about damaged pallets at the Dallas dock " * 3, "mid length text"]
    together = emb.embed(texts)
    alone = np.stack([emb.embed([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_model_is_loaded_once_per_process() -> None:
    assert load_minilm() is load_minilm()
    assert LocalMiniLMEmbedder().model is LocalMiniLMEmbedder().model


def test_semantic_neighbours_rank_first() -> None:
    emb = LocalMiniLMEmbedder()
    docs = emb.embed(["Crushed or leaning pallets are photographed and set aside.",
                      "Invoices are paid net 30 days.",
                      "Oxidizers are stored away from flammable liquids."])
    q = emb.embed(["what to do with a damaged pallet"])[0]
    assert int(np.argmax(docs @ q)) == 0


def test_chroma_adapter_round_trips_its_config() -> None:
    ef = ChromaEmbeddingFunction(HashEmbedder(64))
    out = ef(["a b c", "d e f"])
    assert len(out) == 2 and len(out[0]) == 64
    assert ChromaEmbeddingFunction.name() == "quartermaster"
    rebuilt = ChromaEmbeddingFunction.build_from_config(ef.get_config())
    assert isinstance(rebuilt.embedder, HashEmbedder) and rebuilt.embedder.dim == 64
    assert np.allclose(rebuilt(["a b c"])[0], out[0])
    assert not ef.is_legacy()


def test_langchain_adapter() -> None:
    lc = LangChainEmbeddings(HashEmbedder(32))
    docs = lc.embed_documents(["one", "two"])
    assert len(docs) == 2 and len(docs[0]) == 32
    assert lc.embed_query("one") == pytest.approx(docs[0])


def test_hash_embedder_is_deterministic_and_lexical() -> None:
    a, b = HashEmbedder(), HashEmbedder()
    v = a.embed(["late delivery penalty", "late delivery penalty", "hazmat cage"])
    assert np.array_equal(v, b.embed(["late delivery penalty", "late delivery penalty", "hazmat cage"]))
    assert v[0] @ v[1] > 0.999 and v[0] @ v[2] < 0.5


class _FakeOpenAI(BaseHTTPRequestHandler):
    """/v1/embeddings answering with hash vectors, in shuffled order (the client must sort by index)."""

    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeOpenAI.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        vecs = HashEmbedder(8).embed(list(body["input"]))
        data = [{"object": "embedding", "index": i, "embedding": (v * 3).tolist()} for i, v in enumerate(vecs)]
        payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"],
                              "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def fake_openai() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


def test_openai_compatible_endpoint(fake_openai: str) -> None:
    _FakeOpenAI.requests.clear()
    emb = OpenAIEmbedder("my-embedder", base_url=fake_openai, api_key="k-123", batch_size=2)
    texts = ["alpha", "beta", "gamma"]
    vecs = emb.embed(texts)
    assert vecs.shape == (3, 8)
    assert np.allclose(vecs, HashEmbedder(8).embed(texts), atol=1e-6)  # re-ordered and normalised
    assert [len(r["input"]) for r in _FakeOpenAI.requests] == [2, 1]
    assert _FakeOpenAI.requests[0]["model"] == "my-embedder"
    assert _FakeOpenAI.requests[0]["auth"] == "Bearer k-123"
    assert _FakeOpenAI.requests[0]["path"] == "/v1/embeddings"
    assert emb.name == "openai:my-embedder" and emb.dim == 8


def test_concurrent_queries_agree_and_leave_blas_as_it_was() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_info

    before = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    emb = LocalMiniLMEmbedder()
    queries = [f"late delivery penalty for supplier {i}" for i in range(16)]
    expected = np.stack([emb.embed([q])[0] for q in queries])
    with ThreadPoolExecutor(4) as pool:
        got = np.stack(list(pool.map(lambda q: emb.embed([q])[0], queries)))
    assert np.abs(got - expected).max() < 1e-5
    assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == before
