"""A sandbox that just stopped leaves connections in TIME_WAIT on its port: that must not read as "in use"
(the second `quartermaster ask` in a data dir used to fail so), while a listening port still does."""

from __future__ import annotations

import socket
import subprocess
import time

from sandbox.cli import _port_free


def _time_wait_port() -> int:
    """A port whose server closed an accepted connection first (the server side then holds TIME_WAIT)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = int(srv.getsockname()[1])
    cli = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    conn.close()  # the server closes first → TIME_WAIT on 127.0.0.1:port
    time.sleep(0.05)
    cli.close()
    srv.close()
    return port


def test_time_wait_is_not_busy_but_a_listener_is() -> None:
    port = _time_wait_port()
    ss = subprocess.run(["ss", "-tan"], capture_output=True, text=True, check=False).stdout
    if ss:
        assert any("TIME-WAIT" in line and f"127.0.0.1:{port} " in line for line in ss.splitlines()), \
            "the set-up did not leave a TIME_WAIT connection"
    assert _port_free(port)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        assert not _port_free(listener.getsockname()[1])
