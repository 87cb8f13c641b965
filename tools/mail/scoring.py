"""How well the mailbox links and reads a labelled corpus (the bench and the tests use the same measure).

Linking is scored over (message, vendor) and (message, purchase order) pairs: precision = correct links /
links made, recall = correct links / links in the labels. ETA accuracy = messages whose stored new date is
exactly the labelled one / messages labelled with a date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.mail.store import MailStore, facts_of, links_of


@dataclass
class Score:
    messages: int = 0
    links_made: int = 0
    links_true: int = 0
    links_right: int = 0
    eta_labelled: int = 0
    eta_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.links_right / self.links_made if self.links_made else 0.0

    @property
    def recall(self) -> float:
        return self.links_right / self.links_true if self.links_true else 0.0

    @property
    def eta_accuracy(self) -> float:
        return self.eta_right / self.eta_labelled if self.eta_labelled else 0.0


def score(store: MailStore, labels: list[dict[str, Any]]) -> Score:
    s = Score()
    rows = {r.message_id: r for r in store.by_message_ids([lb["message_id"] for lb in labels])}
    for lb in labels:
        row = rows.get(lb["message_id"])
        if row is None:
            s.misses.append(f"{lb['message_id']}: not stored")
            continue
        s.messages += 1
        made = {("po", d.get("name")) for d in links_of(row) if d.get("model") == "purchase.order"}
        if row.vendor_id:
            made.add(("vendor", row.vendor_id))
        truth = {("po", n) for n in lb.get("pos") or []}
        if lb.get("vendor_id"):
            truth.add(("vendor", lb["vendor_id"]))
        s.links_made += len(made)
        s.links_true += len(truth)
        s.links_right += len(made & truth)
        if made != truth:
            s.misses.append(f"{lb['message_id']}: linked {sorted(map(str, made))}, truth {sorted(map(str, truth))}")
        if lb.get("eta"):
            s.eta_labelled += 1
            got = facts_of(row).get("eta")
            if got == lb["eta"]:
                s.eta_right += 1
            else:
                s.misses.append(f"{lb['message_id']}: eta {got}, truth {lb['eta']}")
    return s
