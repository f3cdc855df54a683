"""A consultation in a real browser (Debian's Chromium): prepared, sent, answered, read."""

import time
from typing import Any

from bot.app import Relais
from tests.admin.conftest import SCREENSHOTS
from tests.admin.consultation_helpers import answer, header, person, queued_invitations
from tests.admin.test_console_browser import WAIT, sign_in_as_admin

QUESTIONS = [
    (
        "single_choice",
        "Quel canal préférez-vous ?",
        {"options_fr": "Au bureau\nPar téléphone\nEn ligne"},
    ),
    ("rating", "Notez l'accueil de 1 à 5.", {}),
    ("free_text", "Que faudrait-il changer ?", {}),
    (
        "comment",
        "Voici le projet de charte d'accueil.",
        {"parts_fr": "1. Un accusé de réception.\n\n2. Une réponse sous trente jours."},
    ),
]


def add_question(page: Any, kind: str, text: str, fields: dict[str, str]) -> None:
    before = page.locator("#question-list > li form").count()
    page.select_option("#question-kind", kind)
    page.fill("#new-question textarea[name=text_fr]", text)
    for name, value in fields.items():
        # Only the fields of the chosen kind show.
        assert page.locator(f"#new-question [name={name}]").is_visible()
        page.fill(f"#new-question [name={name}]", value)
    page.click("text=Ajouter la question")
    page.wait_for_function(
        "n => document.querySelectorAll('#question-list > li form').length > n",
        arg=before,
        timeout=WAIT,
    )


def test_prepare_send_and_read_a_consultation_in_a_browser(
    browser: Any, server: str, relais: Relais
) -> None:
    for address, province in (("801", "Estuaire"), ("802", "Ogooué-Maritime"), ("803", "Estuaire")):
        person(relais.database, address, province)
    admin = sign_in_as_admin(browser, server)
    admin.click("nav >> text=Consultations")
    form = header()
    for name in ("title_fr", "title_en", "intro_fr", "intro_ar"):
        admin.fill(f"#new-consultation [name={name}]", form[name])
    # Who consults is the directorate, offered already.
    assert admin.input_value("#new-consultation [name=asked_by_fr]")
    admin.fill("#new-consultation [name=closes]", form["closes"])
    admin.select_option("#builder select[data-part=province]", "Estuaire")
    admin.locator("#audience-size", has_text="2").wait_for(timeout=WAIT)
    admin.select_option("#builder select[data-part=province]", "")
    admin.locator("#audience-size", has_text="3").wait_for(timeout=WAIT)
    admin.click("text=Créer le brouillon")
    admin.wait_for_selector("#new-question", timeout=WAIT)
    admin.select_option("#question-kind", "rating")
    assert not admin.locator("#new-question [name=options_fr]").is_visible()
    for kind, text, fields in QUESTIONS:
        add_question(admin, kind, text, fields)
    assert admin.locator("#question-list > li").count() == 4
    admin.screenshot(path=str(SCREENSHOTS / "console-consultation-edit.png"), full_page=True)

    admin.click("text=Tester et envoyer")
    admin.click("text=Envoyer la consultation")
    admin.locator("#state", has_text="ouverte").wait_for(timeout=WAIT)
    consultation_id = int(admin.url.rstrip("/").rsplit("/", 1)[1])
    assert admin.inner_text("#finished") == "0"
    for _attempt in range(500):
        if queued_invitations(relais.database, consultation_id) == 3:
            break
        time.sleep(0.02)

    # Answers come in as the chat writes them; the open page follows without a reload.
    answer(
        relais.database,
        consultation_id,
        "801",
        {1: 2, 2: 4, 3: "Ouvrir le samedi", 4: ["Oui", None]},
    )
    answer(relais.database, consultation_id, "802", {1: 2, 2: 5, 3: "Un guichet à Port-Gentil"})
    answer(relais.database, consultation_id, "803", {1: 1}, finish=False)
    admin.locator("#finished", has_text="2").wait_for(timeout=WAIT)
    admin.locator("#started", has_text="3").wait_for(timeout=WAIT)
    assert admin.locator("#charts svg").count() == 2
    assert "Par téléphone: 2" in admin.locator("#charts").inner_html()
    assert "67%" in admin.inner_text("#by-channel")
    assert "Estuaire" in admin.inner_text("#by-province")
    admin.screenshot(path=str(SCREENSHOTS / "console-consultation-results.png"), full_page=True)

    # The free texts, searched.
    admin.fill("#text-search input[name=q]", "port-gentil")
    admin.click("#text-search button")
    admin.wait_for_url("**q=port-gentil**", timeout=WAIT)
    texts = admin.inner_text("#text-answers")
    assert "Un guichet à Port-Gentil" in texts and "samedi" not in texts

    phone = browser.new_page()
    phone.set_viewport_size({"width": 360, "height": 640})
    phone.goto(f"{server}/admin/consultations/{consultation_id}?lang=ar")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert phone.locator("#charts svg").count() == 2
    # Nothing is wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(SCREENSHOTS / "console-consultation-phone.png"), full_page=True)
