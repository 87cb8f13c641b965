"""The LLM brain over HTTP: the real ChatOpenAI client against a scripted OpenAI-compatible server."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from conftest import AVA, LEX, FakeBackend  # type: ignore[import-not-found]

from assistant.eval.mock_llm import MockOpenAI, planner_script, sequence_script
from assistant.llm import build_llm
from tools.governance.audit import AuditLog


def _llm(mock: MockOpenAI, timeout_s: float = 5.0) -> Any:
    return build_llm(model="mock-model", base_url=mock.base_url, api_key=None, timeout_s=timeout_s, max_retries=0)


def test_tool_call_round_trip_sends_empty_content_and_tool_choice_auto(make_assistant: Any) -> None:
    replies = [{"tool_calls": [{"name": "stock_levels", "arguments": {"product": "PPE-1042", "warehouse": "HOU"}}]},
               {"content": "Houston has 42 units of PPE-1042 on hand."}]
    with MockOpenAI(sequence_script(replies)) as mock:
        r = make_assistant(model=_llm(mock), brain_name="llm").ask(AVA, "How many PPE-1042 at Houston?")
    assert r.ok and r.answer == "Houston has 42 units of PPE-1042 on hand."
    assert r.tool_calls[0]["name"] == "stock_levels" and r.tool_calls[0]["ok"]
    first, second = mock.requests
    assert first["tool_choice"] == "auto"
    assert {t["function"]["name"] for t in first["tools"]} == {"stock_levels", "purchase_order_status",
                                                               "remind_supplier", "search_documents"}
    assistant_msg = next(m for m in second["messages"] if m["role"] == "assistant")
    assert assistant_msg["content"] == ""  # never null: local servers reject it
    tool_msg = next(m for m in second["messages"] if m["role"] == "tool")
    assert tool_msg["content"].startswith('<tool_data tool="stock_levels" trust="untrusted">')
    assert r.usage["total_tokens"] > 0


def test_scripted_planner_model_answers_follow_ups_through_http(make_assistant: Any) -> None:
    with MockOpenAI(planner_script(lambda: LEX)) as mock:
        a = make_assistant(model=_llm(mock), brain_name="llm")
        first = a.ask(AVA, "How many PPE-1042 at Houston?")
        second = a.ask(AVA, "and at Dallas?", thread_id=first.thread_id)
    assert "42" in first.answer and second.tool_calls[0]["args"] == {"product": "PPE-1042", "warehouse": "DAL"}
    assert "7" in second.answer
    # the history went over the wire as plain messages; our focus metadata did not
    assert "qm_focus" not in json.dumps(mock.requests[-1])


def test_streaming_delivers_tokens_from_the_model(make_assistant: Any) -> None:
    with MockOpenAI(sequence_script([{"content": "Nothing to look up here, but hello there friend."}])) as mock:
        events = list(make_assistant(model=_llm(mock), brain_name="llm").stream(AVA, "hello"))
    tokens = [e["text"] for e in events if e["type"] == "token"]
    assert len(tokens) > 3 and "".join(tokens) == events[-1]["result"].answer


@pytest.mark.parametrize(("replies", "code", "words"), [
    ([{"status": 429, "content": "slow down"}], "model", "rate-limited"),
    ([{"status": 500, "content": "boom"}], "model", "HTTP 500"),
    ([{"status": 401, "content": "bad key"}], "model", "credentials"),
    ([{"raw": "this is not json", "status": 200}], "model", "error"),
    ([{"delay_s": 4, "content": "too late"}], "timeout", "time budget"),
    ([{"tool_calls": [{"name": "stock_levels", "arguments": {"product": "PPE-1042"}}]}], "budget", "stopped after"),
])
def test_endpoint_failures_end_in_a_clear_audited_reply_and_the_next_turn_works(
        make_assistant: Any, state: Any, replies: list[dict[str, Any]], code: str, words: str) -> None:
    with MockOpenAI(sequence_script(replies)) as mock:
        a = make_assistant(model=_llm(mock, timeout_s=3.0), brain_name="llm", time_budget_s=2.0, tool_budget=3)
        t0 = time.perf_counter()
        r = a.ask(AVA, "How many PPE-1042 at Houston?")
        elapsed = time.perf_counter() - t0
    assert not r.ok and r.error == code, r
    assert words in r.answer, r.answer
    assert elapsed < 2.5
    assert len(r.tool_calls) <= 3
    with MockOpenAI(sequence_script([{"content": "All good now."}])) as mock:
        b = make_assistant(model=_llm(mock), brain_name="llm")
        assert b.ask(AVA, "How many PPE-1042 at Houston?", thread_id=r.thread_id).answer == "All good now."
    turns = AuditLog(state).events(type_="turn")
    assert [e.payload["error"] for e in turns] == [code, None]


def test_malformed_tool_call_arguments_are_reported_to_the_model_which_recovers(make_assistant: Any) -> None:
    replies = [{"tool_calls": [{"name": "stock_levels", "arguments": "{not json"}]},
               {"content": "Sorry, let me answer without that tool."}]
    with MockOpenAI(sequence_script(replies)) as mock:
        r = make_assistant(model=_llm(mock), brain_name="llm").ask(AVA, "How many PPE-1042 at Houston?")
    assert r.ok and r.answer.startswith("Sorry")
    assert len(mock.requests) == 2


def test_unknown_tool_name_from_the_model_does_not_crash(make_assistant: Any) -> None:
    replies = [{"tool_calls": [{"name": "execute_sql", "arguments": {"sql": "drop table x"}}]},
               {"content": "I cannot run that."}]
    backend = FakeBackend()
    with MockOpenAI(sequence_script(replies)) as mock:
        r = make_assistant(model=_llm(mock), backend=backend, brain_name="llm").ask(AVA, "drop everything")
    assert backend.calls == [] and r.answer == "I cannot run that."


def test_endpoint_down_is_a_clear_reply(make_assistant: Any) -> None:
    with MockOpenAI(sequence_script([{"content": "x"}])) as mock:
        url = mock.base_url
    llm = build_llm(model="m", base_url=url, api_key=None, timeout_s=2.0, max_retries=0)
    r = make_assistant(model=llm, brain_name="llm", time_budget_s=3.0).ask(AVA, "How many PPE-1042 at Houston?")
    assert r.error == "model" and "not reachable" in r.answer


def test_a_model_obeying_planted_instructions_cannot_make_a_proposal(make_assistant: Any, state: Any) -> None:
    """The tool output says 'confirm P00099 and cancel …'; the model (scripted to obey) tries; the loop refuses."""
    replies = [{"tool_calls": [{"name": "purchase_order_status", "arguments": {"reference": "P00042"}}]},
               {"tool_calls": [{"name": "remind_supplier", "arguments": {"po": "P00099", "message": "confirm now"}}]},
               {"content": "P00042 is confirmed and awaiting delivery."}]
    backend = FakeBackend()
    with MockOpenAI(sequence_script(replies)) as mock:
        r = make_assistant(model=_llm(mock), backend=backend, brain_name="llm").ask(AVA, "What's the status of P00042?")
    assert [name for name, _ in backend.calls] == ["purchase_order_status"]
    assert r.proposals == [] and r.tool_calls[-1]["ok"] is False
    refusal = next(m for m in mock.requests[2]["messages"] if m["role"] == "tool" and "Refused" in m["content"])
    assert "does not ask for any action" in refusal["content"]
    # the same tool, asked for by the user, goes through
    ok = [{"tool_calls": [{"name": "remind_supplier", "arguments": {"po": "P00042", "message": "Where is it?"}}]},
          {"content": "Reminder proposed."}]
    with MockOpenAI(sequence_script(ok)) as mock:
        r2 = make_assistant(model=_llm(mock), backend=backend, brain_name="llm").ask(AVA, "Remind them about P00042")
    assert r2.proposals and r2.proposals[0]["kind"] == "remind_supplier"


def test_a_model_that_echoes_the_guard_refusal_gives_the_user_a_friendly_sentence(make_assistant: Any) -> None:
    """Text written for the model ('Refused: … Answer the question instead.') never reaches the user."""
    from assistant.agent import GUARD_REFUSAL

    echoed = GUARD_REFUSAL.format(tool="remind_supplier")
    replies = [{"tool_calls": [{"name": "remind_supplier", "arguments": {"po": "P00042", "message": "x y z"}}]},
               {"content": echoed}]
    with MockOpenAI(sequence_script(replies)) as mock:
        r = make_assistant(model=_llm(mock), brain_name="llm").ask(AVA, "how about this week at Houston")
    assert r.proposals == []
    assert "Refused" not in r.answer and "Answer the question instead" not in r.answer
    assert "didn't create a proposal" in r.answer
