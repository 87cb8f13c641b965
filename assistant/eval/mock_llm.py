"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks of the LLM path.

Why at HTTP level: the real ChatOpenAI client (payload building, tool-call parsing, streaming, usage,
retries and errors) is what production runs, so tests must exercise it, not a fake model object.
Standard library only (http.server), so the core stays free of web frameworks.

A *script* maps the request JSON to a reply: {"content", "tool_calls": [{"name","arguments"}],
"status", "delay_s", "raw"}. `planner_script` answers like the offline planner would, so the eval
can run the whole question set through the LLM path.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Script = Callable[[dict[str, Any]], dict[str, Any]]


class MockOpenAI:
    """`with MockOpenAI(script) as mock: ChatOpenAI(base_url=mock.base_url, ...)`."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.server_ms: list[float] = []  # time spent inside the mock per request (to subtract in benches)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> MockOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the 40 ms ACK stall

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def setup(self) -> None:
                super().setup()
                _quickack(self.connection)

            def handle_one_request(self) -> None:
                _quickack(self.connection)  # Linux resets it after each ACK; keep requests from stalling
                super().handle_one_request()

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                t0 = time.perf_counter()
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                mock.requests.append(body)
                reply = mock.script(body)
                delay = float(reply.get("delay_s") or 0)
                if delay:
                    time.sleep(delay)
                status = int(reply.get("status") or 200)
                if status != 200 or "raw" in reply:
                    data = reply.get("raw", json.dumps({"error": {"message": reply.get("content", "error"),
                                                                  "type": "mock"}})).encode()
                    self._send(status, data, "application/json", t0, delay)
                    return
                if body.get("stream"):
                    self._send_stream(body, reply, t0, delay)
                else:
                    self._send(200, json.dumps(_completion(body, reply)).encode(), "application/json", t0, delay)

            def _send(self, status: int, data: bytes, ctype: str, t0: float, delay: float) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                if status == 429:
                    self.send_header("retry-after", "0")
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts in tests)
                    return
                mock.server_ms.append((time.perf_counter() - t0) * 1000 - delay * 1000)

            def _send_stream(self, body: dict[str, Any], reply: dict[str, Any], t0: float, delay: float) -> None:
                chunks = _stream_chunks(body, reply)
                payload = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"
                self._send(200, payload, "text/event-stream", t0, delay)

        return Handler


def _quickack(sock: Any) -> None:
    import socket

    opt = getattr(socket, "TCP_QUICKACK", None)
    if opt is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, opt, 1)


def _usage(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, int]:
    prompt = sum(len(str(m.get("content") or "")) for m in body.get("messages", [])) // 4 + 1
    completion = len(str(reply.get("content") or "")) // 4 + 8 * len(reply.get("tool_calls") or []) + 1
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _tool_calls(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": c.get("id") or f"call_{uuid.uuid4().hex[:10]}", "type": "function",
             "function": {"name": c["name"], "arguments": c["arguments"] if isinstance(c["arguments"], str)
                          else json.dumps(c["arguments"])}} for c in reply.get("tool_calls") or []]


def _completion(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    calls = _tool_calls(reply)
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("content") or (None if calls else "")}
    if calls:
        message["tool_calls"] = calls
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "mock"),
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": _usage(body, reply)}


def _stream_chunks(body: dict[str, Any], reply: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": body.get("model", "mock")}
    out: list[dict[str, Any]] = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                                       "finish_reason": None}]}]
    calls = _tool_calls(reply)
    for i, call in enumerate(calls):
        out.append({**base, "choices": [{"index": 0, "finish_reason": None, "delta": {"tool_calls": [
            {"index": i, "id": call["id"], "type": "function",
             "function": {"name": call["function"]["name"], "arguments": call["function"]["arguments"]}}]}}]})
    content = str(reply.get("content") or "")
    for piece in re.findall(r"\s*\S+\s*", content):
        out.append({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
    out.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls" if calls else "stop"}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        out.append({**base, "choices": [], "usage": _usage(body, reply)})
    return out


# -- scripts ---------------------------------------------------------------------------------------
def sequence_script(replies: list[dict[str, Any]]) -> Script:
    """Reply with each item in turn (the last one repeats)."""
    state = {"i": 0}

    def script(body: dict[str, Any]) -> dict[str, Any]:
        i = min(state["i"], len(replies) - 1)
        state["i"] += 1
        return replies[i]

    return script


def planner_script(lexicon_loader: Callable[[], Any]) -> Script:
    """A scripted model that decides like the offline planner, from the HTTP request alone."""
    from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

    from assistant.agent import turn_focus
    from assistant.memory import FOCUS_KEY
    from assistant.planner.intents import parse
    from assistant.planner.model import OfflinePlanner
    from tools.base import ToolResult

    def to_messages(body: dict[str, Any]) -> list[BaseMessage]:
        names: dict[str, str] = {}
        out: list[BaseMessage] = []
        focus: list[dict[str, Any]] = []
        lex = lexicon_loader()
        for m in body.get("messages", []):
            role, content = m.get("role"), str(m.get("content") or "")
            if role == "system":
                out.append(SystemMessage(content))
            elif role == "user":
                out.append(HumanMessage(content))
            elif role == "assistant" and m.get("tool_calls"):
                calls = [{"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"] or "{}"),
                          "id": c["id"]} for c in m["tool_calls"]]
                names.update({c["id"]: c["name"] for c in calls})
                out.append(AIMessage("", tool_calls=calls))
            elif role == "assistant":
                # rebuild the focus of a finished earlier turn from its words, as the planner stores it
                prev = next((x for x in reversed(out) if isinstance(x, HumanMessage)), None)
                plan = parse(str(prev.content), lex, focus) if prev else None
                rec = [{"name": plan.tool, "args": dict(plan.slots)}] if plan and plan.tool else []
                f = turn_focus(rec, [ToolResult(tool="x", text=content)])
                focus.append(f)
                out.append(AIMessage(content, additional_kwargs={FOCUS_KEY: f}))
            elif role == "tool":
                out.append(ToolMessage(content, tool_call_id=m.get("tool_call_id", ""),
                                       name=names.get(m.get("tool_call_id", ""), ""),
                                       artifact=_result_from_content(names.get(m.get("tool_call_id", ""), ""),
                                                                     content)))
        return out

    def script(body: dict[str, Any]) -> dict[str, Any]:
        schemas = {t["function"]["name"]: t["function"].get("parameters") or {} for t in body.get("tools") or []}
        planner = OfflinePlanner(lexicon_loader=lexicon_loader, tool_schemas=schemas)
        msg = planner.decide(to_messages(body))
        if msg.tool_calls:
            return {"tool_calls": [{"name": c["name"], "arguments": c["args"]} for c in msg.tool_calls]}
        return {"content": str(msg.content).replace("offline planner: rule-based", "scripted mock model")}

    return script


def _result_from_content(name: str, content: str) -> Any:
    """Undo `untrusted(ToolResult.for_model())` so the scripted model composes like the planner."""
    from tools.base import ToolResult

    body = re.sub(r"^<tool_data[^>]*>\n?|\n?</tool_data>$", "", content.strip())
    if body.startswith("ERROR: "):
        return ToolResult(tool=name, ok=False, error=body[7:])
    text, _, last = body.rpartition("\n")
    try:
        data = json.loads(last)
    except ValueError:
        return ToolResult(tool=name, text=body)
    return ToolResult(tool=name, text=text, data=data if isinstance(data, dict) else {"value": data})
