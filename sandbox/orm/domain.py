"""Odoo's domain language compiled to SQLite SQL.

Why SQL: searches over thousands of records must stay in the low milliseconds; only non-stored
computed fields (e.g. ``qty_available``) fall back to Python through their search functions.
Semantics follow Odoo 18: ``('x','=',False)`` matches NULL, ``!=``/``not in``/``not ilike`` also match
NULL, dotted paths become sub-queries, ``!`` negates with NULL counted as "not matching".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import PyTypeError, PyValueError
from sandbox.orm.fields import X2MANY, Field
from sandbox.orm.model import ModelDef

if TYPE_CHECKING:
    from sandbox.orm.env import Env

OPERATORS = ("=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like", "ilike",
             "not ilike", "in", "not in", "child_of", "parent_of", "any", "not any")
NEGATIVE = ("!=", "not like", "not ilike", "not in", "not any")
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)


def _is_leaf(t: Any) -> bool:
    return isinstance(t, (list, tuple)) and len(t) == 3 and not isinstance(t, str)


def normalize(domain: Any) -> list[Any]:
    """Check syntax and add the implicit '&'s (Odoo's normalize_domain)."""
    if domain in (None, False):
        return []
    if not isinstance(domain, (list, tuple)):
        raise PyValueError(f"Invalid domain: expected a list, got {type(domain).__name__} {domain!r}")
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if _is_leaf(token):
            expected -= 1
            result.append(tuple(token))
        elif token in ("&", "|"):
            expected += 1
            result.append(token)
        elif token == "!":
            result.append(token)
        elif isinstance(token, int) and not isinstance(token, bool):
            raise PyTypeError("'int' object is not subscriptable")
        elif isinstance(token, (list, tuple, str)) and len(token) > 3:
            raise PyValueError("too many values to unpack (expected 3)")  # Odoo's own unpacking error
        elif isinstance(token, (list, tuple)):
            raise PyValueError(f"not enough values to unpack (expected 3, got {len(token)})")
        else:
            raise PyValueError(f"Invalid domain term {token!r} in domain {list(domain)!r}")
    if expected != 0 and domain:
        raise PyValueError(f"Domain {list(domain)!r} is syntactically not correct.")
    return result


def and_domains(*domains: list[Any]) -> list[Any]:
    parts = [normalize(d) for d in domains if d]
    if not parts:
        return []
    out: list[Any] = ["&"] * (len(parts) - 1)
    for p in parts:
        out.extend(p)
    return out


def mentions_active(domain: list[Any]) -> bool:
    return any(_is_leaf(t) and isinstance(t[0], str) and t[0].split(".")[0] == "active" for t in domain)


def _like_pattern(value: Any) -> str:
    # Odoo does not escape % and _ in the value: they keep their wildcard meaning
    return f"%{value}%"


class DomainCompiler:
    """Compiles one domain on one model into a WHERE fragment (``sql``, ``params``)."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.n = 0

    def _alias(self) -> str:
        self.n += 1
        return f"d{self.n}"

    # -- entry points -------------------------------------------------------------------------
    def where(self, model: ModelDef, domain: Any, alias: str) -> tuple[str, list[Any]]:
        norm = normalize(domain)
        if not norm:
            return "1=1", []
        # evaluate the prefix notation right to left with a stack (no recursion: domains may be long);
        # chains of the same operator are flattened so SQLite's parser never nests deeply
        stack: list[tuple[str, list[str], list[Any]]] = []

        def text(item: tuple[str, list[str], list[Any]]) -> str:
            kind, parts, _ = item
            if kind == "leaf":
                return parts[0]
            while len(parts) > 50:  # SQLite limits expression depth to 1000: keep the tree balanced
                parts = ["(" + f" {kind} ".join(parts[i:i + 50]) + ")" for i in range(0, len(parts), 50)]
            return "(" + f" {kind} ".join(parts) + ")"

        for tok in reversed(norm):
            if tok in ("&", "|"):
                kind = "AND" if tok == "&" else "OR"
                a = stack.pop()
                b = stack.pop()
                parts = a[1] if a[0] == kind else [text(a)]
                parts.extend(b[1] if b[0] == kind else [text(b)])
                stack.append((kind, parts, a[2] + b[2]))
            elif tok == "!":
                a = stack.pop()
                stack.append(("leaf", [f"(NOT COALESCE({text(a)}, 0))"], a[2]))
            else:
                sql, params = self.leaf(model, alias, tok)
                stack.append(("leaf", [sql], params))
        return text(stack[0]), stack[0][2]

    def subquery(self, model: ModelDef, domain: Any) -> tuple[str, list[Any]]:
        alias = self._alias()
        where, params = self.where(model, domain, alias)
        return f"SELECT {alias}.id FROM {model.table} {alias} WHERE {where}", params

    # -- leaves -------------------------------------------------------------------------------
    def leaf(self, model: ModelDef, alias: str, leaf: tuple[Any, ...]) -> tuple[str, list[Any]]:
        left, op, right = leaf
        if leaf == TRUE_LEAF or (left == 1 and op == "=" and right == 1):
            return "1=1", []
        if leaf == FALSE_LEAF or (left == 0 and op == "=" and right == 1):
            return "1=0", []
        if not isinstance(left, str) or not isinstance(op, str):
            raise PyValueError(f"Invalid leaf {leaf!r}")
        op = op.lower()
        if op == "<>":
            op = "!="
        if op == "==":
            op = "="
        if op not in OPERATORS:
            raise PyValueError(f"Invalid leaf {leaf!r}")
        if op in ("in", "not in") and not isinstance(right, (list, tuple)) and right is not False:
            raise PyValueError(f"Invalid domain term {leaf!r}")  # Odoo 18 wants a list (or False) here
        if op in ("=", "!=") and isinstance(right, (list, tuple)):
            op = "in" if op == "=" else "not in"  # Odoo turns '=' [..] into 'in' (with a warning)
        if op == "=?":
            if right is False or right is None:
                return "1=1", []
            op = "="
        names = left.split(".")
        fname = names[0]
        f = model.fields.get(fname)
        if f is None:
            raise PyValueError(f"Invalid field {model.name}.{fname} in leaf {leaf!r}")
        if f.related and not f.column:
            path = f.related + ("." + ".".join(names[1:]) if len(names) > 1 else "")
            return self.leaf(model, alias, (path, op, right))
        if op in ("any", "not any") and len(names) == 1:
            if f.type not in ("many2one", *X2MANY):
                raise PyValueError(f"Invalid leaf {leaf!r}: 'any' needs a relational field")
            sub, params = self.subquery(self.env.model(f.relation or ""), right)
            sql, p2 = self._relational_in(model, alias, f, sub, params)
            return (sql, p2) if op == "any" else (f"(NOT {sql})", p2)
        if len(names) > 1:
            rest = ".".join(names[1:])
            if f.type not in ("many2one", *X2MANY) or not f.relation:
                raise PyValueError(f"Invalid field {model.name}.{left} in leaf {leaf!r}")
            if f.type == "many2one" and not f.column and f.search:
                # a searchable computed many2one: Odoo turns ('a.b', op, v) into ('a', 'any', [('b', op, v)])
                from sandbox.orm import search_fns
                return self.where(model, search_fns.run(self.env, model, f, "any", [(rest, op, right)]), alias)
            comodel = self.env.model(f.relation)
            sub, params = self.subquery(comodel, [(rest, op, right)])
            return self._relational_in(model, alias, f, sub, params)
        if not f.column and f.name != "id":
            if f.search:
                from sandbox.orm import search_fns
                dom = search_fns.run(self.env, model, f, op, right)
                return self.where(model, dom, alias)
            if f.type in X2MANY and f.inverse_name:
                return self._x2many_leaf(model, alias, f, op, right, leaf)
            if f.type == "many2many" and f.rel:
                return self._x2many_leaf(model, alias, f, op, right, leaf)
            raise PyValueError(f"Non-stored field {model.name}.{f.name} cannot be searched.")
        if f.type in X2MANY:
            return self._x2many_leaf(model, alias, f, op, right, leaf)
        col = f'{alias}."{f.name}"'
        if op in ("child_of", "parent_of"):
            target = self.env.model(f.relation) if f.type == "many2one" and f.relation else model
            ids = self.env.hierarchy(target, right, op)
            return self._in_ids(col, ids)
        if f.type == "many2one" and op not in ("<", ">", "<=", ">=") and self._is_text_value(right):
            comodel = self.env.model(f.relation or "")
            pos_op = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}.get(op, op)
            sub, params = self.subquery(comodel, self.env.rec_name_domain(comodel, pos_op, right))
            if op in NEGATIVE:
                return f"({col} IS NULL OR {col} NOT IN ({sub}))", params
            return f"{col} IN ({sub})", params
        return self.scalar(model, f, col, op, right, leaf)

    @staticmethod
    def _is_text_value(v: Any) -> bool:
        if isinstance(v, str):
            return True
        return isinstance(v, (list, tuple)) and bool(v) and all(isinstance(x, str) for x in v)

    @staticmethod
    def _in_ids(col: str, ids: list[int]) -> tuple[str, list[Any]]:
        if not ids:
            return "1=0", []
        return f"{col} IN ({','.join(str(int(i)) for i in ids)})", []

    def _relational_in(self, model: ModelDef, alias: str, f: Field, sub: str,
                       params: list[Any]) -> tuple[str, list[Any]]:
        """Records whose relational field ``f`` points to one of the ids selected by ``sub``."""
        if f.type == "many2one":
            if not f.column:
                raise PyValueError(f"Non-stored field {model.name}.{f.name} cannot be searched.")
            return f"{alias}.{f.name} IN ({sub})", params
        co = self.env.model(f.relation or "")
        if f.type == "one2many" and f.inverse_name:
            return (f"{alias}.id IN (SELECT {f.inverse_name} FROM {co.table} WHERE id IN ({sub}))", params)
        if f.type == "many2many" and f.rel:
            table, c1, c2 = f.rel
            return f"{alias}.id IN (SELECT {c1} FROM {table} WHERE {c2} IN ({sub}))", params
        if f.search:
            ids = [r[0] for r in self.env.conn.execute(sub, params)]
            from sandbox.orm import search_fns
            dom = search_fns.run(self.env, model, f, "in", ids)
            return self.where(model, dom, alias)
        raise PyValueError(f"Non-stored field {model.name}.{f.name} cannot be searched.")

    def _x2many_leaf(self, model: ModelDef, alias: str, f: Field, op: str, right: Any,
                     leaf: tuple[Any, ...]) -> tuple[str, list[Any]]:
        co = self.env.model(f.relation or "")
        if right is False or right is None or right == []:
            if op in ("=", "in"):
                sql, p = self._relational_in(model, alias, f, f"SELECT id FROM {co.table}", [])
                return f"(NOT {sql})", p
            if op in ("!=", "not in"):
                return self._relational_in(model, alias, f, f"SELECT id FROM {co.table}", [])
        negative = op in NEGATIVE
        pos_op = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}.get(op, op)
        if self._is_text_value(right):
            sub, params = self.subquery(co, self.env.rec_name_domain(co, pos_op, right))
        else:
            ids = right if isinstance(right, (list, tuple)) else [right]
            try:
                ids = [int(i) for i in ids]
            except (TypeError, ValueError) as exc:
                raise PyValueError(f"Invalid value {right!r} in leaf {leaf!r}") from exc
            if pos_op in ("child_of", "parent_of"):
                ids = self.env.hierarchy(co, ids, pos_op)
                pos_op = "in"
            if pos_op not in ("=", "in"):
                raise PyValueError(f"Invalid operator {op!r} for {f.type} field {model.name}.{f.name}")
            sub = f"SELECT id FROM {co.table} WHERE id IN ({','.join(str(i) for i in ids) or 'NULL'})"
            params = []
        sql, p = self._relational_in(model, alias, f, sub, params)
        return (f"(NOT {sql})", p) if negative else (sql, p)

    # -- scalar comparisons -------------------------------------------------------------------
    def _coerce(self, model: ModelDef, f: Field, v: Any, leaf: tuple[Any, ...]) -> Any:
        if v is None or v is False:
            return None
        t = f.type
        if t in ("integer", "many2one", "many2one_reference") or f.name == "id":
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, (int, float)):
                return v
            if isinstance(v, str):
                try:
                    return int(v) if v.strip().lstrip("-").isdigit() else float(v)
                except ValueError:
                    pass
            raise PyValueError(f"Invalid value {v!r} for {t} field {model.name}.{f.name} in leaf {leaf!r}")
        if t in ("float", "monetary"):
            if isinstance(v, (int, float)):
                return float(v)
            if isinstance(v, str):
                try:
                    return float(v)
                except ValueError:
                    pass
            raise PyValueError(f"Invalid value {v!r} for {t} field {model.name}.{f.name} in leaf {leaf!r}")
        if t == "boolean":
            return 1 if v else 0
        if t in ("date", "datetime"):
            if not isinstance(v, str):
                raise PyValueError(f"Invalid value {v!r} for {t} field {model.name}.{f.name} in leaf {leaf!r}")
            return v.replace("T", " ")
        if isinstance(v, (dict, list, tuple)):
            raise PyValueError(f"Invalid value {v!r} for {t} field {model.name}.{f.name} in leaf {leaf!r}")
        return v if isinstance(v, str) else str(v)

    def scalar(self, model: ModelDef, f: Field, col: str, op: str, right: Any,
               leaf: tuple[Any, ...]) -> tuple[str, list[Any]]:
        if op in ("in", "not in"):
            values = list(right) if isinstance(right, (list, tuple)) else [right]
            if f.type == "boolean":
                wanted = {bool(v) for v in values}
                if op == "not in":
                    wanted = {True, False} - wanted
                if wanted == {True, False}:
                    return "1=1", []
                if wanted == {True}:
                    return f"{col} = 1", []
                if wanted == {False}:
                    return f"({col} IS NULL OR {col} = 0)", []
                return "1=0", []
            has_null = any(v is False or v is None for v in values)
            vals = [self._coerce(model, f, v, leaf) for v in values if not (v is False or v is None)]
            ph = ",".join("?" * len(vals))
            params = vals
            if vals and all(type(v) is int for v in vals):
                # ids are inlined: lists of thousands of ids must not hit SQLite's parameter limit
                ph, params = ",".join(str(v) for v in vals), []
            if op == "in":
                parts = [f"{col} IN ({ph})"] if vals else []
                if has_null:
                    parts.append(f"{col} IS NULL")
                return ("(" + " OR ".join(parts) + ")" if parts else "1=0"), params
            base = f"{col} NOT IN ({ph})" if vals else "1=1"
            if has_null:
                return f"({base} AND {col} IS NOT NULL)", params
            return f"({base} OR {col} IS NULL)", params
        if isinstance(right, (list, tuple, dict)):
            raise PyValueError(f"Invalid value {right!r} for operator {op!r} in leaf {leaf!r}")
        if op in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
            if right is False or right is None:
                # Odoo: ('x', 'ilike', False) means "is not set"
                return (f"{col} IS NULL", []) if op in ("like", "ilike", "=like", "=ilike") \
                    else (f"{col} IS NOT NULL", [])
            pattern = str(right) if op.startswith("=") else _like_pattern(right)
            expr = f"{col} LIKE ? ESCAPE '\\'" if "ilike" not in op else f"lower({col}) LIKE lower(?) ESCAPE '\\'"
            if f.type in ("integer", "float", "monetary", "many2one"):
                expr = expr.replace(col, f"CAST({col} AS TEXT)")
            if op.startswith("not"):
                return f"({col} IS NULL OR NOT ({expr}))", [pattern]
            return expr, [pattern]
        value = self._coerce(model, f, right, leaf)
        if f.type == "datetime" and isinstance(value, str) and len(value) == 10:
            value += " 23:59:59" if op in (">", "<=") else " 00:00:00"
        if f.type == "date" and isinstance(value, str) and len(value) > 10:
            value = value[:10]
        if f.type == "boolean" and op in ("=", "!="):
            positive = (op == "=") == bool(value)
            return (f"{col} = 1", []) if positive else (f"({col} IS NULL OR {col} = 0)", [])
        if value is None:
            if op == "=":
                return f"{col} IS NULL", []
            if op == "!=":
                return f"{col} IS NOT NULL", []
            return "1=0", []
        if op == "=":
            return f"{col} = ?", [value]
        if op == "!=":
            return f"({col} != ? OR {col} IS NULL)", [value]
        return f"{col} {op} ?", [value]
