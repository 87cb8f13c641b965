"""The web pages: login, chat, approvals inbox, supplier dashboard, inbound schedule, corpus documents.

A thin adapter over the runtime. Pages call read tools only through `tools.registry.run_tool` with
the viewer's own ToolContext, so policy checks, redaction (warehouse users never see prices) and
the audit trail apply exactly as in chat. Approve/reject goes through the ProposalService, which
re-authorises the clicker; this module only shows the outcome.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from assistant.channels import auth
from assistant.channels.api import (
    confirm,
    decide,
    decide_many,
    internal_thread,
    proposal_json,
    visible_proposals,
)
from assistant.channels.corpus import may_view, resolve_in_corpus
from assistant.channels.serialize import markdown_html
from assistant.channels.supplier_trends import supplier_trends, trend_charts
from assistant.people_text import for_people
from tools.base import Identity, ToolResult

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _qty_filter(value: Any, unit: Any = None) -> str:
    """`{{ r.quantity|qty(r.uom) }}`: 25 Units, 2.5 kg (not 25.0)."""
    from assistant.channels.present import qty

    return qty(value, str(unit) if unit else None)


templates.env.filters["qty"] = _qty_filter
router = APIRouter(include_in_schema=False)

TABS = ("pending", "mine", "decided")
DECIDED_STATES = ("approved", "rejected", "executed", "failed", "expired", "cancelled", "stale")


class LoginRequired(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by pages when nobody is logged in; the app turns it into a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def safe_next(value: str | None) -> str:
    """Only same-site relative paths (no open redirects)."""
    if (value and value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) < 500
            and value.isprintable()):
        return value
    return "/chat"


def page_user(request: Request) -> Identity:
    principal = auth.authenticate(request)
    if principal is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return principal.user


def _pending_for(runtime: Any, user: Identity) -> int:
    try:
        return len(runtime.proposals.list(state="pending", approver=user.username))
    except Exception:  # noqa: BLE001 - a badge must never break a page
        return 0


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    runtime = request.app.state.runtime
    user = ctx.get("user")
    flash = request.session.pop("flash", None) if "session" in request.scope else None
    base = {"csrf": auth.csrf_token(request), "flash": flash, "pending_count": 0,
            "trusted_header": bool(request.app.state.settings.trusted_user_header)}
    if user is not None and runtime is not None:
        base["pending_count"] = _pending_for(runtime, user)
    return templates.TemplateResponse(request, template, {**base, **ctx}, status_code=status_code)


def flash(request: Request, kind: str, text: str) -> None:
    request.session["flash"] = {"kind": kind, "text": text[:1000]}


def check_form_csrf(request: Request, token: str | None) -> None:
    if not auth.csrf_ok(request, token):
        raise CsrfFailed()


class CsrfFailed(Exception):  # noqa: N818 - handled into a 403 page
    """A state-changing form arrived without this browser's CSRF token."""


def run_page_tool(request: Request, user: Identity, name: str, args: dict[str, Any]) -> ToolResult:
    """One read tool for a page, through the registry (policy, redaction, audit), counted in metrics."""
    from tools.registry import run_tool

    runtime = request.app.state.runtime
    ctx = runtime.context_for(user, "web", None)
    result = run_tool(ctx, name, args)
    request.app.state.metrics.observe_tool(name, result.ok, result.ms, result.rpc_calls)
    return result


@router.get("/favicon.ico", response_model=None)
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every page; answer with our icon instead of a 404."""
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


def not_found_page(request: Request, message: str = "") -> HTMLResponse:
    """A 404 a person can leave: the navigation (when logged in) and the main pages as links."""
    principal = auth.authenticate(request) if "session" in request.scope else None
    return render(request, "not_found.html", status_code=404, user=principal.user if principal else None,
                  message=message if message and message != "Not Found" else "", path=request.url.path)


# -- login ----------------------------------------------------------------------------------------
@router.get("/", response_model=None)
def home(request: Request, warehouse: str | None = None, category: str | None = None,
         vendor: str | None = None) -> Response:
    """Managers and admins land on the control tower (assistant/channels/web_tower.py); others on chat."""
    principal = auth.authenticate(request) if "session" in request.scope else None
    if principal is not None and principal.user.role in ("manager", "admin"):
        from assistant.channels.web_tower import tower_response

        return tower_response(request, warehouse, category, vendor)
    return RedirectResponse("/chat", status_code=303)


@router.get("/login", response_model=None)
def login_form(request: Request, next: str | None = None) -> Response:
    if auth.authenticate(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", response_model=None)
def login(request: Request, username: str = Form("", max_length=128), password: str = Form("", max_length=512),
          csrf_token: str = Form("", max_length=200), next: str = Form("/chat", max_length=500)) -> Response:
    if not auth.csrf_ok(request, csrf_token):
        return render(request, "login.html", status_code=403, next=safe_next(next),
                      error="Your login form expired; please try again.")
    name = username.strip()
    wait = auth.login_wait(request, name)
    if wait:
        auth.audit_login(request, name, False, "web", "throttled")
        return render(request, "login.html", status_code=429, next=safe_next(next),
                      error=f"Too many failed attempts; try again in {wait} s.")
    runtime = request.app.state.runtime
    user = runtime.directory.verify_password(name, password) if name else None
    if user is None:
        auth.login_failed(request, name)
        auth.audit_login(request, name, False, "web", "bad_credentials")
        return render(request, "login.html", status_code=401, next=safe_next(next),
                      error="Unknown user or wrong password.")
    auth.login_succeeded(request, name)
    auth.log_in(request, user)
    auth.audit_login(request, user.username, True, "web")
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", response_model=None)
def logout(request: Request, csrf_token: str = Form("", max_length=200)) -> Response:
    check_form_csrf(request, csrf_token)
    auth.log_out(request)
    return RedirectResponse("/login", status_code=303)


# -- chat -----------------------------------------------------------------------------------------
THREAD_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _threads(runtime: Any, user: Identity, limit: int = 15) -> list[dict[str, Any]]:
    """This user's recent web/API conversations (first question as the title), newest first."""
    memory = getattr(getattr(runtime, "assistant", None), "memory", None)
    if memory is None or not hasattr(memory, "threads"):
        return []
    prefix = internal_thread(user.username, "")
    try:
        rows = memory.threads(user.username, prefix=prefix, limit=limit)
    except Exception as exc:  # noqa: BLE001 - the sidebar is a convenience
        log.info("cannot list threads: %s", exc)
        return []
    return [{"id": str(r["thread_id"])[len(prefix):], "title": r.get("title") or "", "at": r.get("at")}
            for r in rows]


def _history(runtime: Any, user: Identity, thread: str) -> list[dict[str, Any]]:
    memory = getattr(getattr(runtime, "assistant", None), "memory", None)
    if memory is None:
        return []
    try:
        turns = memory.load(internal_thread(user.username, thread))
    except Exception:  # noqa: BLE001
        return []
    policy = getattr(runtime, "policy", None)
    settings = getattr(runtime, "settings", None)
    corpus_dir = getattr(settings, "resolved_corpus_dir", None)
    return [{"question": t.user_text, "html": markdown_html(for_people(t.answer, policy, user.role)),
             "citations": _stored_citations(t.citations, corpus_dir)} for t in turns]


def _stored_citations(cites: list[dict[str, Any]], corpus_dir: Path | None) -> list[dict[str, Any]]:
    """A turn's stored citations with links to our document pages, as the live answer showed them."""
    from assistant.channels.corpus import citation_href

    out = []
    for c in cites:
        if not isinstance(c, dict):
            continue
        out.append({**c, "title": c.get("title") or c.get("id") or "source",
                    "href": citation_href(c, corpus_dir) if corpus_dir is not None else None})
    return out


def chat_examples(runtime: Any) -> dict[str, str]:
    """A warehouse code and a vendor of the connected Odoo for the chat page's example questions."""
    out = {"warehouse": "your warehouse", "vendor": "a supplier"}
    try:
        from tools.odoo.resolve import vendor_list, warehouse_list

        odoo = runtime.odoo
        whs, vendors = warehouse_list(odoo), vendor_list(odoo)
        if whs:
            out["warehouse"] = str(whs[0].get("code") or whs[0].get("name"))
        if vendors:
            out["vendor"] = str(vendors[0].get("name"))
    except Exception:  # noqa: BLE001 - examples are a nicety; the page renders without them
        log.debug("chat examples unavailable", exc_info=True)
    return out


@router.get("/chat", response_model=None)
def chat_page(request: Request, thread: str | None = None, q: str = "") -> Response:
    user = page_user(request)
    runtime = request.app.state.runtime
    if thread is not None and not THREAD_RE.match(thread):
        thread = None
    return render(request, "chat.html", user=user, nav="chat", thread=thread or "",
                  history=_history(runtime, user, thread) if thread else [],
                  threads=_threads(runtime, user), prefill=q.strip()[:500],
                  examples=chat_examples(runtime) if not thread else {})


# -- approvals ------------------------------------------------------------------------------------
def odoo_form_url(base_url: str | None, model: str | None, res_id: Any) -> str | None:
    """A record's form in the Odoo web client (the /web# form redirects on Odoo 17 and 18)."""
    if not base_url or not model or not str(res_id or "").isdigit():
        return None
    return f"{base_url.rstrip('/')}/web#id={res_id}&model={model}&view_type=form"


def proposal_card(runtime: Any, user: Identity, p: Any, odoo_url: str | None = None) -> dict[str, Any]:
    """The approval card's facts for this viewer (redacted for their role, times in their zone)."""
    from assistant.channels.present import approval_facts, odoo_version, user_tz

    data = proposal_json(runtime, user, p)
    return approval_facts(data, tz=user_tz(runtime, user), odoo_url=odoo_url, viewer=user.username,
                          odoo_version=odoo_version(runtime), directory=getattr(runtime, "directory", None),
                          policy=getattr(runtime, "policy", None), own_record_href=own_record_href,
                          odoo=getattr(runtime, "odoo", None))


def own_record_href(name: str) -> str:
    """Without an Odoo web client (the sandbox), a record links to the chat asking about it."""
    return "/chat?" + urlencode({"q": f"status of {name}"})


@router.get("/approvals", response_model=None)
def approvals_page(request: Request, tab: str = "pending") -> Response:
    user = page_user(request)
    runtime = request.app.state.runtime
    tab = tab if tab in TABS else "pending"
    if tab == "pending":
        items = visible_proposals(runtime, user, "pending", "to_approve")
    elif tab == "mine":
        items = visible_proposals(runtime, user, None, "mine")
    else:
        items = [p for p in visible_proposals(runtime, user, None, "all")
                 if str(getattr(p, "state", "")) != "pending"][:100]
    odoo_url = request.app.state.settings.odoo_url  # a real Odoo's web client (the sandbox has none)
    return render(request, "approvals.html", user=user, nav="approvals", tab=tab, tabs=TABS,
                  proposals=[proposal_card(runtime, user, p, odoo_url) for p in items])


@router.post("/approvals/{proposal_id}/decide", response_model=None)
def approvals_decide(request: Request, proposal_id: str, decision: str = Form(""),
                     comment: str = Form("", max_length=2000), csrf_token: str = Form("", max_length=200),
                     tab: str = Form("pending"), back: str = Form("", max_length=32)) -> Response:
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    back = "/requests" if back == "/requests" else f"/approvals?tab={tab if tab in TABS else 'pending'}"
    if decision not in ("approve", "reject") or not THREAD_RE.match(proposal_id):
        flash(request, "error", "Choose Approve or Reject.")
        return RedirectResponse(back, status_code=303)
    status, body = decide(request.app.state.runtime, user, proposal_id, decision,  # type: ignore[arg-type]
                          comment.strip(), request.app.state.metrics)
    text = for_people(str(body.get("message") or f"{decision}: {body.get('outcome', '')}"),
                      getattr(request.app.state.runtime, "policy", None), user.role)
    flash(request, "ok" if status == 200 else "error", text if proposal_id in text else f"{proposal_id}: {text}")
    return RedirectResponse(back, status_code=303)


@router.post("/approvals/{proposal_id}/confirm", response_model=None)
def approvals_confirm(request: Request, proposal_id: str, csrf_token: str = Form("", max_length=200),
                      tab: str = Form("mine")) -> Response:
    """The requester's Confirm button on a proposal the assistant suggested from untrusted content."""
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    back = f"/approvals?tab={tab if tab in TABS else 'mine'}"
    if not THREAD_RE.match(proposal_id):
        flash(request, "error", "Unknown proposal.")
        return RedirectResponse(back, status_code=303)
    status, body = confirm(request.app.state.runtime, user, proposal_id)
    text = for_people(str(body.get("message") or ""), getattr(request.app.state.runtime, "policy", None), user.role)
    flash(request, "ok" if status == 200 else "error", text or f"{proposal_id}: not confirmed.")
    return RedirectResponse(back, status_code=303)


@router.post("/approvals/batch", response_model=None)
def approvals_batch(request: Request, ids: list[str] = Form([]), decision: str = Form(""),
                    comment: str = Form("", max_length=2000), csrf_token: str = Form("", max_length=200),
                    tab: str = Form("pending")) -> Response:
    """Approve or reject the ticked proposals: each is its own decision (re-authorised, audited, executed alone)."""
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    back = f"/approvals?tab={tab if tab in TABS else 'pending'}"
    ids = [i for i in ids if THREAD_RE.match(i)][:50]
    if decision not in ("approve", "reject") or not ids:
        flash(request, "error", "Tick at least one proposal, then choose Approve or Reject.")
        return RedirectResponse(back, status_code=303)
    results = decide_many(request.app.state.runtime, user, ids, decision,  # type: ignore[arg-type]
                          comment.strip(), request.app.state.metrics)
    policy = getattr(request.app.state.runtime, "policy", None)
    done = [r for r in results if r["status"] in (200, 202)]
    verb = "approved" if decision == "approve" else "rejected"
    head = f"{len(done)} of {len(results)} {verb}."
    lines = " ".join(for_people(str(r["message"] or r["outcome"]), policy, user.role) for r in results)
    flash(request, "ok" if len(done) == len(results) else "error", f"{head} {lines}")
    return RedirectResponse(back, status_code=303)


# -- suppliers ------------------------------------------------------------------------------------
def _vendors(runtime: Any) -> list[str]:
    odoo = runtime.odoo

    def load() -> list[str]:
        rows = odoo.search_read("res.partner", [["supplier_rank", ">", 0], ["is_company", "=", True]], ["name"],
                                limit=500, order="name")
        return [str(r["name"]) for r in rows]

    try:
        return odoo.cached("web:vendors", load, ttl=300.0) if hasattr(odoo, "cached") else load()
    except Exception as exc:  # noqa: BLE001 - the page still renders with a search box
        log.info("cannot list vendors: %s", exc)
        return []


SUPPLIER_COLUMNS = (("name", "Supplier"), ("pos", "POs, last 12 months"), ("open", "Open POs"),
                    ("on_time", "On-time rate (Odoo)"))


def _supplier_facts(runtime: Any) -> dict[str, dict[str, Any]]:
    """{vendor name: POs confirmed in the last 12 months, open POs, Odoo's on-time rate}: two read_groups and
    the cached vendor list (no money: the overview is the same for every role). Cached 5 minutes."""
    odoo = runtime.odoo

    def load() -> dict[str, dict[str, Any]]:
        from tools.odoo.resolve import vendor_list

        since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 365 * 86400))
        rate = {str(v["name"]): v.get("on_time_rate") for v in vendor_list(odoo)}

        def counts(domain: list[Any]) -> dict[str, int]:
            out: dict[str, int] = {}
            for g in odoo.read_group("purchase.order", domain, ["partner_id"], ["partner_id"], lazy=False):
                ref = g.get("partner_id")
                if isinstance(ref, list | tuple) and len(ref) > 1:
                    out[str(ref[1])] = int(g.get("__count") or 0)
            return out

        done = counts([["state", "in", ["purchase", "done"]], ["date_approve", ">=", since]])
        open_ = counts([["state", "=", "purchase"], ["receipt_status", "!=", "full"]])
        return {name: {"pos": done.get(name, 0), "open": open_.get(name, 0),
                       "on_time": rate.get(name) if isinstance(rate.get(name), int | float) and
                       float(rate.get(name) or 0) >= 0 else None}
                for name in set(rate) | set(done) | set(open_)}

    try:
        return odoo.cached("web:supplier_facts", load, ttl=300.0) if hasattr(odoo, "cached") else load()
    except Exception as exc:  # noqa: BLE001 - the page still lists the names
        log.info("cannot read supplier facts: %s", exc)
        return {}


@router.get("/suppliers", response_model=None)
def suppliers_page(request: Request, q: str = "", sort: str = "name", dir: str = "") -> Response:
    user = page_user(request)
    runtime = request.app.state.runtime
    vendors = _vendors(runtime)
    q = q.strip()[:100]
    if q:
        matches = [v for v in vendors if q.lower() in v.lower()]
        if len(matches) == 1:
            return RedirectResponse(f"/suppliers/{quote(matches[0])}", status_code=303)
        vendors = matches
    sort = sort if sort in dict(SUPPLIER_COLUMNS) else "name"
    descending = dir == "desc" if dir in ("asc", "desc") else sort != "name"  # numbers: biggest first
    facts = _supplier_facts(runtime)
    rows = [{"name": v, **facts.get(v, {"pos": 0, "open": 0, "on_time": None})} for v in vendors]

    known = [r for r in rows if r.get(sort) is not None]
    known.sort(key=lambda r: str(r["name"]).lower() if sort == "name" else (r[sort], str(r["name"]).lower()),
               reverse=descending)
    rows = known + sorted((r for r in rows if r.get(sort) is None), key=lambda r: str(r["name"]).lower())
    links = {c: "/suppliers?" + urlencode({**({"q": q} if q else {}), "sort": c, "dir": (
        ("asc" if descending else "desc") if c == sort else ("asc" if c == "name" else "desc"))})
        for c, _ in SUPPLIER_COLUMNS}
    return render(request, "suppliers.html", user=user, nav="suppliers", vendors=vendors, rows=rows, q=q,
                  columns=SUPPLIER_COLUMNS, sort=sort, descending=descending, links=links)


TREND_TTL_S = 300.0


def _trends(request: Request, user: Identity, name: str) -> dict[str, Any]:
    """Monthly series (one governed `supplier_scorecard(monthly=true)` call), cached per role and supplier."""
    cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = request.app.state.__dict__.setdefault(
        "trend_cache", {})
    key = (user.role, name.lower())
    hit = cache.get(key)
    if hit and time.monotonic() - hit[0] < TREND_TTL_S:
        return hit[1]
    trends = supplier_trends(lambda tool, args: run_page_tool(request, user, tool, args), name)
    if len(cache) > 200:
        cache.clear()
    cache[key] = (time.monotonic(), trends)
    return trends


def _summary(request: Request, user: Identity, name: str) -> ToolResult | None:
    """The assistant's supplier brief (governed like any tool: policy check, audit), cached briefly."""
    runtime = request.app.state.runtime
    backend = getattr(getattr(runtime, "assistant", None), "backend", None)
    if backend is None or not hasattr(backend, "run"):
        return None
    cache: dict[tuple[str, str], tuple[float, Any]] = request.app.state.__dict__.setdefault("summary_cache", {})
    key = (user.role, name.lower())
    hit = cache.get(key)
    if hit and time.monotonic() - hit[0] < TREND_TTL_S:
        return hit[1]  # type: ignore[no-any-return]
    try:
        result = backend.run(runtime.context_for(user, "web", None), "summarize_supplier", {"supplier": name})
    except Exception as exc:  # noqa: BLE001 - the page shows the rest
        log.info("supplier summary failed: %s", exc)
        return None
    request.app.state.metrics.observe_tool("summarize_supplier", result.ok, result.ms, result.rpc_calls)
    out = result if result.ok else None
    if len(cache) > 200:
        cache.clear()
    cache[key] = (time.monotonic(), out)
    return out


def kpi_tiles(data: dict[str, Any]) -> list[dict[str, str]]:
    """The scorecard's headline numbers (only those present: redaction may have removed some);
    percentages with one decimal, days with one, money with the currency Odoo reports."""
    from assistant.channels.present import days, money, pct

    currency = data.get("currency")
    tiles = []
    for label, key, fmt in (("OTIF", "otif_pct", pct), ("On time", "on_time_pct", pct),
                            ("In full", "in_full_pct", pct), ("Lead time", "lead_time_avg_days", days),
                            ("Promised lead time", "promised_lead_time_avg_days", days),
                            ("Price vs list", "price_variance_pct", pct), ("Returns", "return_rate_pct", pct),
                            ("3-way-match exceptions", "three_way_exceptions", str), ("Open POs", "open_pos", str),
                            ("Late POs", "late_po_count", str),
                            ("Spend", "spend", lambda v: money(v, currency))):
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            tiles.append({"label": label, "value": fmt(value), "key": key})
    return tiles


def contract_rows(result: ToolResult, corpus_dir: Path) -> list[dict[str, Any]]:
    """The supplier's contract as a table of terms, each with the clause it comes from (a link)."""
    from assistant.channels.corpus import citation_href
    from assistant.channels.present import pct

    if not result.ok or not isinstance(result.data, dict):
        return []
    cites = {c.id: c.model_dump() for c in result.citations}
    passages = [p for p in result.data.get("passages") or [] if isinstance(p, dict)]

    def link(p: dict[str, Any]) -> dict[str, Any]:
        c = cites.get(str(p.get("citation_id"))) or {}
        section = str(p.get("section") or "").split(">")[-1].strip()
        return {"label": section or str(p.get("title") or ""),
                "href": citation_href({**c, "section": section, "page": p.get("page")}, corpus_dir) if c else None}

    def clause(*needles: str, cid: Any = None) -> dict[str, Any]:
        """The passage that states a term: the first whose text names it, else the one the terms cite."""
        for p in passages:
            text = str(p.get("text") or "").lower()
            if any(n.lower() in text for n in needles if n):
                return link(p)
        hit = next((p for p in passages if p.get("citation_id") == cid), None)
        return link(hit) if hit else {"label": "", "href": None}

    rows: list[dict[str, Any]] = []
    for t in result.data.get("contract_terms") or []:
        cid = t.get("citation_id")
        if t.get("lead_time_days") is not None:
            rows.append({"term": "Lead time", "value": f"{t['lead_time_days']} days",
                         **clause("lead-time", "lead time", cid=cid)})
        if t.get("otif_target_pct") is not None:
            rows.append({"term": "OTIF target", "value": pct(t["otif_target_pct"]),
                         **clause("OTIF target", "OTIF", cid=cid)})
        if t.get("payment_terms"):
            rows.append({"term": "Payment terms", "value": str(t["payment_terms"]),
                         **clause(str(t["payment_terms"]), "payment", cid=cid)})
        if t.get("effective") or t.get("expiry"):
            status = str(t.get("status") or "").replace("_", " ")
            rows.append({"term": "Valid", "value": f"{t.get('effective') or '?'} to {t.get('expiry') or '?'}"
                         + (f" ({status})" if status and status != "unknown" else ""),
                         **clause("valid from", "term", cid=cid)})
    seen: set[str] = set()
    def order(p: dict[str, Any]) -> tuple[str, int]:
        chunk = str(p.get("citation_id") or "").rpartition("#")[2]
        return str(p.get("section") or ""), int(chunk) if chunk.isdigit() else 0

    for p in sorted(passages, key=order):
        section = str(p.get("section") or "").split(">")[-1].strip()
        if not section or section in seen:
            continue  # one row per clause (a long clause comes back as several passages)
        seen.add(section)
        body = str(p.get("text") or "")
        body = body[len(section):].strip() if body.startswith(section) else body
        rows.append({"term": section, "value": body[:280] + ("…" if len(body) > 280 else ""), **link(p),
                     "label": str(p.get("title") or "") + (f", p. {p['page']}" if p.get("page") else "")})
    return rows


def brief_items(summary: ToolResult | None) -> dict[str, Any] | None:
    """The supplier brief for people: each message once, with its quote, date, topics and order."""
    if summary is None or not summary.ok or not isinstance(summary.data, dict):
        return None
    notes = [n for n in summary.data.get("notes") or [] if isinstance(n, dict)]
    serious = ("quality", "dispute", "delay", "partial", "price")
    items = []
    seen: set[str] = set()
    for n in sorted(notes, key=lambda n: str(n.get("date") or ""), reverse=True):
        cats = [c for c in n.get("categories") or [] if c in serious]
        key = str(n.get("sentence") or "")
        if not cats or not key or key in seen or n.get("injection"):
            continue
        seen.add(key)
        ref = str(n.get("reference") or "")
        items.append({"date": str(n.get("date") or "")[:10], "topics": ", ".join(cats), "quote": key,
                      "ref": ref if ref and ref != "vendor record" else "",
                      "href": f"/chat?{urlencode({'q': f'status of {ref}'})}" if ref and ref != "vendor record"
                      else None})
    action = ""
    for line in (summary.text or "").splitlines():
        if line.startswith("## Suggested next action"):
            action = "next"
        elif action == "next" and line.startswith("- "):
            action = line[2:].strip()
            break
    return {"items": items[:12], "total": len(items), "messages": summary.data.get("messages"),
            "action": for_people(action if action != "next" else "")}


@router.get("/suppliers/{name:path}", response_model=None)
def supplier_page(request: Request, name: str) -> Response:
    user = page_user(request)
    runtime = request.app.state.runtime
    policy = getattr(runtime, "policy", None)
    name = name.strip()[:120]
    if not name:
        return RedirectResponse("/suppliers", status_code=303)
    results = {
        "scorecard": run_page_tool(request, user, "supplier_scorecard", {"supplier": name}),
        "history": run_page_tool(request, user, "supplier_history", {"supplier": name}),
        "communications": run_page_tool(request, user, "supplier_communications", {"supplier": name}),
    }
    # reached by id (/suppliers/23) or a partial name: title, brief and trends use the resolved name
    resolved = next((str(r.data["vendor"]) for r in results.values()
                     if r.ok and isinstance(r.data, dict) and r.data.get("vendor")), None)
    name = resolved or name
    contract = run_page_tool(request, user, "search_documents",
                             {"query": f"{name} contract terms lead time payment OTIF penalties", "supplier": name,
                              "doc_type": "contract"}) if policy is None or policy.can_use(user.role,
                                                                                          "search_documents") \
        else None
    terms = contract_rows(contract, request.app.state.settings.resolved_corpus_dir) if contract is not None else []
    otif_target = next((float(t["otif_target_pct"]) for t in (contract.data.get("contract_terms") or [])
                        if t.get("otif_target_pct") is not None), None) \
        if contract is not None and contract.ok and isinstance(contract.data, dict) else None
    charts: list[Any] = []
    summary = _summary(request, user, name) if results["communications"].ok else None
    if results["scorecard"].ok:
        promised = results["scorecard"].data.get("promised_lead_time_avg_days")
        charts = trend_charts(_trends(request, user, name), otif_target=otif_target,
                              promised_lead=float(promised) if isinstance(promised, int | float) else None,
                              currency=results["scorecard"].data.get("currency"))
    errors = list(dict.fromkeys(for_people(str(r.error), policy, user.role) for r in results.values() if not r.ok))
    status = 404 if all(not r.ok for r in results.values()) else 200
    comms = results["communications"]
    messages = [m for m in (comms.data.get("messages") or [] if comms.ok and isinstance(comms.data, dict) else [])
                if isinstance(m, dict)]
    return render(request, "supplier.html", status_code=status, user=user, nav="suppliers", name=name,
                  results=results, charts=charts, errors=errors, brief=brief_items(summary), terms=terms,
                  messages=messages, texts={k: for_people(r.text or "", policy, user.role) for k, r in results.items()},
                  history=_history_rows(results["history"]),
                  tiles=kpi_tiles(results["scorecard"].data) if results["scorecard"].ok else [])


def _history_rows(result: ToolResult) -> list[dict[str, str]]:
    """Top products bought: spend with the currency, quantities, price then and now."""
    from assistant.channels.present import money, pct, qty

    if not result.ok or not isinstance(result.data, dict):
        return []
    cur = result.data.get("currency")
    return [{"product": str(r.get("product") or ""), "spend": money(r.get("spend"), cur),
             "orders": qty(r.get("orders")), "qty": qty(r.get("qty")),
             "last_price": money(r.get("last_price"), cur), "change": pct(r.get("change_pct"))}
            for r in result.data.get("top_products") or [] if isinstance(r, dict)]


# -- inbound --------------------------------------------------------------------------------------
def _warehouses(runtime: Any) -> list[dict[str, str]]:
    odoo = runtime.odoo

    def load() -> list[dict[str, str]]:
        rows = odoo.search_read("stock.warehouse", [], ["code", "name"], limit=50, order="code")
        return [{"code": str(r["code"]), "name": str(r["name"])} for r in rows]

    try:
        return odoo.cached("web:warehouses", load, ttl=300.0) if hasattr(odoo, "cached") else load()
    except Exception as exc:  # noqa: BLE001
        log.info("cannot list warehouses: %s", exc)
        return []


INBOUND_BUCKETS = (("overdue", "Overdue", "overdue"), ("today", "Today", "today"),
                   ("this_week", "Rest of this week", "this week"))
INBOUND_COLUMNS = ("ref", "po", "supplier", "scheduled", "days_late", "state", "lines")
INBOUND_LABELS = {"ref": "Receipt", "po": "PO", "supplier": "Supplier", "scheduled": "Scheduled",
                  "days_late": "Days late", "state": "State", "lines": "Lines"}


def _odoo_default_warehouse(runtime: Any, user: Identity, warehouses: list[dict[str, str]]) -> str | None:
    """The person's default warehouse as Odoo keeps it (res.users.property_warehouse_id), if any."""
    odoo = runtime.odoo
    login = user.odoo_login or user.username

    def load() -> str:
        rows = odoo.search_read("res.users", [["login", "=", login]], ["property_warehouse_id"], limit=1)
        ref = rows[0].get("property_warehouse_id") if rows else None
        wid = ref[0] if isinstance(ref, list | tuple) and ref else ref.get("id") if isinstance(ref, dict) else None
        if not wid:
            return ""
        found = odoo.search_read("stock.warehouse", [["id", "=", wid]], ["code"], limit=1)
        return str(found[0]["code"]) if found else ""

    try:
        code = odoo.cached(f"web:wh:{login}", load, ttl=600.0) if hasattr(odoo, "cached") else load()
    except Exception as exc:  # noqa: BLE001 - older Odoo or the field hidden: fall back to the first warehouse
        log.info("no default warehouse for %s: %s", login, exc)
        return None
    return code if code in {w["code"] for w in warehouses} else None


def _record_links(row: dict[str, Any]) -> dict[str, str]:
    """Receipt and PO names as links (our chat about them: the sandbox has no Odoo web client)."""
    return {k: own_record_href(str(row[k])) for k in ("ref", "po") if row.get(k)}


@router.get("/inbound/{code}", response_model=None)
def inbound_for(request: Request, code: str) -> Response:
    """/inbound/<code>: the same page as /inbound?warehouse=<code> (the README's address)."""
    return inbound_page(request, warehouse=code)


@router.get("/inbound", response_model=None)
def inbound_page(request: Request, warehouse: str | None = None) -> Response:
    user = page_user(request)
    runtime = request.app.state.runtime
    warehouses = _warehouses(runtime)
    codes = {w["code"] for w in warehouses}
    code = (warehouse or user.warehouse or _odoo_default_warehouse(runtime, user, warehouses)
            or (warehouses[0]["code"] if warehouses else "")).strip().upper()[:16]
    if codes and code not in codes:
        return render(request, "inbound.html", status_code=404, user=user, nav="inbound", warehouses=warehouses,
                      code=code, buckets=[], error=f"Unknown warehouse {code}; choose one of "
                                                   f"{', '.join(sorted(codes))}.")
    buckets = []
    errors = []
    seen: set[Any] = set()
    for key, label, when in INBOUND_BUCKETS:
        result = run_page_tool(request, user, "inbound_schedule", {"warehouse": code, "when": when})
        if not result.ok:
            errors.append(f"{label}: {result.error}")
            continue
        rows = [{**r, "links": _record_links(r)} for r in result.data.get("receipts") or []
                if r.get("ref") not in seen]
        seen.update(r.get("ref") for r in rows)
        returned = len(result.data.get("receipts") or [])
        total = result.data.get("total")
        left_out = max(0, int(total) - returned) if isinstance(total, int) else 0  # the tool's own cut
        buckets.append({"key": key, "label": label, "rows": rows, "text": result.text,
                        "note": result.data.get("note"), "total": len(rows) + left_out})
    return render(request, "inbound.html", user=user, nav="inbound", warehouses=warehouses, code=code,
                  buckets=buckets, columns=INBOUND_COLUMNS, labels=INBOUND_LABELS, error="; ".join(errors) or None)


# -- corpus documents -----------------------------------------------------------------------------
@router.get("/corpus/{rel:path}", response_model=None)
def corpus_document(request: Request, rel: str) -> Response:
    user = page_user(request)
    settings = request.app.state.settings
    path = resolve_in_corpus(settings.resolved_corpus_dir, rel)
    if path is None:
        return render(request, "error.html", status_code=404, user=user, title="Not found",
                      message="No such document in the corpus.")
    ok, document, reason = may_view(request.app.state.runtime, user.role, path)
    if not ok or document is None:
        return render(request, "error.html", status_code=403, user=user, title="Not allowed", message=reason)
    if not document.html:
        return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                            filename=path.name)
    return render(request, "document.html", user=user, document=document,
                  back=safe_next(request.headers.get("referer", "").split(request.url.netloc, 1)[-1] or None))


def login_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse("/login?" + urlencode({"next": safe_next(next_path)}), status_code=303)

# the demand forecast page registers itself on this router (assistant/channels/forecast_page.py)
from assistant.channels import forecast_page as _forecast_page  # noqa: E402,F401
