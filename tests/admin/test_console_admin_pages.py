"""Admins' pages over HTTP: campaigns with their live figures, events, contacts and imports."""

import asyncio
import html

import httpx
import pytest

from bot.app import Relais
from tests.admin.conftest import ADMIN
from tests.admin.helpers import console_csrf, import_members, sign_in
from tests.admin.test_console_work import citizen_of

MEMBERS = (
    "channel,address,name,language,province,topics,consent_at\n"
    "whatsapp,+24177001122,Coopérative Nkok,fr,Estuaire,events,2026-01-10\n"
    "whatsapp,not-a-number,Sans numéro,fr,Estuaire,events,2026-01-10\n"
    "telegram,123456,Sans consentement,fr,Estuaire,events,\n"
)


async def test_create_and_send_a_campaign_and_follow_its_figures(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    await import_members(client, csrf, MEMBERS)
    size = (await client.get("/admin/campaigns/audience", params={"q": "all"})).json()
    assert size == {"size": 1}
    other = {"q": "all province=Ogooué-Maritime"}
    assert (await client.get("/admin/campaigns/audience", params=other)).json() == {"size": 0}
    bad = await client.get("/admin/campaigns/audience", params={"q": "province"})
    assert bad.status_code == 400 and "error" in bad.json()
    csrf = await console_csrf(client)
    created = await client.post(
        "/admin/campaigns",
        data={
            "csrf": csrf,
            "name": "Formation coopératives",
            "message_fr": "Formation le 3 mars à Oyem.",
            "message_en": "",
            "message_ar": "",
            "audience": "all",
            "schedule": "now",
        },
    )
    assert created.status_code == 303
    location = created.headers["location"]
    page = await client.get(location)
    assert "Formation le 3 mars à Oyem." in page.text and "brouillon" in page.text
    assert (await client.post(f"{location}/send", data={"csrf": csrf})).status_code == 303
    figures: dict[str, object] = {}
    for _attempt in range(200):
        figures = (await client.get(f"{location}/progress")).json()
        if figures["state"] == "done":
            break
        await asyncio.sleep(0.05)
    # No WhatsApp sender is configured here: the one member is counted, not sent to.
    assert figures["state"] == "done" and figures["targeted"] == 1 and figures["pending"] == 0
    assert "Formation coopératives" in (await client.get("/admin/campaigns")).text
    refused = await client.post(f"{location}/send", data={"csrf": csrf})
    assert refused.status_code == 400
    no_french = await client.post(
        "/admin/campaigns", data={"csrf": csrf, "name": "x", "message_en": "Hello"}
    )
    assert no_french.status_code == 400 and "un message en français" in no_french.text
    audit = (await client.get("/admin/audit")).text
    assert "campaign.create" in audit and "campaign.send" in audit


async def test_events_and_contacts_search(client: httpx.AsyncClient, relais: Relais) -> None:
    citizen = await citizen_of(relais)
    await citizen.say("abonnez-moi")
    await sign_in(client, ADMIN)
    assert (await client.get("/admin/events")).status_code == 200
    found = await client.get("/admin/contacts", params={"q": ""})
    assert "web" in found.text
    nothing = await client.get("/admin/contacts", params={"q": "personne de ce nom"})
    assert "Aucun contact trouvé." in nothing.text
    await citizen.client.aclose()


async def test_a_member_list_is_imported_with_its_refused_rows(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    state = await import_members(client, csrf, MEMBERS)
    assert state["done"] == state["total"] == 3 and state["error"] is None
    assert (state["created"], state["updated"], state["unchanged"]) == (1, 0, 0)
    assert [row for row, _reason in state["refused"]] == [3, 4]
    # The console speaks French by default: so do the reasons.
    assert state["refused"][0][1] == (
        "l'adresse whatsapp « not-a-number » n'est pas un numéro de téléphone valide"
    )
    assert "consentement" in state["refused"][1][1]
    assert state["refused_count"] == 2 and not state["interrupted"]
    page = await client.get(state["location"])
    assert page.status_code == 200 and '<table id="refused">' in page.text
    assert "n&#39;est pas un numéro de téléphone valide" in page.text and "<progress" in page.text
    assert "contacts.import" in (await client.get("/admin/audit")).text
    # Another admin cannot follow this import, and an unknown one is a clean 404.
    assert (await client.get("/admin/contacts/import/unknown/progress")).status_code == 404
    assert (await client.get("/admin/contacts/import/unknown")).status_code == 404
    found = await client.get("/admin/contacts", params={"q": "Nkok"})
    assert "+24177001122" in found.text and "events" in found.text
    without_token = await client.post(
        "/admin/contacts/import", files={"file": ("membres.csv", MEMBERS.encode(), "text/csv")}
    )
    assert without_token.status_code == 403
    wrong = await client.post(
        "/admin/contacts/import",
        data={"csrf": csrf},
        files={"file": ("x.csv", b"name,phone\nx,y\n", "text/csv")},
    )
    assert wrong.status_code == 400 and "colonnes manquantes" in wrong.text
    assert "/tmp" not in wrong.text
    huge = await client.post(
        "/admin/contacts/import",
        data={"csrf": csrf},
        files={"file": ("big.csv", b"x" * (6 * 1024 * 1024), "text/csv")},
    )
    assert huge.status_code == 413


@pytest.mark.parametrize(
    ("lang", "phone", "consent", "columns", "not_utf8"),
    [
        (
            "ar",
            "عنوان whatsapp «not-a-number» ليس رقم هاتف صالحًا",
            "لا يوجد consent_at",
            "أعمدة ناقصة",
            "ليس نصًا بترميز UTF-8",
        ),
        (
            "en",
            'whatsapp address "not-a-number" is not a valid phone number',
            "no consent_at",
            "missing columns",
            "is not UTF-8 text",
        ),
    ],
)
async def test_an_import_speaks_the_console_language(
    client: httpx.AsyncClient, lang: str, phone: str, consent: str, columns: str, not_utf8: str
) -> None:
    await sign_in(client, ADMIN)
    await client.get(f"/admin/contacts?lang={lang}")
    csrf = await console_csrf(client)
    state = await import_members(client, csrf, MEMBERS)
    assert state["refused"][0][1] == phone and consent in state["refused"][1][1]
    page = await client.get(state["location"])
    assert phone in html.unescape(page.text)
    wrong = await client.post(
        "/admin/contacts/import",
        data={"csrf": csrf},
        files={"file": ("x.csv", b"name,phone\nx,y\n", "text/csv")},
    )
    assert wrong.status_code == 400 and columns in html.unescape(wrong.text)
    latin1 = await client.post(
        "/admin/contacts/import",
        data={"csrf": csrf},
        files={"file": ("y.csv", "channel,é\n".encode("latin-1"), "text/csv")},
    )
    assert latin1.status_code == 400 and not_utf8 in html.unescape(latin1.text)
    empty = await client.post(
        "/admin/contacts/import", data={"csrf": csrf}, files={"file": ("z.csv", b"", "text/csv")}
    )
    assert empty.status_code == 400 and "CSV" in empty.text and "choisissez" not in empty.text
    unknown = await client.get("/admin/contacts/import/unknown/progress")
    assert unknown.json()["error"] != "import inconnu"
