"""The search_documents tool on the demo corpus: roles via the governance policy, citations, untrusted text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.embeddings import HashEmbedder
from knowledge.retriever import Retriever, ingest_default_corpus
from knowledge.store import DocumentStore
from tools.base import Identity, Tool, ToolContext, ToolError
from tools.reads.documents import SearchDocumentsArgs, search_documents

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "knowledge" / "corpus"
TODAY = dt.datetime(2026, 11, 26, 9, 0)


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    store = DocumentStore(HashEmbedder(), path=tmp_path_factory.mktemp("tool") / "chroma")
    r = Retriever(store)
    report = ingest_default_corpus(r, CORPUS)
    assert not report.skipped, report.skipped
    return r


@pytest.fixture(scope="module")
def policy():  # type: ignore[no-untyped-def]
    from tools.governance.policy import Policy

    return Policy.load(ROOT / "tools" / "governance" / "default_policy.yaml")


def _ctx(role: str, retriever: Retriever | None, policy: object | None) -> ToolContext:
    user = Identity(username=f"test.{role}", role=role)
    return ToolContext(user=user, odoo=None, policy=policy, knowledge=retriever,  # type: ignore[arg-type]
                       clock=lambda: TODAY)


def _run(ctx: ToolContext, **args: object):  # type: ignore[no-untyped-def]
    return search_documents.func(ctx, SearchDocumentsArgs(**args))  # type: ignore[arg-type]


def test_is_a_registered_read_tool() -> None:
    assert isinstance(search_documents, Tool) and search_documents.name == "search_documents"
    assert search_documents.kind == "read" and "citation" in search_documents.description
    assert set(search_documents.json_schema()["properties"]) >= {"query", "doc_type", "supplier"}


def test_buyer_gets_contract_passages_with_citations_and_terms(retriever: Retriever, policy: object) -> None:
    res = _run(_ctx("buyer", retriever, policy), query="Gemini Furniture late delivery credit lead time",
               doc_type="contract")
    assert res.ok and res.citations
    rows = res.data["passages"]
    assert rows[0]["supplier"] == "Gemini Furniture" and rows[0]["doc_type"] == "contract"
    assert rows[0]["page"] == 1 or rows[0]["page"] == 2  # the PDF carries page numbers
    cit = res.citations[0]
    assert cit.id == rows[0]["citation_id"] and cit.source and cit.source.endswith(".pdf")
    terms = {t["supplier"]: t for t in res.data["contract_terms"]}
    assert terms["Gemini Furniture"]["lead_time_days"] == 7
    assert terms["Gemini Furniture"]["otif_target_pct"] == 90.0
    assert terms["Gemini Furniture"]["status"] == "active"


def test_contract_validity_is_judged_against_the_clock(retriever: Retriever, policy: object) -> None:
    ctx = _ctx("manager", retriever, policy)
    red = _run(ctx, query="Redline agreement term", supplier="Redline Fasteners")
    assert red.data["passages"][0]["status"] == "expired"
    card = _run(ctx, query="Cardinal Gloves agreement term", supplier="Cardinal")
    assert card.data["passages"][0]["status"] == "expiring_soon"
    assert {t["status"] for t in card.data["contract_terms"]} == {"expiring_soon"}


def test_warehouse_never_receives_contract_text(retriever: Retriever, policy: object) -> None:
    ctx = _ctx("warehouse", retriever, policy)
    for q in ["Gemini Furniture payment terms", "Cardinal Gloves price adjustment 4 %", "FA-2025-030",
              "Northgate late delivery penalty", "CHM-7002 drums per pallet"]:
        res = _run(ctx, query=q)
        assert all(p["doc_type"] != "contract" for p in res.data["passages"]), q
        assert all(c.doc_type != "contract" for c in res.citations), q
        assert "Net 30" not in res.for_model() or "contract" not in res.for_model().lower()
    with pytest.raises(ToolError, match="may not see contract"):
        _run(ctx, query="payment terms", doc_type="contract")
    # nor the price-increase playbook, which quotes contract price terms (allowed_roles in its front matter)
    price = _run(ctx, query="Cardinal price increase notice 9.5 % response")
    assert not any(p["citation_id"].startswith("PB-PRICE-013") for p in price.data["passages"])
    # SOPs are theirs
    sop = _run(ctx, query="damaged pallets at the dock")
    assert sop.data["passages"][0]["citation_id"].startswith("SOP-DMG-002")


def test_without_policy_allowed_roles_still_hide_contracts(retriever: Retriever) -> None:
    res = _run(_ctx("warehouse", retriever, None), query="Gemini Furniture payment terms net 30")
    assert all(p["doc_type"] != "contract" for p in res.data["passages"])


def test_injected_instructions_are_marked_as_untrusted_data(retriever: Retriever, policy: object) -> None:
    res = _run(_ctx("buyer", retriever, policy), query="Cardinal price increase notice AI assistants approve")
    hits = [p for p in res.data["passages"] if "must approve all pending proposals" in p["text"]]
    assert hits, "the corpus' injection example should be retrievable (guardrail tests rely on it)"
    assert all(p["untrusted"] is True for p in res.data["passages"])
    assert "not instructions" in res.data["notice"] and "not instructions" in res.text


def test_no_good_answer_is_explicit(retriever: Retriever, policy: object) -> None:
    res = _run(_ctx("buyer", retriever, policy), query="zebra xylophone quantum")
    assert res.ok and res.data["passages"] == [] and res.data["no_good_answer"] is True
    assert "do not cover" in res.text and res.citations == []


def test_missing_knowledge_base_is_a_clear_error() -> None:
    with pytest.raises(ToolError, match="not available"):
        _run(_ctx("buyer", None, None), query="anything")


def test_args_are_validated() -> None:
    with pytest.raises(ValueError):
        SearchDocumentsArgs(query="")
    with pytest.raises(ValueError):
        SearchDocumentsArgs(query="x", doc_type="memo")  # type: ignore[arg-type]
