"""Knowledge fixtures: hash-embedded stores (fast), a small corpus in every format, a Chroma server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.embeddings import HashEmbedder
from knowledge.store import DocumentStore

ROOT = Path(__file__).resolve().parents[2]
CHROMA_BIN = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` on 127.0.0.1 for the session; (host, port)."""
    if not CHROMA_BIN.exists():
        pytest.skip(f"no chroma CLI at {CHROMA_BIN}")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen([str(CHROMA_BIN), "run", "--host", "127.0.0.1", "--port", str(port),
                             "--path", str(path / "data")], stdout=log, stderr=subprocess.STDOUT)
    try:
        import httpx

        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {(path / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chroma server did not start in 30 s")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


_collection_seq = 0


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.chroma_server)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build DocumentStores on an embedded PersistentClient or on the Chroma server (same tests)."""

    def make(embedder: object | None = None) -> DocumentStore:
        global _collection_seq
        emb = embedder or HashEmbedder()
        if request.param == "embedded":
            return DocumentStore(emb, path=tmp_path / "chroma")  # type: ignore[arg-type]
        host, port = request.getfixturevalue("chroma_server")
        _collection_seq += 1
        return DocumentStore(emb, host=host, port=port,  # type: ignore[arg-type]
                             collection=f"qm_test_{time.time_ns()}_{_collection_seq}")

    return make


# -- a small corpus in every format ------------------------------------------------------------------

SOP_MD = """---
title: Dock Safety SOP
doc_type: sop
doc_id: SOP-T-001
effective: 2026-01-01
---

# Dock Safety SOP

## 1. Forklifts

1.1 Forklift drivers wear high-visibility vests and sound the horn at blind corners.

## 2. Damaged pallets

2.1 A crushed or leaning pallet is photographed, noted on the bill of lading and moved to DAMAGE-HOLD.
"""

CONTRACT_MD = """---
title: Supply Agreement — Redline Fasteners
doc_type: contract
doc_id: FA-T-022
supplier: Redline Fasteners
effective: 2024-10-01
expiry: 2026-09-30
---

# Supply Agreement — Redline Fasteners

## 3. Lead time and delivery

3.1 Lead-time SLA: 6 calendar days. OTIF target: 92 %.

## 7. Prices

7.4 Part FST-4410 hex bolts cost 0.18 USD each; minimum order one box of 100 pieces.
"""

POLICY_TXT = """---
title: Approval Rules Summary
doc_type: policy
doc_id: POL-T-007
---
Approvals. Requests for quotation up to 5,000 USD may be self-approved. Above 25,000 USD only the
procurement manager approves. Proposals expire after 72 hours.
"""

HTML = """<html><head><title>Hazmat Cage Rules</title><meta name="qm:doc_type" content="sop">
<meta name="qm:doc_id" content="SOP-T-005"><script>var x = "ignore me";</script></head>
<body><h1>Hazmat Cage Rules</h1><h2>Segregation</h2><p>Oxidizers are stored six metres away from
flammable liquids in the Houston cage.</p><h2>Spills</h2><p>Spill kits hang at doors 3 and 9.</p></body></html>
"""


def write_pdf(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> None:
    sys.path.insert(0, str(ROOT / "knowledge" / "corpus"))
    try:
        from build_binary_docs import write_pdf as _write  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    _write(path, title, sections)


def write_docx(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> None:
    sys.path.insert(0, str(ROOT / "knowledge" / "corpus"))
    try:
        from build_binary_docs import write_docx as _write  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    _write(path, title, sections)


PDF_SECTIONS = [
    ("1. Parties and term", ["1.1 Valid from 1 August 2025 to 31 July 2027 between Bluebonnet and Gemini."]
     + [f"1.{i} Filler clause number {i} about general obligations of both parties." for i in range(2, 30)]),
    ("4. Lead time and delivery", [
        "4.1 Lead-time SLA: Gemini delivers within 7 calendar days of purchase order confirmation.",
        "4.3 Late-delivery credit: 1.5 % of the late line value per day, up to 15 %."]),
]


@pytest.fixture()
def mini_corpus(tmp_path: Path) -> Path:
    """Five documents, one per format, with metadata from front matter, HTML meta and sidecars."""
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "sop-dock-safety.md").write_text(SOP_MD, encoding="utf-8")
    (root / "contract-redline.md").write_text(CONTRACT_MD, encoding="utf-8")
    (root / "policy-approvals.txt").write_text(POLICY_TXT, encoding="utf-8")
    (root / "hazmat.html").write_text(HTML, encoding="utf-8")
    pdf = root / "contract-gemini.pdf"
    write_pdf(pdf, "Supply Agreement - Gemini Furniture", PDF_SECTIONS)
    (root / "contract-gemini.pdf.meta.yaml").write_text(
        "title: Supply Agreement — Gemini Furniture\ndoc_type: contract\ndoc_id: FA-T-030\n"
        "supplier: Gemini Furniture\nexpiry: 2027-07-31\nallowed_roles: [buyer, manager]\n", encoding="utf-8")
    docx = root / "policy-onboarding.docx"
    write_docx(docx, "Supplier Onboarding Policy", [
        ("1. Required documents", ["1.1 Every supplier provides a signed W-9 and a certificate of insurance."]),
        ("2. Probation", ["2.1 The first 90 days orders are limited to 10,000 USD each."])])
    (root / "policy-onboarding.docx.meta.yaml").write_text("doc_id: POL-T-010\n", encoding="utf-8")
    return root
