"""A real headless Chromium (Debian's package, driven by Playwright) against a real uvicorn server.

Log in, ask a question and see the streamed answer, create a proposal from the chat, log in as
another user and approve it in the inbox; the outcome message is shown and the proposal executed.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from webapi_support import LiveServer, RealRuntime, shared_real_runtime, web_pages

from server import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (make test installs Debian's chromium; or apt-get install chromium)"
        print(f"SKIP reason: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[LiveServer, Any]]:
    rt = shared_real_runtime()  # sandbox Odoo, offline planner, real governance
    with LiveServer(create_app(rt.settings, rt)) as server:
        yield server, rt


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/chat.*"))


def _ask(page: Any, text: str) -> Any:
    before = page.locator(".bubble.answer[data-done='1']").count()
    page.fill("#question", text)
    page.keyboard.press("Enter")
    page.locator(".bubble.answer[data-done='1']").nth(before).wait_for(timeout=60_000)
    return page.locator(".bubble.answer").last


def test_login_chat_propose_and_approve_as_another_user(browser: Any, live: tuple[LiveServer, Any],
                                                       tmp_path: Path) -> None:
    server, rt = live
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    _login(page, server.url, "ava.buyer")
    answer = _ask(page, "What is arriving at DAL this week?")
    assert answer.locator("table").count() >= 1  # tables render as tables
    assert "DAL/IN/" in answer.inner_text()
    assert "thread=" in page.url  # the conversation got its own thread

    answer = _ask(page, "order 2000 PPE-1042 from Apex Industrial Supply for Dallas")
    link = answer.locator("ul.proposals a").first
    pid = re.search(r"P-[0-9a-f]+", link.inner_text()).group(0)  # type: ignore[union-attr]
    page.screenshot(path=str(tmp_path / "chat.png"))

    page.click("button:has-text('Log out')")
    page.wait_for_url(re.compile(r".*/login.*"))
    _login(page, server.url, "omar.approver")
    page.goto(f"{server.url}/approvals")
    card = page.locator(f"#proposal-{pid}")
    card.locator("input[name=comment]").fill("Approved in the browser test")
    card.locator("button[value=approve]").click()
    page.wait_for_selector(".flash")
    flash = page.locator(".flash").inner_text()
    assert pid in flash and "Executed" in flash and "created" in flash, flash
    assert rt.proposals.get(pid).state == "executed"
    page.screenshot(path=str(tmp_path / "approved.png"))

    assert errors == [], errors
    assert all(u.startswith(server.url) for u in requests), [u for u in requests if not u.startswith(server.url)]
    ctx.close()


# -- every page of the app, for each role, on both demo businesses, at phone and laptop width -------------
ROOT = Path(__file__).resolve().parents[2]
DOCS_SHOTS = ROOT / "docs" / "screenshots"
ARTIFACTS = Path(os.environ.get("QM_TEST_ARTIFACTS") or ROOT / "var" / "test-artifacts") / "browser"
WIDTHS = (390, 1280)
ROLES = ("buyer", "warehouse", "finance", "approver", "manager")
BUSINESSES = {  # business: (users file, {role: demo user})
    "bluebonnet": (None, {"buyer": "ava.buyer", "warehouse": "wes.warehouse", "finance": "fiona.finance",
                          "approver": "omar.approver", "manager": "maria.manager"}),
    "hollander": (ROOT / "sandbox" / "seed_hollander" / "users.yaml",
                  {"buyer": "sanne.inkoop", "warehouse": "daan.magazijn", "finance": "eva.financien",
                   "approver": "lotte.teamlead", "manager": "pieter.manager"}),
}
# GET routes of the web routers that are not pages a person opens (each is still checked where a page links it)
NOT_PAGES = {"/favicon.ico": "the icon", "/login": "every tour starts there",
             "/tower.csv": "a download, linked from the control tower", "/corpus/{rel:path}": "documents, linked from "
             "citations and contract terms"}
# the page's own variants worth a look (a tab, a filled form) beside the bare address
VARIANTS = {"/approvals": ["?tab=mine", "?tab=decided"], "/forecast": ["?product={product}&warehouse={warehouse}"]}
# the README's screenshots: the pages each role opens on a normal day (the artifact folder keeps all of them)
README_SHOTS = {
    "buyer": ["/chat", "/requests", "/approvals?tab=mine", "/suppliers", "/suppliers/{name:path}", "/inbound",
              "/forecast?product={product}&warehouse={warehouse}", "/mail/triage", "/alerts"],
    "warehouse": ["/inbound", "/requests", "/suppliers/{name:path}", "/alerts"],
    "finance": ["/suppliers/{name:path}", "/approvals", "/alerts"],
    "approver": ["/approvals"],
    "manager": ["/", "/approvals", "/requests"],
}


def tour_pages(app: Any) -> list[str]:
    """The pages the app serves, read from its routes (a new page joins the tour by itself), with their variants;
    parameters as {param} placeholders, filled per business. An unknown parameter fails, so no page goes unseen."""
    pages: list[str] = []
    for path in web_pages(app):
        if path not in NOT_PAGES:
            pages += [path] + [path + v for v in VARIANTS.get(path, [])]
    return pages


def _fill(path: str, facts: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        assert key in facts, f"the page {path} takes {{{key}}}: give the tour a value for it"
        return quote(facts[key], safe="")

    return re.sub(r"\{([a-z_:]+)\}", one, path)


def _slug(path: str) -> str:
    path = re.sub(r"\{[a-z_]+(:path)?\}", "x", path.split("?")[0])
    path = path.replace("/suppliers/x", "/supplier").replace("/inbound/x", "/inbound-warehouse")
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def _shot_name(role: str, template: str) -> str:
    base, _, query = template.partition("?")
    slug = _slug(base)
    if query.startswith("tab="):
        slug += "-" + query[4:]
    elif query:
        slug += "-filled"
    return f"{role}-{slug}"


def _business_facts(rt: Any) -> dict[str, str]:
    """A supplier, a warehouse and a product with deliveries, read from the connected Odoo."""
    odoo = rt.odoo
    vendor = odoo.search_read("res.partner", [["supplier_rank", ">", 0], ["is_company", "=", True]], ["name"],
                              limit=1, order="name")[0]["name"]
    warehouse = odoo.search_read("stock.warehouse", [], ["code"], limit=1, order="id")[0]["code"]
    moves = odoo.search_read("stock.move", [["state", "=", "done"], ["picking_code", "=", "outgoing"]],
                             ["product_id"], limit=1, order="id desc")
    product = odoo.search_read("product.product", [["id", "=", moves[0]["product_id"][0]]], ["default_code"],
                               limit=1)[0]["default_code"] if moves else ""
    return {"name:path": vendor, "code": warehouse, "warehouse": warehouse, "product": product or ""}


def _seed_proposals(rt: Any, users: dict[str, str]) -> None:
    """Something in each inbox: a buyer's RFQ waiting for approval and a clerk's purchase request."""
    from tools.registry import run_tool

    odoo = rt.odoo
    row = odoo.search_read("product.supplierinfo", [["price", ">", 0], ["min_qty", "<=", 1]],
                           ["product_id", "product_tmpl_id", "partner_id"], limit=1, order="id")[0]
    code = odoo.search_read("product.product", [["product_tmpl_id", "=", row["product_tmpl_id"][0]]],
                            ["default_code"], limit=1)[0]["default_code"]
    warehouse = odoo.search_read("stock.warehouse", [], ["code"], limit=1, order="id")[0]["code"]
    buyer, clerk = rt.user(users["buyer"]), rt.user(users["warehouse"])
    rfq = run_tool(rt.context_for(buyer, "web", None), "create_rfq", {
        "supplier": row["partner_id"][1], "lines": [{"product": code, "quantity": 400}], "warehouse": warehouse})
    req = run_tool(rt.context_for(clerk, "web", None), "request_purchase", {
        "product": code, "quantity": 25, "warehouse": warehouse, "reason": "browser tour"})
    assert rfq.ok and req.ok, (rfq.error, req.error)


def _signature(href: str) -> str:
    """A link's kind: its path with the values of the app's path parameters dropped, and its query keys."""
    path, _, query = href.partition("?")
    for prefix in ("/suppliers/", "/inbound/", "/corpus/", "/forecast"):
        if path.startswith(prefix) and path != prefix.rstrip("/"):
            path = prefix + "…"
    return path + "?" + "&".join(sorted(k.split("=")[0] for k in query.split("&") if k))


def _walk(browser: Any, base: str, business: str, users: dict[str, str], pages: list[str],
          facts: dict[str, str], docs: bool) -> tuple[list[str], dict[tuple[str, str], int], dict[str, Any]]:
    """Each role's tour: (problems, {(page, role): status}, counts and seconds).

    Every distinct same-site link is fetched once per business, and once per role for each kind of link
    (path and query keys) so a role's refusal is seen where it happens."""
    problems: list[str] = []
    statuses: dict[tuple[str, str], int] = {}
    checked: set[str] = set()
    stats: dict[str, Any] = {"links": 0, "page_s": 0.0, "link_s": 0.0}
    out = ARTIFACTS / business
    out.mkdir(parents=True, exist_ok=True)
    for role in ROLES:
        ctx = browser.new_context(viewport={"width": WIDTHS[0], "height": 844})
        page = ctx.new_page()
        errors: list[tuple[str, str]] = []  # (url, what)
        page.on("console", lambda m, e=errors: e.append(((m.location or {}).get("url", ""), f"console: {m.text}"))
                if m.type == "error" else None)
        page.on("pageerror", lambda exc, e=errors: e.append(("", f"script error: {exc}")))
        page.on("response", lambda r, e=errors: e.append((r.url, f"answered {r.status}")) if r.status >= 400 else None)
        page.on("requestfailed", lambda r, e=errors: e.append((r.url, f"request failed: {r.failure}"))
                if "ERR_ABORTED" not in str(r.failure) else None)  # aborted: the next page was already asked for
        _login(page, base, users[role])
        refused: set[str] = set()  # pages this role gets as a 403 page: their own 403 is no console error
        kinds: set[str] = set()
        for template in pages:
            t0 = time.perf_counter()
            url = base + _fill(template, facts)
            status = page.goto(url, wait_until="load").status  # after redirects: / sends most roles to /chat
            statuses[(template, role)] = status
            where = f"{business} {role} {template}"
            if status == 403:
                refused.add(url)
                if page.locator("header.top nav a").count() < 3 or page.locator("main h1").count() != 1:
                    problems.append(f"{where}: a bare 403 without navigation")
            elif status != 200:
                problems.append(f"{where}: answers {status}")
            name = _shot_name(role, template)
            for width in WIDTHS:
                if width != WIDTHS[0]:
                    page.set_viewport_size({"width": width, "height": 800})
                wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if wide > 0:
                    problems.append(f"{where} @{width}px overflows by {wide}px: {page.evaluate(OFFENDERS)}")
                shot = out / f"{name}-{width}.png"
                page.screenshot(path=str(shot))
                if docs and template in README_SHOTS.get(role, []):
                    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, DOCS_SHOTS / shot.name)
            page.set_viewport_size({"width": WIDTHS[0], "height": 844})
            t1 = time.perf_counter()
            stats["page_s"] += t1 - t0
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            blank = page.eval_on_selector_all("a[href]", "els => els.filter(e => !/[\\p{L}\\p{N}]/u.test("
                                              "e.innerText + (e.getAttribute('aria-label') || '') + "
                                              "(e.getAttribute('title') || ''))).map(e => e.outerHTML.slice(0, 120))")
            problems += [f"{where}: a link a person cannot read: {a}" for a in blank]
            for href in dict.fromkeys(h.split("#")[0] for h in hrefs if h.startswith("/") and not h.startswith("//")):
                kind = _signature(href)
                if href in checked and kind in kinds:
                    continue
                checked.add(href)
                kinds.add(kind)
                stats["links"] += 1
                r = page.request.get(base + href, max_redirects=5)
                if r.status == 403 and "<nav" in r.text():
                    continue  # the role may not: a page saying so, with the way back
                if r.status != 200:
                    problems.append(f"{where}: link {href} answers {r.status} to the {role}")
            stats["link_s"] += time.perf_counter() - t1
        problems += [f"{business} {role}: {what} {url}".rstrip() for url, what in dict.fromkeys(errors)
                     if not (url in refused and ("403" in what))]
        ctx.close()
    return problems, statuses, stats


OFFENDERS = """() => {  // the widest elements that stick out of the screen, to name in the failure
  const w = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 0.5 && getComputedStyle(el).position !== 'fixed') {
      let p = el.parentElement, clipped = false;
      while (p) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'hidden' || o === 'scroll') {
        clipped = true; break; } p = p.parentElement; }
      if (!clipped) out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ?
        '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(r.right) + 'px');
    }
  }
  return out.slice(0, 5);
}"""


@pytest.fixture(scope="module", params=list(BUSINESSES))
def business_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[tuple[str, LiveServer, Any]]:
    business = request.param
    if business == "bluebonnet":
        rt = shared_real_runtime()
        with LiveServer(create_app(rt.settings, rt)) as server:
            yield business, server, rt
        return
    users_file = BUSINESSES[business][0]
    with RealRuntime(tmp_path_factory.mktemp(business), business=business, ingest_corpus=False,
                     QM_USERS_FILE=str(users_file)) as rt, LiveServer(create_app(rt.settings, rt)) as server:
        yield business, server, rt


def test_every_page_for_every_role_fits_phone_and_laptop(browser: Any,
                                                         business_server: tuple[str, LiveServer, Any]) -> None:
    """Each role walks every page the app serves (read from its routes) at 390 and 1280 px: the page answers
    (or, where the role may not, a 403 page with the navigation), nothing is wider than the screen, no console
    error or failed request, every same-site link on it answers. A screenshot per page, role and width goes to
    var/test-artifacts/browser/<business>/; QM_UPDATE_SCREENSHOTS=1 also refreshes the README's docs/screenshots/
    (the default business)."""
    business, server, rt = business_server
    users = BUSINESSES[business][1]
    app = server.server.config.app
    pages = tour_pages(app)
    for must in ("/", "/chat", "/approvals", "/requests", "/alerts", "/forecast", "/mail/triage", "/suppliers",
                 "/suppliers/{name:path}", "/inbound"):
        assert must in pages, f"{must} is not among the app's pages: {pages}"
    assert {t for ts in README_SHOTS.values() for t in ts} <= set(pages), "a README screenshot of no page"
    _seed_proposals(rt, users)
    docs = business == "bluebonnet" and os.environ.get("QM_UPDATE_SCREENSHOTS") == "1"
    problems, statuses, stats = _walk(browser, server.url, business, users, pages, _business_facts(rt), docs)
    for template in pages:  # a 403 is role-correct only where another role gets the page
        if all(statuses.get((template, role)) != 200 for role in ROLES):
            problems.append(f"{business} {template}: no role gets this page")
    print(f"{business}: {len(pages)} pages x {len(ROLES)} roles x {len(WIDTHS)} widths in {stats['page_s']:.1f} s, "
          f"{stats['links']} links checked in {stats['link_s']:.1f} s; "
          f"403 for: {sorted(f'{r} {t}' for (t, r), s in statuses.items() if s == 403)}")
    assert problems == [], "\n".join(problems)
