"""The /chat page in a real browser, on a cheap phone's screen: what a person sees and taps."""

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.app import Relais, build_router
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.settings import Settings
from bot.storage.database import create_db_engine, new_session
from bot.storage.models import ProcessedMessage, ReplyItem
from bot.web.server import create_web_app
from tests.browser import DESKTOP, FaultInjector, launch_chromium, serve

MESSAGES = "/chat/messages"
WAIT_MS = 10_000


@dataclass
class Site:
    url: str
    faults: FaultInjector
    context: BrowserContext
    database: DatabaseEngine


@pytest.fixture(scope="module")
def site(
    settings: Settings,
    services: Services,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """One server and one browser for the whole module: each test gets a new page."""
    path = tmp_path_factory.mktemp("browser-db") / "relais.db"
    shutil.copy(sqlite_template, path)
    database = create_db_engine(f"sqlite:///{path}")
    engine = Engine(database=database, services=services, router=build_router())
    relais = Relais(settings=settings, database=database, engine=engine)
    faults = FaultInjector(create_web_app(relais, channels=[]))
    with (
        serve(faults) as url,
        launch_chromium(tmp_path_factory.mktemp("chromium-profile")) as context,
    ):
        yield Site(url, faults, context, database)
    database.dispose()


@pytest.fixture
def page(site: Site) -> Iterator[Page]:
    """A new tab of a person who never came: no cookie, nothing kept."""
    site.context.clear_cookies()
    site.faults.reset()
    page = site.context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    page.close()


def open_chat(page: Page, site: Site) -> None:
    page.goto(site.url + "/chat")
    expect(page.locator(".msg.bot").first).to_be_visible()
    expect(page.locator("#send")).to_be_enabled()


def say(page: Page, text: str) -> None:
    """Type a message and send it, the way a person does, and wait for the answer."""
    before = page.locator(".msg.bot").count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(page.locator(".msg.bot")).not_to_have_count(before)
    expect(page.locator("#send")).to_be_enabled()


def bot_texts(page: Page) -> list[str]:
    return page.locator(".msg.bot").all_inner_texts()


def scroll_of(page: Page, selector: str) -> dict[str, Any]:
    return dict(
        page.eval_on_selector(
            "#log",
            """(log, selector) => {
                const target = log.querySelectorAll(selector);
                const first = target[target.length - 1];
                return {top: log.scrollTop, height: log.clientHeight, full: log.scrollHeight,
                        at: first.offsetTop, tall: first.offsetHeight};
            }""",
            selector,
        )
    )


def test_a_long_answer_opens_at_its_start_and_its_sources_are_folded_once(
    page: Page, site: Site
) -> None:
    open_chat(page, site)
    started = time.perf_counter()
    say(page, "cmt creer une asso stp")
    elapsed = time.perf_counter() - started
    print(f"time to the reply in the browser: {elapsed * 1000:.0f} ms")
    guide = page.locator(".msg.bot").last
    expect(guide).to_contain_text("association")
    position = scroll_of(page, ".msg.bot")
    # Longer than the phone's screen, and shown from its first line, not its last.
    assert position["tall"] > position["height"]
    assert position["top"] <= position["at"] < position["top"] + position["height"]
    assert position["top"] < position["full"] - position["height"]
    # The sources: one folded line, closed, out of the text.
    sources = guide.locator("details.sources")
    expect(sources).to_have_count(1)
    expect(sources).not_to_have_attribute("open", "")
    expect(sources.locator("summary")).to_have_text("Sources")
    assert sources.inner_text().strip() == "Sources"  # folded: only the summary shows
    say(page, "combien ça coûte ?")
    shown = page.locator("details.sources").count()
    say(page, "et les documents ?")
    # Follow-ups that carry the same sources as the answer before do not show them again.
    expect(page.locator("details.sources")).to_have_count(shown)
    assert shown <= 2


def test_while_waiting_a_typing_indicator_shows_and_nothing_is_sent_twice(
    page: Page, site: Site
) -> None:
    open_chat(page, site)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    site.faults.slow_next(MESSAGES, seconds=1.0)
    page.fill("#text", "menu")
    page.press("#text", "Enter")
    expect(page.locator(".typing")).to_be_visible()
    expect(page.locator("#send")).to_be_disabled()
    # Impatient taps while the answer is on its way: an old button, Enter, the send button.
    page.locator(".choices button").first.click(force=True)
    page.fill("#text", "menu")
    page.press("#text", "Enter")
    page.locator("#send").click(force=True)
    expect(page.locator(".typing")).to_have_count(0)
    expect(page.locator(".msg.me")).to_have_count(1)
    assert [url for url in requests if url.endswith(MESSAGES)] == [site.url + MESSAGES]
    # What was typed during the wait is still there, ready to send.
    expect(page.locator("#text")).to_have_value("menu")


def test_a_lost_answer_keeps_the_text_and_the_retry_is_applied_once(page: Page, site: Site) -> None:
    open_chat(page, site)
    ids: list[str] = []
    page.on(
        "request",
        lambda request: (
            request.url.endswith(MESSAGES)
            and ids.append(json.loads(request.post_data or "{}").get("id"))
        ),
    )
    site.faults.fail_next(MESSAGES)
    page.fill("#text", "Je veux créer une coopérative")
    page.press("#text", "Enter")
    retry = page.get_by_role("button", name="Réessayer")
    expect(retry).to_be_visible()
    mine = page.locator(".msg.me").last
    expect(mine).to_have_text("Je veux créer une coopérative")
    expect(mine).to_have_class("msg me failed")
    expect(page.locator(".error")).to_contain_text("Message non envoyé")
    sent = page.evaluate("JSON.parse(sessionStorage.getItem('relais.chat.v1')).pending.body")
    assert site.faults.failed == [MESSAGES]
    # Even after a reload, the message waits with its button.
    page.reload()
    expect(retry).to_be_visible()
    expect(page.locator(".msg.me.failed")).to_have_text("Je veux créer une coopérative")
    before = page.locator(".msg.bot").count()
    retry.click()
    expect(page.locator(".msg.bot")).to_have_count(before + replies_of(site, sent["id"]))
    expect(page.locator(".error")).to_have_count(0)
    expect(page.locator(".msg.me")).to_have_count(1)
    expect(page.locator(".msg.me.failed")).to_have_count(0)
    expect(page.locator(".msg.bot").last).to_contain_text("oop")
    assert ids == [sent["id"], sent["id"]]
    # The server did the work once: one claim of the id, one set of replies.
    with new_session(site.database) as session:
        claims = session.exec(
            select(ProcessedMessage).where(col(ProcessedMessage.message_id).endswith(sent["id"]))
        ).all()
    assert len(claims) == 1


def replies_of(site: Site, message_id: str) -> int:
    with new_session(site.database) as session:
        rows = session.exec(
            select(ReplyItem).where(col(ReplyItem.message_id).endswith(":" + message_id))
        ).all()
    assert rows, "the lost answer's replies were written"
    return len(rows)


def test_the_conversation_survives_a_reload(page: Page, site: Site) -> None:
    open_chat(page, site)
    say(page, "cmt creer une mutuelle")
    texts = bot_texts(page)
    mine = page.locator(".msg.me").all_inner_texts()
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    page.reload()
    expect(page.locator(".msg.bot")).to_have_count(len(texts))
    assert bot_texts(page) == texts
    assert page.locator(".msg.me").all_inner_texts() == mine
    # Nothing is sent again by reloading, and the last answer's buttons still work.
    assert not [url for url in sent if url.endswith(MESSAGES)]
    last_buttons = page.locator(".msg.bot").last.locator(".choices button")
    expect(last_buttons.first).to_be_enabled()
    before = len(texts)
    last_buttons.first.click()
    expect(page.locator(".msg.bot")).not_to_have_count(before)


def test_choices_are_numbered_where_the_text_asks_for_a_number_and_phones_are_links(
    page: Page, site: Site
) -> None:
    open_chat(page, site)
    say(page, "je veux pré-inscrire mon organisation")
    expect(page.locator(".msg.bot").last.locator(".num")).to_have_count(0)
    page.locator(".msg.bot").last.get_by_role("button", name="J'accepte").click()
    expect(page.locator(".msg.bot").last).to_contain_text("type")
    for answer in ("association", "Les Amis de Bitam", "non"):
        say(page, answer)
    expect(page.locator(".msg.bot").last).to_contain_text("secteur")
    say(page, "qsdfgh")
    refusal = page.locator(".msg.bot").last
    expect(refusal).to_contain_text("numéro")
    numbers = refusal.locator(".choices button .num").all_inner_texts()
    assert numbers[:3] == ["1.", "2.", "3."]
    assert len(numbers) == refusal.locator(".choices button").count()
    say(page, "1")
    for answer in ("woleu ntem", "Bitam", "8", "Marie Obame"):
        say(page, answer)
    page.locator(".msg.bot").last.locator(".choices button").first.click()
    expect(page.locator(".msg.bot").last).to_contain_text("téléphone")
    say(page, "077 12 34 56")
    say(page, "marie@example.org")
    summary = page.locator(".msg.bot").last
    phone = summary.locator("a[href^='tel:']")
    expect(phone).to_have_count(1)
    expect(phone).to_have_attribute("href", "tel:+24177123456")


def test_what_a_person_types_stays_text(page: Page, site: Site) -> None:
    open_chat(page, site)
    say(page, '<img src=x onerror="window.owned=1"> javascript:alert(1) https://example.org/a')
    mine = page.locator(".msg.me").last
    expect(mine).to_contain_text("<img src=x")
    assert mine.locator("img, a").count() == 0
    assert page.evaluate("window.owned") is None


def test_an_arabic_reader_gets_a_right_to_left_page(page: Page, site: Site) -> None:
    page.add_init_script("Object.defineProperty(navigator, 'language', {get: () => 'ar'})")
    page.set_extra_http_headers({"Accept-Language": "ar"})
    open_chat(page, site)
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("#send")).to_have_text("إرسال")
    greeting = page.locator(".msg.bot").first
    expect(greeting).to_have_attribute("dir", "rtl")
    box = greeting.bounding_box()
    assert box is not None and box["x"] + box["width"] > 300  # starts on the right


def test_the_page_follows_the_language_the_bot_switches_to(page: Page, site: Site) -> None:
    open_chat(page, site)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    say(page, "langue")
    page.locator(".msg.bot").last.get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#text")).to_have_attribute("placeholder", "اكتب رسالتك…")
    say(page, "english please")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#send")).to_have_text("Send")


def test_on_a_desktop_the_lines_stay_readable(page: Page, site: Site) -> None:
    page.set_viewport_size(DESKTOP)
    open_chat(page, site)
    say(page, "cmt creer une cooperative")
    width = page.locator(".msg.bot").last.bounding_box()
    assert width is not None and width["width"] <= 760
    letter = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.msg.bot')).fontSize)"
    )
    # Roughly 45 to 80 characters a line, at about half an em a character.
    assert 40 <= width["width"] / (letter * 0.5) <= 95
