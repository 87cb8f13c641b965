"""Turn one file (Markdown, text, HTML, PDF, DOCX) into metadata + sections of text.

Why separate from ingestion: each format has its own failure modes (corrupt or encrypted PDFs,
non-UTF-8 text); here they all become one `ParseError` with a message fit for a person, and
everything downstream sees the same `ParsedDoc` shape.

Metadata comes from (later wins): the filename convention (`contract-…`, `sop-…`, `policy-…`,
`playbook-…` gives the doc type), the format's own fields (DOCX core properties, HTML `<title>`
and `<meta name="qm:…">`, Markdown/text YAML front matter), then a sidecar `<file>.meta.yaml`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

DOC_TYPES = ("sop", "policy", "contract", "playbook")
TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}
SIDECAR_SUFFIX = ".meta.yaml"
META_KEYS = ("title", "doc_type", "supplier", "effective", "expiry", "allowed_roles", "owner", "version",
             "doc_id", "warehouse")


class ParseError(Exception):
    """The file cannot be used; the message says why in plain words."""


@dataclass
class Section:
    """A stretch of text under one heading path (and, for PDFs, on one page)."""

    text: str
    path: str = ""  # "3 Lead time > 3.2 Late delivery"
    page: int | None = None
    markdown: bool = False  # text still contains '#' headings to split on


@dataclass
class ParsedDoc:
    meta: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)


# -- helpers ------------------------------------------------------------------------------------

def sidecar_for(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def meta_from_filename(path: Path) -> dict[str, Any]:
    stem = path.name.split(".")[0].lower()
    for t in DOC_TYPES:
        if stem.startswith(t + "-") or stem.startswith(t + "_"):
            return {"doc_type": t}
    return {}


def _norm_value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def normalise_meta(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in raw.items():
        key = str(k).strip().lower().replace("-", "_")
        if key in ("type", "doctype"):
            key = "doc_type"
        if key in ("expires", "valid_until", "expiry_date"):
            key = "expiry"
        if key in ("effective_date", "valid_from"):
            key = "effective"
        if key == "roles":
            key = "allowed_roles"
        v = _norm_value(v)
        if key == "allowed_roles":
            if isinstance(v, str):
                v = [r.strip() for r in v.split(",") if r.strip()]
            v = [str(r).strip().lower() for r in (v or [])]
        if key == "doc_type" and isinstance(v, str):
            v = v.strip().lower()
        if v is not None:
            out[key] = v
    return out


def load_sidecar(path: Path) -> dict[str, Any]:
    side = sidecar_for(path)
    if not side.exists():
        return {}
    try:
        data = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParseError(f"its sidecar {side.name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParseError(f"its sidecar {side.name} must be a YAML mapping")
    return normalise_meta(data)


def decode_utf8(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1].hex()
        raise ParseError(f"not UTF-8 text (byte 0x{bad} at offset {exc.start}); "
                         "save it as UTF-8 and ingest again") from exc
    return text.lstrip("\ufeff")


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ParseError(f"its front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParseError("its front matter must be a YAML mapping")
    return normalise_meta(data), text[m.end():]


# -- formats ------------------------------------------------------------------------------------

def parse_text(raw: bytes) -> ParsedDoc:
    meta, body = split_front_matter(decode_utf8(raw))
    return ParsedDoc(meta, [Section(body, markdown=True)])


class _HTMLToMarkdown(HTMLParser):
    """Headings become '#' lines, blocks become paragraphs; scripts and styles are dropped."""

    BLOCKS = {"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "pre", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title = ""
        self.meta: dict[str, str] = {}
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            a = dict(attrs)
            name = (a.get("name") or "").lower()
            if name.startswith("qm:") and a.get("content") is not None:
                self.meta[name[3:]] = a["content"] or ""
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * min(int(tag[1]), 3) + " ")
        elif tag in self.BLOCKS:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
            return
        self.out.append(re.sub(r"\s+", " ", data))


def parse_html(raw: bytes) -> ParsedDoc:
    text = decode_utf8(raw)
    parser = _HTMLToMarkdown()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # noqa: BLE001 - html.parser rarely fails; never crash on it
        raise ParseError(f"could not read the HTML: {exc}") from exc
    body = re.sub(r"[ \t]+\n", "\n", "".join(parser.out))
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    meta: dict[str, Any] = {}
    if parser.title.strip():
        meta["title"] = parser.title.strip()
    meta.update(normalise_meta(dict(parser.meta)))
    return ParsedDoc(meta, [Section(body, markdown=True)])


# a numbered heading: "4. Lead time and delivery" (clauses like "4.1 ..." are body text)
_PDF_HEADING = re.compile(r"^\d{1,2}\.\s+[A-Z][A-Za-z ,&/'()-]{2,60}$")


def parse_pdf(raw: bytes) -> ParsedDoc:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - missing crypto backend etc.
                raise ParseError("the PDF is encrypted (password-protected); "
                                 "ingest an unprotected copy") from exc
            if not ok:
                raise ParseError("the PDF is encrypted (password-protected); ingest an unprotected copy")
        info: Any = reader.metadata or {}
        pages = [(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        raise ParseError(f"the PDF is corrupt or unreadable ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises a wide variety on broken files
        raise ParseError(f"the PDF is corrupt or unreadable ({type(exc).__name__}: {exc})") from exc
    meta: dict[str, Any] = {}
    title = str(info.get("/Title") or "").strip() if hasattr(info, "get") else ""
    if title:
        meta["title"] = title
    sections: list[Section] = []
    current = ""
    for page_no, text in pages:
        buf: list[str] = []
        for line in text.splitlines():
            stripped = line.strip()
            if stripped and _PDF_HEADING.match(stripped) and len(stripped) < 90:
                if any(b.strip() for b in buf):
                    sections.append(Section("\n".join(buf).strip(), current, page_no))
                buf = []
                current = stripped
            buf.append(line)
        if any(b.strip() for b in buf):
            sections.append(Section("\n".join(buf).strip(), current, page_no))
    return ParsedDoc(meta, sections)


def parse_docx(raw: bytes) -> ParsedDoc:
    import zipfile

    try:
        import docx  # python-docx

        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ParseError(f"the DOCX is corrupt or not a Word document ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many kinds on bad input
        raise ParseError(f"the DOCX is corrupt or unreadable ({type(exc).__name__}: {exc})") from exc
    lines: list[str] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        m = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines.append(f"# {text}")
        elif m:
            lines.append("#" * min(int(m.group(1)) + 1, 3) + " " + text)
        else:
            lines.append(text)
        lines.append("")
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text.strip() for c in row.cells))
        lines.append("")
    meta: dict[str, Any] = {}
    props = document.core_properties
    if props.title:
        meta["title"] = props.title
    return ParsedDoc(meta, [Section("\n".join(lines), markdown=True)])


def parse_file(path: Path, raw: bytes) -> ParsedDoc:
    """Parse by suffix and merge metadata (filename < format < front matter < sidecar)."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        doc = parse_text(raw)
    elif suffix in HTML_SUFFIXES:
        doc = parse_html(raw)
    elif suffix == ".pdf":
        doc = parse_pdf(raw)
    elif suffix == ".docx":
        doc = parse_docx(raw)
    else:
        raise ParseError(f"unsupported file type {suffix or '(none)'}; supported: "
                         + ", ".join(sorted(SUPPORTED)))
    meta = {**meta_from_filename(path), **doc.meta, **load_sidecar(path)}
    doc.meta = meta
    return doc
