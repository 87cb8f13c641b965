"""`quartermaster knowledge ingest | list | search --as | remove | eval` end to end (local model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    monkeypatch.setenv("QM_EMBEDDINGS", "local")
    return tmp_path


def test_ingest_list_search_remove(env: Path, mini_corpus: Path) -> None:
    runner = CliRunner()
    (mini_corpus / "notes.bin").write_bytes(b"\x00\x01")
    out = runner.invoke(app, ["knowledge", "ingest", str(mini_corpus)])
    assert out.exit_code == 0, out.output
    assert "6 added" in out.output and "notes.bin" in out.output and "unsupported file type .bin" in out.output
    again = runner.invoke(app, ["knowledge", "ingest", str(mini_corpus)])
    assert "6 unchanged" in again.output and "0 chunks embedded" in again.output

    listing = runner.invoke(app, ["knowledge", "list"])
    assert listing.exit_code == 0
    for doc_id in ("SOP-T-001", "FA-T-022", "FA-T-030", "POL-T-010"):
        assert doc_id in listing.output
    assert "6 documents" in listing.output

    buyer = runner.invoke(app, ["knowledge", "search", "Redline FST-4410 hex bolts", "--as", "ava.buyer"])
    assert buyer.exit_code == 0 and "FA-T-022#" in buyer.output
    wes = runner.invoke(app, ["knowledge", "search", "Redline FST-4410 hex bolts", "--as", "wes.warehouse",
                              "--show-weak"])
    assert wes.exit_code == 0 and "FA-T-022" not in wes.output and "FA-T-030" not in wes.output
    unknown = runner.invoke(app, ["knowledge", "search", "x", "--as", "nobody"])
    assert unknown.exit_code != 0 and "unknown user" in unknown.output

    removed = runner.invoke(app, ["knowledge", "remove", "FA-T-022"])
    assert "removed" in removed.output
    assert "FA-T-022" not in runner.invoke(app, ["knowledge", "list"]).output


def test_eval_prints_the_metrics(env: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "sop-a.md").write_text("---\ndoc_id: SOP-A\n---\n# A\n\n## Pallets\n\nCrushed pallets go to "
                                     "DAMAGE-HOLD.\n")
    qs = tmp_path / "q.yaml"
    qs.write_text("- {id: q1, q: where do crushed pallets go, role: warehouse, expect: {doc: SOP-A}}\n"
                  "- {id: q2, q: zebra xylophone quantum, role: buyer, kind: no_answer, expect: none}\n")
    env_corpus = {"QM_CORPUS_DIR": str(corpus)}
    out = CliRunner().invoke(app, ["knowledge", "eval", "--questions", str(qs), "-v"], env=env_corpus)
    assert out.exit_code == 0, out.output
    assert "recall@1 1.000" in out.output and "recall@5 1.000" in out.output and "MRR 1.000" in out.output
    assert "no-answer accuracy 1.000" in out.output and "role leaks 0" in out.output


@pytest.mark.chroma_server
def test_cli_uses_the_chroma_server_when_configured(env: Path, mini_corpus: Path,
                                                    chroma_server: tuple[str, int],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    host, port = chroma_server
    monkeypatch.setenv("CHROMA_HOST", host)
    monkeypatch.setenv("CHROMA_PORT", str(port))
    runner = CliRunner()
    out = runner.invoke(app, ["knowledge", "ingest", str(mini_corpus)])
    assert out.exit_code == 0, out.output
    assert f"http://{host}:{port}" in out.output and "6 added" in out.output
    assert not (env / "var" / "chroma").exists()  # nothing embedded locally
    found = runner.invoke(app, ["knowledge", "search", "crushed pallet", "--as", "wes.warehouse"])
    assert "SOP-T-001#" in found.output
    runner.invoke(app, ["knowledge", "remove", "--all"])
