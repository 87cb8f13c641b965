"""The mailbox triage page: unlinked vendor mail listed as quoted text, linked by hand (CSRF-checked)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, page_csrf, web_login

from tools.mail.message import parse_message
from tools.mail.store import MailStore


def _unlinked(rt: GovernedRuntime) -> int:
    m = EmailMessage()
    m["From"] = "Someone <someone@new-supplier.example>"
    m["Subject"] = "Your order <b>ships</b> Friday"
    m["Message-ID"] = "<triage-1@new-supplier.example>"
    m.set_content("It ships Friday. <script>alert(1)</script>")
    mails = MailStore(rt.store)
    mails.add_batch([("file:x.eml", parse_message(bytes(m)))])
    row = mails.pending()[0]
    mails.save_understanding(row.id, vendor_id=None, vendor_name=None, links=[], kind="other", facts={},
                             understood_by="offline", injection=False)
    return row.id


def test_triage_lists_unlinked_mail_escaped_and_links_it_by_hand(rt: GovernedRuntime, client: TestClient,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    row_id = _unlinked(rt)
    web_login(client, "ava.buyer")
    page = client.get("/mail/triage")
    assert page.status_code == 200
    assert "Your order &lt;b&gt;ships&lt;/b&gt; Friday" in page.text and "<script>alert" not in page.text
    token = page_csrf(page.text)
    refused = client.post(f"/mail/triage/{row_id}", data={"vendor": "x", "csrf_token": "wrong"},
                          follow_redirects=False)
    assert refused.status_code in (400, 403)
    import tools.odoo.resolve as resolve

    def fake_supplier(odoo: Any, text: str) -> dict[str, Any]:
        return {"id": 77, "name": "New Supplier Ltd"}

    monkeypatch.setattr(resolve, "resolve_supplier", fake_supplier)
    done = client.post(f"/mail/triage/{row_id}", data={"vendor": "new supplier", "po": "", "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    row = MailStore(rt.store).get(row_id)
    assert row is not None and (row.vendor_id, row.link_state, row.linked_by) == (77, "manual", "ava.buyer")
    assert "Every stored supplier e-mail is linked" in client.get("/mail/triage").text
