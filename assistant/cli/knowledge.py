"""`quartermaster knowledge …`: ingest, list, search (as a user), remove, eval.

Builds the knowledge base from Settings exactly like the runtime (embedded Chroma in the data dir, or
a Chroma server when CHROMA_HOST is set) without starting the rest of the assistant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

knowledge_app = typer.Typer(help="The document knowledge base: SOPs, policies, playbooks, contracts.",
                            no_args_is_help=True)


def _open() -> tuple[Any, Any, Any]:
    """(settings, store, retriever) from the environment."""
    from assistant.settings import load_settings
    from knowledge.embeddings import make_embedder
    from knowledge.retriever import Retriever
    from knowledge.store import DocumentStore

    settings = load_settings()
    embedder = make_embedder(
        settings.embeddings, model=settings.embeddings_model, base_url=settings.openai_base_url,
        api_key=settings.openai_api_key)
    if settings.chroma_host:
        store = DocumentStore(embedder, host=settings.chroma_host, port=settings.chroma_port)
    else:
        store = DocumentStore.in_data_dir(embedder, settings.data_dir)
    return settings, store, Retriever(store)


def _role_types(settings: Any) -> Any:
    """role -> visible doc types, from the governance policy (falls back to the built-in default)."""
    from knowledge.evaluate import ALL_TYPES, default_role_types

    try:
        from tools.governance.policy import Policy

        policy = Policy.load(settings.resolved_policy_file)
    except Exception:  # noqa: BLE001 - no policy file: the documented default applies
        return default_role_types

    def types(role: str) -> set[str]:
        return {t for t in ALL_TYPES if policy.can_see_doc_type(role, t)}

    return types


def _echo_outcome(outcome: Any) -> None:
    colour = {"added": "green", "updated": "cyan", "removed": "yellow", "skipped": "red"}.get(outcome.status)
    if outcome.status == "unchanged":
        return
    line = f"{outcome.status:>9}  {outcome.source}"
    if outcome.chunks:
        line += f"  ({outcome.chunks} chunks, {outcome.embedded} embedded)"
    if outcome.message:
        line += f"  — {outcome.message}"
    typer.secho(line, fg=colour)


@knowledge_app.command("ingest")
def ingest(paths: list[Path] = typer.Argument(None, help="Files or folders (default: the demo corpus)."),
           prune: bool = typer.Option(True, help="Remove documents deleted from an ingested folder.")) -> None:
    """Ingest Markdown, text, HTML, PDF and DOCX files; unchanged files are skipped."""
    from knowledge.ingest import Ingestor

    settings, store, _ = _open()
    targets = list(paths) if paths else [settings.resolved_corpus_dir]
    report = Ingestor(store).ingest(targets, prune=prune, progress=None, on_file=_echo_outcome)
    typer.echo(f"{report.summary()}. Store: {store.location} ({store.count()} chunks).")
    if report.skipped:
        typer.secho(f"{len(report.skipped)} file(s) skipped (see above).", fg="red")


@knowledge_app.command("list")
def list_documents() -> None:
    """List ingested documents: type, id, title, supplier, expiry, chunks."""
    from knowledge.ingest import Ingestor

    _, store, _ = _open()
    rows = Ingestor(store).documents()
    if not rows:
        typer.echo("The knowledge base is empty: run `quartermaster knowledge ingest`.")
        return
    for r in rows:
        extra = f"  supplier={r['supplier']}" if r.get("supplier") else ""
        extra += f"  expiry={r['expiry']}" if r.get("expiry") else ""
        typer.echo(f"{r['doc_type'] or '?':9} {r['doc_id']:14} {r['title']}  [{r['chunks']} chunks]{extra}")
        typer.echo(f"{'':24} {r['source']}")
    typer.echo(f"{len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks.")


@knowledge_app.command("search")
def search(query: str = typer.Argument(..., help="The question or keywords."),
           as_user: str = typer.Option(None, "--as", help="Search as this user (their role's visibility)."),
           doc_type: str = typer.Option(None, "--type", help="sop, policy, contract or playbook."),
           supplier: str = typer.Option(None, help="Only this supplier's documents."),
           k: int = typer.Option(5, min=1, max=20),
           show_weak: bool = typer.Option(False, help="Show passages even when none is confident.")) -> None:
    """Search the documents like the search_documents tool does (role filter included)."""
    settings, _, retriever = _open()
    role = None
    types = None
    policy = None
    if as_user:
        from tools.governance.identity import Directory

        ident = Directory.load(settings.resolved_users_file).get(as_user)
        if ident is None:
            raise typer.BadParameter(f"unknown user {as_user!r}", param_hint="--as")
        role = ident.role
        types = _role_types(settings)(role)
        from tools.governance.policy import Policy

        policy = Policy.load(settings.resolved_policy_file)
    res = retriever.search_scored(query, role_doc_types=types, doc_type=doc_type, supplier=supplier, k=k,
                                  role=role)
    who = f" as {as_user} ({role})" if as_user else ""
    if not res.answerable:
        typer.secho(f"No good answer in the documents{who} (best confidence {res.best_confidence:.2f}).",
                    fg="yellow")
        if not show_weak:
            return
    for i, p in enumerate(res.passages, 1):
        where = p.section + (f", page {p.page}" if p.page else "")
        typer.secho(f"[{i}] {p.citation_id}  {p.title} — {where}  (conf {p.confidence:.2f})", bold=True)
        typer.echo(f"    {p.source}")
        text = p.text[:400]
        if role is not None and policy is not None:
            text = policy.scrub_text(role, text)  # no amounts for roles without money rights
        typer.echo("    " + text.replace("\n", "\n    "))


@knowledge_app.command("remove")
def remove(targets: list[str] = typer.Argument(None, help="Source paths, folders or doc ids."),
           all_: bool = typer.Option(False, "--all", help="Remove every document.")) -> None:
    """Remove documents from the knowledge base (the files themselves are not touched)."""
    from knowledge.ingest import Ingestor

    _, store, _ = _open()
    if all_:
        n = store.count()
        store.reset()
        typer.echo(f"removed all {n} chunks")
        return
    if not targets:
        raise typer.BadParameter("give a path or doc id, or --all")
    for o in Ingestor(store).remove(targets):
        _echo_outcome(o)


@knowledge_app.command("eval")
def eval_cmd(questions: Path = typer.Option(None, help="Labelled questions YAML."),
             verbose: bool = typer.Option(False, "-v", help="Show every miss.")) -> None:
    """Retrieval quality on the labelled questions: recall@1, recall@5, MRR, no-answer accuracy."""
    from knowledge.evaluate import DEFAULT_QUESTIONS, evaluate, load_questions
    from knowledge.retriever import ingest_default_corpus

    settings, _, retriever = _open()
    ingest_default_corpus(retriever, settings.resolved_corpus_dir)
    report = evaluate(retriever, load_questions(questions or DEFAULT_QUESTIONS), _role_types(settings))
    s = report.summary()
    typer.echo(f"questions {s['questions']} (answerable {s['answerable']})")
    typer.echo(f"recall@1 {s['recall@1']:.3f}   recall@5 {s['recall@5']:.3f}   MRR {s['mrr']:.3f}")
    typer.echo(f"no-answer accuracy {s['no_answer_accuracy']:.3f}   answerable called unanswerable "
               f"{s['false_no_answer']}   role leaks {s['role_leaks']}   p50 {s['p50_ms']} ms")
    typer.echo("by kind: " + "; ".join(f"{k} {v}" for k, v in report.by_kind().items()))
    if verbose:
        for r in report.misses():
            typer.echo(f"- {r.question.id} [{r.question.kind}/{r.question.role}] {r.question.q}")
            typer.echo(f"    expected {r.question.doc} {r.question.sections}  rank {r.rank}  "
                       f"conf {r.best_confidence:.2f}  leaked {r.leaked}")
            for t in r.top[:3]:
                typer.echo(f"      {t}")


def register(app: typer.Typer) -> None:
    """Add `knowledge …` to the main app."""
    app.add_typer(knowledge_app, name="knowledge")
