"""A document library that belongs to one company is not quoted to another (tryout: the second business was
told the demo company's three-way-match tolerance, in the demo company's currency, as if it were its own)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.embeddings import HashEmbedder
from knowledge.owner import corpus_company
from knowledge.retriever import Retriever, ingest_default_corpus
from knowledge.store import DocumentStore
from tools.base import Identity, ToolContext
from tools.odoo.client import OdooClient
from tools.odoo.resolve import company_info
from tools.registry import run_tool

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "knowledge" / "corpus"
QUESTION = {"query": "price tolerance three way match"}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    store = DocumentStore(HashEmbedder(), path=tmp_path_factory.mktemp("owner") / "chroma")
    r = Retriever(store)
    ingest_default_corpus(r, CORPUS)
    return r


def _ctx(odoo: OdooClient, retriever: Retriever) -> ToolContext:
    return ToolContext(user=Identity(username="admin", role="admin"), odoo=odoo, knowledge=retriever,
                       clock=lambda: dt.datetime(2026, 12, 4, 9, 0))


def test_the_demo_library_is_quoted_to_its_own_company(odoo: OdooClient, retriever: Retriever) -> None:
    assert corpus_company(str(CORPUS / "policies" / "x.md")) == company_info(odoo)["name"]
    res = run_tool(_ctx(odoo, retriever), "search_documents", QUESTION)
    assert res.ok and res.citations, res.text


def test_another_companys_library_is_not_quoted(odoo_hollander: OdooClient, retriever: Retriever) -> None:
    connected = company_info(odoo_hollander)["name"]
    owner = corpus_company(str(CORPUS / "policies" / "x.md"))
    assert owner and connected and owner != connected
    res = run_tool(_ctx(odoo_hollander, retriever), "search_documents", QUESTION)
    assert res.ok and not res.citations and not res.data["passages"]
    assert owner in res.text and connected in res.text and "administrator" in res.text


def test_a_library_without_an_owner_applies_to_any_company(tmp_path: Path, odoo_hollander: OdooClient) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "receiving.md").write_text("---\ntitle: Receiving\ndoc_type: sop\n---\n# Receiving\n\n"
                                      "Count every carton against the packing slip before signing.\n")
    store = DocumentStore(HashEmbedder(), path=tmp_path / "chroma")
    r = Retriever(store)
    ingest_default_corpus(r, lib)
    res = run_tool(_ctx(odoo_hollander, r), "search_documents", {"query": "count cartons packing slip"})
    assert res.ok and res.citations, res.text
