"""Hybrid retrieval: vector (Chroma) + BM25 keyword, fused by reciprocal rank, filtered by role first.

Why hybrid: sentence embeddings blur identifiers — "FST-4410", "clause 7.3", "Redline" — that a
keyword index hits exactly; embeddings catch paraphrases ("broken pallet" ~ "damaged goods") that
keywords miss. Why filter first: a passage a role may not see is excluded inside the Chroma query and
the keyword scan, so it never reaches ranking, the tool, or the model.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.store import DocumentStore, StoredChunk
from knowledge.terms import ContractTerms, extract_terms

RRF_K = 60
DEFAULT_MIN_CONFIDENCE = 0.42  # tuned on knowledge/eval/questions.yaml (see README)

_TOKEN = re.compile(r"[a-z0-9]+(?:[-./][a-z0-9]+)*")
_STOPWORDS_TEXT = """
a an and are as at be by can could do does did for from has have how i if in into is it its may me
must my no not of on or our shall should so than that the their them then there these this those to
us was we what when where which who whom whose why will with within would you your about any all also
after before per tell say says said does get got give need needs say there's what's who's whats
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def _stem(word: str) -> str:
    """A deliberately small stemmer: plurals, -ing, -ed, final e/y (reschedule/rescheduling/rescheduled)."""
    if len(word) <= 3 or any(c.isdigit() for c in word):
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("es") and len(word) > 4 and word[-3] in "sxz":
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    elif word.endswith("y") and len(word) > 4 and word[-2] not in "aeiou":
        word = word[:-1]  # expiry/expires, delivery/delivered, policy/policies
    return word


_SEP = re.compile(r"[-./]")
_ALPHA = re.compile(r"[a-z]")


@lru_cache(maxsize=200_000)
def _terms_of(tok: str) -> tuple[str, ...]:
    """The index terms of one raw token (cached: words repeat, stemming them is the cost)."""
    tok = tok.strip(".-/")
    if not tok or tok in STOPWORDS:
        return ()
    terms = [_stem(tok)]
    if _SEP.search(tok) and _ALPHA.search(tok):
        terms.extend(_stem(p) for p in _SEP.split(tok) if p and p not in STOPWORDS)
    return tuple(terms)


def tokenize(text: str) -> list[str]:
    """Lower-case words; identifiers like 'fst-4410' or '7.3' are kept whole and also split."""
    out: list[str] = []
    for tok in _TOKEN.findall(text.lower()):
        out.extend(_terms_of(tok))
    return out


def identifiers(text: str) -> set[str]:
    """Tokens that look like codes: ABC-1042, FA-2025-008, 4.3, 2/10 (not bare numbers like '10')."""
    found = {t.strip(".-/").lower() for t in re.findall(r"[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)+", text)}
    return {t for t in found if any(c.isdigit() for c in t) and len(t) >= 3}


@dataclass
class Passage:
    """One retrieved chunk, with everything a citation needs. Its text is data, never instructions."""

    citation_id: str
    chunk_id: str
    title: str
    section: str
    page: int | None
    source: str
    doc_type: str
    supplier: str | None
    text: str
    score: float  # fused rank score (higher is better)
    confidence: float  # 0..1: how well this passage matches the question
    effective: str | None = None
    expiry: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    passages: list[Passage]
    best_confidence: float
    answerable: bool


class _KeywordIndex:
    """BM25 over doc id + title + section + supplier + text of every chunk, kept in memory as numpy
    postings (per term: chunk indices and precomputed BM25 term weights), so a query costs a few
    vector additions, not a Python loop over every posting."""

    def __init__(self, chunks: list[StoredChunk], k1: float = 1.2, b: float = 0.75) -> None:
        self.chunks = chunks
        self.n = len(chunks)
        self.by_id = {c.id: i for i, c in enumerate(chunks)}
        self.lowered: list[str] = []
        self.term_sets: list[frozenset[str]] = []
        counts: list[Counter[str]] = []
        for c in chunks:
            md = c.metadata
            full = " ".join(str(md.get(k) or "") for k in ("doc_id", "title", "section", "supplier")) + "\n" + c.text
            self.lowered.append(full.lower())
            cnt = Counter(tokenize(full))
            counts.append(cnt)
            self.term_sets.append(frozenset(cnt))
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
        avg = float(lengths.mean()) if self.n else 1.0
        raw: dict[str, tuple[list[int], list[float]]] = {}
        for i, cnt in enumerate(counts):
            norm = k1 * (1 - b + b * lengths[i] / avg)
            for term, tf in cnt.items():
                ids, ws = raw.setdefault(term, ([], []))
                ids.append(i)
                ws.append(tf * (k1 + 1) / (tf + norm))
        self.postings = {t: (np.array(ids, dtype=np.int32), np.array(ws, dtype=np.float32))
                         for t, (ids, ws) in raw.items()}
        # filter masks, precomputed: doc type -> rows, supplier -> rows, restricted doc id -> rows
        self.type_rows = self._rows_by(chunks, "doc_type")
        self.supplier_rows = self._rows_by(chunks, "supplier")
        restricted: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            if c.metadata.get("allowed_roles"):
                restricted.setdefault(str(c.metadata.get("doc_id")), []).append(i)
        self.restricted_rows = {d: np.array(r, dtype=np.int64) for d, r in restricted.items()}
        # documents limited to some roles: doc_id -> ",role,role,"
        self.restricted = {str(c.metadata.get("doc_id")): str(c.metadata["allowed_roles"])
                           for c in chunks if c.metadata.get("allowed_roles")}

    @staticmethod
    def _rows_by(chunks: list[StoredChunk], key: str) -> dict[str, np.ndarray]:
        rows: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            value = c.metadata.get(key)
            if value:
                rows.setdefault(str(value), []).append(i)
        return {k: np.array(v, dtype=np.int64) for k, v in rows.items()}

    def mask_of(self, rows: dict[str, np.ndarray], keys: Iterable[str]) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        for k in keys:
            if k in rows:
                mask[rows[k]] = True
        return mask

    def idf(self, term: str) -> float:
        df = len(self.postings[term][0]) if term in self.postings else 0
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def search(self, query_terms: list[str], allowed: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        scores = np.zeros(self.n, dtype=np.float32)
        for term in set(query_terms):
            hit = self.postings.get(term)
            if hit is not None:
                scores[hit[0]] += np.float32(self.idf(term)) * hit[1]
        if allowed is not None:
            scores[~allowed] = 0.0
        cand = np.flatnonzero(scores > 0)
        if len(cand) > n:
            cand = cand[np.argpartition(-scores[cand], n - 1)[:n]]
        order = cand[np.argsort(-scores[cand], kind="stable")]
        return [(int(i), float(scores[i])) for i in order]

    def coverage(self, query_terms: list[str], i: int) -> float:
        """idf-weighted share of the query's terms that occur in chunk i (0..1)."""
        terms = set(query_terms)
        if not terms:
            return 0.0
        present = self.term_sets[i]
        total = sum(self.idf(t) for t in terms)
        hit = sum(self.idf(t) for t in terms if t in present)
        return hit / total if total else 0.0


class Retriever:
    """`Retriever(store).search(query, role_doc_types=..., doc_type=..., supplier=..., k=5)`."""

    def __init__(self, store: DocumentStore, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                 vector_candidates: int = 40, keyword_candidates: int = 40,
                 recheck_s: float = 30.0) -> None:
        self.store = store
        self.recheck_s = recheck_s  # how often to notice writes by another process (chunk count)
        self._checked = 0.0
        self.min_confidence = min_confidence
        self.vector_candidates = vector_candidates
        self.keyword_candidates = keyword_candidates
        self._index: _KeywordIndex | None = None
        self._lock = threading.Lock()
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()

    # -- index ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the keyword index from the store (after an ingest)."""
        index = _KeywordIndex(self.store.all_chunks())
        with self._lock:
            self._index = index
            self._checked = time.monotonic()

    @property
    def index(self) -> _KeywordIndex:
        if self._index is None:
            self.refresh()
        elif time.monotonic() - self._checked > self.recheck_s:
            self._checked = time.monotonic()
            try:
                if self.store.count() != self._index.n:  # another process ingested: catch up
                    self.refresh()
            except Exception:  # noqa: BLE001 - a store hiccup must not fail a search; next time
                pass
        assert self._index is not None
        return self._index

    def count(self) -> int:
        """Chunks in the store (the health check uses it)."""
        return self.store.count()

    def doc_types(self) -> set[str]:
        return set(self.index.type_rows)

    def contract_terms(self, supplier: str, today: dt.date | None = None) -> ContractTerms:
        """Lead-time SLA, OTIF target, payment terms and validity of a supplier's contract."""
        names = self._resolve_suppliers(supplier)
        name = names[0] if names else supplier
        chunks = [(c.text, c.metadata) for c in self.index.chunks
                  if c.metadata.get("supplier") == name and c.metadata.get("doc_type") == "contract"]
        return extract_terms(name, chunks, today or dt.date.today())

    def suppliers(self) -> list[str]:
        return sorted(self.index.supplier_rows)

    def _embed_query(self, query: str) -> np.ndarray:
        with self._lock:
            hit = self._qcache.get(query)
            if hit is not None:
                self._qcache.move_to_end(query)
                return hit
        vec = self.store.embedder.embed([query])[0]
        with self._lock:
            self._qcache[query] = vec
            if len(self._qcache) > 256:
                self._qcache.popitem(last=False)
        return vec

    # -- filters ---------------------------------------------------------------------------------
    def _resolve_suppliers(self, supplier: str) -> list[str]:
        want = supplier.strip().lower()
        names = self.suppliers()
        exact = [s for s in names if s.lower() == want]
        return exact or [s for s in names if want in s.lower() or s.lower() in want]

    def _filters(self, role_doc_types: set[str] | None, role: str | None, doc_type: str | None,
                 supplier: str | None) -> tuple[dict[str, Any] | None, np.ndarray | None, bool]:
        """(Chroma where clause, keyword-index mask, anything visible at all)."""
        idx = self.index
        conds: list[dict[str, Any]] = []
        mask = np.ones(idx.n, dtype=bool)
        types: set[str] | None = set(role_doc_types) if role_doc_types is not None else None
        if doc_type:
            types = {doc_type} if types is None else types & {doc_type}
        if types is not None:
            if not types:
                return None, None, False
            conds.append({"doc_type": {"$in": sorted(types)}})
            mask &= idx.mask_of(idx.type_rows, types)
        if supplier:
            names = self._resolve_suppliers(supplier)
            if not names:
                return None, None, False
            conds.append({"supplier": {"$in": names}})
            mask &= idx.mask_of(idx.supplier_rows, names)
        if role:
            hidden = sorted(d for d, roles in idx.restricted.items() if f",{role}," not in roles)
            if hidden:
                conds.append({"doc_id": {"$nin": hidden}})
                mask &= ~idx.mask_of(idx.restricted_rows, hidden)
        where = None if not conds else conds[0] if len(conds) == 1 else {"$and": conds}
        restricted = len(conds) > 0
        return where, (mask if restricted else None), bool(mask.any()) if idx.n else False

    @staticmethod
    def _visible(md: dict[str, Any], role_doc_types: set[str] | None, role: str | None) -> bool:
        """Last line of defence, applied to every passage before it leaves."""
        if role_doc_types is not None and md.get("doc_type") not in role_doc_types:
            return False
        roles = str(md.get("allowed_roles") or "")
        return not (role and roles and f",{role}," not in roles)

    # -- search ----------------------------------------------------------------------------------
    def search(self, query: str, *, role_doc_types: set[str] | None = None, doc_type: str | None = None,
               supplier: str | None = None, k: int = 5, role: str | None = None) -> list[Passage]:
        """The top-k passages, or [] when nothing in the corpus answers well (low confidence)."""
        result = self.search_scored(query, role_doc_types=role_doc_types, doc_type=doc_type,
                                    supplier=supplier, k=k, role=role)
        return result.passages if result.answerable else []

    def search_scored(self, query: str, *, role_doc_types: set[str] | None = None,
                      doc_type: str | None = None, supplier: str | None = None, k: int = 5,
                      role: str | None = None) -> SearchResult:
        """Like `search`, but always returns the ranked passages plus the confidence signal."""
        query = (query or "").strip()
        idx = self.index
        if not query or idx.n == 0:
            return SearchResult([], 0.0, False)
        where, mask, any_visible = self._filters(role_doc_types, role, doc_type, supplier)
        if not any_visible:
            return SearchResult([], 0.0, False)
        terms = tokenize(query)
        vec_hits = self._vector_hits(self._embed_query(query), where, mask)
        kw_hits = idx.search(terms, mask, self.keyword_candidates)

        fused: dict[int, float] = {}
        cosine: dict[int, float] = {}
        for rank, (cid, sim) in enumerate(vec_hits):
            i = idx.by_id.get(cid)
            if i is None:  # written after our last refresh
                continue
            cosine[i] = sim
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, (i, _s) in enumerate(kw_hits):
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
        ids_in_query = identifiers(query)
        q_lower = query.lower()
        for i in list(fused):
            md = idx.chunks[i].metadata
            for t in ids_in_query:
                pat = rf"(?<![\w.-]){re.escape(t)}(?![\w-])"
                if re.search(pat, idx.lowered[i]):
                    fused[i] += 1.0 / RRF_K
                    # a clause that *is* this number (starts a line / is the doc id) beats one citing it
                    if re.search(r"(?m)^\s*" + pat, idx.lowered[i].split("\n", 1)[-1]) \
                            or t == str(md.get("doc_id", "")).lower():
                        fused[i] += 0.5 / RRF_K
            sup = str(md.get("supplier") or "").lower()
            if sup and (sup in q_lower or sup.split()[0] in q_lower.split()):
                fused[i] += 0.5 / RRF_K
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        passages: list[Passage] = []
        for i, score in ranked:
            ch = idx.chunks[i]
            if not self._visible(ch.metadata, role_doc_types, role):
                continue
            conf = self._confidence(cosine.get(i), idx.coverage(terms, i))
            passages.append(_passage(ch, score, conf))
            if len(passages) >= k:
                break
        best = max((p.confidence for p in passages), default=0.0)
        return SearchResult(passages, best, best >= self.min_confidence)

    def _vector_hits(self, emb: np.ndarray, where: dict[str, Any] | None, mask: np.ndarray | None
                     ) -> list[tuple[str, float]]:
        """Nearest visible chunks. Chroma's filtered query is ~10x slower than its plain HNSW query
        (55 vs 4.5 ms at 10,000 chunks), so when most chunks are visible we over-fetch unfiltered and
        drop the invisible ones here (they never leave the retriever); narrow filters go to Chroma."""
        idx = self.index
        n = self.vector_candidates
        if mask is None:
            return self.store.query(emb, n, None, total=idx.n)
        visible = int(mask.sum())
        if visible < 0.5 * idx.n:
            return self.store.query(emb, n, where, total=idx.n)
        hits = self.store.query(emb, 3 * n, None, total=idx.n)
        kept = [(cid, sim) for cid, sim in hits if cid in idx.by_id and mask[idx.by_id[cid]]]
        if len(kept) < min(n, visible) // 2:  # unlucky: the visible part is far away; ask exactly
            return self.store.query(emb, n, where, total=idx.n)
        return kept[:n]

    @staticmethod
    def _confidence(cos: float | None, coverage: float) -> float:
        """Blend: semantic similarity, or near-complete keyword coverage of a specific question."""
        c = max(0.0, cos or 0.0)
        return round(min(1.0, max(c, 0.75 * coverage * (0.5 + c))), 4)


def _passage(ch: StoredChunk, score: float, confidence: float) -> Passage:
    md = ch.metadata
    page = md.get("page")
    return Passage(
        citation_id=f"{md.get('doc_id', 'doc')}#{md.get('chunk_index', 0)}",
        chunk_id=ch.id, title=str(md.get("title") or ""), section=str(md.get("section") or ""),
        page=int(page) if page is not None else None, source=str(md.get("source") or ""),
        doc_type=str(md.get("doc_type") or ""), supplier=md.get("supplier") or None, text=ch.text,
        score=round(score, 5), confidence=confidence, effective=md.get("effective") or None,
        expiry=md.get("expiry") or None)


def ingest_default_corpus(target: Retriever | DocumentStore, corpus_dir: Path | str, *,
                          progress: bool | None = False) -> Any:
    """Called by the main job on start: idempotent, and fast when nothing changed."""
    from knowledge.ingest import Ingestor

    store = target.store if isinstance(target, Retriever) else target
    report = Ingestor(store).ingest([Path(corpus_dir)], progress=progress)
    if isinstance(target, Retriever) and (report.changed or target._index is None):
        target.refresh()
    return report
