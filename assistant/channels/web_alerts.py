"""Web pages for alerts: /alerts (notifications and the settings form for one's own subscriptions).

Thin: subscriptions, rules, dedupe and digests are assistant/watch's; this module reads forms and renders.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.channels.web import check_form_csrf, flash, page_user, render
from assistant.watch.deliveries import mark_read, web_notifications
from assistant.watch.messages import item_line
from assistant.watch.subscriptions import SubscriptionError

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


def watcher_of(request: Request) -> Any:
    state = request.app.state
    watcher = getattr(state, "watcher", None)
    if watcher is None:
        from assistant.watch.standalone import senders_for
        from assistant.watch.watcher import Watcher

        watcher = Watcher.from_runtime(state.runtime, senders=senders_for(state.settings))
        state.watcher = watcher
    return watcher


def _warehouses(watcher: Any) -> list[str]:
    from tools.odoo.resolve import warehouse_list

    try:
        return [str(w["code"]) for w in warehouse_list(watcher.odoo) if w.get("code")]
    except Exception:  # noqa: BLE001 - the form still works with a typed code
        return []


def _zone(watcher: Any, username: str) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(watcher.user_tz(username) or str(watcher.company_zone()))
    except Exception:  # noqa: BLE001 - an unknown zone name: the company's
        return watcher.company_zone()


def _local(when: Any, zone: Any) -> str:
    """A stored naive-UTC time as the reader's local time, with the zone shown."""
    if not when:
        return ""
    from datetime import UTC

    local = when.replace(tzinfo=UTC).astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


@router.get("/alerts", response_model=None)
def alerts_page(request: Request) -> Response:
    user = page_user(request)
    watcher = watcher_of(request)
    notes = []
    zone = _zone(watcher, user.username)
    for n in web_notifications(watcher.store, user.username):
        payload = n["payload"]
        sections = payload.get("sections") or [{"title": n["title"], "items": payload.get("items") or []}]
        notes.append({"id": n["id"], "title": n["title"], "read": n["read"],
                      "when": _local(n["sent_at"], zone),
                      "sections": [{"title": s["title"], "lines": [item_line(i, watcher.policy, user.role)
                                                                   for i in s["items"]]} for s in sections]})
    return render(request, "alerts.html", user=user, nav="alerts", notes=notes,
                  subs=[s.describe() for s in watcher.subscriptions.list(username=user.username)],
                  sub_ids=[s.id for s in watcher.subscriptions.list(username=user.username)],
                  rules=[(r.name, r.title) for r in watcher.rules.for_role(user.role)],
                  warehouses=_warehouses(watcher), has_slack=bool(user.slack_user_id))


@router.post("/alerts/subscribe", response_model=None)
def alerts_subscribe(request: Request, rule: str = Form("", max_length=64), warehouse: str = Form("", max_length=64),
                     vendor: str = Form("", max_length=200), channel: str = Form("web", max_length=16),
                     mode: str = Form("instant", max_length=16), digest_time: str = Form("", max_length=5),
                     quiet_start: str = Form("", max_length=5), quiet_end: str = Form("", max_length=5),
                     csrf_token: str = Form("", max_length=200)) -> Response:
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    watcher = watcher_of(request)
    try:
        if warehouse:
            from assistant.watch.subscriptions import warehouse_code

            warehouse = warehouse_code(watcher.odoo, warehouse)
        sub = watcher.subscriptions.add(by=user, rule=rule or "*", warehouse=warehouse or None, vendor=vendor.strip() or None,
                                        channel=channel, mode=mode, digest_time=digest_time or None,
                                        quiet_start=quiet_start or None, quiet_end=quiet_end or None)
        flash(request, "ok", f"Subscribed {sub.describe()}.")
    except SubscriptionError as exc:
        flash(request, "error", str(exc))
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/{sub_id}/delete", response_model=None)
def alerts_delete(request: Request, sub_id: int, csrf_token: str = Form("", max_length=200)) -> Response:
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    try:
        gone = watcher_of(request).subscriptions.remove(by=user, sub_id=sub_id)
        flash(request, "ok" if gone else "error", f"Unsubscribed #{sub_id}." if gone else f"No subscription #{sub_id}.")
    except SubscriptionError as exc:
        flash(request, "error", str(exc))
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/read", response_model=None)
def alerts_read(request: Request, csrf_token: str = Form("", max_length=200)) -> Response:
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    mark_read(watcher_of(request).store, user.username)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/digest", response_model=None)
def alerts_digest(request: Request, csrf_token: str = Form("", max_length=200)) -> Response:
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    watcher = watcher_of(request)
    mine = watcher.subscriptions.list(username=user.username)
    if not mine:
        flash(request, "error", "You have no subscriptions yet, so there is nothing to digest.")
    else:
        for sub in mine:
            watcher.digest_now(sub)
        flash(request, "ok", f"Sent {len(mine)} digest(s) to where your subscriptions deliver.")
    return RedirectResponse("/alerts", status_code=303)
