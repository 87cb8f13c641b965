"""One e-mail as Quartermaster keeps it: headers, the new text of the message, attachments listed.

MIME is parsed by the standard library's `email` package. With `policy.default` every header access runs
the header registry's full RFC 5322 parser: 5-10 ms per message on the 2-core CI machine, too slow for a
10,000-message first sync. So messages are split with `policy.compat32` (the same parser, headers kept as
strings: ~0.3 ms per message) and the few headers we keep are decoded explicitly (`decode_header`/
`make_header` for RFC 2047 words, `email.utils` for addresses and dates); the body is the first
non-attachment text/plain part, else the text/html one, decoded with its declared charset. HTML-only mail becomes text
through `html.parser` (stdlib; block elements become line breaks, script/style dropped): on the demo
corpus that is all a reader needs, and it avoids a dependency. Quoted replies ("On ... wrote:", "> ",
"-----Original Message-----", Outlook "From:/Sent:" blocks) and signatures ("-- ", a closing line near
the end) are trimmed; a forwarded message's original sender is kept because the forward's own sender is
usually a colleague. PDF attachments get their text extracted with pypdf (order confirmations).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

MAX_BODY = 20_000
MAX_ATTACHMENT_TEXT = 4_000
MAX_PDF_BYTES = 5_000_000


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    text: str = ""  # extracted text (PDF) or empty


@dataclass
class MailMessage:
    message_id: str
    subject: str
    sender: str  # the address, lower case
    sender_name: str
    to: list[str]
    date: datetime | None  # naive UTC
    body: str  # the new text of this message (quotes and signature trimmed)
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    original_sender: str = ""  # a forwarded message's own sender
    attachments: list[Attachment] = field(default_factory=list)
    language: str = ""  # Content-Language, when given
    raw_sha256: str = ""

    @property
    def searchable(self) -> str:
        """Subject, body and attachment text: where references and facts are looked for."""
        return "\n".join([self.subject, self.body, *(a.text for a in self.attachments if a.text)])


class _Text(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote",
             "section", "article", "header", "footer"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "blockquote" or (tag == "div" and any(k == "class" and v and "gmail_quote" in v
                                                          for k, v in attrs)):
            self.quote_depth += 1
            self.parts.append("\n")
        elif tag in self.BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.parts.append("\n")
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.quote_depth:  # quoted history in HTML replies: marked like a plain-text quote
            self.parts.append("\n".join("> " + line for line in data.splitlines() if line.strip()))
        else:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _Text()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001 - broken markup: whatever was read so far
        pass
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- trimming ------------------------------------------------------------------------------------
_QUOTE_HEAD = re.compile(
    r"^(?:On .{4,200}wrote:?|Am .{4,200}schrieb.{0,40}:|Op .{4,200}schreef.{0,40}:|Le .{4,200}a écrit ?:|"
    r"-{2,}\s*Original(?:e)? Message\s*-{2,}|-{2,}\s*Urspr(?:ü|ue)ngliche Nachricht\s*-{2,}|"
    r"-{2,}\s*Oorspronkelijk bericht\s*-{2,}|_{5,})\s*$", re.I)
_OUTLOOK_HEAD = re.compile(r"^(?:From|Von|Van|De)\s*:\s*.+$", re.I)
_OUTLOOK_NEXT = re.compile(r"^(?:Sent|Gesendet|Verzonden|Envoyé|Date|Datum)\s*:", re.I)
_FORWARD = re.compile(r"^-{2,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Doorgestuurd bericht|"
                      r"Message transféré)\s*-{2,}\s*$|^Begin forwarded message:\s*$", re.I)
_SIGN_OFF = re.compile(
    r"^(?:best(?: regards)?|kind regards|regards|warm regards|many thanks|thanks(?: again)?|thank you|sincerely|"
    r"cheers|talk soon|appreciate your business|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|"
    r"mit freundlichen gr(?:ü|ue)(?:ß|ss)en|viele gr(?:ü|ue)(?:ß|ss)e|beste gr(?:ü|ue)(?:ß|ss)e|cordialement|"
    r"bien cordialement|sent from my \w+)[,.!]?\s*$", re.I)
_FWD_FROM = re.compile(r"^(?:From|Von|Van|De)\s*:\s*(.+)$", re.I)


def trim(text: str) -> tuple[str, str]:
    """(the new text of a message, a forwarded message's original sender address or '').

    A forward keeps the forwarded text (that is the supplier's message) without its header block."""
    lines = text.replace("\r\n", "\n").split("\n")
    original = ""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if _FORWARD.match(line):
            j = i + 1
            while j < len(lines) and j < i + 8 and lines[j].strip():  # the forwarded header block
                m = _FWD_FROM.match(lines[j].strip())
                if m and not original:
                    original = parseaddr(m.group(1))[1].lower()
                j += 1
            i = j
            continue
        if _QUOTE_HEAD.match(line):
            break
        if _OUTLOOK_HEAD.match(line) and i + 1 < len(lines) and _OUTLOOK_NEXT.match(lines[i + 1].strip()):
            break
        if line.startswith(">"):
            i += 1
            continue
        if line in ("--", "-- "):
            break
        out.append(lines[i].rstrip())
        i += 1
    # a sign-off line near the end: the signature block below it goes
    for k in range(len(out) - 1, max(-1, len(out) - 9), -1):
        if _SIGN_OFF.match(out[k].strip()):
            out = out[: k + 1]
            break
    body = "\n".join(out).strip()
    return re.sub(r"\n{3,}", "\n\n", body), original


# -- parsing -------------------------------------------------------------------------------------
def _decoded(value: Any) -> str:
    """An RFC 2047 header value as text ('=?utf-8?q?...?=' decoded); never raises."""
    if value is None:
        return ""
    if isinstance(value, Header):
        try:
            return str(make_header(decode_header(str(value))))
        except Exception:  # noqa: BLE001
            return str(value)
    text = str(value)
    if "=?" not in text:
        return text.strip()
    try:
        return str(make_header(decode_header(text))).strip()
    except Exception:  # noqa: BLE001 - a malformed encoded word stays as written
        return text.strip()


def _header(msg: Message, name: str) -> str:
    try:
        return _decoded(msg.get(name))
    except Exception:  # noqa: BLE001 - a malformed header is an absent one
        return ""


def _pdf_text(data: bytes) -> str:
    if len(data) > MAX_PDF_BYTES:
        return ""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        text = "\n".join((page.extract_text() or "") for page in reader.pages[:5])
    except Exception:  # noqa: BLE001 - an unreadable PDF is listed without text
        return ""
    return re.sub(r"[ \t]+", " ", text).strip()[:MAX_ATTACHMENT_TEXT]


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(payload or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", "replace")


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return disposition == "attachment" or (bool(part.get_filename()) and disposition != "inline")


def _parts(msg: Message) -> tuple[str, list[Attachment]]:
    plain = html = None
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if _is_attachment(part):
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:  # noqa: BLE001
                continue
            if not isinstance(data, bytes):
                continue
            name = _decoded(part.get_filename() or "")
            text = ""
            if ctype == "application/pdf" or name.lower().endswith(".pdf"):
                text = _pdf_text(data)
            elif ctype == "text/plain":
                text = data.decode("utf-8", "replace")[:MAX_ATTACHMENT_TEXT]
            attachments.append(Attachment(filename=name, content_type=ctype, size=len(data), text=text))
        elif ctype == "text/plain" and plain is None:
            plain = _text_of(part)
        elif ctype == "text/html" and html is None:
            html = _text_of(part)
    if plain is not None and plain.strip():
        return plain, attachments
    return (html_to_text(html) if html else plain or ""), attachments


_ADDR = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def parse_message(raw: bytes) -> MailMessage:
    """Raw RFC 5322 bytes -> MailMessage. Never raises on malformed mail: missing parts stay empty."""
    sha = hashlib.sha256(raw).hexdigest()
    msg = message_from_bytes(raw, policy=policy.compat32)
    message_id = (_ids(_header(msg, "Message-ID")) or [""])[0] or f"<{sha[:32]}@no-message-id.invalid>"
    name, addr = parseaddr(_header(msg, "From"))
    when: datetime | None = None
    try:
        parsed = parsedate_to_datetime(_header(msg, "Date"))
        when = (parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)).replace(tzinfo=None)
    except (TypeError, ValueError, IndexError):
        when = None
    text, attachments = _parts(msg)
    body, original = trim(text)
    # recipients are only listed, so a plain address scan does (getaddresses cost 20 % of parsing)
    to = list(dict.fromkeys(a.lower() for a in _ADDR.findall(f"{_header(msg, 'To')},{_header(msg, 'Cc')}")))
    return MailMessage(
        message_id=message_id[:900], subject=re.sub(r"\s+", " ", _header(msg, "Subject"))[:500],
        sender=addr.lower(), sender_name=name[:200], to=to, date=when, body=body[:MAX_BODY],
        in_reply_to=(_ids(_header(msg, "In-Reply-To")) or [""])[0],
        references=_ids(_header(msg, "References"))[-20:], original_sender=original,
        attachments=attachments, language=_header(msg, "Content-Language")[:16], raw_sha256=sha)


def summary_of(att: Attachment) -> dict[str, Any]:
    return {"filename": att.filename, "content_type": att.content_type, "size": att.size,
            **({"text": att.text} if att.text else {})}
