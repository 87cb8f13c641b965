"""Retrieval: hybrid exact hits, filters, role filtering, no-answer signal — embedded AND Chroma server."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.embeddings import HashEmbedder
from knowledge.ingest import Ingestor
from knowledge.retriever import Retriever, identifiers, ingest_default_corpus, tokenize


class ConstantEmbedder:
    """Every text gets the same vector: vector search is useless, only keywords can rank."""

    name = "constant-16"
    dim = 16

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        v = np.zeros((len(texts), 16), dtype=np.float32)
        v[:, 0] = 1.0
        return v


def _retriever(store_factory, corpus: Path, embedder=None) -> Retriever:  # type: ignore[no-untyped-def]
    store = store_factory(embedder)
    report = Ingestor(store).ingest([corpus], progress=False)
    assert not report.skipped, report.skipped
    return Retriever(store)


def test_exact_identifiers_hit_through_the_keyword_side(store_factory, mini_corpus: Path) -> None:
    r = _retriever(store_factory, mini_corpus, ConstantEmbedder())
    (top, *_) = r.search("FST-4410", k=3, role_doc_types=None)
    assert top.citation_id.startswith("FA-T-022#") and "FST-4410" in top.text
    (top, *_) = r.search("clause 4.3 late credit", k=3)
    assert top.citation_id.startswith("FA-T-030#") and "4.3" in top.text and top.page == 2
    (top, *_) = r.search("Redline Fasteners", k=3)
    assert top.supplier == "Redline Fasteners"


def test_semantic_question_finds_the_section_with_citation_fields(store_factory, mini_corpus: Path) -> None:
    r = _retriever(store_factory, mini_corpus)
    passages = r.search("what do we do with a crushed pallet", k=3)
    top = passages[0]
    assert top.citation_id.startswith("SOP-T-001#") and top.section == "2. Damaged pallets"
    assert top.title == "Dock Safety SOP" and top.doc_type == "sop" and top.source.endswith("sop-dock-safety.md")
    assert 0 < top.confidence <= 1 and top.score > 0
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_role_filter_keeps_contracts_from_the_warehouse(store_factory, mini_corpus: Path) -> None:
    r = _retriever(store_factory, mini_corpus)
    warehouse = {"sop", "policy", "playbook"}
    for query in ["Redline Fasteners lead time SLA", "FST-4410 price", "Gemini late-delivery credit 4.3",
                  "contract", "supplier agreement OTIF target"]:
        res = r.search_scored(query, role_doc_types=warehouse, k=10, role="warehouse")
        assert all(p.doc_type != "contract" for p in res.passages), query
    # asking for contracts explicitly, or by supplier, still yields nothing
    assert r.search("Redline lead time", role_doc_types=warehouse, doc_type="contract") == []
    assert r.search("lead time", role_doc_types=warehouse, supplier="Redline Fasteners") == []
    # a buyer gets them
    assert r.search("Redline lead time", role_doc_types=warehouse | {"contract"}, doc_type="contract")


def test_allowed_roles_metadata_is_enforced(store_factory, mini_corpus: Path) -> None:
    r = _retriever(store_factory, mini_corpus)
    # the Gemini PDF is limited to buyer and manager by its sidecar
    assert any(p.citation_id.startswith("FA-T-030") for p in r.search("Gemini lead time", role="buyer", k=5))
    res = r.search_scored("Gemini lead time 7 calendar days", role="finance", k=10)
    assert not any(p.citation_id.startswith("FA-T-030") for p in res.passages)


def test_filters_by_doc_type_and_fuzzy_supplier(store_factory, mini_corpus: Path) -> None:
    r = _retriever(store_factory, mini_corpus)
    assert {p.doc_type for p in r.search_scored("approval", doc_type="policy", k=10).passages} == {"policy"}
    sup = r.search_scored("lead time", supplier="gemini", k=10).passages
    assert sup and {p.supplier for p in sup} == {"Gemini Furniture"}
    assert r.search("lead time", supplier="Nobody Inc") == []


def test_no_good_answer_signal(store_factory, mini_corpus: Path) -> None:
    r = _retriever(store_factory, mini_corpus)
    res = r.search_scored("zebra xylophone quantum", k=5)
    assert not res.answerable and res.best_confidence < r.min_confidence
    assert r.search("zebra xylophone quantum") == []
    assert r.search("   ") == []


def test_refresh_sees_new_documents(store_factory, mini_corpus: Path, tmp_path: Path) -> None:
    r = _retriever(store_factory, mini_corpus)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "playbook-peak.md").write_text("---\ndoc_id: PB-T-1\n---\n# Peak Season\n\nHire 12 temps in "
                                            "November for the Dallas dock.\n")
    report = ingest_default_corpus(r, extra)
    assert report.count("added") == 1
    assert r.search("temps for peak season")[0].citation_id.startswith("PB-T-1#")


def test_empty_store_returns_nothing(store_factory) -> None:  # type: ignore[no-untyped-def]
    r = Retriever(store_factory(HashEmbedder()))
    assert r.search("anything") == [] and r.count() == 0


def test_tokenizer_keeps_codes_whole() -> None:
    toks = tokenize("Part FST-4410, clause 4.3 and the receipts")
    assert "fst-4410" in toks and "4410" in toks and "4.3" in toks and "receipt" in toks and "the" not in toks
    assert identifiers("clause 4.3 of FA-2025-030, 10 days") == {"4.3", "fa-2025-030"}


def test_writes_by_another_ingestor_are_picked_up(store_factory, mini_corpus: Path, tmp_path: Path) -> None:
    r = _retriever(store_factory, mini_corpus)
    r.recheck_s = 0.0
    before = r.search_scored("temps for peak season hiring", k=10).passages
    assert not any(p.citation_id.startswith("PB-T-2") for p in before)
    extra = tmp_path / "extra2"
    extra.mkdir()
    (extra / "playbook-peak.md").write_text("---\ndoc_id: PB-T-2\n---\n# Peak Season\n\nHire 12 temps in "
                                            "November for the Dallas dock.\n")
    Ingestor(r.store).ingest([extra], progress=False)  # not through this retriever
    assert r.search("temps for peak season hiring")[0].citation_id.startswith("PB-T-2#")
