"""Benchmark of the procurement mailbox (issue #16): IMAP sync speed, linking and ETA reading quality.

Prints:
- the time to sync N messages (default 10,000) from a private local Dovecot over IMAPS into a fresh state
  store (fetch + MIME parsing + de-duplicated storage), and an incremental sync with 0 new messages;
- on the labelled demo corpora of both businesses (sandbox/seed/mailbox.py, sandbox/seed_hollander/mailbox.py,
  linked against their own sandboxes): linking precision and recall over (message, vendor) and
  (message, PO) pairs, and the offline extractor's exact-date accuracy for the new ETA.
Targets: sync 10,000 <= 60 s, 0 new <= 1 s, precision >= 0.95, recall >= 0.9, ETA accuracy >= 0.9.

    .venv/bin/python bench/bench_mail.py [--messages 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.launch import start_sandbox  # noqa: E402
from sandbox.mailserver import append, start_dovecot  # noqa: E402
from sandbox.seed.mailbox import bluebonnet_corpus, write_corpus  # noqa: E402
from sandbox.seed_hollander.mailbox import hollander_corpus  # noqa: E402
from tools.governance.store import StateStore  # noqa: E402
from tools.mail.imap import ImapConfig  # noqa: E402
from tools.mail.scoring import score  # noqa: E402
from tools.mail.store import MailStore  # noqa: E402
from tools.mail.sync import import_path, process_pending, sync_imap  # noqa: E402
from tools.odoo.client import OdooClient  # noqa: E402

CACHE = ROOT / "var" / "cache" / "sandbox"


def sync_figures(n: int) -> None:
    corpus = [m.raw for m in bluebonnet_corpus(42, 1, dt.date.today())]
    raws = [re.sub(rb"Message-ID: <qm\d+\.", f"Message-ID: <bench{i:06d}.".encode(), corpus[i % len(corpus)], count=1)
            for i in range(n)]
    server = start_dovecot()
    try:
        t = time.perf_counter()
        append(server, raws, "Bench", batch=500)
        print(f"fed {n} messages through IMAP APPEND in {time.perf_counter() - t:.1f} s (not part of the figure)")
        with tempfile.TemporaryDirectory() as tmp:
            store = StateStore.open(f"sqlite:///{tmp}/state.db")
            mails = MailStore(store)
            cfg = ImapConfig(host=server.host, port=server.imaps_port, security="ssl", user=server.user,
                             password=server.password, folders=["Bench"], ca_file=server.ca_file)
            t = time.perf_counter()
            rep = sync_imap(mails, cfg)
            full = time.perf_counter() - t
            t = time.perf_counter()
            again = sync_imap(mails, cfg)
            zero = time.perf_counter() - t
            store.close()
        print(f"sync {rep.new} new of {rep.fetched} fetched: {full:.1f} s ({rep.fetched / full:.0f} msg/s) "
              f"[target <= 60 s for 10,000]")
        print(f"incremental sync, {again.fetched} new: {zero:.2f} s [target <= 1 s]")
    finally:
        server.stop()


def quality(business: str) -> None:
    corpus = bluebonnet_corpus(42, 1, dt.date.today()) if business == "bluebonnet" else \
        hollander_corpus(42, 1, dt.date.today())
    with tempfile.TemporaryDirectory() as tmp:
        sb = start_sandbox(Path(tmp) / "sb", port=0, scale=1, cache_dir=CACHE, business=business)
        try:
            odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")
            store = StateStore.open(f"sqlite:///{tmp}/state.db")
            mails = MailStore(store)
            write_corpus(corpus, Path(tmp) / "corpus")
            import_path(mails, Path(tmp) / "corpus")
            t = time.perf_counter()
            rep = process_pending(mails, odoo)
            took = time.perf_counter() - t
            s = score(mails, [m.label for m in corpus])
            store.close()
        finally:
            sb.stop()
    print(f"{business}: {s.messages} labelled messages ({rep.linked} linked, {rep.unlinked} to triage; "
          f"read in {took:.1f} s); linking precision {s.precision:.3f} recall {s.recall:.3f} "
          f"[>= 0.95 / >= 0.9]; ETA exact-date accuracy {s.eta_accuracy:.3f} on {s.eta_labelled} dates [>= 0.9]")
    for miss in s.misses[:5]:
        print(f"  miss: {miss}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sync_figures(args.messages)
    quality("bluebonnet")
    quality("hollander")


if __name__ == "__main__":
    main()
