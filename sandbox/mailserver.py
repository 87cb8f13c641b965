"""A throwaway Dovecot IMAP server on loopback, for the mailbox tests and bench (Debian's dovecot-imapd).

`start_dovecot(workdir)` writes a private config (no system files touched), a self-signed certificate made
at start, a passwd-file with one test user, and starts `dovecot -F` on two free non-privileged ports:
IMAPS (TLS from the first byte) and IMAP with STARTTLS (plain login refused before TLS). `stop()` ends
exactly the process it started. As root, mail is stored as user `nobody` (Dovecot refuses UID 0);
otherwise everything runs as the current user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "buyer@example.test", "mailbox-test-pw"


class MailServerUnavailable(RuntimeError):
    pass


@dataclass
class RunningDovecot:
    host: str
    imaps_port: int
    starttls_port: int
    user: str
    password: str
    ca_file: str
    workdir: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log(self) -> str:
        p = self.workdir / "dovecot.log"
        return p.read_text(errors="replace")[-3000:] if p.exists() else ""


def available() -> bool:
    return Path(DOVECOT).exists() and shutil.which("openssl") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def start_dovecot(timeout: float = 20.0, oauth2_introspection_url: str | None = None) -> RunningDovecot:
    """Start a private Dovecot; raises MailServerUnavailable with the reason when it cannot.
    With `oauth2_introspection_url` the server also accepts XOAUTH2/OAUTHBEARER logins, checking each token
    with that RFC 7662 introspection endpoint (POST token=...; {"active": true, "username": ...})."""
    if not available():
        raise MailServerUnavailable("dovecot or openssl is not installed (apt-get install dovecot-imapd openssl)")
    work = Path(tempfile.mkdtemp(prefix="qm-dovecot-"))
    os.chmod(work, 0o755)
    root = os.geteuid() == 0
    me = pwd.getpwuid(os.geteuid()).pw_name
    mail_user = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.geteuid())
    login_user = "dovenull" if root else me
    internal_user = "dovecot" if root else me
    cert, key = work / "cert.pem", work / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                           "-keyout", str(key), "-out", str(cert)], capture_output=True)
    if made.returncode != 0:
        raise MailServerUnavailable(f"openssl could not make a certificate: {made.stderr.decode()[-300:]}")
    mail = work / "mail"
    mail.mkdir()
    if root:
        os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
    (work / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    imap_port, imaps_port = _free_port(), _free_port()
    conf = work / "dovecot.conf"
    oauth_passdb = ""
    if oauth2_introspection_url:
        (work / "oauth2.conf.ext").write_text(
            f"introspection_mode = post\nintrospection_url = {oauth2_introspection_url}\n"
            "username_attribute = username\nactive_attribute = active\nactive_value = true\n")
        oauth_passdb = (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                        f"  args = {work}/oauth2.conf.ext\n}}\n")
    conf.write_text(f"""
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain login{" xoauth2 oauthbearer" if oauth2_introspection_url else ""}
mail_location = maildir:{mail}/%n
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {work}/passwd
  mechanisms = plain login
}}
{oauth_passdb}userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
mail_max_userip_connections = 50
""")
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    running = RunningDovecot(host="127.0.0.1", imaps_port=imaps_port, starttls_port=imap_port, user=USER,
                             password=PASSWORD, ca_file=str(cert), workdir=work, process=proc)
    if not (_wait(imaps_port, proc, timeout) and _wait(imap_port, proc, timeout)):
        err = proc.stderr.read().decode(errors="replace")[-800:] if proc.poll() is not None and proc.stderr else ""
        log = running.log()
        running.stop()
        raise MailServerUnavailable(f"dovecot did not start: {err or log or 'no answer'}")
    return running


def append(server: RunningDovecot, messages: list[bytes], folder: str = "INBOX", batch: int = 200) -> None:
    """Deliver `messages` into `folder` through IMAP APPEND (MULTIAPPEND in batches), as the test user."""
    import ssl

    from imapclient import IMAPClient

    ctx = ssl.create_default_context(cafile=server.ca_file)
    with IMAPClient(server.host, port=server.imaps_port, ssl=True, ssl_context=ctx, timeout=60) as c:
        c.login(server.user, server.password)
        if not c.folder_exists(folder):
            c.create_folder(folder)
        for i in range(0, len(messages), batch):
            c.multiappend(folder, messages[i:i + batch])
