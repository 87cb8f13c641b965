"""Model access rights per group (a compact ir.model.access), with Odoo 18's AccessError text.

Why compact: the sandbox needs the *shape* of Odoo's refusals (e.g. an Inventory user reading vendor
bills) rather than Odoo's full rule set; rights here follow Odoo's CSV files for the models we serve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.errors import AccessError
from sandbox.orm.model import ModelDef

if TYPE_CHECKING:
    from sandbox.orm.env import Env

EMPLOYEE = "base.group_user"
PU, PM = "purchase.group_purchase_user", "purchase.group_purchase_manager"
SU, SM = "stock.group_stock_user", "stock.group_stock_manager"
AI, AM = "account.group_account_invoice", "account.group_account_manager"

_MASTER = {EMPLOYEE: "r", PM: "rwcd", SM: "rwcd"}
ACL: dict[str, dict[str, str]] = {
    "res.currency": {EMPLOYEE: "r"},
    "res.currency.rate": {EMPLOYEE: "r", AM: "rwcd"},
    "res.company": {EMPLOYEE: "r"},
    "res.partner": {EMPLOYEE: "rwc", PU: "rwcd"},
    "res.groups": {EMPLOYEE: "r"},
    "res.users": {EMPLOYEE: "r"},
    "ir.model": {EMPLOYEE: "r"},
    "uom.category": _MASTER, "uom.uom": _MASTER,
    "product.category": _MASTER, "product.template": {**_MASTER, PU: "rwc"},
    "product.product": {**_MASTER, PU: "rwc"},
    # Odoo 18 product/security/ir.model.access.csv: every employee reads the variant attributes.
    "product.attribute": {EMPLOYEE: "r"}, "product.attribute.value": {EMPLOYEE: "r"},
    "product.template.attribute.line": {EMPLOYEE: "r"}, "product.template.attribute.value": {EMPLOYEE: "r"},
    "account.payment.term": {EMPLOYEE: "r", AM: "rwcd"},
    "product.supplierinfo": {EMPLOYEE: "r", PU: "rwcd", SM: "rwcd"},
    "stock.warehouse": {EMPLOYEE: "r", SM: "rwcd"},
    "stock.location": {EMPLOYEE: "r", SM: "rwcd"},
    "stock.picking.type": {EMPLOYEE: "r", SM: "rwcd"},
    "stock.quant": {SU: "rwc", PU: "r", AI: "r", SM: "rwcd"},
    "stock.picking": {SU: "rwcd", PU: "rwc", AI: "r"},
    "stock.move": {SU: "rwcd", PU: "rwc", AI: "r"},
    "stock.warehouse.orderpoint": {SU: "rw", PU: "rwc", SM: "rwcd"},
    "purchase.order": {PU: "rwcd", SU: "r", AI: "rw"},
    "purchase.order.line": {PU: "rwcd", SU: "r", AI: "rw"},
    "account.move": {AI: "rwcd", PU: "rwc"},
    "account.move.line": {AI: "rwcd", PU: "rwc"},
    "mail.message": {EMPLOYEE: "rwc"},
    "mail.message.subtype": {EMPLOYEE: "r"},
    "mail.activity": {EMPLOYEE: "rwcd"},
    "mail.activity.type": {EMPLOYEE: "r"},
}
OPS = {"read": "r", "write": "w", "create": "c", "unlink": "d"}
VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}


def user_groups(env: Env) -> set[str]:
    key = ("groups", env.uid)
    got = env.cache.get(key)
    if got is None:
        rows = env.q("SELECT g.xml_id FROM res_groups_users_rel r JOIN res_groups g ON g.id = r.gid "
                     "WHERE r.uid = ?", [env.uid])
        got = {r[0] for r in rows if r[0]}
        env.cache[key] = got
    return got


def has_group(env: Env, xml_id: str) -> bool:
    groups = user_groups(env)
    return "base.group_system" in groups or any(g in groups for g in xml_id.split(","))


def is_admin(env: Env) -> bool:
    return env.uid in (1, 2) or "base.group_system" in user_groups(env)


def check(env: Env, model: ModelDef, operation: str) -> None:
    if is_admin(env):
        return
    rights = ACL.get(model.name, {})
    letter = OPS[operation]
    groups = user_groups(env)
    if any(letter in perms and g in groups for g, perms in rights.items()):
        return
    allowed = [g for g, perms in rights.items() if letter in perms]
    names = dict(env.q("SELECT xml_id, name FROM res_groups"))
    if allowed:
        listing = "\n".join(f"\t- {names.get(g, g)}" for g in allowed)
        group_info = f"This operation is allowed for the following groups:\n{listing}"
    else:
        group_info = "No group currently allows this operation."
    raise AccessError(
        f"You are not allowed to {VERBS[operation]} '{model.description}' ({model.name}) records.\n\n"
        f"{group_info}\n\nContact your administrator to request access if necessary.")
