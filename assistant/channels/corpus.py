"""Citations a person can click: links into the corpus, and the checks before a document is shown.

Why careful: a citation link is a path chosen by text the model produced. A document is served only
when it resolves inside the configured corpus dir, is a supported file, and its doc type (and
`allowed_roles`, when set) lets the viewer see it — warehouse users never open contracts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt

from knowledge.parsers import SUPPORTED, ParseError, parse_file

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def resolve_in_corpus(corpus_dir: Path, rel: str) -> Path | None:
    """The file for a relative path, or None when it escapes the corpus or is not a document."""
    if not rel or "\x00" in rel or len(rel) > 500:
        return None
    root = corpus_dir.resolve()
    try:
        path = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_relative_to(root) or not path.is_file() or path.suffix.lower() not in SUPPORTED:
        return None
    return path


def citation_href(citation: dict[str, Any], corpus_dir: Path) -> str | None:
    """A link for a citation: web URLs as they are, corpus files under /corpus/, else None."""
    source = str(citation.get("source") or "")
    if source.startswith(("https://", "http://")):
        return source
    if not source:
        return None
    root = corpus_dir.resolve()
    try:
        path = Path(source) if Path(source).is_absolute() else root / source
        path = path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_relative_to(root):
        return None
    href = "/corpus/" + quote(path.relative_to(root).as_posix())
    if path.suffix.lower() == ".pdf" and citation.get("page"):
        return f"{href}#page={int(citation['page'])}"
    section = str(citation.get("section") or "").split(">")[-1].strip()
    return f"{href}#{slug(section)}" if section else href


@dataclass
class Document:
    path: Path
    title: str
    doc_type: str
    html: str  # empty for PDFs (served as the file itself)
    allowed_roles: tuple[str, ...] = ()


def load_document(path: Path, scrub: Callable[[str], str] | None = None) -> Document:
    """The document as a page. `scrub` (a role without money rights) removes amounts from the text; such a
    role gets a PDF's text as a page, never the file itself (its prices cannot be scrubbed in place)."""
    doc = parse_file(path, path.read_bytes())
    doc_type = str(doc.meta.get("doc_type") or "sop")
    title = str(doc.meta.get("title") or path.stem.replace("_", " ").replace("-", " ").title())
    roles = tuple(str(r) for r in doc.meta.get("allowed_roles") or ())
    if path.suffix.lower() == ".pdf" and scrub is None:
        return Document(path, title, doc_type, "", roles)
    body = "\n\n".join((s.text if s.markdown else (f"## {s.path}\n\n" if s.path else "") + s.text)
                       for s in doc.sections)
    return Document(path, title, doc_type, _render_with_anchors(scrub(body) if scrub else body), roles)


def _render_with_anchors(markdown: str) -> str:
    tokens = _MD.parse(markdown)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and i + 1 < len(tokens):
            tok.attrSet("id", slug(tokens[i + 1].content))
    return str(_MD.renderer.render(tokens, _MD.options, {}))


def may_view(runtime: Any, role: str, path: Path) -> tuple[bool, Document | None, str]:
    """(allowed, document, reason). Parse failures count as 'not viewable', never as a crash."""
    policy = getattr(runtime, "policy", None)
    scrub = (lambda text: policy.scrub_text(role, text)) if policy is not None and policy.scrubs_money(role) else None
    try:
        document = load_document(path, scrub)
    except (ParseError, OSError, ValueError) as exc:
        return False, None, f"cannot open this document ({exc})"
    if policy is not None and not policy.can_see_doc_type(role, document.doc_type):
        return False, None, f"{role} users cannot see {document.doc_type} documents"
    if document.allowed_roles and role not in document.allowed_roles:
        return False, None, f"this document is restricted to {', '.join(document.allowed_roles)}"
    return True, document, ""
