"""`quartermaster slack --socket`: the Slack app over Socket Mode, for sites without a public URL.

HTTP mode needs no command of its own: `quartermaster run` serves POST /slack/events whenever
SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set.
"""

from __future__ import annotations

import logging

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command("slack")
    def slack(socket: bool = typer.Option(False, "--socket",
                                          help="Connect to Slack over Socket Mode (needs SLACK_APP_TOKEN)."),
              check: bool = typer.Option(False, "--check",
                                         help="Build everything and exit without connecting.")) -> None:
        """Run the Slack app over Socket Mode (outbound WebSocket; no public URL needed)."""
        from assistant.settings import load_settings

        settings = load_settings()
        if not socket:
            typer.echo("HTTP mode is served by `quartermaster run` at POST /slack/events "
                       "(needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET). Use `quartermaster slack --socket` "
                       "for Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN).")
            raise typer.Exit(2)
        missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                            ("SLACK_APP_TOKEN", settings.slack_app_token)) if not value]
        if missing:
            typer.echo(f"Socket Mode needs {' and '.join(missing)}; see assistant/channels/SLACK.md.", err=True)
            raise typer.Exit(2)
        from assistant.cli import logs as cli_logging

        cli_logging.serving(logging.INFO)

        from assistant.channels.slack import SlackChannel
        from assistant.runtime import Runtime

        runtime = Runtime.build(settings)
        channel = SlackChannel(runtime, settings, socket_mode=True)
        handler = channel.socket_mode_handler()
        if check:
            typer.echo("Slack Socket Mode handler built; not connecting (--check).")
            channel.close()
            runtime.close()
            return
        typer.echo("Connecting to Slack over Socket Mode… (Ctrl-C to stop)")
        try:
            handler.start()  # blocks until interrupted
        except KeyboardInterrupt:
            pass
        finally:
            handler.close()
            channel.close()
            runtime.close()
