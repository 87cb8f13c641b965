"""The IMAP connector against a real Dovecot: TLS both ways, incremental sync, restarts, read-only."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
import sqlalchemy as sa

from sandbox.mailserver import append
from tools.mail.imap import ImapConfig, ImapMailbox, MailboxError
from tools.mail.store import MailCursorRow, MailMessageRow, MailStore
from tools.mail.sync import import_path, sync_imap


def _config(server: Any, folder: str, security: str = "ssl", **kw: Any) -> ImapConfig:
    port = server.imaps_port if security == "ssl" else server.starttls_port
    return ImapConfig(host=server.host, port=port, security=security, user=server.user,  # type: ignore[arg-type]
                      password=kw.pop("password", server.password), folders=[folder],
                      ca_file=kw.pop("ca_file", server.ca_file), **kw)


def _ids(store: Any) -> list[str]:
    with store.read() as s:
        return list(s.scalars(sa.select(MailMessageRow.message_id)))


def test_sync_is_incremental_and_survives_a_crash_mid_way(dovecot: Any, state: Any,
                                                          bluebonnet_mail: list[Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = "Crash"
    raws = [m.raw for m in bluebonnet_mail]
    append(dovecot, raws[:60], folder)
    mails = MailStore(state)
    real_add = MailStore.add_batch
    calls = {"n": 0}

    def dying_add(self: MailStore, *a: Any, **kw: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real_add(self, *a, **kw)

    monkeypatch.setattr(MailStore, "add_batch", dying_add)
    with pytest.raises(RuntimeError):
        sync_imap(mails, _config(dovecot, folder), batch=20)
    assert mails.count() == 40  # two committed batches, cursor with them
    monkeypatch.setattr(MailStore, "add_batch", real_add)
    rep = sync_imap(mails, _config(dovecot, folder), batch=20)
    assert (rep.fetched, rep.new) == (20, 20)  # resumed after the last committed batch, nothing re-read
    again = sync_imap(mails, _config(dovecot, folder))
    assert (again.fetched, again.new) == (0, 0)
    append(dovecot, raws[60:75], folder)
    more = sync_imap(mails, _config(dovecot, folder))
    assert (more.fetched, more.new) == (15, 15)
    ids = _ids(state)
    assert len(ids) == len(set(ids)) == 75
    assert set(ids) == {m.label["message_id"] for m in bluebonnet_mail[:75]}


def test_uidvalidity_change_reads_again_without_duplicates(dovecot: Any, state: Any, bluebonnet_mail: list[Any]) -> None:
    folder = "Validity"
    append(dovecot, [m.raw for m in bluebonnet_mail[:10]], folder)
    mails = MailStore(state)
    assert sync_imap(mails, _config(dovecot, folder)).new == 10
    with state.write() as s:
        s.execute(sa.update(MailCursorRow).values(uidvalidity=1))
    rep = sync_imap(mails, _config(dovecot, folder))
    assert rep.reset_folders == [folder] and rep.fetched == 10 and rep.new == 0
    assert mails.count() == 10


def test_starttls_reads_the_same_and_nothing_is_flagged_seen(dovecot: Any, state: Any,
                                                             bluebonnet_mail: list[Any]) -> None:
    folder = "Tls"
    append(dovecot, [m.raw for m in bluebonnet_mail[:5]], folder)
    assert sync_imap(MailStore(state), _config(dovecot, folder, "starttls")).new == 5
    from imapclient import IMAPClient

    with IMAPClient(dovecot.host, port=dovecot.imaps_port, ssl=True,
                    ssl_context=ssl.create_default_context(cafile=dovecot.ca_file)) as c:
        c.login(dovecot.user, dovecot.password)
        c.select_folder(folder, readonly=True)
        flags = c.get_flags(c.search("ALL"))
    assert flags and all(b"\\Seen" not in f for f in flags.values())


def test_bad_login_wrong_ca_and_plain_remote_are_one_sentence(dovecot: Any) -> None:
    with pytest.raises(MailboxError, match="refused the login"):
        ImapMailbox(_config(dovecot, "INBOX", password="wrong")).open()
    with pytest.raises(MailboxError, match="TLS"):
        ImapMailbox(_config(dovecot, "INBOX", ca_file=None)).open()  # self-signed: not trusted by default
    with pytest.raises(MailboxError, match="without encryption"):
        ImapMailbox(ImapConfig(host="mail.example.com", user="u", password="p", security="none")).open()
    box = ImapMailbox(_config(dovecot, "INBOX"))
    with box, pytest.raises(MailboxError, match="no folder"):
        box.examine("Does/Not/Exist")


def test_import_of_eml_folder_and_mbox_deduplicates(tmp_path: Any, state: Any, bluebonnet_mail: list[Any]) -> None:
    import mailbox

    from sandbox.seed.mailbox import write_corpus

    write_corpus(bluebonnet_mail[:20], tmp_path / "eml")
    box = mailbox.mbox(str(tmp_path / "archive.mbox"))
    for m in bluebonnet_mail[10:30]:
        box.add(m.raw)
    box.flush()
    box.close()
    mails = MailStore(state)
    rep, arch = import_path(mails, tmp_path / "eml")
    assert (rep.new, arch.files) == (20, 20)
    rep2, _ = import_path(mails, tmp_path / "archive.mbox")
    assert (rep2.fetched, rep2.new) == (20, 10)
    assert mails.count() == 30
    with pytest.raises(FileNotFoundError):
        import_path(mails, tmp_path / "missing")


def test_xoauth2_login_with_a_token_checked_by_the_server(state: Any, bluebonnet_mail: list[Any]) -> None:
    """Dovecot's oauth2 passdb asks a local RFC 7662 introspection endpoint; a good token reads, a bad one is
    refused with one sentence."""
    import json
    import os
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs

    from sandbox.mailserver import MailServerUnavailable, start_dovecot

    class Introspect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            token = (parse_qs(body).get("token") or [""])[0]
            answer = {"active": True, "username": "buyer@example.test"} if token == "good-token" else {"active": False}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Introspect)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        try:
            server = start_dovecot(oauth2_introspection_url=f"http://127.0.0.1:{http.server_address[1]}/introspect")
        except MailServerUnavailable as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(str(exc))
            pytest.skip(str(exc))
        try:
            append(server, [m.raw for m in bluebonnet_mail[:3]], "OAuth")
            cfg = ImapConfig(host=server.host, port=server.imaps_port, user=server.user, oauth2_token="good-token",
                             folders=["OAuth"], ca_file=server.ca_file)
            assert sync_imap(MailStore(state), cfg).new == 3
            cfg.oauth2_token = "stolen-or-expired"
            with pytest.raises(MailboxError, match="refused the login"):
                ImapMailbox(cfg).open()
        finally:
            server.stop()
    finally:
        http.shutdown()


def test_mail_tables_on_postgresql(postgres_url: str, bluebonnet_mail: list[Any]) -> None:
    from tools.governance.store import StateStore
    from tools.mail.message import parse_message

    store = StateStore.open(postgres_url)
    try:
        mails = MailStore(store)
        batch = [("t", parse_message(m.raw)) for m in bluebonnet_mail[:5]]
        assert mails.add_batch(batch, account="a", folder="INBOX", uidvalidity=7, last_uid=5) == 5
        assert mails.add_batch(batch, account="a", folder="INBOX", uidvalidity=7, last_uid=5) == 0
        cur = mails.cursor("a", "INBOX")
        assert cur is not None and (cur.uidvalidity, cur.last_uid) == (7, 5)
    finally:
        store.close()


def test_cli_sync_twice_with_a_restart_between(dovecot: Any, tmp_path: Any, sandbox: Any,
                                               bluebonnet_mail: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """`quartermaster mail sync` as configured by environment variables: the second run (a new process's
    view: a fresh store object on the same file) fetches nothing and duplicates nothing."""
    import json

    from typer.testing import CliRunner

    from assistant.cli import app

    append(dovecot, [m.raw for m in bluebonnet_mail[:25]], "Cli")
    for key, value in {"ODOO_URL": sandbox.url, "ODOO_DB": sandbox.db, "QM_DATA_DIR": str(tmp_path / "data"),
                       "QM_BRAIN": "offline", "QM_MAIL_HOST": dovecot.host, "QM_MAIL_PORT": str(dovecot.starttls_port),
                       "QM_MAIL_SECURITY": "starttls", "QM_MAIL_USER": dovecot.user,
                       "QM_MAIL_PASSWORD": dovecot.password, "QM_MAIL_FOLDERS": "Cli",
                       "QM_MAIL_CA_FILE": dovecot.ca_file}.items():
        monkeypatch.setenv(key, value)
    first = CliRunner().invoke(app, ["mail", "sync", "--json"])
    assert first.exit_code == 0, first.output
    one = json.loads(first.output)
    assert (one["fetched"], one["new"], one["processed"]) == (25, 25, 25)
    second = json.loads(CliRunner().invoke(app, ["mail", "sync", "--json"]).output)
    assert (second["fetched"], second["new"]) == (0, 0) and not second.get("processed")
    monkeypatch.setenv("QM_MAIL_PASSWORD", "wrong")
    bad = CliRunner().invoke(app, ["mail", "sync"])
    assert bad.exit_code == 1 and "refused the login" in bad.output and "Traceback" not in bad.output


def test_one_unreadable_message_never_blocks_the_others_and_odoo_down_keeps_them_pending(
        state: Any, bluebonnet_mail: list[Any]) -> None:
    from tools.mail.linker import Links
    from tools.mail.message import parse_message
    from tools.mail.sync import process_pending
    from tools.odoo.errors import OdooUnavailable

    class Linker:
        vendors: dict[int, Any] = {}
        down = False

        def is_internal(self, addr: str) -> bool:
            return False

        def link(self, *, sender: str, original_sender: str, text: str, parent_links: Any = None) -> Links:
            if self.down:
                raise OdooUnavailable("Odoo is not reachable")
            if "cardinal" in sender:
                raise ValueError("odd message")
            return Links()

    mails = MailStore(state)
    mails.add_batch([("t", parse_message(m.raw)) for m in bluebonnet_mail[:12]])
    down = Linker()
    down.down = True
    with pytest.raises(OdooUnavailable):
        process_pending(mails, None, linker=down)
    assert len(mails.pending()) == 12  # nothing lost: read again on the next run
    rep = process_pending(mails, None, linker=Linker())
    assert rep.processed == 12 and not mails.pending()


def test_doctor_checks_the_configured_mailbox(dovecot: Any) -> None:
    from assistant.cli.doctor import Report
    from assistant.cli.mail import mailbox_check
    from assistant.settings import Settings

    def run(**kw: Any) -> Any:
        settings = Settings(mail_host=dovecot.host, mail_port=dovecot.imaps_port, mail_user=dovecot.user,
                            mail_password=dovecot.password, mail_ca_file=dovecot.ca_file, **kw)
        report = Report({})
        mailbox_check(report, settings)
        return report.checks[0]

    assert run().status == "ok"
    bad = run(mail_folders="INBOX,Nope")
    assert bad.status == "fail" and "Nope" in bad.detail
    report = Report({})
    mailbox_check(report, Settings())
    assert report.checks == []  # no mailbox configured: nothing to check
