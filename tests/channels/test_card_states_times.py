"""Approval cards (web and Slack share approval_facts): the record's state as the connected Odoo labels it, and
times stored in UTC inside a summary or an outcome shown in the viewer's zone with the zone named (issue #12.4)."""

from __future__ import annotations

from typing import Any

from assistant.channels.present import approval_facts


class FakeOdoo:
    def execute_kw(self, model: str, method: str, args: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        labels = {"purchase.order": [["draft", "RFQ"], ["purchase", "Purchase Order"]],
                  "stock.picking": [["assigned", "Ready"]]}
        return {args[0][0]: {"selection": labels.get(model, [])}}


def _data(**kw: Any) -> dict[str, Any]:
    return {"id": "P-1", "kind": "confirm_purchase_order", "state": "pending", "currency": "EUR",
            "requester": "sanne", "eligible_approvers": ["pieter"], "created_at": "2026-12-03T08:00:00",
            "expires_at": "2026-12-06T08:00:00", **kw}


def test_states_on_the_card_read_as_odoo_labels_them() -> None:
    f = approval_facts(_data(summary="confirm PO/2026/00042", odoo_ref="purchase.order,42",
                             before_after={"state": ["draft", "purchase"]}, evidence={"state": "draft"}),
                       tz="Europe/Amsterdam", odoo_url=None, viewer="pieter", odoo=FakeOdoo())
    assert f["changes"] == [("State", "RFQ", "Purchase Order")]
    assert ("State", "RFQ") in f["evidence"]


def test_utc_stamps_in_summaries_and_outcomes_show_in_the_viewers_zone() -> None:
    f = approval_facts(_data(kind="reschedule_receipt", odoo_ref="stock.picking,9",
                             summary="reschedule receipt WH/IN/00009 from 2026-12-10 08:50 to 2026-12-07 08:50 UTC "
                                     "(-3 days)", evidence={"state": "assigned"},
                             result={"message": "WH/IN/00009 now scheduled for 2026-12-07 08:50:00 UTC in Odoo"}),
                       tz="America/Chicago", odoo_url=None, viewer="pieter", odoo=FakeOdoo())
    assert "UTC" not in f["what"] and "2026-12-07 02:50 CST" in f["what"]
    assert "UTC" not in f["result"] and "2026-12-07 02:50 CST" in f["result"]
    assert f["expires"] == "2026-12-06 02:00 CST" and ("State", "Ready") in f["evidence"]
