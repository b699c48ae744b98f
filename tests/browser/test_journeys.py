"""Each role's main journey end to end, in headless Chromium, on the local stack `make run` starts (issue 11).

The tests click links, fill fields found by their labels and press buttons found by their names (so the
markup's labels, headings and roles are tested too), in the words of api/web/i18n.py. Every page is
screenshotted; any console error, page error, failed request or unexpected HTTP error fails the test
(tests/browser/conftest.py).
"""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from api.web.i18n import WORDS
from tests.browser.conftest import HARBOUR, Live, Person, Tab, eventually
from tests.conftest import CI

pytestmark = pytest.mark.integration

EN, ZH = WORDS["en"], WORDS["zh-CN"]
MONEY = re.compile(r"([A-Z]{3}) (-?[\d,]+\.\d{2})")


def log_in(tab: Tab, person: Person) -> None:
    """The login page in English, the person's username and password, and the page it lands on."""
    page = tab.page
    tab.goto("/app/login?lang=en", "login")
    assert page.get_by_role("heading", name=EN["login"]).is_visible()
    page.get_by_label(EN["username"]).fill(person.username)
    page.get_by_label(EN["password"], exact=True).fill(person.password)
    page.get_by_role("button", name=EN["login"]).click()
    page.wait_for_load_state()
    assert "/app/login" not in page.url, page.locator("main").inner_text()
    if page.url.endswith("/app/password"):  # the first login, with a one-time password: their own first
        tab.shot("one-time-password")
        w = EN if page.locator("html").get_attribute("lang") == "en" else ZH
        own = person.password + "-own"
        page.get_by_label(w["pw_current"]).fill(person.password)
        page.get_by_label(w["pw_new"]).fill(own)
        page.get_by_label(w["pw_confirm"]).fill(own)
        page.get_by_role("button", name=w["pw_save"]).click()
        page.wait_for_load_state()
        assert not page.url.endswith("/app/password"), page.locator("main").inner_text()
        person.password = own
    tab.shot("signed-in")


def to_english(tab: Tab) -> None:
    """A person whose default is Chinese switches the pages to English (the button names the other language)."""
    page = tab.page
    if page.locator("html").get_attribute("lang") == "zh-CN":
        page.get_by_role("button", name=ZH["language"]).click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        tab.shot("in-english")


def amount_in(row_text: str) -> Decimal:
    found = MONEY.search(row_text)
    assert found, row_text
    return Decimal(found.group(2).replace(",", ""))


def row_amount(tab: Tab, label: str) -> Decimal:
    """The amount in the balance table's row whose first cell is `label`."""
    row = tab.page.get_by_role("row").filter(has=tab.page.get_by_role("cell", name=label, exact=True)).first
    if not row.count():
        row = tab.page.get_by_role("row").filter(has=tab.page.get_by_role("rowheader", name=label, exact=True)).first
    return amount_in(row.inner_text())


def form(tab: Tab, action: str) -> Any:
    """The matter page's form that posts `action` (payment, promise, accept, ...)."""
    found = tab.page.locator(f"form[action$='/actions/{action}']")
    assert found.count() == 1, f"no single {action} form on {tab.page.url}"
    return found


# ---------------------------------------------------------------- the legal team
def test_the_legal_team_works_a_matter(live: Live, tabs: Any) -> None:
    tab = tabs()
    page = tab.page
    log_in(tab, live.people["legal_team"])
    assert page.get_by_role("heading", name=EN["worklist"], exact=True).is_visible()
    for ref in ("DEMO-CN-0001", "DEMO-EN-0002"):
        assert page.get_by_role("link", name=ref, exact=True).is_visible(), ref
    ref = f"WEB-TEAM-{uuid.uuid4().hex[:6].upper()}"
    live.open_matter(ref)  # the demo's scripted events play on: this one is the test's alone
    # Its notice goes out at once, then it waits in `reminders` for days (the standard policy's calendar).
    def in_reminders() -> dict[str, Any] | None:
        found = live.matter(ref)
        return found if found["stage"] == "reminders" else None

    target = eventually(in_reminders, f"{ref} in reminders", timeout=60, every=0.5)

    # Filter by the stage of the matter worked here: every row shown is in that stage.
    page.get_by_label(EN["stage"], exact=True).select_option(target["stage"])
    page.get_by_role("button", name=EN["filter"]).click()
    page.wait_for_load_state()
    assert f"stage={target['stage']}" in page.url
    tab.shot(f"worklist-{target['stage']}")
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 1
    for n in range(rows.count()):
        assert rows.nth(n).locator("td").nth(1).inner_text().strip() == EN["stage_" + target["stage"]]

    # Open the matter; record a payment (the amount paid grows by it) and a promise.
    page.get_by_role("link", name=ref, exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"{EN['matter']} {ref}").is_visible()
    tab.shot("matter")
    paid_before = row_amount(tab, EN["paid"])
    payment = form(tab, "payment")
    payment.get_by_label(EN["amount"]).fill("123.45")
    payment.get_by_label(EN["received_on"]).fill(date.today().isoformat())
    payment.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text=EN["done_payment"]).is_visible()
    tab.shot("payment-recorded")
    assert page.get_by_role("cell", name=re.compile(r"CNY 123\.45 received")).first.is_visible()
    # The balance comes from the projection, a moment behind the matter's workflow: shown on a reload.
    eventually(lambda: page.reload() and row_amount(tab, EN["paid"]) == paid_before + Decimal("123.45"),
               "the payment in the balance", timeout=20, every=0.5)
    tab.shot("balance-after-payment")

    # A promise refused names the field and the reason; the page keeps its place.
    promise = form(tab, "promise")
    promise.get_by_label(EN["amount"]).fill("-5")
    promise.get_by_label(EN["due_on"]).fill((date.today() + timedelta(days=7)).isoformat())
    tab.allow(422, "/actions/promise")
    promise.get_by_role("button").click()
    page.wait_for_load_state()
    refused = page.get_by_role("alert")
    assert refused.is_visible() and "amount" in refused.inner_text(), refused.inner_text()
    tab.shot("promise-refused")
    promise = form(tab, "promise")
    promise.get_by_label(EN["amount"]).fill("500.00")
    promise.get_by_label(EN["due_on"]).fill((date.today() + timedelta(days=7)).isoformat())
    promise.get_by_label(EN["note"]).fill("Called from the browser test")
    promise.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text=EN["done_promise"]).is_visible()
    tab.shot("promise-recorded")

    # A letter: the demo's matters have theirs (the collection notice, the reminders).
    page.get_by_role("link", name=EN["worklist"], exact=True).click()
    page.wait_for_load_state()
    tab.shot("worklist")
    page.get_by_role("link", name="DEMO-CN-0001", exact=True).click()
    page.wait_for_load_state()
    tab.shot("demo-matter")
    preview_a_letter(tab)

    # The language switch: the same page in Chinese, then back in English.
    page.get_by_role("button", name=EN["language"]).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name=f"{ZH['matter']} DEMO-CN-0001").is_visible()
    tab.shot("matter-in-chinese")
    # The timeline in Chinese too: its first line (the matter opened) is said by the translator.
    assert page.get_by_role("cell", name=re.compile("^案件由密钥")).first.is_visible()
    on_a_tablet(tab, "matter-on-a-tablet")
    page.get_by_role("link", name=ZH["worklist"], exact=True).click()
    page.wait_for_load_state()
    on_a_tablet(tab, "worklist-on-a-tablet")
    page.go_back()
    page.wait_for_load_state()
    page.get_by_role("button", name=ZH["language"]).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name=f"{EN['matter']} DEMO-CN-0001").is_visible()
    tab.shot("matter-in-english")


def on_a_tablet(tab: Tab, name: str) -> None:
    """The page at a tablet's width (768 px, portrait): nothing wider than the screen (a wide table scrolls in
    its own box), then the laptop's width again."""
    page = tab.page
    page.set_viewport_size({"width": 768, "height": 1024})
    try:
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        tab.shot(name)
        assert wide <= 1, f"{page.url} is {wide} px wider than a tablet's screen"
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


def preview_a_letter(tab: Tab) -> None:
    """A letter's PDF preview where LibreOffice is installed (always in CI); elsewhere the preview's page says
    why there is none, and its download link gives the letter itself."""
    page = tab.page
    previews = page.locator("a[href*='preview.pdf']")
    assert previews.count() >= 1, "no PDF preview link on the matter page"
    href = previews.first.get_attribute("href")
    assert href
    if shutil.which("soffice") or CI:
        pdf = page.context.request.get(href, timeout=120_000)  # LibreOffice's first start is slow
        assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-", (pdf.status, pdf.headers)
        assert pdf.headers["content-type"] == "application/pdf"
        return  # (headless Chromium's PDF viewer draws nothing worth a screenshot, and its own chrome:// requests)
    tab.goto(href, "no-preview-here", status=503)
    download_link = page.get_by_role("link", name=EN["download"]).first
    target = download_link.get_attribute("href") or ""
    tab.allow(0, target)  # Chromium counts a navigation that becomes a download as aborted
    with page.expect_download() as info:
        download_link.click()
    path = info.value.path()
    assert path is not None and open(path, "rb").read(2) == b"PK", "the letter is not a DOCX"
    page.go_back()
    page.wait_for_load_state()


def test_the_legal_team_imports_a_csv(live: Live, tabs: Any) -> None:
    tab = tabs()
    page = tab.page
    log_in(tab, live.people["legal_team"])
    page.get_by_role("link", name=EN["import"], exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=EN["imp_title"]).is_visible()
    tab.shot("import")
    refs = [f"WEB-{uuid.uuid4().hex[:8].upper()}-{n}" for n in (1, 2)]
    header = ("external_ref,policy,creditor_name,borrower_name,borrower_id_number,contract_number,"
              "contract_signed_on,contract_principal,annual_rate,currency,overdue_since,overdue_principal")
    good = "\n".join([header] + [f"{ref},standard,Browser Bank,Li Lei {n},ID-{ref},C-{ref},2025-01-10,10000.00,"
                                 f"0.0435,CNY,2026-09-01,1000.00" for n, ref in enumerate(refs)]) + "\n"
    bad = good.replace("10000.00", "ten thousand", 1)
    file_field = page.get_by_label(re.compile(re.escape(EN["imp_file"].split(" (")[0])))

    # A file with a mistake: nothing opens, the problem names its line and column.
    tab.allow(422, "/app/import")
    file_field.set_input_files({"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()})
    page.get_by_role("button", name=EN["imp_upload"], exact=True).click()
    problem = page.get_by_text(re.compile(r"line 2, column contract_principal"))
    problem.wait_for()
    tab.shot("import-refused")
    assert all(m.get("external_ref") not in refs for m in live.matters())

    # The file corrected: both open, the progress reaches its end, the worklist lists them.
    page.get_by_label(re.compile(re.escape(EN["imp_file"].split(" (")[0]))).set_input_files(
        {"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()})
    page.get_by_role("button", name=EN["imp_upload"], exact=True).click()
    page.get_by_text(EN["imp_status_finished"], exact=True).first.wait_for(timeout=60_000)
    tab.shot("import-finished")
    eventually(lambda: {m.get("external_ref") for m in live.matters()} >= set(refs), "the imported matters listed")
    page.get_by_role("link", name=EN["imp_to_worklist"]).click()
    page.wait_for_load_state()
    tab.shot("worklist-after-import")
    for ref in refs:
        assert page.get_by_role("link", name=ref, exact=True).is_visible(), ref


# ---------------------------------------------------------------- a law firm's partner
def escalate_to(live: Live, firm: str) -> str:
    """A manager refers a demo matter to `firm` (they reach legal review about a minute after the stack starts;
    one with a settlement under way is refused: the next is tried). Its external reference."""
    def one() -> str | None:
        for m in live.matters(stage="legal_review"):
            r = live.api("POST", f"/matters/{m['id']}/legal-review",
                         json={"decision": "escalate", "firm": firm, "reason": "Browser test: refer to the firm"})
            if r.status_code in (200, 201):
                return str(m["external_ref"])
        return None

    ref: str = eventually(one, f"a demo matter in legal review escalated to {firm}", timeout=150)
    eventually(lambda: live.matter(ref).get("referred_firm") == firm, f"{ref} listed as referred to {firm}")
    return ref


def test_a_partner_accepts_a_referral_and_records_a_filing(live: Live, tabs: Any) -> None:
    ref = escalate_to(live, HARBOUR)
    tab = tabs()
    page = tab.page
    # A wrong password first: refused on the login page, which says so.
    tab.goto("/app/login?lang=en", "login")
    page.get_by_label(EN["username"]).fill(live.people["partner"].username)
    page.get_by_label(EN["password"], exact=True).fill("not the password")
    tab.allow(401, "/app/login")
    page.get_by_role("button", name=EN["login"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").filter(has_text=EN["bad_login"]).is_visible()
    tab.shot("wrong-password")
    tab.disallow(401, "/app/login")
    log_in(tab, live.people["partner"])
    assert page.get_by_role("heading", name=EN["inbox"], exact=True).is_visible()
    theirs = {m["external_ref"] for m in live.matters() if m.get("referred_firm") == HARBOUR}
    shown = {t.strip() for t in page.locator("main table tbody tr td:first-child").all_inner_texts()}
    assert ref in shown and shown <= theirs, (shown, theirs)

    page.get_by_role("link", name=ref, exact=True).click()
    page.wait_for_load_state()
    tab.shot("referral")
    accept = form(tab, "accept")
    accept.get_by_label(EN["note"]).fill("Accepted from the browser test")
    accept.get_by_role("button", name=EN["accept_referral"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text=EN["done_accept"]).is_visible()
    tab.shot("referral-accepted")

    # The suit (in the forum the contract names), then its filing with the court.
    eventually(lambda: page.reload() and page.locator("form[action$='/actions/proceeding']").count() == 1,
               "the form to start a suit", timeout=30, every=0.5)
    form(tab, "proceeding").get_by_role("button", name=EN["start_proceeding"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text=EN["done_proceeding"]).is_visible()
    tab.shot("proceeding-started")
    filing = page.locator("details").filter(has=page.get_by_text(EN["record_event"] + EN["ev_filed"]))
    eventually(lambda: page.reload() and filing.count() == 1, "the filing form", timeout=30, every=0.5)
    filing.locator("summary").click()
    # On the demo's calendar a policy day is a second: the filing is dated the day the suit began.
    matter_id = live.matter(ref)["id"]
    started = live.api("GET", f"/matters/{matter_id}/proceedings/1").json()["proceeding"]["started_on"]
    filing.get_by_label(EN["f_on"], exact=True).fill(started)
    filing.get_by_label(EN["f_body"]).fill("上海市黄浦区人民法院")
    case = f"（2026）沪0101民初{uuid.uuid4().int % 10000}号"
    filing.get_by_label(EN["f_case_number"]).fill(case)
    filing.get_by_role("button", name=EN["save"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text=EN["done_event"]).is_visible()
    eventually(lambda: page.reload() and page.get_by_text(case).count() > 0, "the filing on the page", timeout=30)
    tab.shot("filing-recorded")

    # Another firm's matter is a 404 page, as the API says.
    other = next(m for m in live.matters() if m.get("referred_firm") != HARBOUR)
    tab.goto(f"/app/matters/{other['id']}", "another-firms-matter", status=404)
    assert page.get_by_text(EN["not_found"]).is_visible()


# ---------------------------------------------------------------- a manager
def propose_a_settlement(live: Live, tabs: Any) -> tuple[str, str]:
    """The legal team proposes a settlement on a matter of the test's own: the interest and the penalty
    interest waived (over 10% of the balance: a manager's to approve), the rest in one payment in a fortnight."""
    ref = f"WEB-SETTLE-{uuid.uuid4().hex[:6].upper()}"
    matter = live.open_matter(ref)
    tab = tabs()
    page = tab.page
    log_in(tab, live.people["legal_team"])
    tab.goto(f"/app/matters/{matter['id']}", "matter-to-settle")
    total, interest, penalty = (row_amount(tab, EN[k]) for k in ("total", "interest", "penalty"))
    settle = form(tab, "settlement")
    settle.get_by_label(EN["interest"], exact=True).fill(str(interest))
    settle.get_by_label(EN["penalty"], exact=True).fill(str(penalty))
    settle.get_by_label(f"{EN['amount']} 1", exact=True).fill(str(total - interest - penalty))
    settle.get_by_label(f"{EN['due_on_plain']} 1", exact=True).fill((date.today() + timedelta(days=14)).isoformat())
    settle.get_by_label(EN["note"]).fill("Lump sum agreed on the phone")
    settle.get_by_role("button", name=EN["propose"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text=EN["done_settlement"]).is_visible(), page.url
    tab.shot("settlement-proposed")
    return ref, matter["id"]


def configure_codec(tab: Tab, endpoint: str) -> None:
    """What the launcher's banner tells a manager to do once per browser: in the UI's Codec Server settings,
    use the browser's setting with the stack's codec endpoint and include cross-origin credentials."""
    page = tab.page
    page.get_by_role("button", name=re.compile("Codec Server")).first.click()
    dialog = page.get_by_role("dialog").filter(has_text="Codec Server")
    dialog.get_by_text("Use my browser setting").click()
    dialog.get_by_label("Codec Server browser endpoint").fill(endpoint)
    dialog.get_by_text("Include cross-origin credentials").click()
    assert dialog.get_by_role("switch", name="Include cross-origin credentials").is_checked()
    tab.shot("temporal-codec-settings")
    dialog.get_by_role("button", name="Apply").click()


def temporal_ui_tab(tabs: Any) -> Tab:
    tab = tabs()
    # Temporal's UI itself (not the stack) asks newsfeed.temporal.io for news: offline here, as the stack runs;
    # and it cancels its own fetches as it moves between views.
    tab.allow(0, "https://newsfeed.temporal.io/")
    tab.allow(0, "/api/v1/namespaces/")
    return tab


def test_a_manager_approves_reads_and_opens_the_workflow(live: Live, tabs: Any) -> None:
    ref, matter_id = propose_a_settlement(live, tabs)
    endpoint = f"{live.base}/codec"

    tab = temporal_ui_tab(tabs)
    page = tab.page
    log_in(tab, live.people["manager"])
    to_english(tab)
    page.get_by_role("link", name=EN["approvals"], exact=True).click()
    page.wait_for_load_state()
    tab.shot("approvals")
    proposal = page.locator("section").filter(has=page.get_by_role("heading", name=re.compile(re.escape(ref))))
    assert proposal.count() == 1, f"{ref} is not in the approvals queue"
    assert proposal.get_by_text("manager").first.is_visible()  # the authority it needs
    proposal.get_by_label(EN["note"]).fill("Approved: the borrower's income is documented")
    proposal.get_by_role("button", name=EN["approve"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text=EN["decided"]).is_visible()
    tab.shot("approved")
    # Off the queue once the projection has the decision (the page just after may still list it).
    eventually(lambda: page.goto("/app/approvals") and page.get_by_role(
        "heading", name=re.compile(re.escape(ref))).count() == 0, f"{ref} off the approvals queue", timeout=20)
    tab.shot("approvals-after")
    eventually(lambda: (live.api("GET", f"/matters/{matter_id}").json().get("arrangement") or {}).get("status")
               in ("approved", "effective"), f"{ref}'s settlement approved")

    # The dashboard: charts, each with its numbers in a table.
    page.get_by_role("link", name=EN["dashboard"], exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=EN["dashboard"], exact=True).is_visible()
    assert page.locator("main svg").count() >= 1 and page.locator("main table").count() >= 2
    tab.shot("dashboard")
    page.get_by_role("link", name=EN["deadlines"], exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=EN["deadlines"], exact=True).is_visible()
    tab.shot("deadlines")

    # The matter's full history: the settlement and its approval, with who.
    tab.goto(f"/app/matters/{matter_id}", "settled-matter")
    page.get_by_role("link", name=EN["hist_link"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=EN["hist_title"]).is_visible()
    history = page.locator("main").inner_text()
    assert "Administrator" in history and "Browser team" in history, history[:2000]
    tab.shot("history")

    # Its workflow in Temporal's Web UI, decoded for a manager: the input shows the matter's reference.
    page.get_by_role("link", name=EN["hist_back"]).click()
    page.wait_for_load_state()
    tab.shot("back-to-the-matter")
    link = page.locator("#open-in-temporal")
    assert link.get_attribute("href", timeout=5000).startswith(live.ui)
    tab.allow(401, "/codec/decode")  # until the UI is set to send the login cookie, the codec refuses it
    link.click()
    page.wait_for_load_state()
    page.get_by_text("Input", exact=True).filter(visible=True).first.wait_for()
    tab.shot("temporal-encoded")
    configure_codec(tab, endpoint)
    with page.expect_response(lambda r: r.url.startswith(endpoint + "/decode") and r.status == 200):
        page.reload()
    tab.disallow(401, "/codec/decode")
    page.get_by_text(ref).first.wait_for(timeout=30_000)
    tab.shot("temporal-decoded")

    # Anyone else still sees ciphertext: the codec refuses the legal team's session.
    other = temporal_ui_tab(tabs)
    log_in(other, live.people["legal_team"])
    other.allow(401, "/codec/decode")  # before the UI is set to send the cookie
    other.allow(403, "/codec/decode")  # after: not a manager
    other.page.goto(link_href := str(page.url))
    other.page.wait_for_load_state()
    configure_codec(other, endpoint)
    with other.page.expect_response(lambda r: r.url.startswith(endpoint + "/decode")) as refused:
        other.page.reload()
    assert refused.value.status == 403
    other.page.get_by_text("Input", exact=True).filter(visible=True).first.wait_for()
    other.page.wait_for_timeout(1000)
    assert other.page.get_by_text(ref).count() == 0, f"{ref} decoded for the legal team at {link_href}"
    other.shot("temporal-still-encoded")
