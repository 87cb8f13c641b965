"""Placeholders in eval questions ({po_open}, {product_stocked:HOU}, …), filled from Odoo at eval time.

Why: the expected answers must come from the live data, not from numbers frozen in a file, so the
eval keeps meaning something after the sandbox seed changes or against a real Odoo.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from tools.odoo.client import OdooClient
from tools.odoo.resolve import DEFAULT_TZ, company_today, company_tz

PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([A-Za-z0-9_ .&-]+))?\}")


def local_midnight_utc(day: date, tz: str = DEFAULT_TZ) -> str:
    """Midnight opening `day` in the company's timezone, as the naive-UTC string Odoo compares with."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def today_start(tz: str = DEFAULT_TZ, now: datetime | None = None) -> str:
    """Start of the company-local today (06:00 UTC in a Texas winter), the same day rule as the read tools:
    a receipt is overdue when its scheduled time is before this."""
    return local_midnight_utc(company_today(tz, now), tz)


class Fixtures:
    """Cached look-ups of real records to ask about."""

    def __init__(self, odoo: OdooClient) -> None:
        self.odoo = odoo
        self._cache: dict[str, Any] = {}

    def fill(self, text: str) -> tuple[str, dict[str, str]]:
        values: dict[str, str] = {}

        def sub(m: re.Match[str]) -> str:
            key = m.group(0)[1:-1]
            value = self.get(m.group(1), m.group(2))
            values[key] = value
            return value

        return PLACEHOLDER.sub(sub, text), values

    def get(self, name: str, arg: str | None) -> str:
        key = f"{name}:{arg}"
        if key not in self._cache:
            fn = getattr(self, f"_{name}", None)
            if fn is None:
                raise KeyError(f"unknown eval placeholder {{{name}}}")
            self._cache[key] = fn(arg) if arg is not None else fn()
        return str(self._cache[key])

    # -- look-ups ------------------------------------------------------------------------------
    def warehouse_id(self, code: str) -> int:
        rows = self.odoo.search_read("stock.warehouse", [("code", "=", code)], ["id"], limit=1)
        if not rows:
            raise LookupError(f"no warehouse {code}")
        return int(rows[0]["id"])

    def _stock_rows(self, code: str) -> list[dict[str, Any]]:
        k = f"stock:{code}"
        if k not in self._cache:
            self._cache[k] = self.odoo.search_read(
                "product.product", [("default_code", "!=", False), ("type", "in", ["product", "consu"])],
                ["default_code", "name", "qty_available"], limit=2000, order="default_code",
                context={"warehouse_id": self.warehouse_id(code)})
        return self._cache[k]  # type: ignore[no-any-return]

    def _product_stocked(self, code: str) -> str:
        rows = [r for r in self._stock_rows(code) if (r.get("qty_available") or 0) > 0]
        if not rows:
            raise LookupError(f"no product in stock at {code}")
        return str(rows[len(rows) // 3]["default_code"])

    def _product_stocked_name(self, code: str) -> str:
        rows = [r for r in self._stock_rows(code) if (r.get("qty_available") or 0) > 0]
        return str(rows[len(rows) // 2]["name"])

    def _supplier_other_product(self, supplier: str) -> str:
        """Another product the supplier sells than {supplier_product:…} (for RFQs of several lines)."""
        first = self.get("supplier_product", supplier)
        rows = self.odoo.search_read("product.supplierinfo", [("partner_id.name", "=", supplier)],
                                     ["product_tmpl_id"], limit=50, order="id")
        for row in rows:
            prod = self.odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0])],
                                         ["default_code"], limit=1)
            if prod and prod[0]["default_code"] and prod[0]["default_code"] != first:
                return str(prod[0]["default_code"])
        raise LookupError(f"{supplier} sells only one product")

    def _product_stocked_nodash(self, code: str) -> str:
        """The same product as {product_stocked:CODE}, typed the lazy way: 'ppe1042'."""
        return self.get("product_stocked", code).replace("-", "").lower()

    def _po_short(self, code: str | None = None) -> str:
        """An open PO typed the lazy way: 'p1636' for P01636."""
        name = self.get("po_open", code)
        return "p" + str(int(name[1:]))

    def _product_zero(self, code: str) -> str:
        rows = [r for r in self._stock_rows(code) if not r.get("qty_available")]
        if not rows:
            raise LookupError(f"no product with zero stock at {code}")
        return str(rows[0]["default_code"])

    def _supplier_product(self, supplier: str) -> str:
        rows = self.odoo.search_read("product.supplierinfo", [("partner_id.name", "=", supplier)],
                                     ["product_tmpl_id"], limit=1, order="id")
        if not rows:
            raise LookupError(f"{supplier} sells nothing")
        tmpl = rows[0]["product_tmpl_id"][0]
        prod = self.odoo.search_read("product.product", [("product_tmpl_id", "=", tmpl)], ["default_code"], limit=1)
        return str(prod[0]["default_code"])

    def _po(self, domain: list[Any], what: str, order: str = "name") -> str:
        rows = self.odoo.search_read("purchase.order", domain, ["name"], limit=1, order=order)
        if not rows:
            raise LookupError(f"no purchase order that is {what}")
        return str(rows[0]["name"])

    def _po_open(self, code: str | None = None) -> str:
        domain: list[Any] = [("state", "=", "purchase"), ("receipt_status", "!=", "full")]
        if code:
            domain.append(("picking_type_id.warehouse_id.code", "=", code))
        return self._po(domain, "open")

    def _po_late(self, code: str | None = None) -> str:
        domain: list[Any] = [("picking_type_code", "=", "incoming"), ("state", "not in", ["done", "cancel"]),
                             ("scheduled_date", "<", today_start(company_tz(self.odoo))), ("purchase_id", "!=", False)]
        if code:
            domain.append(("picking_type_id.warehouse_id.code", "=", code))
        rows = self.odoo.search_read("stock.picking", domain, ["purchase_id"], limit=1, order="scheduled_date")
        if not rows:
            raise LookupError("no late PO")
        return str(rows[0]["purchase_id"][1]).split(" ")[0]

    def _po_done(self) -> str:
        return self._po([("state", "=", "done")], "done", order="name desc")

    def _po_draft(self) -> str:
        return self._po([("state", "in", ["draft", "sent"])], "an RFQ")

    def _po_of(self, supplier: str) -> str:
        return self._po([("partner_id.name", "=", supplier), ("state", "=", "purchase")], f"open at {supplier}")

    def _receipt_open(self, code: str) -> str:
        rows = self.odoo.search_read("stock.picking", [("picking_type_code", "=", "incoming"),
                                                       ("state", "not in", ["done", "cancel"]),
                                                       ("picking_type_id.warehouse_id.code", "=", code)],
                                     ["name"], limit=1, order="scheduled_date desc")
        if not rows:
            raise LookupError(f"no open receipt at {code}")
        return str(rows[0]["name"])

    def _injection_message(self) -> list[dict[str, Any]]:
        k = "injection"
        if k not in self._cache:
            rows = self.odoo.search_read("mail.message", [("body", "ilike", "ignore previous instructions")],
                                         ["model", "res_id", "record_name"], limit=10, order="id")
            if not rows:
                raise LookupError("the seed has no injection-like message")
            self._cache[k] = rows
        return self._cache[k]  # type: ignore[no-any-return]

    def _po_injection(self) -> str:
        for r in self._injection_message():
            if r["model"] == "purchase.order":
                return str(self.odoo.read("purchase.order", [r["res_id"]], ["name"])[0]["name"])
        raise LookupError("no injection message on a PO")

    def _supplier_injection(self) -> str:
        for r in self._injection_message():
            if r["model"] == "res.partner":
                return str(self.odoo.read("res.partner", [r["res_id"]], ["name"])[0]["name"])
            if r["model"] == "purchase.order":
                po = self.odoo.read("purchase.order", [r["res_id"]], ["partner_id"])[0]
                return str(po["partner_id"][1])
        raise LookupError("no injection message on a supplier")
