"""The fast path of `quartermaster ask`: when a `quartermaster run` of this data dir is up, answer through it
before the command framework and the other commands are even imported (about half the start-up CPU).

Only the plain forms are taken here — `ask QUESTION [--as USER] [--thread ID] [--json]`; anything else
(help, unknown options, a question that looks like an option), a disabled or absent server, or other
settings than the server's returns None and the normal command runs, in-process if need be. What is
printed and the exit codes are those of `ask` (assistant/cli/render.py prints both).
"""

from __future__ import annotations

from typing import Any


def parse_ask(argv: list[str]) -> tuple[str, str, str | None, bool] | None:
    """(question, as_user, thread, as_json) for the plain forms of `ask`'s arguments, else None."""
    question: str | None = None
    as_user, thread, as_json = "admin", None, False
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--json":
            as_json = True
        elif arg in ("--as", "--thread"):
            if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                return None
            value = argv[i + 1]
            i += 1
            if arg == "--as":
                as_user = value
            else:
                thread = value
        elif arg.startswith(("--as=", "--thread=")):
            name, _, value = arg.partition("=")
            if not value:
                return None
            if name == "--as":
                as_user = value
            else:
                thread = value
        elif arg.startswith("-") or question is not None:
            return None  # --help, an unknown option, a second argument: the command framework says what is wrong
        else:
            question = arg
        i += 1
    if not question:
        return None
    return question, as_user, thread, as_json


def try_ask(argv: list[str]) -> int | None:
    """Exit code when a running server answered `ask argv…`, else None (run the normal command)."""
    parsed = parse_ask(argv)
    if parsed is None:
        return None
    from assistant.cli.remote import UNDECIDED, ask_server, ask_server_raw

    question, as_user, thread, as_json = parsed
    served = ask_server_raw(question, as_user, thread)
    if served is UNDECIDED:
        try:
            from assistant.settings import load_settings

            settings: Any = load_settings()
        except Exception:  # noqa: BLE001 - broken settings: the normal command reports them in one sentence
            return None
        served = ask_server(settings, question, as_user, thread)
    if served is None:
        return None
    from assistant.cli.render import print_served

    return print_served(None, served, as_json)
