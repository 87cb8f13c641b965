"""The ORM operations (search, read, create, write, unlink) for one caller in one transaction."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sandbox.errors import MissingError, PyValueError, UserError
from sandbox.orm.domain import DomainCompiler, and_domains, mentions_active, normalize
from sandbox.orm.fields import X2MANY, Field
from sandbox.orm.model import ModelDef

MAX_LIMIT = 2**63 - 1
ORDER_TERM = re.compile(r"^\s*([a-zA-Z_][\w.]*)(?::\w+)?(\s+(asc|desc))?(\s+nulls\s+(first|last))?\s*$", re.I)


def now_str() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


class Env:
    """A caller (uid + context) on one SQLite connection. ``su`` bypasses access rights."""

    def __init__(self, registry: dict[str, ModelDef], conn: sqlite3.Connection, uid: int,
                 context: dict[str, Any] | None = None, su: bool = False) -> None:
        self.registry = registry
        self.conn = conn
        self.uid = uid
        self.context = dict(context or {})
        self.su = su
        self.cache: dict[Any, Any] = {}

    def sudo(self) -> Env:
        e = Env(self.registry, self.conn, self.uid, self.context, su=True)
        e.cache = self.cache
        return e

    def with_context(self, **kw: Any) -> Env:
        e = Env(self.registry, self.conn, self.uid, {**self.context, **kw}, su=self.su)
        e.cache = self.cache
        return e

    # -- models and fields --------------------------------------------------------------------
    def model(self, name: str) -> ModelDef:
        m = self.registry.get(name)
        if m is None:
            raise UserError(f"Object {name} doesn't exist")
        return m

    @staticmethod
    def field(model: ModelDef, name: str) -> Field:
        f = model.fields.get(name)
        if f is None:
            raise PyValueError(f"Invalid field {name!r} on model {model.name!r}")
        return f

    def expand_path(self, model: ModelDef, path: str) -> list[tuple[ModelDef, Field]]:
        """Resolve a dotted path (related fields expanded) into hops ending on a column field."""
        names = path.split(".")
        hops: list[tuple[ModelDef, Field]] = []
        m = model
        while names:
            n = names.pop(0)
            f = self.field(m, n)
            if f.related and not f.column:
                names = f.related.split(".") + names
                continue
            hops.append((m, f))
            if names:
                if f.type != "many2one" or not f.relation:
                    raise PyValueError(f"Invalid path {path!r} on model {model.name!r}")
                m = self.model(f.relation)
        return hops

    def sql_path_ok(self, model: ModelDef, path: str) -> bool:
        try:
            hops = self.expand_path(model, path)
        except Exception:  # noqa: BLE001
            return False
        return all(f.column or f.name == "id" for _, f in hops)

    # -- domains ------------------------------------------------------------------------------
    def _full_domain(self, model: ModelDef, domain: Any) -> list[Any]:
        dom = normalize(domain)
        if model.has_active and self.context.get("active_test", True) and not mentions_active(dom):
            dom = and_domains([("active", "=", True)], dom)
        rule = self.company_rule(model)
        if rule:
            dom = and_domains(rule, dom)
        return dom

    NO_COMPANY_RULE = frozenset({"res.company", "res.users"})

    def company_ids(self) -> list[int]:
        """Odoo's env.companies: the context's allowed_company_ids, else every company of the user. As Odoo,
        a company the user lacks (or one that does not exist) raises "Access to unauthorized or invalid
        companies." unless the call is sudo (probed on a real 18.0: tests/contract/test_contract_companies.py)."""
        key = ("companies", self.uid, self.su, repr(self.context.get("allowed_company_ids")))
        got = self.cache.get(key)
        if got is None:
            mine = [r[0] for r in self.conn.execute(
                "SELECT cid FROM res_company_users_rel WHERE user_id = ? ORDER BY cid", [self.uid])]
            allowed = self.context.get("allowed_company_ids")
            if isinstance(allowed, (list, tuple)) and allowed and all(
                    isinstance(c, int) and not isinstance(c, bool) for c in allowed):
                if not self.su and set(allowed) - set(mine):
                    from sandbox.errors import AccessError
                    raise AccessError("Access to unauthorized or invalid companies.")
                got = list(dict.fromkeys(allowed))
            else:
                got = mine
            self.cache[key] = got
        return list(got)

    def company_rule(self, model: ModelDef) -> list[Any]:
        """The multi-company record rule Odoo applies to records with a company (not to superuser calls):
        shared records (no company) and those of the allowed companies. None when every company is allowed."""
        f = model.fields.get("company_id")
        if self.su:
            return []
        if f is not None or model.name in self.NO_COMPANY_RULE:
            self.company_ids()  # Odoo's multi-company rules read env.companies, which refuses a bad context
        if f is None or not f.column or model.name in self.NO_COMPANY_RULE:
            return []
        key = ("company_count",)
        total = self.cache.get(key)
        if total is None:
            total = self.cache[key] = self.conn.execute("SELECT COUNT(*) FROM res_company").fetchone()[0]
        companies = self.company_ids()
        if len(companies) >= total:
            return []
        return ["|", ("company_id", "=", False), ("company_id", "in", companies)]

    def where(self, model: ModelDef, domain: Any, alias: str = "t0") -> tuple[str, list[Any]]:
        return DomainCompiler(self).where(model, self._full_domain(model, domain), alias)

    REC_NAMES: dict[str, tuple[str, ...]] = {
        "product.product": ("default_code", "name", "barcode"),
        "product.template": ("default_code", "name", "barcode"),
        "purchase.order": ("name", "partner_ref"),
        "res.partner": ("complete_name", "email", "ref", "vat"),
        "res.users": ("name", "login"),
        "stock.warehouse": ("name", "code"),
        "product.supplierinfo": ("partner_id",),
        "stock.picking.type": ("name", "warehouse_id.name"),
        "stock.location": ("complete_name", "barcode"),
        "account.move": ("name", "ref"),
    }

    def rec_name_domain(self, model: ModelDef, op: str, value: Any) -> list[Any]:
        """What ``display_name``/name_search matches on, per model (Odoo's _rec_names_search)."""
        names = self.REC_NAMES.get(model.name) or ((model.rec_name,) if model.rec_name in model.fields else ("id",))
        if op in ("=", "in") and len(names) > 1 and model.name in ("res.partner", "stock.location"):
            names = names[:1]  # exact matches compare the full name only
        joiner = "&" if op in ("!=", "not like", "not ilike", "not in") else "|"
        return [joiner] * (len(names) - 1) + [(n, op, value) for n in names]

    def hierarchy(self, model: ModelDef, value: Any, op: str) -> list[int]:
        """Ids for child_of / parent_of (value: id, ids or a name)."""
        if isinstance(value, str) or (isinstance(value, (list, tuple)) and value and isinstance(value[0], str)):
            ids = self.search(model, self.rec_name_domain(model, "ilike", value), check=False)
        elif value is False or value is None:
            return []
        else:
            ids = [int(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        parent = model.parent_name
        if not parent or not ids:
            return ids
        seed = ",".join(str(i) for i in ids)
        if op == "child_of":
            sql = (f"WITH RECURSIVE h(id) AS (SELECT id FROM {model.table} WHERE id IN ({seed}) "
                   f"UNION SELECT t.id FROM {model.table} t JOIN h ON t.{parent} = h.id) SELECT id FROM h")
        else:
            sql = (f"WITH RECURSIVE h(id) AS (SELECT id FROM {model.table} WHERE id IN ({seed}) "
                   f"UNION SELECT t.{parent} FROM {model.table} t JOIN h ON t.id = h.id "
                   f"WHERE t.{parent} IS NOT NULL) SELECT id FROM h")
        return [r[0] for r in self.conn.execute(sql)]

    # -- order --------------------------------------------------------------------------------
    def order_sql(self, model: ModelDef, order: str | None, joins: Joins) -> str:
        spec = order or model.order
        if not isinstance(spec, str):
            raise PyValueError(f"Invalid \"order\" specified ({spec!r}): expected a string")
        terms: list[str] = []
        for raw in spec.split(","):
            if not raw.strip():
                continue
            m = ORDER_TERM.match(raw)
            if not m:
                raise UserError(
                    f'Invalid "order" specified ({spec}). A valid "order" specification is a comma-separated '
                    "list of valid field names (optionally followed by asc/desc for the direction)")
            fname, desc = m.group(1), (m.group(3) or "asc").lower() == "desc"
            nulls = (m.group(5) or "").lower()
            f = model.fields.get(fname.split(".")[0])
            if f is None:
                raise PyValueError(f"Invalid field {fname!r} on model {model.name!r}")
            if f.type in X2MANY or not (f.column or f.related or f.name == "id"):
                raise PyValueError(
                    f"Cannot convert {model.name}.{fname} to SQL because it is not stored")
            if not self.sql_path_ok(model, fname):
                raise PyValueError(f"Cannot convert {model.name}.{fname} to SQL because it is not stored")
            expr, last = joins.expr(fname)
            if last.type == "many2one" and last.relation:
                co = self.model(last.relation)
                if co.rec_name in co.fields and co.fields[co.rec_name].column:
                    alias = joins.join_m2o(expr, co)
                    expr = f"{alias}.{co.rec_name}"
            direction = "DESC" if desc else "ASC"
            nulls_last = (nulls == "last") if nulls else not desc
            terms.append(f"({expr} IS NULL) {'ASC' if nulls_last else 'DESC'}")
            terms.append(f"{expr} {direction}")
        terms.append("t0.id " + ("DESC" if "id desc" in spec.lower() else "ASC"))
        return ", ".join(terms)

    # -- search -------------------------------------------------------------------------------
    def search(self, model: ModelDef, domain: Any, offset: int = 0, limit: int | None = None,
               order: str | None = None, check: bool = True) -> list[int]:
        if check:
            self.check_access(model, "read")
        offset, limit = _check_window(offset, limit)
        where, params = self.where(model, domain)
        joins = Joins(self, model)
        order_by = self.order_sql(model, order, joins)
        sql = (f"SELECT t0.id FROM {model.table} t0 {joins.sql()} WHERE {where} ORDER BY {order_by}"
               f" LIMIT {limit if limit is not None else -1} OFFSET {offset}")
        return [r[0] for r in self.conn.execute(sql, params)]

    def search_count(self, model: ModelDef, domain: Any, limit: int | None = None) -> int:
        self.check_access(model, "read")
        where, params = self.where(model, domain)
        sql = f"SELECT COUNT(*) FROM {model.table} t0 WHERE {where}"
        if limit:
            sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM {model.table} t0 WHERE {where} LIMIT {int(limit)})"
        return int(self.conn.execute(sql, params).fetchone()[0])

    def existing(self, model: ModelDef, ids: Iterable[int]) -> list[int]:
        ids = [int(i) for i in ids]
        if not ids:
            return []
        found = {r[0] for r in self.conn.execute(
            f"SELECT id FROM {model.table} WHERE id IN ({','.join(map(str, ids))})")}
        return [i for i in ids if i in found]

    def ensure(self, model: ModelDef, ids: Iterable[int], operation: str = "write") -> list[int]:
        ids = list(ids)
        found = set(self.existing(model, ids))
        if len(found) != len(set(ids)):
            missing = tuple(dict.fromkeys(i for i in ids if i not in found))  # Odoo names only the missing ones
            raise MissingError("Record does not exist or has been deleted.\n"
                               f"(Record: {model.name}{missing!r}, User: {self.uid})")
        self.check_company(model, ids, operation)
        return ids

    def check_company(self, model: ModelDef, ids: list[int], operation: str = "read") -> None:
        """Odoo's record-rule refusal for records of a company outside the allowed ones (its non-debug text)."""
        if not ids or not self.company_rule(model):
            return
        allowed = self.company_ids()
        bad = self.conn.execute(
            f"SELECT DISTINCT company_id FROM {model.table} WHERE id IN ({','.join(str(int(i)) for i in ids)}) "
            f"AND company_id IS NOT NULL AND company_id NOT IN ({','.join(map(str, allowed)) or 'NULL'})").fetchall()
        if not bad:
            return
        from sandbox.errors import AccessError
        user = self.conn.execute("SELECT name FROM res_users WHERE id = ?", [self.uid]).fetchone()
        desc = self.conn.execute("SELECT name FROM ir_model WHERE model = ?", [model.name]).fetchone()
        mine = {r[0] for r in self.conn.execute("SELECT cid FROM res_company_users_rel WHERE user_id = ?", [self.uid])}
        if len(bad) != 1:
            hint = ("\n\nNote: this might be a multi-company issue. Switching company may help - in Odoo, not in "
                    "real life!")
        elif bad[0][0] in mine:
            name = self.conn.execute("SELECT name FROM res_company WHERE id = ?", [bad[0][0]]).fetchone()
            hint = ("\n\nThis seems to be a multi-company issue, you might be able to access the record by switching "
                    f"to the company: {name[0] if name else bad[0][0]}.")
        else:
            hint = ("\n\nThis seems to be a multi-company issue, but you do not have access to the proper company "
                    "to access the record anyhow.")
        raise AccessError(
            "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
            f"Sorry, {user[0] if user else ''} (id={self.uid}) doesn't have '{operation}' access to:\n"
            f"- {desc[0] if desc else model.description} ({model.name})\n\n"
            "If you really, really need access, perhaps you can win over your friendly administrator with a batch of "
            f"freshly baked cookies.{hint}")

    # -- access -------------------------------------------------------------------------------
    def check_access(self, model: ModelDef, operation: str) -> None:
        if self.su:
            return
        from sandbox import access
        access.check(self, model, operation)

    # -- read ---------------------------------------------------------------------------------
    def read(self, model: ModelDef, ids: list[int], fields: list[str] | None = None,
             load: str | None = "_classic_read") -> list[dict[str, Any]]:
        from sandbox.orm.reading import read_records
        self.check_access(model, "read")
        self.check_company(model, [int(i) for i in ids if isinstance(i, int)], "read")
        return read_records(self, model, ids, fields, load)

    def display_names(self, model: ModelDef, ids: Iterable[int]) -> dict[int, str]:
        from sandbox.orm.display import display_names
        return display_names(self, model, list(ids))

    def values(self, model: ModelDef, ids: list[int], paths: list[str]) -> dict[int, dict[str, Any]]:
        """Raw values (SQL-level, joins through many2one) for column paths; used by computes."""
        if not ids:
            return {}
        joins = Joins(self, model)
        exprs = [joins.expr(p)[0] for p in paths]
        sql = (f"SELECT t0.id, {', '.join(exprs) or 'NULL'} FROM {model.table} t0 {joins.sql()} "
               f"WHERE t0.id IN ({','.join(str(int(i)) for i in ids)})")
        return {r[0]: dict(zip(paths, r[1:], strict=False)) for r in self.conn.execute(sql)}

    # -- writes (implemented in writing.py) -------------------------------------------------
    def create(self, model: ModelDef, vals_list: list[dict[str, Any]]) -> list[int]:
        from sandbox.orm.writing import create
        return create(self, model, vals_list)

    def write(self, model: ModelDef, ids: list[int], vals: dict[str, Any]) -> bool:
        from sandbox.orm.writing import write
        return write(self, model, ids, vals)

    def unlink(self, model: ModelDef, ids: list[int]) -> bool:
        from sandbox.orm.writing import unlink
        return unlink(self, model, ids)

    def q(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql, list(params)))


def _check_window(offset: Any, limit: Any) -> tuple[int, int | None]:
    if offset in (None, False):
        offset = 0
    if limit in (None, False):
        limit = None
    for name, v in (("offset", offset), ("limit", limit)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise PyValueError(f"Invalid {name} {v!r}: expected a non-negative integer")
        if v is not None and v < 0:
            raise PyValueError(f"Invalid {name} {v!r}: {name.upper()} must not be negative")
    for name, v in (("offset", offset), ("limit", limit)):
        if v is not None and v > MAX_LIMIT:
            raise PyValueError(f"Invalid {name} {v!r}: too large (at most {MAX_LIMIT})")
    return offset, limit


class Joins:
    """LEFT JOINs through many2one columns, shared by the expressions of one query (alias t0)."""

    def __init__(self, env: Env, model: ModelDef, alias: str = "t0") -> None:
        self.env, self.model, self.alias = env, model, alias
        self.joins: list[str] = []
        self.by_key: dict[str, str] = {}

    def expr(self, path: str) -> tuple[str, Field]:
        hops = self.env.expand_path(self.model, path)
        alias = self.alias
        key = ""
        for i, (_m, f) in enumerate(hops):
            if i == len(hops) - 1:
                return f'{alias}."{f.name}"', f
            key += "." + f.name
            co = self.env.model(f.relation or "")
            if key not in self.by_key:
                na = f"j{len(self.by_key) + 1}"
                self.by_key[key] = na
                self.joins.append(f"LEFT JOIN {co.table} {na} ON {na}.id = {alias}.{f.name}")
            alias = self.by_key[key]
        raise PyValueError(f"Invalid path {path!r}")

    def join_m2o(self, col_expr: str, co: ModelDef) -> str:
        key = "m2o:" + col_expr
        if key not in self.by_key:
            na = f"j{len(self.by_key) + 1}"
            self.by_key[key] = na
            self.joins.append(f"LEFT JOIN {co.table} {na} ON {na}.id = {col_expr}")
        return self.by_key[key]

    def sql(self) -> str:
        return " ".join(self.joins)
