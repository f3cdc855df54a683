"""The console in a real browser (Debian's Chromium, headless): review, approve, answer a person."""

import re
from typing import Any

from bot.app import Relais
from tests.admin.conftest import AGENT, SCREENSHOTS
from tests.admin.helpers import PASSWORD
from tests.core.test_preregistration import FULL_FORM

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


def test_create_and_send_a_campaign_in_a_browser(browser: Any, server: str, relais: Relais) -> None:
    from bot.services.contacts_import import import_contacts
    from tests.admin.conftest import ADMIN
    from tests.admin.test_console_admin_pages import MEMBERS

    members = SCREENSHOTS.parent / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    try:
        import_contacts(relais.database, members, phone_region="GA")
    finally:
        members.unlink()
    admin = browser.new_page()
    admin.goto(f"{server}/admin/login")
    admin.fill("input[name=email]", ADMIN)
    admin.fill("input[name=password]", PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_url(f"{server}/admin", timeout=WAIT)
    admin.click("nav >> text=Campagnes")
    admin.fill("input[name=name]", "Journée du commerce équitable")
    admin.fill("textarea[name=message_fr]", "Le 14 mai, c'est la Journée du commerce équitable.")
    admin.fill("#audience", "all province=Estuaire")
    admin.locator("#audience-size", has_text="1").wait_for(timeout=WAIT)
    admin.fill("#audience", "all province=Haut-Ogooué")
    admin.locator("#audience-size", has_text="0").wait_for(timeout=WAIT)
    admin.fill("#audience", "all")
    admin.locator("#audience-size", has_text="1").wait_for(timeout=WAIT)
    admin.click("text=Créer le brouillon")
    admin.click("text=Envoyer maintenant")
    admin.locator("#done-text", has_text="1 / 1").wait_for(timeout=WAIT)
    assert admin.locator("#done").evaluate("bar => bar.value === bar.max")
    admin.locator("#state", has_text="envoyée").wait_for(timeout=WAIT)
    admin.screenshot(path=str(SCREENSHOTS / "console-campaign.png"), full_page=True)

    phone = browser.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{server}/admin/registrations?lang=ar")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert "التسجيلات المسبقة" in phone.inner_text("h1")
    phone.screenshot(path=str(SCREENSHOTS / "console-phone-arabic.png"), full_page=True)
