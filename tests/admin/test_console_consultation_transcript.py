"""A consultation made in the console, answered in the chat, then read in the console."""

import re

import httpx

from bot.app import Relais
from bot.domain import Channel
from tests.admin.conftest import ADMIN
from tests.admin.consultation_helpers import create_through_forms, person
from tests.admin.helpers import console_csrf, sign_in
from tests.admin.test_console_consultations import invitations_queued
from tests.transcript import Chat, verify_dialog


async def test_what_staff_ask_in_the_console_is_answered_in_the_chat(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    person(relais.database, "awa", "Estuaire")
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    consultation_id = await create_through_forms(client, csrf)
    sent = await client.post(f"/admin/consultations/{consultation_id}/send", data={"csrf": csrf})
    assert sent.status_code == 303
    # The console woke the campaign loop; without a Telegram token it queues and skips.
    await invitations_queued(relais, consultation_id, 1)

    awa = Chat(relais.engine, sender="awa", channel=Channel.TELEGRAM)
    verify_dialog(
        awa,
        [
            ("consultation", ["La Direction de l'économie sociale vous consulte", "[Commencer]"]),
            ("[Commencer]", ["Question 1/6 : Quel canal préférez-vous ?", "[Par téléphone]"]),
            ("[Par téléphone]", ["Question 2/6", "[Les statuts]"]),
            ("[Les statuts]", "[✅ Les statuts]"),
            ("[Valider]", ["Question 3/6", "entre 0 et 20"]),
            ("trois", "Question 4/6"),
            ("[4]", ["Question 5/6", "Écrivez votre réponse"]),
            ("Ouvrir aussi le samedi matin", ["Voici le projet de charte", "Partie 1/2"]),
            ("D'accord avec l'accusé de réception", "Partie 2/2"),
            ("[Pas de commentaire]", ["Voici vos réponses", "Par téléphone"]),
            ("[Envoyer]", "Merci ! Vos réponses sont enregistrées."),
        ],
    )

    page = (await client.get(f"/admin/consultations/{consultation_id}")).text
    assert re.search(r'id="started">1<', page) and re.search(r'id="finished">1<', page)
    assert "Par téléphone: 1" in page and "Les statuts: 1" in page
    assert "<td>Estuaire</td><td>1</td><td>1</td><td>1</td><td>100%</td>" in page
    live = (await client.get(f"/admin/consultations/{consultation_id}/live")).json()
    assert [q["answered"] for q in live["questions"]] == [1, 1, 1, 1, 1, 1]
    assert live["questions"][2]["mean"] == "3.00"
    searched = await client.get(f"/admin/consultations/{consultation_id}", params={"q": "accusé"})
    texts = re.search(r'id="text-answers">.*?</table>', searched.text, re.S)
    assert texts is not None
    assert "D&#39;accord avec l&#39;accusé de réception" in texts.group(0)
    assert "samedi" not in texts.group(0)
