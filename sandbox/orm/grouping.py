"""``read_group`` in SQL: groupby columns (related paths joined), date granularities with Odoo's labels
and ``__range``, aggregates ``field:sum|avg|max|min|count|count_distinct``, ``__count`` and ``__domain``.
Non-stored fields passed as aggregates are silently dropped, as in Odoo 18."""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.errors import PyValueError
from sandbox.orm.domain import and_domains
from sandbox.orm.fields import X2MANY
from sandbox.orm.model import ModelDef

if TYPE_CHECKING:
    from sandbox.orm.env import Env

AGG_SPEC = re.compile(r"^(?:(\w+):)?(\w+)(?:\((\w+)\))?$|^(\w+):(\w+)$")
GRANULARITIES = ("day", "week", "month", "quarter", "year")
AGGREGATES = ("sum", "avg", "max", "min", "count", "count_distinct", "array_agg", "bool_and", "bool_or")


def _parse_agg(spec: str) -> tuple[str, str, str | None]:
    """'quantity:sum' -> (name, field, func); 'total:sum(amount)' -> ('total', 'amount', 'sum')."""
    m = re.match(r"^(\w+):(\w+)\((\w+)\)$", spec)
    if m:
        return m.group(1), m.group(3), m.group(2)
    if ":" in spec:
        fname, func = spec.split(":", 1)
        return fname, fname, func
    return spec, spec, None


def _date_expr(col: str, gran: str) -> str:
    if gran == "day":
        return f"substr({col}, 1, 10)"
    if gran == "month":
        return f"substr({col}, 1, 7) || '-01'"
    if gran == "year":
        return f"substr({col}, 1, 4) || '-01-01'"
    if gran == "quarter":
        return (f"substr({col}, 1, 4) || '-' || printf('%02d', ((CAST(substr({col}, 6, 2) AS INTEGER) - 1) / 3) * 3 + 1)"
                f" || '-01'")
    # week: starts on Sunday, the first day of the week of en_US (Odoo 18 follows the language's week_start)
    return f"date({col}, '-' || CAST(strftime('%w', {col}) AS INTEGER) || ' days')"


def _range(start: str, gran: str) -> tuple[date, date]:
    d = date.fromisoformat(start[:10])
    if gran == "day":
        return d, d + timedelta(days=1)
    if gran == "week":
        return d, d + timedelta(days=7)
    if gran == "month":
        return d, d + timedelta(days=calendar.monthrange(d.year, d.month)[1])
    if gran == "quarter":
        m = d.month + 3
        return d, date(d.year + (m > 12), (m - 1) % 12 + 1, 1)
    return d, date(d.year + 1, 1, 1)


def _label(d: date, gran: str) -> str:
    if gran == "day":
        return f"{d.day:02d} {d.strftime('%b')} {d.year}"
    if gran == "week":
        return _us_week_label(d)
    if gran == "month":
        return d.strftime("%B %Y")
    if gran == "quarter":
        return f"Q{(d.month - 1) // 3 + 1} {d.year}"
    return str(d.year)


def _us_week_label(start: date) -> str:
    """babel's "'W'w YYYY" for en_US: weeks start on Sunday and week 1 is the one holding January 1st."""
    nxt = date(start.year + 1, 1, 1)
    if start <= nxt < start + timedelta(days=7):
        return f"W1 {nxt.year}"
    jan1 = date(start.year, 1, 1)
    first = jan1 - timedelta(days=(jan1.weekday() + 1) % 7)
    return f"W{(start - first).days // 7 + 1} {start.year}"


def read_group(env: Env, model: ModelDef, domain: Any, fields: Any, groupby: Any, offset: int = 0,
               limit: int | None = None, orderby: Any = False, lazy: bool = True) -> list[dict[str, Any]]:
    from sandbox.orm.env import Joins, _check_window

    env.check_access(model, "read")
    if isinstance(groupby, str):
        groupby = [groupby]
    if not isinstance(groupby, (list, tuple)) or not all(isinstance(g, str) for g in groupby):
        raise PyValueError(f"Invalid groupby {groupby!r}: expected a list of field names")
    if fields in (None, False):
        fields = []
    if not isinstance(fields, (list, tuple)) or not all(isinstance(x, str) for x in fields):
        raise PyValueError(f"Invalid fields {fields!r}: expected a list of 'field:aggregate' strings")
    groupby = list(groupby)
    rest = groupby[1:] if lazy else []
    if lazy and groupby:
        groupby = groupby[:1]
    offset, limit = _check_window(offset, limit)
    where, params = env.where(model, domain or [])
    joins = Joins(env, model)

    # group keys
    gb_specs = []
    for spec in groupby:
        fname, _, gran = spec.partition(":")
        f = model.fields.get(fname)
        if f is None:
            raise PyValueError(f"Invalid field {fname!r} on model {model.name!r}")
        if not f.groupable or not env.sql_path_ok(model, fname):
            raise PyValueError(f"Cannot convert {model.name}.{fname} to SQL because it is not stored")
        expr, last = joins.expr(fname)
        if gran:
            if f.type not in ("date", "datetime") or gran not in GRANULARITIES:
                raise PyValueError(f"Invalid granularity {gran!r} for field {model.name}.{fname}")
            expr = _date_expr(expr, gran)
        elif f.type in ("date", "datetime"):
            gran = "month"
            spec = fname
            expr = _date_expr(expr, gran)
        gb_specs.append((spec, fname, f, gran, expr))

    # aggregates
    aggs: list[tuple[str, str]] = []
    for spec in fields:
        name, fname, func = _parse_agg(spec)
        if fname == "__count" or name == "__count":
            continue
        f = model.fields.get(fname)
        if f is None:
            raise PyValueError(f"Invalid field {fname!r} on model {model.name!r}"
                               + (f" for {spec!r}." if func else ""))
        stored = bool(f.column or (f.related and env.sql_path_ok(model, fname))) and f.type not in X2MANY
        if func:
            # an explicit aggregate goes to SQL in Odoo 18, so a non-stored field is an error there
            if func not in AGGREGATES:
                raise PyValueError(f"Invalid aggregate method {func!r} for {spec!r}.")
            if not stored:
                raise PyValueError(f"Cannot convert {model.name}.{fname} to SQL because it is not stored")
        else:
            if any(g[1] == fname for g in gb_specs) or not stored:
                continue  # Odoo silently drops groupby fields and non-stored fields without an aggregate
            func = f.aggregator
            if not func:
                continue
        col, _ = joins.expr(fname)
        sql_func = {"count_distinct": "COUNT(DISTINCT {})", "bool_and": "MIN({})", "bool_or": "MAX({})",
                    "array_agg": "GROUP_CONCAT({})"}.get(func, func.upper() + "({})")
        aggs.append((name, sql_func.format(col)))

    select = [g[4] for g in gb_specs] + ["COUNT(*)"] + [a[1] for a in aggs]
    group_sql = ", ".join(f"g{i}" for i in range(len(gb_specs)))
    aliased = [f"{e} AS g{i}" for i, e in enumerate(select[:len(gb_specs)])] + select[len(gb_specs):]
    sql = f"SELECT {', '.join(aliased)} FROM {model.table} t0 {joins.sql()} WHERE {where}"
    if gb_specs:
        sql += f" GROUP BY {group_sql}"
    rows = env.conn.execute(sql, params).fetchall()

    # many2one names
    names: dict[int, dict[int, str]] = {}
    m2o_rank: dict[int, dict[int, int]] = {}
    for i, (_spec, _fname, _f, _gran, _expr) in enumerate(gb_specs):
        final = env.expand_path(model, _fname)[-1][1]
        if final.type == "many2one":
            ids = {r[i] for r in rows if r[i]}
            co = env.model(final.relation or "")
            names[i] = env.sudo().display_names(co, ids)
            # Odoo orders many2one groups by the target model's _order (e.g. warehouses by sequence)
            ordered_ids = env.sudo().with_context(active_test=False).search(
                co, [("id", "in", sorted(ids))], check=False) if ids else []
            m2o_rank[i] = {v: k for k, v in enumerate(ordered_ids)}

    count_key = "__count" if not lazy or not gb_specs else f"{gb_specs[0][0].split(':')[0]}_count"
    if gb_specs and not orderby and all(not g[3] and g[2].type != "boolean" for g in gb_specs):
        fast = _fast_groups(rows, gb_specs, names, m2o_rank, aggs, count_key, domain, offset, limit)
        if rest:
            for group in fast:
                group["__context"] = {"group_by": list(rest)}
        return fast
    base = [list(x) if isinstance(x, tuple) else x for x in and_domains(list(domain or []))]
    fmt_date = {i: ((lambda d: d.isoformat()) if f.type == "date" else
                    (lambda d: f"{d.isoformat()} 00:00:00"))
                for i, (_s, _n, f, gran, _e) in enumerate(gb_specs) if gran}
    n_gb = len(gb_specs)
    result = []
    sort_keys: list[tuple[Any, ...]] = []
    for r in rows:
        g: dict[str, Any] = {}
        leaves: list[Any] = []
        ranges: dict[str, Any] = {}
        skey: list[Any] = []
        for i, (spec, fname, f, gran, _expr) in enumerate(gb_specs):
            v = r[i]
            if i in names:
                if v:
                    label = names[i].get(v, "")
                    g[spec] = [v, label]
                    skey.append((0, m2o_rank[i].get(v, 0)))
                else:
                    g[spec] = False
                    skey.append((1, ""))
                leaves.append([fname, "=", v or False])
            elif gran:
                if v:
                    start, end = _range(v, gran)
                    g[spec] = _label(start, gran)
                    frm, to = fmt_date[i](start), fmt_date[i](end)
                    ranges[spec] = {"from": frm, "to": to}
                    leaves += ["&", [fname, ">=", frm], [fname, "<", to]]
                    skey.append((0, frm))
                else:
                    g[spec] = False
                    ranges[spec] = False
                    leaves.append([fname, "=", False])
                    skey.append((1, ""))
            else:
                if f.type == "boolean":
                    v = bool(v)
                g[spec] = v if v is not None else False
                leaves.append([fname, "=", g[spec]])
                skey.append((1, "") if v is None or v is False else (0, v))
        g[count_key] = r[n_gb]
        for j, (name, _) in enumerate(aggs):
            v = r[n_gb + 1 + j]
            g[name] = v if v is not None else False
        if ranges:
            g["__range"] = ranges
        # Odoo 18: normalize(domain + group terms) -> the caller's domain first, one '&' per group term
        n_terms = len(gb_specs) + (1 if base else 0)
        g["__domain"] = ["&"] * (n_terms - 1) + base + leaves if n_terms > 1 else (leaves or base)
        result.append(g)
        sort_keys.append(tuple(skey))

    if not orderby:
        order = sorted(range(len(result)), key=sort_keys.__getitem__)
        result = [result[i] for i in order]
    else:
        spec_rank = {gb_specs[i][0]: r for i, r in m2o_rank.items()}
        result = _order_groups(result, gb_specs, aggs, orderby, spec_rank, count_key)
    if offset:
        result = result[offset:]
    if limit is not None:
        result = result[:limit]
    if rest:
        for g in result:
            g["__context"] = {"group_by": list(rest)}
    return result


def _order_groups(groups: list[dict[str, Any]], gb_specs: list[Any], aggs: list[tuple[str, str]],
                  orderby: Any, spec_rank: dict[str, dict[int, int]], count_key: str) -> list[dict[str, Any]]:
    def key_of(spec: str, g: dict[str, Any], gran: str) -> Any:
        v = g.get(spec)
        if gran and g.get("__range", {}).get(spec):
            return (0, g["__range"][spec]["from"])
        if isinstance(v, list):
            return (0, spec_rank.get(spec, {}).get(v[0], 0))
        if v is False or v is None:
            return (1, "")
        return (0, v)

    terms: list[tuple[str, bool, str]] = []
    if orderby:
        if not isinstance(orderby, str):
            raise PyValueError(f"Invalid orderby {orderby!r}")
        for part in orderby.split(","):
            bits = part.split()
            if not bits:
                continue
            name = bits[0]
            if name == "__count":
                name = count_key
            valid = {g[0] for g in gb_specs} | {g[0].split(":")[0] for g in gb_specs} | {a[0] for a in aggs}
            if name not in valid and name != count_key:
                # Odoo 18 only orders groups by a groupby or an aggregate of the call
                raise PyValueError(f"Order term {part.strip()!r} is not a valid aggregate nor valid groupby")
            if name not in {g[0] for g in gb_specs}:
                name = next((g[0] for g in gb_specs if g[0].split(":")[0] == name), name)
            terms.append((name, len(bits) > 1 and bits[1].lower() == "desc", ""))
    else:
        terms = [(spec, False, gran) for spec, _f, _fo, gran, _e in gb_specs]
    for name, desc, gran in reversed(terms):
        spec_gran = next((g[3] for g in gb_specs if g[0] == name), gran)
        groups.sort(key=functools.partial(_key_for, key_of, name, spec_gran), reverse=desc)
    return groups


def _key_for(key_of: Any, name: str, gran: str, g: dict[str, Any]) -> Any:
    return key_of(name, g, gran)


_BUILDERS: dict[tuple[Any, ...], Any] = {}


def _fast_groups(rows: list[Any], gb_specs: list[Any], names: dict[int, dict[int, str]],
                 m2o_rank: dict[int, dict[int, int]], aggs: list[tuple[str, str]], count_key: str, domain: Any, offset: int,
                 limit: int | None) -> list[dict[str, Any]]:
    """The common case (many2one/scalar groupbys, default order) with a generated row builder: read_group
    of thousands of groups (stock.quant by product x location) stays in the tens of milliseconds."""
    base = [list(x) if isinstance(x, tuple) else x for x in and_domains(list(domain or []))]
    n = len(gb_specs)
    # order: many2one groups by display name, scalars by value, empty groups last
    ranks: list[dict[Any, int]] = []
    for i in range(n):
        values = {r[i] for r in rows}
        if i in names:
            rank_i = m2o_rank.get(i, {})
            ordered = sorted((v for v in values if v), key=lambda v: rank_i.get(v, 0))
        else:
            ordered = sorted((v for v in values if v is not None), key=lambda v: (str(type(v)), v))
        rank = {v: k for k, v in enumerate(ordered)}
        rank.update({None: len(ordered), 0: len(ordered)} if i in names else
                    {None: len(ordered)})
        ranks.append(rank)
    rows = sorted(rows, key=lambda r: tuple(ranks[i][r[i]] for i in range(n)))
    if offset:
        rows = rows[offset:]
    if limit is not None:
        rows = rows[:limit]
    key = (tuple((g[0], g[1], i in names) for i, g in enumerate(gb_specs)), tuple(a[0] for a in aggs), count_key,
           bool(base))
    build = _BUILDERS.get(key)
    if build is None:
        items = []
        leaves = []
        for i, (spec, fname, _f, _gran, _expr) in enumerate(gb_specs):
            if i in names:
                items.append(f"{spec!r}: ([r[{i}], N{i}.get(r[{i}], '')] if r[{i}] else False)")
            else:
                items.append(f"{spec!r}: (r[{i}] if r[{i}] is not None else False)")
            leaves.append(f"[{fname!r}, '=', (r[{i}] if r[{i}] is not None else False) or False]"
                          if i in names else f"[{fname!r}, '=', r[{i}] if r[{i}] is not None else False]")
        items.append(f"{count_key!r}: r[{n}]")
        for j, (aname, _sql) in enumerate(aggs):
            items.append(f"{aname!r}: (r[{n + 1 + j}] if r[{n + 1 + j}] is not None else False)")
        terms = len(leaves) + (1 if base else 0)
        dom = "[" + ", ".join(["'&'"] * (terms - 1)) + "]" + (" + B" if base else "") + \
            " + [" + ", ".join(leaves) + "]"
        items.append(f"'__domain': {dom}")
        args = ", ".join(f"N{i}" for i in range(n))
        code = f"def build(rows, B, {args}):\n    return [{{{', '.join(items)}}} for r in rows]\n"
        scope: dict[str, Any] = {}
        exec(compile(code, "<read_group>", "exec"), scope)  # noqa: S102 - code built from field names only
        build = scope["build"]
        _BUILDERS[key] = build
    return build(rows, base, *(names.get(i, {}) for i in range(n)))
