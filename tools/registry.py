"""The catalogue of tools and the one door every call goes through.

Why one door: whatever the channel or brain, a tool call is checked against the policy, its
arguments validated, its Odoo round trips and latency measured, its result redacted for the
caller's role, and an audit event written — and a user error never raises, it comes back as
`ok=False` with a message (and `candidates` when an entity was ambiguous).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from tools.base import Stopwatch, Tool, ToolContext, ToolError, ToolResult
from tools.governance.policy import MONEY_PATTERN, scrub_money, scrub_money_deep
from tools.governance.provenance import chat_note
from tools.odoo.errors import OdooAccessError, OdooError, OdooUnavailable, access_detail
from tools.reads.anomalies import purchase_anomalies
from tools.reads.bills import vendor_bills
from tools.reads.communications import supplier_communications
from tools.reads.confirmations import vendor_confirmations
from tools.reads.demand import demand_forecast
from tools.reads.inbound import inbound_schedule
from tools.reads.kpis import kpi_report
from tools.reads.leadtime import lead_time_forecast
from tools.reads.matching import three_way_match_exceptions
from tools.reads.options import supply_options
from tools.reads.orders import find_purchase_orders
from tools.reads.purchase import open_purchase_orders, purchase_order_status
from tools.reads.receipts import receipts_done
from tools.reads.replenishment import replenishment_risk
from tools.reads.risk import supplier_risk
from tools.reads.scorecard import supplier_scorecard
from tools.reads.spend import spend_analysis
from tools.reads.stock import stock_levels
from tools.reads.supplier import supplier_history
from tools.reads.vendors import product_vendors

log = logging.getLogger(__name__)

READ_TOOLS: list[Tool] = [
    stock_levels, inbound_schedule, purchase_order_status, open_purchase_orders, supplier_history,
    supplier_scorecard, supplier_communications, replenishment_risk, three_way_match_exceptions,
    find_purchase_orders, product_vendors, receipts_done, vendor_bills, spend_analysis,
    supplier_risk, purchase_anomalies, kpi_report, vendor_confirmations,
    lead_time_forecast, demand_forecast, supply_options,
]
MONEY_IN_TEXT = MONEY_PATTERN  # kept for importers; the patterns live in tools.governance.policy


def _optional_tools() -> list[Tool]:
    """Tools owned by other packages, skipped (with a log line) while they are missing or broken."""
    found: list[Tool] = []
    for module, attr in (("tools.actions", "ACTION_TOOLS"), ("tools.reads.documents", "search_documents")):
        try:
            value = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            log.info("tool registry: %s.%s not available (%s)", module, attr, exc)
            continue
        if isinstance(value, Tool):
            found.append(value)
        elif isinstance(value, dict):
            found.extend(v for v in value.values() if isinstance(v, Tool))
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if isinstance(v, Tool))
    return found


def _build() -> dict[str, Tool]:
    tools: dict[str, Tool] = {}
    for t in [*READ_TOOLS, *_optional_tools()]:
        tools.setdefault(t.name, t)
    return tools


TOOLS: dict[str, Tool] = _build()


def catalogue(role: str, policy: Any = None) -> list[Tool]:
    """The tools a role may call (all of them when no policy is given), in a stable order."""
    if policy is None:
        return list(TOOLS.values())
    return [t for t in TOOLS.values() if policy.can_use(role, t.name)]


DROPPED_KEYWORDS = frozenset({"minLength", "maxLength", "minItems", "maxItems"})
#: Arguments whose name and type say it all to a chat model: their description stays in the pydantic
#: model (docs, validation messages) but is not repeated on every turn (the buyer's catalogue <= 8 KB).
SELF_EXPLANATORY = frozenset({"supplier", "warehouse", "product", "date_from", "date_to", "limit", "top",
                              "months", "group_by", "po", "receipt", "reference", "k", "lines", "message",
                              "doc_type", "category", "unacknowledged", "compare_previous", "vendor"})


def compact_schema(t: Tool) -> dict[str, Any]:
    """The tool's JSON schema as a chat model needs it, smaller: no pydantic titles, no string/array
    length bounds (the arguments are still validated in full by run_tool), no `type` beside an `enum`,
    no `false`/`null` defaults (what an absent flag or filter means anyway), no description, string
    `type` or integer `maximum` on the SELF_EXPLANATORY arguments (run_tool still checks both), and
    Optional[x] = None shown as plain x. Why: the whole catalogue is re-read by the model on every turn."""

    def simplify(node: dict[str, Any]) -> dict[str, Any]:
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
            node = {**{k: v for k, v in node.items() if k != "anyOf"},
                    **next(a for a in any_of if a != {"type": "null"})}
        if node.get("default", 0) is None or node.get("default", 0) is False:
            node.pop("default")
        if "enum" in node and node.get("type") == "string":
            node.pop("type")
        if node.get("minimum") in (0, 1) and node.get("type") == "integer":
            node.pop("minimum")  # counts and limits start at 1; run_tool still rejects 0
        return node

    def strip(node: Any, in_props: bool = False, name: str = "") -> Any:
        if isinstance(node, dict):
            out = {k: strip(v, k in ("properties", "$defs"), k if in_props else "") for k, v in node.items()
                   if in_props or not ((k == "title" and isinstance(v, str)) or k in DROPPED_KEYWORDS
                                       or (k == "description" and name in SELF_EXPLANATORY))}
            if in_props:
                return out
            out = simplify(out)
            if name in SELF_EXPLANATORY and out.get("type") == "string":
                out.pop("type")  # a name that says it all says "text" too (JSON Schema: untyped = any)
            if name in SELF_EXPLANATORY and out.get("type") == "integer":
                out.pop("maximum", None)  # limit/top/months: a too-large value gets run_tool's one-sentence error
            return out
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    schema: dict[str, Any] = strip(t.json_schema())
    defs = schema.pop("$defs", None)
    if defs:  # inline the nested models ({"$ref": "#/$defs/X"} -> X itself): shorter, and simpler for small models
        def inline(node: Any) -> Any:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
                    return inline(defs[ref[8:]])
                return {k: inline(v) for k, v in node.items()}
            if isinstance(node, list):
                return [inline(v) for v in node]
            return node
        schema = inline(schema)
    return schema


def function_specs(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """OpenAI-style function declarations: name, description, parameters."""
    return [{"name": t.name, "description": t.description, "parameters": compact_schema(t)} for t in tools]


def catalogue_bytes(tools: Iterable[Tool]) -> int:
    """Size in bytes of what the model reads about the tools (names, descriptions, JSON schemas)."""
    return len(json.dumps(function_specs(tools), separators=(",", ":"), ensure_ascii=False).encode())


def _bad_args_message(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ())) or "arguments"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return f"Bad arguments for {name}: " + "; ".join(parts[:5])


def args_hash(args: Any) -> str:
    return hashlib.sha256(json.dumps(args, sort_keys=True, separators=(",", ":"), default=str)
                          .encode()).hexdigest()


def run_tool(ctx: ToolContext, name: str, args: dict[str, Any] | None) -> ToolResult:
    """Policy check -> validate -> run (counting Odoo round trips) -> redact -> audit. Never raises
    for user errors: a refusal, bad input, an unknown entity or Odoo being down is `ok=False`."""
    watch = Stopwatch()
    role = ctx.user.role
    hashed = args_hash(args or {})
    t = TOOLS.get(name)
    result: ToolResult
    calls = 0
    if t is None:
        result = ToolResult(tool=name, ok=False, error=f"Unknown tool '{name}'. Known: {', '.join(TOOLS)}.")
    elif ctx.policy is not None and not ctx.policy.can_use(role, name):
        result = ToolResult(tool=name, ok=False, data={"code": "forbidden"},
                            error=f"The {role} role may not use {name}.")
    elif not isinstance(args, dict | type(None)):
        result = ToolResult(tool=name, ok=False, error=f"Bad arguments for {name}: expected a JSON object.")
    else:
        try:
            parsed = t.args_model.model_validate(args or {})
        except ValidationError as exc:
            result = ToolResult(tool=name, ok=False, data={"code": "bad_args"}, error=_bad_args_message(name, exc))
        else:
            hashed = args_hash(parsed.model_dump(mode="json"))
            if ctx.odoo is None:
                result = ToolResult(tool=name, ok=False, data={"code": "odoo_unavailable"},
                                    error="Odoo is not connected right now, please try again shortly.")
            else:
                # the person's Odoo companies scope the integration user's reads, as Odoo's record rules would
                scope = getattr(ctx.odoo, "person_companies", None)
                companies = scope(ctx.user.odoo_login) if scope is not None else None
                if companies:
                    with ctx.odoo.scoped_to(companies), ctx.odoo.measure() as stats:
                        result = _call(ctx, t, parsed, person_scoped=True)
                else:
                    with ctx.odoo.measure() as stats:
                        result = _call(ctx, t, parsed)
                calls = stats.calls
    result.tool = name
    result.rpc_calls = calls
    result.ms = watch.ms
    if ctx.policy is not None:
        _redact(ctx.policy, role, result)
    if ctx.provenance is not None and t is not None:
        _provenance(ctx, t, result)
    _audit(ctx, name, hashed, result)
    return result


def _provenance(ctx: ToolContext, t: Tool, result: ToolResult) -> None:
    """Note the untrusted text a read returned in this turn; tell the person when a proposal made in it
    was not their own request (tools.governance.provenance): it waits for their confirmation."""
    if t.kind == "read" and result.ok:
        ctx.provenance.note(t.name, result.data, result.text)
        return
    service = getattr(ctx.store, "proposals", None)
    for pid in result.proposal_ids:
        p = service.get(pid) if service is not None else None
        if p is None or not p.awaiting_requester or p.requester != ctx.user.username:
            continue
        result.data["needs_confirmation"] = True
        result.text = chat_note(p.provenance, p.id, ctx.channel)


def _redact(policy: Any, role: str, result: ToolResult) -> None:
    """Remove price keys and, for roles that may not see money, scrub every string of the result
    (data, text, error): supplier e-mails quote prices in free text, and whatever leaves here reaches
    the model, tables, pages and the CLI. A role whose fields are redacted but whose policy has no
    money flag still gets its text scrubbed when a field was removed (the old behaviour)."""
    scrubs = bool(getattr(policy, "scrubs_money", lambda _r: False)(role))
    redacted = policy.redact(role, result.data) if result.ok or scrubs else result.data
    removed = redacted != result.data
    result.data = redacted
    if scrubs:
        result.data = scrub_money_deep(result.data)
    if scrubs or removed:
        result.text = scrub_money(result.text)
        if result.error:
            result.error = scrub_money(result.error)
    if scrubs:
        for c in result.citations:  # document titles/sections can quote prices too
            c.title = scrub_money(c.title)
            if c.section:
                c.section = scrub_money(c.section)


def access_sentence(message: str, login: str | None, person_scoped: bool = False) -> str:
    """Odoo's AccessError as one plain sentence: what could not be read and whom to ask — never Odoo's own
    wording (its jokes, user ids and technical model names)."""
    what, company = access_detail(message)
    if person_scoped or company:
        where = f" of {company}" if company else ""
        return (f"Odoo refused access: {what}{where} belong to a company your own Odoo user may not see, so I "
                "can't show them; ask your Odoo administrator for access to that company if you need it.")
    who = f"the Odoo user '{login}'" if login else "the Odoo user this assistant logs in as"
    return (f"Odoo refused access: {who} may not read {what}, so I can't show them; ask your Odoo administrator "
            "to give that user those rights (Settings → Users).")


def _call(ctx: ToolContext, t: Tool, parsed: Any, person_scoped: bool = False) -> ToolResult:
    try:
        return t.func(ctx, parsed)
    except ToolError as exc:
        data: dict[str, Any] = {"code": exc.code}
        if exc.candidates:
            data["candidates"] = exc.candidates
        return ToolResult(tool=t.name, ok=False, error=exc.message, data=data)
    except OdooUnavailable as exc:
        text = str(exc).rstrip(".")
        if "odoo" not in text.lower():
            text = f"Odoo is not reachable right now ({text})"
        return ToolResult(tool=t.name, ok=False, data={"code": "odoo_unavailable"},
                          error=f"{text}. Please try again shortly; if it lasts, an administrator can run "
                                "`quartermaster doctor`.")
    except OdooAccessError as exc:
        login = getattr(ctx.odoo, "login_name", None)
        return ToolResult(tool=t.name, ok=False, data={"code": "odoo_access"},
                          error=access_sentence(exc.message, login, person_scoped))
    except OdooError as exc:
        return ToolResult(tool=t.name, ok=False, data={"code": "odoo_error"},
                          error=f"Odoo refused the request: {exc.message}")
    except Exception as exc:  # noqa: BLE001 - a bug in one tool must not take the server down
        log.exception("tool %s failed", t.name)
        return ToolResult(tool=t.name, ok=False, data={"code": "internal"},
                          error=f"{t.name} failed unexpectedly ({type(exc).__name__}); the error was logged.")


def _audit(ctx: ToolContext, name: str, hashed: str, result: ToolResult) -> None:
    if ctx.audit is None:
        return
    payload = {"tool": name, "args_hash": hashed, "rpc_calls": result.rpc_calls, "ms": result.ms,
               "ok": result.ok, "channel": ctx.channel}
    if not result.ok:
        payload["error"] = (result.error or "")[:200]
    try:
        ctx.audit.record("tool_call", actor=ctx.user.username, run_id=ctx.run_id, payload=payload)
    except Exception:  # noqa: BLE001 - the answer is still returned; the failure is logged loudly
        log.exception("audit record failed for tool %s (run %s)", name, ctx.run_id)
