"""`quartermaster alerts …` and `quartermaster worker`: run the alert rules now, schedule them, subscribe,
and the Celery worker of the scale-out mode (assistant/watch)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import typer

alerts_app = typer.Typer(help="Alerts and digests: rules, subscriptions, runs.", no_args_is_help=True)


def _watcher(with_knowledge: bool | None = None) -> Any:
    from assistant.watch.rules import RulesError
    from assistant.watch.standalone import build_watcher

    try:
        return build_watcher(with_knowledge=with_knowledge)
    except RulesError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@alerts_app.command("run-once")
def run_once(at: str = typer.Option(None, help="Evaluate as of this UTC time (YYYY-MM-DDTHH:MM), default now."),
             as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Evaluate every rule now, queue digests that are due, and deliver everything due."""
    watcher = _watcher()
    when = datetime.fromisoformat(at) if at else None
    results = watcher.run_once(when)
    if as_json:
        print(json.dumps(results, default=str))
        return
    for r in results:
        extra = "" if r["job"] == "digests" else f"{r.get('items', 0)} open, {r.get('subscriptions', 0)} subscription(s), "
        typer.echo(f"{r['job']}: {extra}{r.get('queued', 0)} message(s) queued; sent {r['delivered']['sent']}, "
                   f"failed {r['delivered']['failed']}")


@alerts_app.command("rules")
def rules() -> None:
    """The alert rules in force (QM_ALERT_RULES_FILE or the default file)."""
    from assistant.settings import load_settings
    from assistant.watch.rules import RulesError, load_rules

    try:
        rs = load_rules(load_settings().alert_rules_file)
    except RulesError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{rs.path} (tick {rs.tick_seconds} s)")
    for r in rs.rules.values():
        typer.echo(f"  {r.name}: {r.title}; every {r.every_minutes} min; {r.params}; roles {', '.join(r.roles)}")


@alerts_app.command("subscribe")
def subscribe(rule: str = typer.Argument(..., help="Rule name or phrase ('due tomorrow', 'all')."),
              as_user: str = typer.Option(..., "--as", help="Who subscribes (a manager/admin may use --for/--role)."),
              for_user: str = typer.Option(None, "--for", help="Subscribe this user instead (manager/admin)."),
              role: str = typer.Option(None, help="Subscribe a role's team channel (manager/admin; needs --target)."),
              warehouse: str = typer.Option(None), vendor: str = typer.Option(None),
              channel: str = typer.Option("slack", help="slack or web"),
              target: str = typer.Option(None, help="Slack channel id (default: the user's DM)."),
              digest: str = typer.Option(None, help="Daily digest at this local time (HH:MM) instead of instant."),
              quiet: str = typer.Option(None, help="Quiet hours, e.g. 20:00-06:00.")) -> None:
    """Add a subscription."""
    from assistant.watch.subscriptions import SubscriptionError

    watcher = _watcher(with_knowledge=False)
    by = watcher.directory.get(as_user)
    if by is None:
        typer.echo(f"No user '{as_user}' in the users file.", err=True)
        raise typer.Exit(1)
    qs, qe = (quiet.split("-", 1) + [""])[:2] if quiet else (None, None)
    try:
        if warehouse:
            from assistant.watch.subscriptions import warehouse_code

            warehouse = warehouse_code(watcher.odoo, warehouse)
        sub = watcher.subscriptions.add(by=by, rule=watcher.subscriptions.resolve_rule(rule), username=for_user,
                                        role=role, warehouse=warehouse, vendor=vendor, channel=channel, target=target,
                                        mode="digest" if digest else "instant", digest_time=digest,
                                        quiet_start=qs, quiet_end=qe)
    except SubscriptionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Subscribed {sub.describe()}.")


@alerts_app.command("list")
def list_subscriptions(user: str = typer.Option(None, help="Only this user's.")) -> None:
    """Subscriptions."""
    watcher = _watcher(with_knowledge=False)
    for sub in watcher.subscriptions.list(username=user):
        typer.echo(f"{sub.username or 'role ' + sub.role}: {sub.describe()}")


@alerts_app.command("scheduler")
def scheduler(poll: float = typer.Option(1.0, help="Seconds between clock checks.")) -> None:
    """Run only the scheduler (what each web process runs): claims each (rule, tick) once across every
    process and hands it to the Celery workers (QM_BROKER_URL) or to a worker thread here."""
    from assistant.settings import load_settings
    from assistant.watch.clock import clock_from_env
    from assistant.watch.rules import load_rules
    from assistant.watch.scheduler import InProcessWorker, Scheduler
    from tools.governance.store import StateStore

    settings = load_settings()
    rules_set = load_rules(settings.alert_rules_file)
    if settings.broker_url:
        from assistant.watch.workers import celery_dispatch, configure

        configure(settings.broker_url)
        sched = Scheduler(StateStore.open(settings.state_url), rules_set, celery_dispatch, clock=clock_from_env(),
                          poll_s=poll).start()
    else:
        watcher = _watcher()
        sched = Scheduler(watcher.store, rules_set, InProcessWorker(watcher), clock=clock_from_env(), poll_s=poll).start()
    typer.echo(f"Alert scheduler running ({'Celery at ' + settings.broker_url if settings.broker_url else 'embedded'}).")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sched.stop()


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts", help="Alerts and digests: run-once, rules, subscribe, list, scheduler.")

    @app.command("worker")
    def worker(concurrency: int = typer.Option(1, min=1, max=32, help="Jobs in parallel in this worker."),
               broker: str = typer.Option(None, help="Broker URL (default QM_BROKER_URL).")) -> None:
        """A Celery worker for alert jobs (scale-out mode; several may run on several machines)."""
        from assistant.settings import load_settings
        from assistant.watch.workers import QUEUE, configure
        from assistant.watch.workers import app as celery_app

        settings = load_settings()
        url = broker or settings.broker_url
        if not url:
            typer.echo("Set QM_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to run workers; without it alerts run "
                       "inside `quartermaster run`.", err=True)
            raise typer.Exit(1)
        configure(url)
        celery_app.worker_main(["worker", f"--concurrency={concurrency}", "--pool=prefork" if concurrency > 1
                                else "--pool=solo", "--loglevel=INFO", "-Q", QUEUE, "--without-gossip",
                                "--without-mingle", "--without-heartbeat"])
