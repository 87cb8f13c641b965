"""The eval runner's arithmetic, the labelled set's consistency with the corpus, and the corpus' facts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from knowledge.embeddings import HashEmbedder
from knowledge.evaluate import Question, default_role_types, evaluate, load_questions
from knowledge.ingest import Ingestor
from knowledge.retriever import Retriever
from knowledge.store import DocumentStore

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "knowledge" / "corpus"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def corpus_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    store = DocumentStore(HashEmbedder(), path=tmp_path_factory.mktemp("eval") / "chroma")
    report = Ingestor(store).ingest([CORPUS], progress=False)
    assert not report.skipped
    docs: dict[str, dict] = {}
    for ch in store.all_chunks():
        d = docs.setdefault(ch.metadata["doc_id"], {**ch.metadata, "sections": set(), "text": ""})
        d["sections"].add(ch.metadata.get("section") or "")
        d["text"] += "\n" + ch.text
    return docs


def test_metrics_are_computed_from_ranks(mini_corpus: Path, tmp_path: Path) -> None:
    store = DocumentStore(HashEmbedder(), path=tmp_path / "chroma")
    Ingestor(store).ingest([mini_corpus], progress=False)
    r = Retriever(store)
    qs = [
        Question("a", "crushed leaning pallet damage hold", role="warehouse", doc="SOP-T-001",
                 sections=["Damaged pallets"]),
        Question("b", "FST-4410 hex bolts", role="buyer", doc="FA-T-022"),
        Question("c", "crushed leaning pallet damage hold", role="warehouse", doc="SOP-T-001",
                 sections=["Forklifts"]),  # right doc, wrong section: not rank 1
        Question("d", "zebra xylophone quantum", role="buyer", kind="no_answer"),
        Question("e", "Redline FST-4410 hex bolts price", role="warehouse", kind="role"),
    ]
    report = evaluate(r, qs, default_role_types)
    ranks = {res.question.id: res.rank for res in report.results}
    assert ranks["a"] == 1 and ranks["b"] == 1 and ranks["c"] != 1
    expected_mrr = (1 + 1 + (1 / ranks["c"] if ranks["c"] else 0)) / 3
    assert report.mrr == pytest.approx(expected_mrr)
    assert report.recall_at_1 == pytest.approx(2 / 3)
    assert report.no_answer_accuracy == 1.0 and report.leaks == 0
    assert report.summary()["questions"] == 5 and report.summary()["answerable"] == 3
    assert {m.question.id for m in report.misses()} == {"c"}
    kinds = report.by_kind()
    within5 = 3 if ranks["c"] is not None and ranks["c"] <= 5 else 2
    assert kinds["general"] == f"@1 2/3, @5 {within5}/3"
    assert kinds["no_answer"] == "1/1 said no answer" and kinds["role"] == "1/1 leak-free"


def test_leaks_would_be_counted(mini_corpus: Path, tmp_path: Path) -> None:
    store = DocumentStore(HashEmbedder(), path=tmp_path / "chroma")
    Ingestor(store).ingest([mini_corpus], progress=False)
    r = Retriever(store)
    q = Question("x", "Redline FST-4410 hex bolts", role="warehouse", kind="role")

    class LeakyRetriever:  # ignores the role filter, as a broken retriever would
        def search_scored(self, query: str, **kw: object):  # type: ignore[no-untyped-def]
            kw = {**kw, "role_doc_types": None}
            return r.search_scored(query, **kw)  # type: ignore[arg-type]

    assert evaluate(LeakyRetriever(), [q], default_role_types).leaks > 0  # type: ignore[arg-type]
    assert evaluate(r, [q], default_role_types).leaks == 0


def test_labelled_set_is_big_varied_and_points_at_real_sections(corpus_docs: dict[str, dict]) -> None:
    qs = load_questions()
    assert len(qs) >= 60
    kinds = {q.kind for q in qs}
    assert kinds >= {"sop", "policy", "contract", "playbook", "identifier", "no_answer", "role"}
    assert {q.role for q in qs} >= {"warehouse", "buyer", "finance", "manager", "approver"}
    assert sum(1 for q in qs if q.kind == "no_answer") >= 5
    assert len({q.id for q in qs}) == len(qs)
    for q in qs:
        if q.doc is None:
            continue
        assert q.doc in corpus_docs, f"{q.id}: unknown doc {q.doc}"
        if q.sections:
            secs = corpus_docs[q.doc]["sections"]
            assert any(s.lower() in sec.lower() for s in q.sections for sec in secs), (q.id, q.sections, secs)
        if q.role in ("warehouse", "requester"):
            assert corpus_docs[q.doc]["doc_type"] != "contract", q.id


def test_corpus_covers_the_demo_business(corpus_docs: dict[str, dict]) -> None:
    assert len(corpus_docs) >= 20
    contracts = {d["supplier"]: d for d in corpus_docs.values() if d["doc_type"] == "contract"}
    assert set(contracts) >= {"Gemini Furniture", "Apex Industrial Supply", "Summit Medical Distributors",
                              "Redline Fasteners", "Northgate Medical Supply", "Cardinal Gloves & PPE",
                              "Lonestar Packaging Co.", "Crescent Chemical Co."}
    expiries = {s: dt.date.fromisoformat(d["expiry"]) for s, d in contracts.items()}
    assert any(e < TODAY for e in expiries.values()), "one contract must be expired"
    assert any(TODAY <= e <= TODAY + dt.timedelta(days=30) for e in expiries.values()), "one expiring soon"
    assert re.search(r"within 7 calendar days", contracts["Gemini Furniture"]["text"])
    for d in contracts.values():
        text = d["text"].lower()
        for term in ("net", "lead-time sla", "otif", "incoterms"):
            assert term in text, (d["doc_id"], term)
    suffixes = {Path(d["source"]).suffix for d in corpus_docs.values()}
    assert {".md", ".pdf", ".docx", ".html", ".txt"} <= suffixes
    types = {d["doc_type"] for d in corpus_docs.values()}
    assert types == {"sop", "policy", "contract", "playbook"}


def test_approval_matrix_matches_the_governance_policy(corpus_docs: dict[str, dict]) -> None:
    policy = yaml.safe_load((ROOT / "tools" / "governance" / "default_policy.yaml").read_text())
    text = corpus_docs["POL-APM-007"]["text"]
    # the amount tiers (conditional rules such as the emergency one, POL-EMG-008, come first and are checked below)
    rfq = [r for r in policy["approval_rules"]["create_rfq"] if not r.get("urgent")]
    emergency = [r for r in policy["approval_rules"]["create_rfq"] if r.get("urgent")]
    assert emergency and emergency[0]["min_amount"] == 10000 and emergency[0]["approver_roles"] == ["manager"]
    assert rfq[0]["max_amount"] == 5000 and rfq[0]["self_approval"] is True
    assert rfq[1]["max_amount"] == 25000 and rfq[1]["self_approval"] is False
    assert rfq[2]["approver_roles"] == ["manager"]
    assert "5,000 USD" in text and "25,000 USD" in text
    assert f"expire after {policy['expiry_hours']} hours" in text
    assert "7 days" in text and "10,000 USD" in text
    assert policy["approval_rules"]["reschedule_receipt"][0]["max_days_shift"] == 7
    assert "10,000 USD need the procurement manager" in corpus_docs["POL-EMG-008"]["text"]


@pytest.mark.slow
def test_shipped_eval_meets_its_bar_with_the_local_model(tmp_path: Path) -> None:
    """The real model on the real corpus: the figures bench_knowledge.py prints must hold."""
    from knowledge.embeddings import LocalMiniLMEmbedder

    store = DocumentStore(LocalMiniLMEmbedder(), path=tmp_path / "chroma")
    Ingestor(store).ingest([CORPUS], progress=False)
    report = evaluate(Retriever(store), load_questions(), default_role_types)
    s = report.summary()
    assert s["recall@5"] >= 0.9 and s["mrr"] >= 0.8, s
    assert s["role_leaks"] == 0 and s["false_no_answer"] <= 2, s
