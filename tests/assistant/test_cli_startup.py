"""What a one-shot `quartermaster ask` must not load (issue #12: the CLI fast enough for scripts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT),
                                                                                     "PATH": "/usr/bin:/bin"})
    return set(out.stdout.split())


def test_the_embedder_and_the_document_tool_do_not_import_chromadb() -> None:
    loaded = _modules_after("import knowledge.embeddings, knowledge.retriever, tools.registry")
    assert not {m for m in loaded if m.startswith("chromadb")}
    assert "knowledge.adapters" not in loaded


def test_the_adapters_are_still_importable_from_embeddings() -> None:
    loaded = _modules_after("from knowledge.embeddings import ChromaEmbeddingFunction, HashEmbedder\n"
                            "assert ChromaEmbeddingFunction(HashEmbedder(8))(['a'])")
    assert "chromadb" in loaded


def test_a_state_store_at_head_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first = _modules_after(f"from tools.governance.store import StateStore; StateStore.open({url!r}).close()")
    assert "alembic" in first  # a new database is migrated
    again = _modules_after(f"from tools.governance.store import StateStore; StateStore.open({url!r}).close()")
    assert "alembic" not in again


def test_lazy_knowledge_opens_on_first_use_only() -> None:
    from assistant.runtime import LazyKnowledge

    opened: list[int] = []

    class Retriever:
        def search(self, q: str, k: int = 1) -> list[str]:
            return [q]

    def build() -> Retriever:
        opened.append(1)
        return Retriever()

    lazy = LazyKnowledge(build)
    assert not opened
    assert lazy.search("x") == ["x"] and lazy.resolve() is lazy.resolve() and opened == [1]
    assert LazyKnowledge(lambda: None).resolve() is None
