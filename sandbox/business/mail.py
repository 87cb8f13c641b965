"""Chatter: ``message_post`` (keyword-only, str bodies escaped and wrapped in <p>), tracking notes,
``activity_schedule`` (returns a recordset repr string, as Odoo's JSON-RPC does)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sandbox.errors import PyTypeError, PyValueError, UserError
from sandbox.methods import _ids, specific
from sandbox.orm.env import Env, now_str
from sandbox.orm.model import ModelDef

THREAD_MODELS = ("purchase.order", "res.partner", "stock.picking", "account.move", "product.product",
                 "product.template")
SCRIPT = re.compile(r"<\s*(script|style|iframe|object|embed)[^>]*>.*?<\s*/\s*\1\s*>", re.I | re.S)
EVENT_ATTR = re.compile(r"\s+on\w+\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I)


URL = re.compile(r"(https?://[^\s<>\"']+)")
BR_RUN = re.compile(r"(<br>\s*){2,}")


def escape(text: str) -> str:
    """markupsafe.escape, which Odoo uses: & < > " ' become &amp; &lt; &gt; &#34; &#39;."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def plaintext2html(text: str) -> str:
    """Odoo's tools.plaintext2html: escape, newlines to <br>, links kept clickable, blank lines -> paragraphs."""
    out = escape(text)
    out = re.sub(r"\r\n|\r|\n", "<br>", out)
    out = URL.sub(r'<a href="\1" target="_blank" rel="noreferrer noopener">\1</a>', out)
    return "<p>" + BR_RUN.sub("</p><p>", out) + "</p>"


def sanitize(body: str) -> str:
    body = SCRIPT.sub("", body)
    body = re.sub(r"<\s*(script|style|iframe)[^>]*>", "", body, flags=re.I)
    return EVENT_ATTR.sub("", body)


def _subtype(env: Env, xmlid: str | None) -> int | None:
    if not xmlid:
        return None
    row = env.q("SELECT id FROM mail_message_subtype WHERE xml_id = ?", [xmlid])
    if not row:
        raise PyValueError(f"External ID not found in the system: {xmlid}")
    return int(row[0][0])


def _partner_of(env: Env) -> int | None:
    row = env.q("SELECT partner_id FROM res_users WHERE id = ?", [env.uid])
    return row[0][0] if row else None


def _user_email(env: Env) -> str | bool:
    row = env.q("SELECT u.name, p.email FROM res_users u LEFT JOIN res_partner p ON p.id = u.partner_id "
                "WHERE u.id = ?", [env.uid])
    if row and row[0][1]:
        return f'"{row[0][0]}" <{row[0][1]}>'
    return False


def create_message(env: Env, model: ModelDef, res_id: int, body: str, message_type: str = "comment",
                   subtype_id: int | None = None, subject: str | None = None,
                   partner_ids: list[int] | None = None, author_id: int | None = None,
                   email_from: str | None = None) -> int:
    record_name = env.display_names(model, [res_id]).get(res_id)
    cols = {"model": model.name, "res_id": res_id, "record_name": record_name, "body": body,
            "message_type": message_type, "subtype_id": subtype_id, "subject": subject,
            "author_id": author_id or _partner_of(env), "email_from": email_from or _user_email(env) or None,
            "date": now_str(),
            "is_internal": 0, "record_company_id": 1, "create_date": now_str(), "write_date": now_str(),
            "create_uid": env.uid, "write_uid": env.uid,
            "message_id": f"<sandbox.{model.name}.{res_id}.{now_str().replace(' ', '.')}@quartermaster>"}
    cur = env.conn.execute(f"INSERT INTO mail_message ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                           list(cols.values()))
    mid = int(cur.lastrowid or 0)
    if partner_ids:
        env.conn.executemany("INSERT OR IGNORE INTO mail_message_res_partner_rel (mail_message_id, res_partner_id) "
                             "VALUES (?, ?)", [(mid, int(p)) for p in partner_ids])
    return mid


def log_note(env: Env, model: ModelDef, res_id: int, body: str) -> int:
    """mail.thread's _message_log: a 'notification' note authored by the current user."""
    note = _subtype(env, "mail.mt_note") if env.q("SELECT 1 FROM mail_message_subtype WHERE xml_id = 'mail.mt_note'") \
        else None
    return create_message(env.sudo(), model, res_id, body, "notification", note, author_id=_partner_of(env))


def post_tracking(env: Env, model_name: str, res_id: int, label: str, old: Any, new: Any) -> int:
    model = env.model(model_name)
    note = _subtype(env, "mail.mt_note") if env.q("SELECT 1 FROM mail_message_subtype WHERE xml_id = 'mail.mt_note'") \
        else None
    return create_message(env, model, res_id, "", "notification", note)


def message_post(env: Env, model: ModelDef, ids: Any, *, body: Any = "", subject: Any = None,
                 message_type: str = "notification", subtype_xmlid: str | None = None,
                 subtype_id: int | None = None, partner_ids: Any = None, body_is_html: bool = False,
                 attachments: Any = None, attachment_ids: Any = None, author_id: int | None = None,
                 email_from: Any = None, parent_id: Any = None, **kwargs: Any) -> int:
    ids = _ids(ids)
    if len(ids) != 1:
        raise PyValueError(f"Expected singleton: {model.name}({', '.join(map(str, ids))}{',' if len(ids) == 1 else ''})")
    env.ensure(model, ids)
    # mail.thread's _mail_post_access is 'write' (res.partner lowers it to 'read')
    env.check_access(model, "read" if model.name == "res.partner" else "write")
    if message_type == "user_notification":
        raise UserError("Use message_notify to send a notification to an user.")
    if message_type not in ("email", "comment", "email_outgoing", "notification", "auto_comment", "sms", "snailmail"):
        raise PyValueError(f"Wrong value for mail.message.message_type: {message_type!r}")
    author_id, email_from = _compute_author(env, author_id, email_from)
    if body in (None, False):
        body = ""
    if not isinstance(body, str):
        raise PyTypeError(f"body must be a string, got {type(body).__name__}")
    if body:
        # Odoo 18 wraps a plain-text body in <p> as escaped text; its sanitizer keeps quotes and newlines as is
        body = sanitize(body) if body_is_html else \
            "<p>" + body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</p>"
    st = subtype_id or _subtype(env, subtype_xmlid or ("mail.mt_note" if message_type != "comment" else None))
    if st is None and message_type == "comment":
        st = _subtype(env, "mail.mt_note")
    return create_message(env.sudo(), model, ids[0], body, message_type, st, subject if subject else None,
                          list(partner_ids or []), author_id, email_from)


def _compute_author(env: Env, author_id: Any, email_from: Any) -> tuple[int | None, str | None]:
    """mail.thread's _message_compute_author with raise_on_email: every message_post — a note too — needs an
    e-mail address on its author unless it runs as superuser; the author defaults to the user's partner."""
    if author_id in (None, False):
        if email_from:
            found = env.q("SELECT id FROM res_partner WHERE lower(email) = lower(?) ORDER BY id LIMIT 1",
                          [str(email_from)])
            author_id = found[0][0] if found else None
        else:
            author_id = _partner_of(env)
            email_from = _partner_email(env, author_id)
    if email_from is None and author_id:
        email_from = _partner_email(env, int(author_id))
    if not email_from and not env.su:
        raise UserError("Unable to send message, please configure the sender's email address.")
    return (int(author_id) if author_id else None), (str(email_from) if email_from else None)


def _partner_email(env: Env, partner_id: int | None) -> str | None:
    """res.partner's email_formatted ("Name" <email>), or None without an e-mail."""
    row = env.q("SELECT name, email FROM res_partner WHERE id = ?", [partner_id]) if partner_id else []
    return f'"{row[0][0]}" <{row[0][1]}>' if row and row[0][1] else None


for _m in THREAD_MODELS:
    specific(_m, "message_post")(message_post)


def activity_schedule(env: Env, model: ModelDef, ids: Any, act_type_xmlid: str = "", date_deadline: Any = None,
                      summary: str = "", note: str = "", **act_values: Any) -> str:
    ids = _ids(ids)
    env.ensure(model, ids)
    type_id = act_values.pop("activity_type_id", None)
    if act_type_xmlid:
        row = env.q("SELECT id FROM mail_activity_type WHERE xml_id = ?", [act_type_xmlid])
        if not row:
            raise PyValueError(f"External ID not found in the system: {act_type_xmlid}")
        type_id = row[0][0]
    mid = env.q("SELECT id FROM ir_model WHERE model = ?", [model.name])[0][0]
    created = []
    for rid in ids:
        vals = {"res_model_id": mid, "res_id": rid, "activity_type_id": type_id, "summary": summary or False,
                "note": note or False, "date_deadline": date_deadline or date.today().isoformat(),
                "user_id": act_values.pop("user_id", env.uid)}
        vals.update({k: v for k, v in act_values.items() if k in env.model("mail.activity").fields})
        created += env.create(env.model("mail.activity"), [vals])
    return f"mail.activity({','.join(map(str, created))},)"


for _m in THREAD_MODELS:
    specific(_m, "activity_schedule")(activity_schedule)


@specific("mail.activity", "action_done")
@specific("mail.activity", "action_feedback")
def action_done(env: Env, model: ModelDef, ids: Any, feedback: str = "", **kw: Any) -> int | bool:
    """Odoo 18's _action_done: logs 'mail.message_activity_done' on each record (Activities subtype), archives
    the activities and returns the first message id."""
    ids = env.ensure(model, _ids(ids))
    rows = env.q(f"SELECT a.res_model, a.res_id, a.summary, a.note, t.name, t.icon FROM mail_activity a "
                 f"LEFT JOIN mail_activity_type t ON t.id = a.activity_type_id WHERE a.id IN "
                 f"({','.join(map(str, ids))}) ORDER BY a.id")
    st = _subtype(env, "mail.mt_activities") if env.q(
        "SELECT 1 FROM mail_message_subtype WHERE xml_id = 'mail.mt_activities'") else None
    messages = []
    for res_model, res_id, summary, note, tname, icon in rows:
        body = (f'\n    <p>\n        <span class="fa {icon or ""} fa-fw"></span>{" " + escape(tname) if tname else ""}'
                f' done\n')
        if summary:
            body += f"        <span>: </span><span>{escape(summary)}</span>\n"
        body += "    </p>\n    \n"
        if note:
            body += f'        <div class="o_mail_note_title fw-bold">Original note:</div>\n        <div>{note}</div>\n'
        if feedback:
            body += (f'    <div>\n        <div class="fw-bold">Feedback:</div>\n            '
                     f'{escape(str(feedback))}\n    </div>\n')
        if res_model in env.registry and res_id:
            messages.append(create_message(env.sudo(), env.model(res_model), int(res_id), body, "notification",
                                           st, author_id=_partner_of(env)))
    env.write(model, ids, {"active": False})
    env.conn.execute(f"UPDATE mail_activity SET date_done = date('now') WHERE id IN ({','.join(map(str, ids))})")
    return messages[0] if messages else False
