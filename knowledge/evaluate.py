"""Retrieval evaluation on the labelled questions in knowledge/eval/questions.yaml.

Why: "did the change make retrieval better?" needs numbers. For answerable questions we report
recall@1, recall@5 and MRR (a hit = a passage of the expected document, and of the expected section
when one is given); for questions the corpus cannot answer, whether the retriever said so (no
passage above the confidence threshold); for questions asked in a role that may not see the answer,
whether anything restricted leaked (must be zero).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.retriever import Passage, Retriever

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "eval" / "questions.yaml"
# the default policy's hidden doc types (tools/governance/default_policy.yaml); the CLI passes the real one
DEFAULT_HIDDEN: dict[str, set[str]] = {"warehouse": {"contract"}, "requester": {"contract"}}
ALL_TYPES = {"sop", "policy", "contract", "playbook"}


@dataclass
class Question:
    id: str
    q: str
    role: str = "buyer"
    kind: str = "general"
    doc: str | None = None  # expected doc_id; None = no answer expected
    sections: list[str] = field(default_factory=list)  # any of these (substring, case-insensitive)
    doc_type: str | None = None
    supplier: str | None = None

    @property
    def answerable(self) -> bool:
        return self.doc is not None


@dataclass
class QuestionResult:
    question: Question
    rank: int | None  # 1-based rank of the first hit
    answerable_said: bool
    best_confidence: float
    leaked: int
    top: list[str]
    ms: float


@dataclass
class EvalReport:
    results: list[QuestionResult]

    def _answerable(self) -> list[QuestionResult]:
        return [r for r in self.results if r.question.answerable]

    @property
    def recall_at_1(self) -> float:
        a = self._answerable()
        return sum(1 for r in a if r.rank == 1) / len(a) if a else 0.0

    @property
    def recall_at_5(self) -> float:
        a = self._answerable()
        return sum(1 for r in a if r.rank is not None and r.rank <= 5) / len(a) if a else 0.0

    @property
    def mrr(self) -> float:
        a = self._answerable()
        return sum(1.0 / r.rank for r in a if r.rank) / len(a) if a else 0.0

    @property
    def no_answer_accuracy(self) -> float:
        n = [r for r in self.results if not r.question.answerable and r.question.kind != "role"]
        return sum(1 for r in n if not r.answerable_said) / len(n) if n else 1.0

    @property
    def false_no_answer(self) -> int:
        """Answerable questions the retriever wrongly called unanswerable."""
        return sum(1 for r in self._answerable() if not r.answerable_said)

    @property
    def leaks(self) -> int:
        return sum(r.leaked for r in self.results)

    def summary(self) -> dict[str, Any]:
        ms = sorted(r.ms for r in self.results)
        return {
            "questions": len(self.results), "answerable": len(self._answerable()),
            "recall@1": round(self.recall_at_1, 3), "recall@5": round(self.recall_at_5, 3),
            "mrr": round(self.mrr, 3), "no_answer_accuracy": round(self.no_answer_accuracy, 3),
            "false_no_answer": self.false_no_answer, "role_leaks": self.leaks,
            "p50_ms": round(ms[len(ms) // 2], 1) if ms else 0.0,
        }

    def by_kind(self) -> dict[str, str]:
        """Per question kind: hits@1/hits@5 of n (answerable kinds) or correct of n (no_answer, role)."""
        out: dict[str, str] = {}
        for kind in sorted({r.question.kind for r in self.results}):
            rs = [r for r in self.results if r.question.kind == kind]
            if kind == "role":
                out[kind] = f"{sum(1 for r in rs if not r.leaked)}/{len(rs)} leak-free"
            elif all(not r.question.answerable for r in rs):
                out[kind] = f"{sum(1 for r in rs if not r.answerable_said)}/{len(rs)} said no answer"
            else:
                at1 = sum(1 for r in rs if r.rank == 1)
                at5 = sum(1 for r in rs if r.rank is not None and r.rank <= 5)
                out[kind] = f"@1 {at1}/{len(rs)}, @5 {at5}/{len(rs)}"
        return out

    def misses(self) -> list[QuestionResult]:
        return [r for r in self.results
                if (r.question.answerable and r.rank != 1) or r.leaked
                or (not r.question.answerable and r.question.kind != "role" and r.answerable_said)]


def load_questions(path: Path | str = DEFAULT_QUESTIONS) -> list[Question]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    out = []
    for row in data:
        expect = row.get("expect") or {}
        if expect == "none":
            expect = {}
        sections = expect.get("section") or []
        out.append(Question(id=str(row["id"]), q=str(row["q"]), role=str(row.get("role", "buyer")),
                            kind=str(row.get("kind", "general")), doc=expect.get("doc"),
                            sections=[sections] if isinstance(sections, str) else list(sections),
                            doc_type=row.get("doc_type"), supplier=row.get("supplier")))
    return out


def _is_hit(p: Passage, q: Question) -> bool:
    if not q.doc or p.citation_id.split("#")[0] != q.doc:
        return False
    return not q.sections or any(s.lower() in (p.section or "").lower() for s in q.sections)


def default_role_types(role: str) -> set[str] | None:
    return ALL_TYPES - DEFAULT_HIDDEN.get(role, set())


def evaluate(retriever: Retriever, questions: list[Question],
             role_doc_types: Callable[[str], set[str] | None] = default_role_types, k: int = 5) -> EvalReport:
    results = []
    for q in questions:
        types = role_doc_types(q.role)
        t0 = time.perf_counter()
        res = retriever.search_scored(q.q, role_doc_types=types, doc_type=q.doc_type, supplier=q.supplier,
                                      k=k, role=q.role)
        ms = (time.perf_counter() - t0) * 1000
        rank = next((i + 1 for i, p in enumerate(res.passages) if _is_hit(p, q)), None)
        leaked = sum(1 for p in res.passages if types is not None and p.doc_type not in types)
        results.append(QuestionResult(q, rank, res.answerable, res.best_confidence, leaked,
                                      [f"{p.citation_id} {p.section}" for p in res.passages], ms))
    return EvalReport(results)
