"""The console in a real browser (Debian's Chromium, headless): review, approve, answer a person."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import Relais
from bot.domain import Channel
from bot.services.staff import StaffService
from bot.storage import contacts
from bot.storage.database import new_session
from bot.storage.types import utcnow
from bot.web.server import create_web_app
from tests.admin.conftest import ADMIN, AGENT, SCREENSHOTS
from tests.admin.helpers import PASSWORD
from tests.admin.test_console_admin_pages import MEMBERS
from tests.browser import serve
from tests.core.test_preregistration import FULL_FORM
from tests.whatsapp.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilio

WAIT = 15_000


def chat(page: Any, text: str) -> None:
    """Type a message in the web chat and wait for the bot's answer."""
    replies = page.locator(".msg.bot")
    before = replies.count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot').length > n", arg=before, timeout=WAIT
    )


def see(page: Any, text: str) -> None:
    """Wait until a bot message with this text shows in the chat."""
    page.locator(".msg.bot", has_text=text).first.wait_for(timeout=WAIT)


def test_review_approve_and_answer_in_a_browser(browser: Any, server: str, relais: Relais) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    citizen = browser.new_page()
    citizen.goto(f"{server}/chat")
    citizen.wait_for_selector(".msg.bot", timeout=WAIT)
    for text, _expected in FULL_FORM:
        chat(citizen, text.strip("[]"))
    chat(citizen, "confirmer")
    reference = re.search(r"GA-\d{4}-\d{5}", citizen.inner_text("#log"))
    assert reference is not None, citizen.inner_text("#log")[-1500:]

    agent = browser.new_page()
    agent.goto(f"{server}/admin")
    assert agent.url.endswith("/admin/login")
    agent.screenshot(path=str(SCREENSHOTS / "console-login.png"))
    agent.fill("input[name=email]", AGENT)
    agent.fill("input[name=password]", PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_url(f"{server}/admin", timeout=WAIT)
    agent.screenshot(path=str(SCREENSHOTS / "console-home.png"), full_page=True)

    agent.click("text=Pré-inscriptions")
    agent.select_option("select[name=status]", "received")
    agent.click("text=Filtrer")
    agent.wait_for_selector(f"text={reference.group(0)}", timeout=WAIT)
    agent.screenshot(path=str(SCREENSHOTS / "console-registrations.png"), full_page=True)
    agent.click(f"text={reference.group(0)}")
    agent.select_option("select[name=status]", "approved")
    agent.fill("textarea[name=note]", "Déposez le dossier complet au guichet de la DGES.")
    agent.screenshot(path=str(SCREENSHOTS / "console-registration.png"), full_page=True)
    agent.click("text=Enregistrer et prévenir")
    agent.wait_for_selector(".ok", timeout=WAIT)
    assert "validée" in agent.inner_text("#status")

    # The citizen's chat shows the news without a reload, and the status answer agrees.
    see(citizen, "Votre dossier a changé")
    chat(citizen, "où en est mon dossier ?")
    log = citizen.inner_text("#log")
    assert "validée" in log and "Déposez le dossier complet" in log

    agent.click("text=Conversations")
    agent.wait_for_selector("#requests", state="attached", timeout=WAIT)
    chat(citizen, "je veux parler à un agent")
    # The new request appears on the agent's page without a reload.
    agent.wait_for_selector("#requests li.new a", timeout=WAIT)
    agent.screenshot(path=str(SCREENSHOTS / "console-conversations.png"), full_page=True)
    agent.click("#requests li.new a")
    agent.click("text=Prendre la conversation")
    see(citizen, "a pris votre demande")
    agent.fill("textarea[name=text]", "Bonjour, je suis Awa de la DGES. Comment puis-je aider ?")
    agent.click(".composer button")
    see(citizen, "je suis Awa de la DGES")
    page_text = citizen.inner_text("#log")
    assert page_text.count("je suis Awa de la DGES") == 1
    citizen.fill("#text", "Merci, quels documents faut-il ?")
    citizen.press("#text", "Enter")
    agent.wait_for_selector("text=quels documents faut-il", timeout=WAIT)
    agent.screenshot(path=str(SCREENSHOTS / "console-conversation.png"), full_page=True)
    citizen.screenshot(path=str(SCREENSHOTS / "chat-agent-reply.png"), full_page=True)


@pytest.fixture
def whatsapp_server(relais: Relais, staff: StaffService) -> Iterator[tuple[str, FakeTwilio]]:
    """The web app with WhatsApp on, talking to a fake Twilio on loopback."""
    twilio = FakeTwilio().start()
    settings = relais.settings.model_copy(
        update={
            # Plain HTTP, as the test server: the console's cookies are then not "Secure".
            # The fake Twilio calls no status callback, so no server need answer there.
            "public_url": "http://127.0.0.1",
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_whatsapp_from": WHATSAPP_FROM,
            "twilio_api_url": twilio.url,
            "twilio_content_api_url": twilio.url,
            "whatsapp_rate": 1000.0,
        }
    )
    with_whatsapp = Relais(settings=settings, database=relais.database, engine=relais.engine)
    try:
        with serve(create_web_app(with_whatsapp)) as url:
            yield url, twilio
    finally:
        twilio.stop()


def sign_in_as_admin(browser: Any, server: str) -> Any:
    admin = browser.new_page()
    admin.goto(f"{server}/admin/login")
    admin.fill("input[name=email]", ADMIN)
    admin.fill("input[name=password]", PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_url(f"{server}/admin", timeout=WAIT)
    return admin


def test_create_and_send_a_campaign_in_a_browser(
    browser: Any, whatsapp_server: tuple[str, FakeTwilio], relais: Relais
) -> None:
    server, twilio = whatsapp_server
    admin = sign_in_as_admin(browser, server)
    # The member list is imported in the background: a progress bar, then the refused rows.
    members = SCREENSHOTS.parent / "membres.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    try:
        admin.click("nav >> text=Contacts")
        admin.set_input_files("input[name=file]", str(members))
        admin.click('button:has-text("Importer")')
        admin.locator("#import-result").wait_for(state="visible", timeout=WAIT)
    finally:
        members.unlink()
    assert admin.locator("#import-bar").evaluate("bar => bar.value === bar.max")
    assert admin.locator("#refused tbody tr").count() == 2
    assert "n'est pas un numéro de téléphone valide" in admin.inner_text("#refused")
    admin.screenshot(path=str(SCREENSHOTS / "console-import.png"), full_page=True)
    with new_session(relais.database) as session:
        # The member wrote an hour ago: free text reaches them within WhatsApp's window.
        member = contacts.find_contact(session, channel=Channel.WHATSAPP, address="+24177001122")
        assert member is not None
        member.last_inbound_at = utcnow() - timedelta(hours=1)
        session.add(member)
        session.commit()
    admin.click("nav >> text=Campagnes")
    admin.fill("input[name=name]", "Journée du commerce équitable")
    admin.fill("textarea[name=message_fr]", "Le 14 mai, c'est la Journée du commerce équitable.")
    admin.fill("#audience", "all province=Estuaire")
    admin.locator("#audience-size", has_text="1").wait_for(timeout=WAIT)
    admin.fill("#audience", "all province=Haut-Ogooué")
    admin.locator("#audience-size", has_text="0").wait_for(timeout=WAIT)
    # The builder writes the expression, and the size follows.
    admin.select_option("#builder select[data-part=channel]", "telegram")
    admin.locator("#audience-size", has_text="0").wait_for(timeout=WAIT)
    assert admin.input_value("#audience") == "all channel=telegram"
    admin.select_option("#builder select[data-part=channel]", "whatsapp")
    admin.locator("#audience-size", has_text="1").wait_for(timeout=WAIT)
    # The schedule says when it would fire: the second Saturday of May, every year.
    admin.select_option("#schedule-kind", "rule")
    admin.fill("#schedule-value", "2e samedi de mai")
    admin.locator("#schedule-next", has_text="-05-").wait_for(timeout=WAIT)
    days = [int(moment[8:10]) for moment in admin.inner_text("#schedule-next").split(" · ")]
    assert len(days) == 3 and all(8 <= day <= 14 for day in days)
    admin.select_option("#schedule-kind", "now")
    admin.click("text=Créer le brouillon")
    admin.locator(".bubble.wa", has_text="Le 14 mai").first.wait_for(timeout=WAIT)
    admin.click("text=Envoyer maintenant")
    admin.locator("#done-text", has_text="1 / 1").wait_for(timeout=WAIT)
    admin.locator("#state", has_text="envoyée").wait_for(timeout=WAIT)
    # Once sent, the page shows the chart of the sends over time, by channel.
    admin.locator("#charts svg").first.wait_for(timeout=WAIT)
    assert "whatsapp" in admin.inner_text("#charts")
    assert [call.body for call in twilio.sent_to("whatsapp:+24177001122")] == [
        "Le 14 mai, c'est la Journée du commerce équitable."
    ]
    admin.screenshot(path=str(SCREENSHOTS / "console-campaign.png"), full_page=True)

    campaign_page = admin.url.split("?", 1)[0]
    phone = browser.new_page()
    phone.set_viewport_size({"width": 360, "height": 640})
    # On a cheap phone, in Arabic, every page fits the screen's width: nothing to scroll sideways.
    for page in ("/admin", "/admin/campaigns", campaign_page, "/admin/events", "/admin/contacts"):
        phone.goto(f"{server}{page}?lang=ar" if page.startswith("/") else f"{page}?lang=ar")
        assert phone.locator("html").get_attribute("dir") == "rtl"
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page
    phone.goto(f"{campaign_page}?lang=ar")
    assert "الإرسال عبر الزمن" in phone.inner_text("#charts")
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{server}/admin/registrations?lang=ar")
    assert "التسجيلات المسبقة" in phone.inner_text("h1")
    phone.screenshot(path=str(SCREENSHOTS / "console-phone-arabic.png"), full_page=True)


def test_create_then_move_an_event_in_a_browser(browser: Any, server: str, relais: Relais) -> None:
    admin = sign_in_as_admin(browser, server)
    admin.set_viewport_size({"width": 390, "height": 844})
    admin.click("nav >> text=Événements")
    admin.select_option("select[name=kind]", "training")
    admin.fill("input[name=title_fr]", "Formation coopératives")
    admin.fill("input[name=starts_at]", "2027-03-03T09:00")
    admin.fill("input[name=place]", "Oyem, salle polyvalente")
    admin.fill("input[name=province]", "Woleu-Ntem")
    admin.fill("input[name=capacity]", "40")
    admin.click("text=Créer l'événement")
    admin.wait_for_selector("#move-event", timeout=WAIT)
    assert "Oyem, salle polyvalente" in admin.inner_text("#event-place")
    assert admin.locator("#reminders tbody tr").count() == 3
    admin.fill("#move-event input[name=starts_at]", "2027-03-10T10:30")
    admin.fill("#move-event input[name=place]", "Bitam, mairie")
    admin.click("text=Déplacer l'événement")
    admin.wait_for_selector(".ok", timeout=WAIT)
    assert "Bitam, mairie" in admin.inner_text("#event-place")
    assert "2027-03-10 10:30" in admin.inner_text("#event-when")
    assert "2027-03-09 10:30" in admin.inner_text("#reminders")
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    admin.screenshot(path=str(SCREENSHOTS / "console-event.png"), full_page=True)
