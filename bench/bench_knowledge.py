"""Knowledge figures, printed: retrieval quality, query latency at 10,000 chunks (embedded and server),
ingest throughput, and the embedding model's memory.

    .venv/bin/python bench/bench_knowledge.py [--chunks 10000] [--no-server]

What is measured:
- recall@1/@5, MRR, no-answer accuracy on knowledge/eval/questions.yaml, local MiniLM, embedded Chroma.
- ingest throughput of the demo corpus (parse + chunk + embed with MiniLM + write), chunks/s.
- query latency with N chunks: the demo corpus plus synthetic chunks (templated supply-chain text with
  random unit vectors; embedding 10,000 chunks with MiniLM on 2 cores would take ~20 minutes and does not
  change the query path). Each query = MiniLM query embedding + Chroma HNSW + BM25 + fusion + role filter.
  "search only" reuses the query embedding (cache), i.e. the retrieval cost alone.
- peak RSS (VmHWM) of a fresh process that loads the model and embeds 64 chunks, and its RSS before loading
  (python + numpy + tokenizers).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.embeddings import LocalMiniLMEmbedder  # noqa: E402
from knowledge.evaluate import default_role_types, evaluate, load_questions  # noqa: E402
from knowledge.ingest import Ingestor  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402
from knowledge.store import DocumentStore  # noqa: E402

CORPUS = ROOT / "knowledge" / "corpus"
SUPPLIERS = ["Apex Industrial Supply", "Summit Medical Distributors", "Lonestar Packaging Co.", "Gemini Furniture",
             "Redline Fasteners", "Northgate Medical Supply", "Cardinal Gloves & PPE", "Crescent Chemical Co.",
             "Pioneer Safety Products", "Brazos Paper & Supply", "Keystone Electrical Components"]
TOPICS = ["receiving", "put-away", "damaged pallets", "short delivery", "returns to vendor", "cold chain",
          "hazmat storage", "cycle counting", "approval", "three-way match", "lead time", "OTIF", "penalty",
          "price adjustment", "minimum order quantity", "incoterms", "payment terms", "dock appointment"]
SITES = ["Dallas Central DC", "Houston Gulf DC", "Austin Healthcare Hub", "San Antonio South", "Oklahoma City North"]
CODES = ["PPE", "MED", "CCP", "JAN", "PKG", "FST", "ELE", "TOL", "CHM", "OFF", "FSD", "MHE"]


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p)) if values else 0.0


def synthetic_chunks(n: int, dim: int, seed: int = 7) -> tuple[list[str], list[str], list[dict], np.ndarray]:
    rng = random.Random(seed)
    ids, texts, metas = [], [], []
    for i in range(n):
        sup, topic, site = rng.choice(SUPPLIERS), rng.choice(TOPICS), rng.choice(SITES)
        code = f"{rng.choice(CODES)}-{rng.randint(1000, 9999)}"
        doc_type = rng.choice(["sop", "policy", "contract", "playbook"])
        text = (f"{i // 8}.{i % 8} {topic.capitalize()} at {site}: {sup} handles {code} within "
                f"{rng.randint(2, 14)} days; tolerance {rng.randint(1, 5)} % and a credit of "
                f"{rng.randint(1, 10)} % per day late. Records are kept for {rng.randint(6, 36)} months. "
                + " ".join(rng.choice(TOPICS) for _ in range(40)))
        ids.append(f"syn-{i:06d}")
        texts.append(text)
        md = {"title": f"Synthetic {doc_type} {i // 8}", "doc_type": doc_type, "doc_id": f"SYN-{i // 8:05d}",
              "source": f"synthetic://{i // 8}", "section": f"{i % 8}. {topic}", "chunk_index": i % 8,
              "file_hash": "synthetic", "chunk_hash": f"syn{i}", "allowed_roles": ""}
        if doc_type == "contract":
            md["supplier"] = sup
        metas.append(md)
    vecs = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return ids, texts, metas, vecs


def measure_queries(retriever: Retriever, queries: list[tuple[str, str]], rounds: int = 2
                    ) -> tuple[list[float], list[float]]:
    """(full ms incl. query embedding, search-only ms with the embedding cached)."""
    full, cached = [], []
    retriever.search("warm up", k=5)
    for _ in range(rounds):
        retriever._qcache.clear()
        for q, role in queries:
            types = default_role_types(role)
            t0 = time.perf_counter()
            retriever.search_scored(q, role_doc_types=types, role=role, k=5)
            full.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            retriever.search_scored(q, role_doc_types=types, role=role, k=5)
            cached.append((time.perf_counter() - t0) * 1000)
    return full, cached


def fill(store: DocumentStore, n: int) -> float:
    """Corpus + synthetic chunks up to n; returns synthetic write throughput (chunks/s)."""
    Ingestor(store).ingest([CORPUS], progress=False)
    extra = max(0, n - store.count())
    ids, texts, metas, vecs = synthetic_chunks(extra, store.embedder.dim)
    t0 = time.perf_counter()
    store.upsert(ids, texts, metas, vecs)
    return extra / max(1e-9, time.perf_counter() - t0)


def latency_report(label: str, store: DocumentStore) -> None:
    retriever = Retriever(store)
    t0 = time.perf_counter()
    retriever.refresh()
    load_s = time.perf_counter() - t0
    queries = [(q.q, q.role) for q in load_questions()]
    full, cached = measure_queries(retriever, queries)
    print(f"{label}: {store.count()} chunks; keyword index load {load_s:.2f} s; {len(full)} queries")
    print(f"  full query (embed + search) p50 {percentile(full, 50):.1f} ms  p95 {percentile(full, 95):.1f} ms")
    print(f"  search only (cached embedding) p50 {percentile(cached, 50):.1f} ms  "
          f"p95 {percentile(cached, 95):.1f} ms")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def model_rss() -> None:
    code = (
        f"import resource,sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "import numpy, tokenizers, knowledge.embeddings as e\n"
        "def rss(key='VmRSS'):\n"
        "    return int([l for l in open('/proc/self/status') if l.startswith(key)][0].split()[1])\n"
        "before = rss()\n"
        "m = e.LocalMiniLMEmbedder(); m.embed(['receiving damaged pallets at the Dallas dock ' * 20] * 64)\n"
        "peak = rss('VmHWM')  # not ru_maxrss: that one keeps the forking parent's size across exec\n"
        "print(before, peak, rss())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, peak, after = int(out[0]) / 1024, int(out[1]) / 1024, int(out[2]) / 1024
    print(f"embedding model memory: process peak RSS {peak:.0f} MB, {after:.0f} MB after embedding 64 chunks "
          f"(python+numpy+tokenizers before loading {before:.0f} MB; the model's peak share ~{peak - before:.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=10_000)
    ap.add_argument("--no-server", action="store_true")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other jobs inflate timings)")
    embedder = LocalMiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        # 1. quality + ingest throughput on the demo corpus
        store = DocumentStore(embedder, path=Path(tmp) / "eval")
        embedder.embed(["load the model once, outside the timing"])
        t0 = time.perf_counter()
        report = Ingestor(store).ingest([CORPUS], progress=False)
        dt = time.perf_counter() - t0
        n = store.count()
        print(f"ingest (parse + chunk + MiniLM embed + write): {report.count('added')} docs, {n} chunks in "
              f"{dt:.1f} s = {n / dt:.1f} chunks/s")
        t0 = time.perf_counter()
        again = Ingestor(store).ingest([CORPUS], progress=False)
        print(f"re-ingest unchanged corpus: {again.count('unchanged')} unchanged, {again.embedded} embedded, "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
        ev_report = evaluate(Retriever(store), load_questions(), default_role_types)
        ev = ev_report.summary()
        print(f"retrieval eval ({ev['questions']} questions, {ev['answerable']} answerable): "
              f"recall@1 {ev['recall@1']:.3f}  recall@5 {ev['recall@5']:.3f}  MRR {ev['mrr']:.3f}  "
              f"no-answer accuracy {ev['no_answer_accuracy']:.3f}  answerable-called-unanswerable "
              f"{ev['false_no_answer']}  role leaks {ev['role_leaks']}")
        print("  by kind: " + "; ".join(f"{k} {v}" for k, v in ev_report.by_kind().items()))

        # 2. latency at N chunks, embedded
        big = DocumentStore(embedder, path=Path(tmp) / "big")
        rate = fill(big, args.chunks)
        print(f"synthetic chunk write (precomputed vectors) into embedded Chroma: {rate:.0f} chunks/s")
        latency_report("embedded PersistentClient", big)

        # 3. the same against a Chroma server
        if not args.no_server:
            port = _free_port()
            chroma = Path(sys.executable).parent / "chroma"
            proc = subprocess.Popen([str(chroma), "run", "--host", "127.0.0.1", "--port", str(port),
                                     "--path", str(Path(tmp) / "server")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                import httpx

                for _ in range(150):
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.2)
                srv = DocumentStore(embedder, host="127.0.0.1", port=port)
                rate = fill(srv, args.chunks)
                print(f"synthetic chunk write into the Chroma server: {rate:.0f} chunks/s")
                latency_report(f"Chroma server (chroma run, 127.0.0.1:{port})", srv)
            finally:
                proc.terminate()
                proc.wait(10)
    model_rss()
    print(f"this bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
