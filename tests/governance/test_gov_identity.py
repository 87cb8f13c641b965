"""The users file: lookups, hashed passwords and tokens, refusal of plain passwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.governance.identity import Directory, DirectoryError, check_password, hash_password

GOV = Path(__file__).resolve().parents[2] / "tools" / "governance"


def test_demo_users_and_lookups(directory: Directory) -> None:
    names = {u.username: u.role for u in directory.all()}
    assert names == {"admin": "admin", "ava.buyer": "buyer", "ben.buyer": "buyer",
                     "wes.warehouse": "warehouse", "fiona.finance": "finance",
                     "maria.manager": "manager", "omar.approver": "approver"}
    wes = directory.get("wes.warehouse")
    assert wes and wes.display_name == "Wes Carter" and wes.warehouse == "HOU"
    assert directory.by_slack_id(wes.slack_user_id or "") == wes
    assert directory.by_email("WES.WAREHOUSE@bluebonnet-supply.example") == wes
    assert directory.get("nobody") is None


def test_passwords_and_tokens(directory: Directory) -> None:
    text = (GOV / "default_users.yaml").read_text()
    assert "password:" not in text and "qm-demo-" in text  # only documented, never stored
    assert directory.verify_password("omar.approver", "omar.approver")
    assert directory.verify_password("omar.approver", "wrong") is None
    assert directory.verify_password("ghost", "ghost") is None
    ava = directory.verify_token("qm-demo-ava.buyer")
    assert ava and ava.username == "ava.buyer"
    assert directory.verify_token("qm-demo-nobody") is None


def test_hashing() -> None:
    h = hash_password("s3cret")
    assert h.startswith("scrypt$") and "s3cret" not in h
    assert check_password("s3cret", h) and not check_password("s3cre", h)
    assert hash_password("s3cret") != h  # salted
    assert not check_password("x", "garbage") and not check_password("x", "scrypt$1$2")


def test_bad_files() -> None:
    with pytest.raises(DirectoryError, match="role"):
        Directory.from_dict({"users": [{"username": "x", "role": "king"}]})
    with pytest.raises(DirectoryError, match="plain"):
        Directory.from_dict({"users": [{"username": "x", "role": "buyer", "password": "x"}]})
