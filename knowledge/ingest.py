"""Ingestion: files -> heading-aware chunks with metadata -> Chroma, idempotently.

Why this shape:
- The manifest is the collection itself (every chunk carries `source`, `file_hash`, `chunk_hash`),
  read once per run. So it cannot drift from the store, and it works the same against a server.
- An unchanged file (same bytes + sidecar) is skipped without parsing; a changed file is re-chunked
  and only chunks whose text or metadata changed are embedded; stale chunks are deleted after the new
  ones are written; a file that disappeared from an ingested folder loses its chunks.
- Bad input never stops a run: each file gets a status and a message, the rest are ingested.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from knowledge.parsers import DOC_TYPES, SIDECAR_SUFFIX, SUPPORTED, ParsedDoc, ParseError, parse_file
from knowledge.store import DocumentStore

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
CHUNK_SIZE = 900
CHUNK_OVERLAP = 150
# bump when chunking or the embedded text changes: every file is then re-chunked (and re-embedded)
RECIPE = "qm-chunks-2"
# files in an ingested folder that are silently not documents (scripts, sidecars, notes)
IGNORED_SUFFIXES = {".py", ".pyc", ".yaml", ".yml", ".json", ".sh"}


@dataclass
class Chunk:
    id: str
    text: str  # the passage as stored and shown
    embed_text: str  # what the model embeds: title + section + text
    metadata: dict[str, Any]


@dataclass
class FileOutcome:
    source: str
    status: str  # added | updated | unchanged | removed | skipped
    message: str = ""
    chunks: int = 0
    embedded: int = 0


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def embedded(self) -> int:
        return sum(f.embedded for f in self.files)

    @property
    def changed(self) -> bool:
        return any(f.status in ("added", "updated", "removed") for f in self.files)

    @property
    def skipped(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "skipped"]

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "updated", "unchanged", "removed", "skipped")]
        return ", ".join(parts) + f"; {self.embedded} chunks embedded"


def _sha(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "doc"


class Chunker:
    """Split along Markdown headings (#, ##, ###), then by size with overlap."""

    def __init__(self, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> None:
        self.headers = MarkdownHeaderTextSplitter(
            headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=True)
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""])

    def pieces(self, doc: ParsedDoc) -> Iterator[tuple[str, str, int | None, str]]:
        """(text, section path, page, h1) for every piece of the document."""
        for sec in doc.sections:
            if sec.markdown:
                for part in self.headers.split_text(sec.text):
                    md = part.metadata
                    h1 = str(md.get("h1", ""))
                    path = " > ".join(str(md[h]) for h in ("h2", "h3") if md.get(h)) or h1
                    for text in self.splitter.split_text(part.page_content):
                        if text.strip():
                            yield text.strip(), path, sec.page, h1
            else:
                for text in self.splitter.split_text(sec.text):
                    if text.strip():
                        yield text.strip(), sec.path, sec.page, ""


def _title_from(doc: ParsedDoc, first_h1: str, path: Path) -> str:
    if doc.meta.get("title"):
        return str(doc.meta["title"])
    if first_h1:
        return first_h1
    return path.stem.replace("_", " ").replace("-", " ").title()


def build_chunks(path: Path, source: str, doc: ParsedDoc, file_hash: str, chunker: Chunker) -> list[Chunk]:
    """Chunks with flat (Chroma-safe) metadata; ids derive from source + content + metadata."""
    pieces = list(chunker.pieces(doc))
    first_h1 = next((h1 for _, _, _, h1 in pieces if h1), "")
    meta = doc.meta
    title = _title_from(doc, first_h1, path)
    doc_type = str(meta.get("doc_type") or "sop")
    base: dict[str, Any] = {
        "title": title,
        "doc_type": doc_type,
        "doc_id": str(meta.get("doc_id") or _slug(path.stem)),
        "source": source,
        "source_name": path.name,
        "file_hash": file_hash,
    }
    for key in ("supplier", "effective", "expiry", "owner", "version", "warehouse"):
        if meta.get(key):
            base[key] = str(meta[key])
    roles = meta.get("allowed_roles") or []
    base["allowed_roles"] = ("," + ",".join(roles) + ",") if roles else ""
    source_key = _sha(source)[:12]
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for i, (text, section, page, _h1) in enumerate(pieces):
        md = {**base, "section": section, "chunk_index": i}
        if page is not None:
            md["page"] = int(page)
        header = f"{base['doc_id']} {title}" + (f" — {section}" if section else "")
        embed_text = f"{header}\n{text}"
        stable = {k: v for k, v in md.items() if k not in ("file_hash", "chunk_index")}
        chunk_hash = _sha(embed_text + json.dumps(stable, sort_keys=True))
        n = seen.get(chunk_hash, 0)
        seen[chunk_hash] = n + 1
        cid = f"{source_key}-{chunk_hash[:20]}" + (f"-{n}" if n else "")
        md["chunk_hash"] = chunk_hash
        chunks.append(Chunk(cid, text, embed_text, md))
    return chunks


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[Path]]:
    """(files to ingest, folders given, explicit paths that do not exist)."""
    files: list[Path] = []
    folders: list[Path] = []
    missing: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            folders.append(p.resolve())
            for f in sorted(p.rglob("*")):
                if not f.is_file() or any(part.startswith((".", "_")) for part in f.relative_to(p).parts):
                    continue
                if f.name.endswith(SIDECAR_SUFFIX) or f.suffix.lower() in IGNORED_SUFFIXES:
                    continue
                files.append(f.resolve())
        elif p.is_file():
            files.append(p.resolve())
        else:
            missing.append(p.resolve())
    return files, folders, missing


class Ingestor:
    """Keeps the store equal to the files it is pointed at."""

    def __init__(self, store: DocumentStore, *, chunk_size: int = CHUNK_SIZE,
                 chunk_overlap: int = CHUNK_OVERLAP, max_bytes: int = MAX_BYTES,
                 embed_batch: int = 64) -> None:
        self.store = store
        self.chunker = Chunker(chunk_size, chunk_overlap)
        self.max_bytes = max_bytes
        self.embed_batch = embed_batch
        self.recipe = f"{RECIPE}|{chunk_size}|{chunk_overlap}|{store.embedder.name}"

    # -- manifest ------------------------------------------------------------------------------
    def manifest(self) -> dict[str, dict[str, Any]]:
        """source -> {file_hash, ids: {chunk_id: chunk_hash}, title, doc_type, chunks}."""
        out: dict[str, dict[str, Any]] = {}
        for ch in self.store.all_metadata():
            md = ch.metadata
            src = str(md.get("source", ""))
            entry = out.setdefault(src, {"file_hash": md.get("file_hash"), "ids": {},
                                         "title": md.get("title"), "doc_type": md.get("doc_type"),
                                         "supplier": md.get("supplier"), "expiry": md.get("expiry"),
                                         "doc_id": md.get("doc_id")})
            entry["ids"][ch.id] = md.get("chunk_hash")
            if entry["file_hash"] != md.get("file_hash"):
                entry["file_hash"] = None  # mixed state (interrupted run): force a re-check
        return out

    # -- the run -----------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path | str], *, prune: bool = True, progress: bool | None = None,
               on_file: Callable[[FileOutcome], None] | None = None) -> IngestReport:
        """Ingest files and folders. With `prune`, files gone from an ingested folder are removed."""
        from tqdm import tqdm

        files, folders, missing = discover(Path(p) for p in paths)
        manifest = self.manifest()
        report = IngestReport()

        def note(outcome: FileOutcome) -> None:
            report.files.append(outcome)
            if on_file:
                on_file(outcome)

        for p in missing:
            if str(p) in manifest:
                self.store.delete(list(manifest.pop(str(p))["ids"]))
                note(FileOutcome(str(p), "removed", "the file no longer exists"))
            else:
                note(FileOutcome(str(p), "skipped", "no such file or folder"))
        bar = tqdm(files, desc="ingest", unit="file", disable=(not progress) if progress is not None else None,
                   leave=False)
        for f in bar:
            note(self._ingest_file(f, manifest.get(str(f))))
        if prune:
            present = {str(f) for f in files}
            for src, entry in manifest.items():
                if src in present or not src:
                    continue
                if any(Path(src).is_relative_to(folder) for folder in folders) and not Path(src).exists():
                    self.store.delete(list(entry["ids"]))
                    note(FileOutcome(src, "removed", "deleted from the folder"))
        return report

    def _ingest_file(self, path: Path, old: dict[str, Any] | None) -> FileOutcome:
        source = str(path)
        try:
            chunks, file_hash = self._prepare(path, old)
        except ParseError as exc:
            msg = str(exc)
            if old:  # the file changed into something unusable: do not keep serving stale text
                self.store.delete(list(old["ids"]))
                msg += f"; its {len(old['ids'])} previous chunks were removed"
            return FileOutcome(source, "skipped", msg)
        if chunks is None:
            return FileOutcome(source, "unchanged", chunks=len(old["ids"]) if old else 0)
        old_ids: dict[str, Any] = dict(old["ids"]) if old else {}
        new = [c for c in chunks if c.id not in old_ids]
        kept = [c for c in chunks if c.id in old_ids]
        try:
            embedded = self._embed_and_write(new)
        except Exception as exc:  # noqa: BLE001 - embedding endpoint down etc.: leave old state intact
            return FileOutcome(source, "skipped", f"embedding failed ({type(exc).__name__}: {exc}); "
                               "the previous version (if any) is kept")
        if kept:
            self.store.update_metadata([c.id for c in kept], [c.metadata for c in kept])
        stale = [cid for cid in old_ids if cid not in {c.id for c in chunks}]
        if stale:
            self.store.delete(stale)
        return FileOutcome(source, "updated" if old else "added", chunks=len(chunks), embedded=embedded)

    def _prepare(self, path: Path, old: dict[str, Any] | None) -> tuple[list[Chunk] | None, str]:
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED:
            raise ParseError(f"unsupported file type {suffix or '(none)'}; supported: "
                             + ", ".join(sorted(SUPPORTED)))
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ParseError(f"cannot read the file ({exc.strerror})") from exc
        if size == 0:
            raise ParseError("the file is empty")
        if size > self.max_bytes:
            raise ParseError(f"the file is too large ({size / 1e6:.1f} MB; the limit is "
                             f"{self.max_bytes / 1e6:.1f} MB)")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ParseError(f"cannot read the file ({exc.strerror})") from exc
        side = path.with_name(path.name + SIDECAR_SUFFIX)
        side_bytes = side.read_bytes() if side.exists() else b""
        file_hash = _sha(raw + b"\0" + side_bytes + b"\0" + self.recipe.encode())
        if old and old.get("file_hash") == file_hash:
            return None, file_hash
        doc = parse_file(path, raw)
        doc_type = str(doc.meta.get("doc_type") or "sop")
        if doc_type not in DOC_TYPES:
            raise ParseError(f"unknown doc_type {doc_type!r}; use one of {', '.join(DOC_TYPES)}")
        chunks = build_chunks(path, str(path), doc, file_hash, self.chunker)
        if not chunks:
            raise ParseError("no text could be extracted (empty, or a scanned PDF without a text layer)")
        return chunks, file_hash

    def _embed_and_write(self, chunks: list[Chunk]) -> int:
        for start in range(0, len(chunks), self.embed_batch):
            batch = chunks[start:start + self.embed_batch]
            vectors = self.store.embedder.embed([c.embed_text for c in batch])
            self.store.upsert([c.id for c in batch], [c.text for c in batch],
                              [c.metadata for c in batch], vectors)
        return len(chunks)

    # -- removal and listing -------------------------------------------------------------------------
    def remove(self, targets: Iterable[str]) -> list[FileOutcome]:
        """Remove documents by source path (a file, or every file under a folder) or by doc_id."""
        manifest = self.manifest()
        outcomes: list[FileOutcome] = []
        for target in targets:
            resolved = str(Path(target).resolve())
            hits = [src for src, e in manifest.items()
                    if src == resolved or Path(src).is_relative_to(resolved)
                    or _doc_id_of(e, src) == target]
            if not hits:
                outcomes.append(FileOutcome(target, "skipped", "not in the knowledge base"))
            for src in hits:
                ids = list(manifest.pop(src)["ids"])
                self.store.delete(ids)
                outcomes.append(FileOutcome(src, "removed", chunks=len(ids)))
        return outcomes

    def documents(self) -> list[dict[str, Any]]:
        """One row per ingested document (for `knowledge list`)."""
        rows = []
        for src, e in sorted(self.manifest().items(), key=lambda kv: (kv[1].get("doc_type") or "", kv[0])):
            rows.append({"source": src, "doc_id": _doc_id_of(e, src), "title": e.get("title"),
                         "doc_type": e.get("doc_type"), "supplier": e.get("supplier"),
                         "expiry": e.get("expiry"), "chunks": len(e["ids"])})
        return rows


def _doc_id_of(entry: dict[str, Any], source: str) -> str:
    return str(entry.get("doc_id") or _slug(Path(source).stem))
