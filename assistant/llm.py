"""The LLM brain: LangChain's ChatOpenAI against any OpenAI-compatible endpoint.

Why a subclass: several local servers (llama.cpp, some vLLM builds) reject assistant messages whose
`content` is null, which is what ChatOpenAI sends for tool-call turns, and some treat a missing
`tool_choice` as "none". Both are fixed here so every endpoint sees the same, conservative payload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_openai import ChatOpenAI
from pydantic import SecretStr


class CompatChatOpenAI(ChatOpenAI):
    """ChatOpenAI that never sends `content: null` and asks for `tool_choice: auto` explicitly."""

    def _get_request_payload(self, input_: LanguageModelInput, *, stop: list[str] | None = None,
                             **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        for message in payload.get("messages", []):
            if isinstance(message, dict) and message.get("content") is None:
                message["content"] = ""
        return payload

    def bind_tools(self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool], *,
                   tool_choice: dict[str, Any] | str | bool | None = None, **kwargs: Any
                   ) -> Runnable[LanguageModelInput, AIMessage]:
        if tools and tool_choice is None:
            tool_choice = "auto"
        return super().bind_tools(tools, tool_choice=tool_choice, **kwargs)


def build_llm(*, model: str, base_url: str | None, api_key: str | None, timeout_s: float,
              max_retries: int = 1) -> CompatChatOpenAI:
    """The production brain. `timeout_s` bounds every HTTP call so a turn ends inside its budget."""
    return CompatChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(api_key or "not-needed"),  # local servers accept anything; the client insists
        timeout=timeout_s,
        max_retries=max_retries,
        temperature=0,
        stream_usage=True,
    )
