"""Ingestion: every format, metadata, idempotent re-ingest, changes, deletions, bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from knowledge.embeddings import HashEmbedder
from knowledge.ingest import Ingestor
from knowledge.store import DocumentStore


def _store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(HashEmbedder(), path=tmp_path / "chroma")


def _by_doc(store: DocumentStore) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for ch in store.all_chunks():
        out.setdefault(ch.metadata["doc_id"], []).append({**ch.metadata, "text": ch.text})
    return out


def test_every_format_is_ingested_with_its_metadata(tmp_path: Path, mini_corpus: Path) -> None:
    store = _store(tmp_path)
    report = Ingestor(store).ingest([mini_corpus], progress=False)
    assert report.count("added") == 6 and not report.skipped, report.files
    docs = _by_doc(store)
    assert set(docs) == {"SOP-T-001", "FA-T-022", "POL-T-007", "SOP-T-005", "FA-T-030", "POL-T-010"}

    sop = docs["SOP-T-001"]
    assert {c["section"] for c in sop} == {"1. Forklifts", "2. Damaged pallets"}
    assert all(c["title"] == "Dock Safety SOP" and c["doc_type"] == "sop" for c in sop)
    assert sop[0]["effective"] == "2026-01-01"

    contract = docs["FA-T-022"]
    assert all(c["supplier"] == "Redline Fasteners" and c["expiry"] == "2026-09-30" for c in contract)

    html = docs["SOP-T-005"]
    assert html[0]["title"] == "Hazmat Cage Rules"
    assert {c["section"] for c in html} == {"Segregation", "Spills"}
    assert not any("ignore me" in c["text"] for c in html)

    pdf = docs["FA-T-030"]  # sidecar metadata, page numbers and numbered headings from the PDF text
    assert all(c["supplier"] == "Gemini Furniture" and c["allowed_roles"] == ",buyer,manager," for c in pdf)
    assert {c["page"] for c in pdf} == {1, 2}
    late = [c for c in pdf if "1.5 %" in c["text"]]
    assert late and late[0]["section"] == "4. Lead time and delivery" and late[0]["page"] == 2

    docx = docs["POL-T-010"]  # DOCX headings become sections; title from core properties
    assert docx[0]["title"] == "Supplier Onboarding Policy" and docx[0]["doc_type"] == "policy"
    assert {c["section"] for c in docx} >= {"1. Required documents", "2. Probation"}

    txt = docs["POL-T-007"]
    assert txt[0]["doc_type"] == "policy" and "72 hours" in txt[0]["text"]
    assert all(c["source"].startswith(str(mini_corpus.resolve())) and len(c["file_hash"]) == 64
               for cs in docs.values() for c in cs)


def test_reingest_is_idempotent_and_does_not_embed_again(tmp_path: Path, mini_corpus: Path) -> None:
    emb = HashEmbedder()
    store = DocumentStore(emb, path=tmp_path / "chroma")
    first = Ingestor(store).ingest([mini_corpus], progress=False)
    calls, count = emb.calls, store.count()
    assert first.embedded == count > 0
    again = Ingestor(store).ingest([mini_corpus], progress=False)
    assert again.count("unchanged") == 6 and again.embedded == 0 and not again.changed
    assert emb.calls == calls and store.count() == count
    # a new store object on the same path (a restart) sees the same manifest
    restarted = DocumentStore(emb, path=tmp_path / "chroma")
    assert Ingestor(restarted).ingest([mini_corpus], progress=False).embedded == 0
    assert emb.calls == calls


def test_changed_file_replaces_only_its_changed_chunks(tmp_path: Path, mini_corpus: Path) -> None:
    emb = HashEmbedder()
    store = DocumentStore(emb, path=tmp_path / "chroma")
    Ingestor(store).ingest([mini_corpus], progress=False)
    path = mini_corpus / "sop-dock-safety.md"
    path.write_text(path.read_text().replace("sound the horn at blind corners",
                                             "stop and sound the horn twice at blind corners"))
    texts = emb.texts_embedded
    report = Ingestor(store).ingest([mini_corpus], progress=False)
    (outcome,) = [f for f in report.files if f.status == "updated"]
    assert outcome.source.endswith("sop-dock-safety.md") and outcome.embedded == 1
    assert emb.texts_embedded - texts == 1  # the unchanged section was not embedded again
    sop = _by_doc(store)["SOP-T-001"]
    joined = " ".join(c["text"] for c in sop)
    assert "horn twice" in joined and "sound the horn at blind corners" not in joined
    assert len(sop) == 2


def test_deleted_file_is_removed_and_remove_command_works(tmp_path: Path, mini_corpus: Path) -> None:
    store = _store(tmp_path)
    ing = Ingestor(store)
    ing.ingest([mini_corpus], progress=False)
    (mini_corpus / "hazmat.html").unlink()
    report = ing.ingest([mini_corpus], progress=False)
    assert [f.status for f in report.files if f.source.endswith("hazmat.html")] == ["removed"]
    assert "SOP-T-005" not in _by_doc(store)
    outcomes = ing.remove(["FA-T-022"])  # by doc id
    assert [o.status for o in outcomes] == ["removed"]
    assert "FA-T-022" not in _by_doc(store)
    assert [o.status for o in ing.remove(["nothing-like-this"])] == ["skipped"]
    rows = ing.documents()
    assert {r["doc_id"] for r in rows} == {"SOP-T-001", "POL-T-007", "FA-T-030", "POL-T-010"}


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_bad_inputs_are_skipped_with_clear_messages(tmp_path: Path, mini_corpus: Path) -> None:
    bad = mini_corpus / "bad"
    bad.mkdir()
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n%%EOF")
    (bad / "locked.pdf").write_bytes(_encrypted_pdf())
    (bad / "empty.md").write_bytes(b"")
    (bad / "sheet.xlsx").write_bytes(b"PK\x03\x04 not a document we read")
    (bad / "huge.txt").write_text("lots of words " * 20000)
    (bad / "latin1.txt").write_bytes("Caf\xe9 receiving notes".encode("latin-1"))
    (bad / "corrupt.docx").write_bytes(b"PK\x03\x04garbage")
    (bad / "weird-type.md").write_text("---\ndoc_type: memo\n---\n# Memo\nhello\n")
    store = _store(tmp_path)
    report = Ingestor(store, max_bytes=100_000).ingest([mini_corpus], progress=False)
    msgs = {Path(f.source).name: f.message for f in report.skipped}
    assert set(msgs) == {"corrupt.pdf", "locked.pdf", "empty.md", "sheet.xlsx", "huge.txt", "latin1.txt",
                         "corrupt.docx", "weird-type.md"}
    assert "corrupt" in msgs["corrupt.pdf"]
    assert "encrypted" in msgs["locked.pdf"]
    assert "empty" in msgs["empty.md"]
    assert "unsupported file type .xlsx" in msgs["sheet.xlsx"]
    assert "too large" in msgs["huge.txt"]
    assert "not UTF-8" in msgs["latin1.txt"] and "0xe9" in msgs["latin1.txt"]
    assert "DOCX" in msgs["corrupt.docx"]
    assert "unknown doc_type 'memo'" in msgs["weird-type.md"]
    # the good files are all in, nothing of the bad ones
    assert report.count("added") == 6
    assert {c.metadata["source_name"] for c in store.all_chunks()} == {
        "sop-dock-safety.md", "contract-redline.md", "policy-approvals.txt", "hazmat.html",
        "contract-gemini.pdf", "policy-onboarding.docx"}


def test_file_that_turns_corrupt_loses_its_old_chunks(tmp_path: Path, mini_corpus: Path) -> None:
    store = _store(tmp_path)
    ing = Ingestor(store)
    ing.ingest([mini_corpus], progress=False)
    (mini_corpus / "contract-gemini.pdf").write_bytes(b"%PDF-1.4 truncated")
    report = ing.ingest([mini_corpus], progress=False)
    (skipped,) = report.skipped
    assert "previous chunks were removed" in skipped.message
    assert "FA-T-030" not in _by_doc(store)


def test_sidecar_change_updates_metadata(tmp_path: Path, mini_corpus: Path) -> None:
    store = _store(tmp_path)
    ing = Ingestor(store)
    ing.ingest([mini_corpus], progress=False)
    side = mini_corpus / "contract-gemini.pdf.meta.yaml"
    side.write_text(side.read_text().replace("expiry: 2027-07-31", "expiry: 2028-01-31"))
    report = ing.ingest([mini_corpus], progress=False)
    assert [f.status for f in report.files if f.source.endswith(".pdf")] == ["updated"]
    assert {c["expiry"] for c in _by_doc(store)["FA-T-030"]} == {"2028-01-31"}


def test_missing_path_is_reported(tmp_path: Path) -> None:
    report = Ingestor(_store(tmp_path)).ingest([tmp_path / "nope.md"], progress=False)
    assert [(f.status, f.message) for f in report.files] == [("skipped", "no such file or folder")]


@pytest.mark.parametrize("name", ["build_binary_docs.py", "notes.yaml", "_draft.md", ".hidden.md"])
def test_non_documents_in_a_folder_are_ignored_quietly(tmp_path: Path, name: str) -> None:
    root = tmp_path / "c"
    root.mkdir()
    (root / name).write_text("# x\nsome text\n")
    (root / "sop-a.md").write_text("# A\nreal text\n")
    report = Ingestor(_store(tmp_path)).ingest([root], progress=False)
    assert [Path(f.source).name for f in report.files] == ["sop-a.md"]
