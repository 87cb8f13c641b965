"""The mailbox pipeline: fetch (IMAP, incremental) or import (files) -> store -> link -> understand.

Incremental sync: per folder the stored cursor (UIDVALIDITY, last UID) says where the last committed batch
ended. Each batch of messages and the cursor's new position are written in one transaction, so a sync
stopped anywhere resumes exactly there. When the server's UIDVALIDITY changed (the folder was rebuilt),
the folder is read again from the start and Message-ID de-duplication keeps the store free of repeats.

Linking and understanding run over stored messages not processed yet (`process_pending`), so a slow or
unreachable Odoo never holds up fetching. An optional `understander` (the LLM brain, from assistant/)
may replace the offline reading; it gets the message as untrusted data and its answer is checked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.mail.archive import ArchiveReport, iter_raw
from tools.mail.extractor import Understanding, date_order_for, understand
from tools.mail.imap import ImapConfig, ImapMailbox
from tools.mail.linker import Links, MailLinker, Vendor
from tools.mail.message import MailMessage, parse_message
from tools.mail.store import MailMessageRow, MailStore, links_of
from tools.odoo.errors import OdooError, OdooUnavailable

log = logging.getLogger(__name__)
Understander = Callable[[MailMessageRow, Understanding, str], Understanding | None]  # row, offline, date order


@dataclass
class SyncReport:
    fetched: int = 0
    new: int = 0
    folders: dict[str, int] = field(default_factory=dict)  # folder -> new messages
    reset_folders: list[str] = field(default_factory=list)  # UIDVALIDITY changed: read again
    skipped: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.fetched - self.new


def _parse(source: str, raw: bytes, report: SyncReport) -> tuple[str, MailMessage] | None:
    try:
        return source, parse_message(raw)
    except Exception as exc:  # noqa: BLE001 - one broken mail never stops the sync
        report.skipped.append(f"{source}: unreadable ({type(exc).__name__})")
        return None


def sync_imap(store: MailStore, config: ImapConfig, *, batch: int = 500) -> SyncReport:
    """Fetch every message not fetched before from the configured folders (read-only)."""
    report = SyncReport()
    with ImapMailbox(config) as box:
        for folder in config.folders:
            validity = box.examine(folder)
            cur = store.cursor(config.account, folder)
            last = cur.last_uid if cur is not None and cur.uidvalidity == validity else 0
            if cur is not None and cur.uidvalidity != validity:
                report.reset_folders.append(folder)
            uids = box.uids_after(last)
            report.folders[folder] = 0
            if not uids and (cur is None or cur.uidvalidity != validity):  # remember the folder's new validity
                store.add_batch([], account=config.account, folder=folder, uidvalidity=validity, last_uid=0)
            for chunk in box.fetch(uids, batch=batch):
                if not chunk:
                    continue
                parsed = [p for uid, raw in chunk if (p := _parse(f"imap:{folder}#{uid}", raw, report))]
                new = store.add_batch(parsed, account=config.account, folder=folder, uidvalidity=validity,
                                      last_uid=chunk[-1][0])
                report.fetched += len(chunk)
                report.new += new
                report.folders[folder] += new
    return report


def import_path(store: MailStore, path: Path, *, batch: int = 200) -> tuple[SyncReport, ArchiveReport]:
    """Store the messages of .eml files, folders and mbox archives (de-duplicated by Message-ID)."""
    report, archive = SyncReport(), ArchiveReport()
    pending: list[tuple[str, MailMessage]] = []
    for source, raw in iter_raw(Path(path), archive):
        report.fetched += 1
        p = _parse(source, raw, report)
        if p:
            pending.append(p)
        if len(pending) >= batch:
            report.new += store.add_batch(pending)
            pending = []
    if pending:
        report.new += store.add_batch(pending)
    report.skipped += archive.skipped
    return report, archive


@dataclass
class ProcessReport:
    processed: int = 0
    linked: int = 0
    unlinked: int = 0
    by_llm: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def _parents(store: MailStore, row: MailMessageRow) -> list[MailMessageRow]:
    refs = [row.in_reply_to, *reversed(json.loads(row.references_json or "[]"))]
    return sorted(store.by_message_ids([r for r in refs if r]), key=lambda r: r.id, reverse=True)


def _parent_links(parents: list[MailMessageRow], linker: MailLinker) -> Links | None:
    for parent in parents:
        docs = links_of(parent)
        vendor = linker.vendors.get(parent.vendor_id or 0)
        if docs or vendor:
            return Links(vendor=vendor, documents=docs, method="thread")
    return None


def _thread_kind(parents: list[MailMessageRow]) -> str:
    """The kind of the nearest vendor message up the thread (our own questions in between are skipped)."""
    for parent in parents:
        if parent.kind and parent.kind != "other":
            return parent.kind
    return ""


def process_pending(store: MailStore, odoo: Any, *, understander: Understander | None = None,
                    limit: int | None = None, linker: MailLinker | None = None) -> ProcessReport:
    """Link and understand every stored message not processed yet (oldest first, so threads resolve)."""
    report = ProcessReport()
    linker = linker or MailLinker(odoo)
    while True:
        rows = store.pending(limit=200)
        if not rows:
            break
        for row in rows:
            try:
                process_one(store, linker, row, understander=understander, report=report)
            except (OdooError, OdooUnavailable):
                raise  # Odoo unreachable or refusing: the messages stay pending for the next run
            except Exception:  # noqa: BLE001 - one odd message never blocks the others
                log.warning("mail %s could not be read; kept as 'other' for triage", row.id, exc_info=True)
                store.save_understanding(row.id, vendor_id=None, vendor_name=None, links=[], kind="other",
                                         facts={"error": "could not be read"}, understood_by="offline",
                                         injection=False)
                report.processed += 1
                report.unlinked += 1
            if limit is not None and report.processed >= limit:
                return report
    return report


def process_one(store: MailStore, linker: MailLinker, row: MailMessageRow, *,
                understander: Understander | None = None, report: ProcessReport | None = None) -> Understanding:
    report = report if report is not None else ProcessReport()
    attachments = [a for a in json.loads(row.attachments_json or "[]") if isinstance(a, dict)]
    att_text = "\n".join(str(a.get("text") or "") for a in attachments)
    text = "\n".join([row.subject, row.body, att_text])
    parents = _parents(store, row)
    links = linker.link(sender=row.sender, original_sender=row.original_sender, text=text,
                        parent_links=_parent_links(parents, linker))
    vendor: Vendor | None = links.vendor
    order = date_order_for(vendor.lang if vendor else "", vendor.country if vendor else "", row.language,
                           f"{row.subject}\n{row.body}")
    grand = [g for p in parents for g in _parents(store, p)]
    if linker.is_internal(row.sender) and not row.original_sender:  # noqa: SIM108
        # our own mail (a buyer's question in the thread): linked for context, never read as vendor news
        result = Understanding(kind="other", quote=row.body.split("\n", 1)[0][:200])
    else:
        result = understand(row.subject, row.body, attachments_text=att_text, order=order, sent=row.date,
                            thread_kind=_thread_kind(parents + grand))
    internal = linker.is_internal(row.sender) and not row.original_sender
    if understander is not None and not internal:
        try:
            better = understander(row, result, order)
        except Exception:  # noqa: BLE001 - the brain failing leaves the offline reading
            log.warning("the LLM could not read mail %s; the offline reading stays", row.id, exc_info=True)
            better = None
        if better is not None:
            better.injection = better.injection or result.injection
            result = better
            report.by_llm += 1
    store.save_understanding(row.id, vendor_id=vendor.id if vendor else None,
                             vendor_name=vendor.name if vendor else None, links=links.documents,
                             kind=result.kind, facts={**result.facts, "quote": result.quote,
                                                      "link_method": links.method},
                             understood_by=result.by, injection=result.injection)
    report.processed += 1
    if vendor or links.documents:
        report.linked += 1
    else:
        report.unlinked += 1
    report.kinds[result.kind] = report.kinds.get(result.kind, 0) + 1
    return result
