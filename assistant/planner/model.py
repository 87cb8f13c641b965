"""The offline planner as a LangChain chat model, so it runs in the very same agent loop as an LLM.

On a new user message it emits an AIMessage with tool_calls (from `intents.parse`); once the
ToolMessages are back it composes the answer from the tool results alone (`compose`). It never
reads tool output to decide what to do, and it says plainly that it is not an LLM.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import ConfigDict

from assistant.agent import history_focus, last_tool_results
from assistant.planner.compose import compose, direct_reply
from assistant.planner.intents import Plan, local_today, parse
from assistant.planner.lexicon import Lexicon
from assistant.planner.route import NEW_TOOLS, help_for
from assistant.toolbelt import MORE_TOOLS, family_of

#: reads whose answer is prices or amounts; a role that may not use them asked about money
PRICE_TOOLS = frozenset({"product_vendors", "vendor_bills", "spend_analysis", "three_way_match_exceptions"})
_MONEY_QUESTION = re.compile(r"\b(?:how much (?:did|do|does|will|would|is|are|was|were)\b(?!.*\b(?:stock|left|on hand|"
                             r"in stock|coming|arriving)\b)|pa(?:y|id)|price[sd]?|pricing|cost[s]?|spen[dt]|"
                             r"invoice[sd]?|bills?|amounts?)\b", re.I)

# semantic slot -> candidate argument names, best first (tools name their args in their own words)
SLOT_ALIASES: dict[str, tuple[str, ...]] = {
    "product": ("product", "product_ref", "item", "sku"),
    "warehouse": ("warehouse", "warehouse_code", "site", "location"),
    "supplier": ("supplier", "vendor", "partner"),
    "reference": ("reference", "po", "purchase_order", "order", "po_reference", "ref"),
    "receipt": ("receipt", "picking", "reference"),
    "date": ("date", "new_date", "scheduled_date", "to_date", "when"),
    "when": ("when", "period", "date_range", "due", "date"),
    "since": ("since", "from_date", "date_from", "period"),
    "quantity": ("quantity", "qty", "product_qty"),
    "query": ("query", "question", "text", "q"),
    "doc_type": ("doc_type", "type", "kind"),
    "message": ("message", "body", "note", "text"),
    "reason": ("reason", "comment", "note"),
    "late_only": ("late_only", "overdue_only", "late"),
}


def fit_args(schema: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    """Map semantic slots onto a tool's argument names (by its JSON schema); drop what it lacks."""
    props: dict[str, Any] = schema.get("properties") or {}
    args: dict[str, Any] = {}
    if "lines" in props and ("product" in slots or "lines" in slots):  # create_rfq(supplier, lines=[…], warehouse)
        line_keys = _line_keys(schema)
        lines = slots.get("lines") or [{"product": slots["product"], "quantity": slots.get("quantity")}]
        args["lines"] = [{line_keys[0]: ln["product"], line_keys[1]: ln["quantity"]} for ln in lines]
        slots = {k: v for k, v in slots.items() if k not in ("product", "quantity", "lines")}
    for slot, value in slots.items():
        if value is None or value == "":
            continue
        if slot in props and slot not in args:
            args[slot] = value
            continue
        for name in SLOT_ALIASES.get(slot, ()):
            if name in props and name not in args:
                args[name] = value
                break
    return args


RELATIVE = ("when", "date_from", "date_to", "since", "date")


def localize_dates(slots: dict[str, Any], today: date, utc_today: date | None = None) -> dict[str, Any]:
    """Relative date phrases -> explicit ISO dates when the company's day is not UTC's.

    The tools read "today" from a UTC clock; after 18:00 Central that is already tomorrow, so the planner
    passes the company's own dates instead. While both agree the phrase is kept (its label reads better)."""
    from tools.base import ToolError
    from tools.odoo.resolve import parse_date_phrase

    utc_today = utc_today or datetime.now(UTC).date()
    if today == utc_today:
        return slots
    out = dict(slots)
    for key in RELATIVE:
        phrase = out.get(key)
        if not isinstance(phrase, str) or not phrase or re.fullmatch(r"\d{4}-\d{2}-\d{2}", phrase):
            continue
        try:
            rng = parse_date_phrase(phrase, today)
        except ToolError:
            continue
        if key == "when":
            out.pop("when")
            if rng.start:
                out["date_from"] = rng.start.isoformat()
            if rng.end:
                out["date_to"] = rng.end.isoformat()
        elif key in ("since", "date_from", "date"):
            first = rng.start or rng.end
            if first:
                out[key] = first.isoformat()
        elif key == "date_to" and (rng.end or rng.start):
            out[key] = (rng.end or rng.start).isoformat()  # type: ignore[union-attr]
    return out


def _line_keys(schema: dict[str, Any]) -> tuple[str, str]:
    item = (schema.get("properties", {}).get("lines") or {}).get("items") or {}
    ref = item.get("$ref", "")
    if ref:
        item = (schema.get("$defs") or {}).get(ref.rsplit("/", 1)[-1], {})
    props = item.get("properties") or {}
    product = next((k for k in ("product", "product_ref", "sku") if k in props), "product")
    qty = next((k for k in ("quantity", "qty", "product_qty") if k in props), "quantity")
    return product, qty


class OfflinePlanner(BaseChatModel):
    """Deterministic brain: intent rules in, tool calls out; answers only from tool results."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    lexicon_loader: Callable[[], Lexicon]
    tool_schemas: dict[str, dict[str, Any]] = {}
    user_role: str | None = None

    @property
    def _llm_type(self) -> str:
        return "quartermaster-offline-planner"

    def bind_tools(self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
                   **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        schemas: dict[str, dict[str, Any]] = {}
        for t in tools:
            if isinstance(t, BaseTool):
                schema = t.args_schema if isinstance(t.args_schema, dict) else t.tool_call_schema
                schemas[t.name] = schema if isinstance(schema, dict) else schema.model_json_schema()  # type: ignore[union-attr]
        return self.model_copy(update={"tool_schemas": schemas})

    # -- one step ------------------------------------------------------------------------------
    def decide(self, messages: list[BaseMessage]) -> AIMessage:
        every = last_tool_results(messages)
        results = [r for r in every if r[0] != MORE_TOOLS]  # binding more tools is no answer
        asked_for = {n for n, _, _ in every if n == MORE_TOOLS}
        human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        text = str(human.content) if human else ""
        history = history_focus(messages)
        plan = parse(text, self.lexicon_loader(), history)
        if self._price_refused(plan, text, asked_for):
            return AIMessage(direct_reply(Plan("refuse", reply="prices")))
        plans = [self._installed(p) for p in (plan, *plan.also)]
        if results:
            return AIMessage(compose(plans[0], results, more=plans[1:]), additional_kwargs={"qm_plan": plan.intent})
        first = plans[0]
        missing = {family_of(p.tool) for p in plans if p.tool and p.tool not in self.tool_schemas}
        offered = set(((self.tool_schemas.get(MORE_TOOLS) or {}).get("properties") or {}).get("family", {})
                      .get("enum") or [])
        if missing and not asked_for and missing <= offered:  # a tool of this role not bound this step: ask for it
            return AIMessage("", tool_calls=[{"name": MORE_TOOLS, "args": {"family": f},
                                              "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
                                             for f in sorted(missing)])
        if first.tool and first.tool not in self.tool_schemas:
            return AIMessage(direct_reply(Plan("not_allowed", reply=first.tool)))
        if first.tool:
            lex = self.lexicon_loader()
            calls = []
            for p in plans:
                if not p.tool or p.tool not in self.tool_schemas:
                    continue
                for slots in (p.slots, *p.extra):
                    args = fit_args(self.tool_schemas[p.tool], localize_dates(slots, local_today(lex.tz)))
                    calls.append({"name": p.tool, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}",
                                  "type": "tool_call"})
            return AIMessage("", tool_calls=calls)
        extra = {"qm_pending": first.pending} if first.pending else {}
        return AIMessage(direct_reply(first), additional_kwargs=extra)

    def _price_refused(self, plan: Plan, text: str, asked_for: set[str]) -> bool:
        """A question about prices or amounts routed to a tool this person's role may not use (a warehouse
        clerk's "how much did we pay for X"): say so, never answer another question (stock) instead."""
        from tools.registry import TOOLS

        tool = plan.tool
        if not tool or tool in self.tool_schemas or tool not in TOOLS or TOOLS[tool].kind != "read":
            return False
        offered = ((self.tool_schemas.get(MORE_TOOLS) or {}).get("properties") or {}).get("family", {}).get("enum")
        if not asked_for and family_of(tool) in (offered or []):
            return False  # only not bound this step: more_tools binds it
        return tool in PRICE_TOOLS or bool(_MONEY_QUESTION.search(text))

    def _installed(self, plan: Plan) -> Plan:
        """A routed tool this Odoo's catalogue lacks (not installed yet): the rule reading instead."""
        if not plan.tool or plan.tool in self.tool_schemas or plan.tool not in NEW_TOOLS:
            return plan
        if plan.fallback is not None:
            return plan.fallback
        from tools.registry import TOOLS

        if plan.tool not in TOOLS:
            return Plan("unknown", reply="I can't look that up with this installation yet. " + help_for(
                self.lexicon_loader()))
        return plan

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.decide(messages))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                ) -> Iterator[ChatGenerationChunk]:
        msg = self.decide(messages)
        if msg.tool_calls:
            yield ChatGenerationChunk(message=AIMessageChunk(
                content="", tool_call_chunks=[{"name": c["name"], "args": _json(c["args"]), "id": c["id"],
                                               "index": i, "type": "tool_call_chunk"}
                                              for i, c in enumerate(msg.tool_calls)]))
            return
        text = str(msg.content)
        pieces = _pieces(text)
        for i, piece in enumerate(pieces):  # the first piece carries the pending question back (thread memory)
            chunk = ChatGenerationChunk(message=AIMessageChunk(
                content=piece, additional_kwargs=dict(msg.additional_kwargs) if i == 0 else {}))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


def _json(args: dict[str, Any]) -> str:
    import json

    return json.dumps(args, default=str)


def _pieces(text: str, size: int = 48) -> list[str]:
    """Split into short pieces at word boundaries for streaming; the pieces join back to `text`."""
    import re

    out: list[str] = []
    buf = ""
    for m in re.finditer(r"\s*\S+\s*", text):
        buf += m.group(0)
        if len(buf) >= size:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out or [text]
