"""Staff work through the console over HTTP: review a registration, answer a person, export."""

import csv
import io
import zipfile
from xml.etree import ElementTree

import httpx
from sqlmodel import select

from bot.app import Relais
from bot.domain import RegistrationStatus
from bot.services.spreadsheet import XLSX_MEDIA_TYPE
from bot.storage.database import new_session
from bot.storage.models import HandoffRequest, Registration
from tests.admin.conftest import ADMIN, AGENT
from tests.admin.helpers import console_csrf, sign_in
from tests.core.test_preregistration import FULL_FORM


class WebCitizen:
    """A person in the web chat: their own cookie, their own numbered messages."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.number = 0

    async def open(self) -> None:
        await self.client.get("/chat")

    async def say(self, text: str) -> str:
        self.number += 1
        response = await self.client.post(
            "/chat/messages", json={"text": text, "id": str(self.number)}
        )
        assert response.status_code == 200
        return "\n".join(reply["text"] for reply in response.json()["replies"])

    async def news(self) -> list[str]:
        response = await self.client.get("/chat/updates")
        assert response.status_code == 200
        return [reply["text"] for reply in response.json()["replies"]]


async def citizen_of(relais: Relais) -> WebCitizen:
    from bot.web.server import create_web_app

    transport = httpx.ASGITransport(app=create_web_app(relais))
    citizen = WebCitizen(httpx.AsyncClient(transport=transport, base_url="http://relais.test"))
    await citizen.open()
    return citizen


async def test_reviewing_a_registration_tells_the_citizen(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    citizen = await citizen_of(relais)
    for text, _expected in FULL_FORM:
        await citizen.say(text)
    assert "GA-" in await citizen.say("confirmer")
    await sign_in(client, AGENT)
    charts = (await client.get("/admin")).text.split('id="home-charts"', 1)[1]
    by_form = charts.split("Pré-inscriptions par forme", 1)[1].split("</figure>", 1)[0]
    assert "<svg" in by_form and "coopérative: 1" in by_form
    assert "Woleu-Ntem: 1" in charts.split("Pré-inscriptions par province", 1)[1]
    listing = await client.get("/admin/registrations", params={"status": "received"})
    assert "Les Agriculteurs de Bitam" in listing.text
    assert (
        "Les Agriculteurs"
        not in (await client.get("/admin/registrations", params={"status": "approved"})).text
    )
    found = await client.get(
        "/admin/registrations", params={"q": "agriculteurs", "type": "cooperative"}
    )
    assert "Les Agriculteurs de Bitam" in found.text
    with new_session(relais.database) as session:
        registration = session.exec(select(Registration)).one()
        registration_id, reference = registration.id, registration.reference
    detail = await client.get(f"/admin/registrations/{registration_id}")
    assert "Marie Obame" in detail.text and reference in detail.text
    csrf = await console_csrf(client)
    changed = await client.post(
        f"/admin/registrations/{registration_id}/status",
        data={"csrf": csrf, "status": "needs_information", "note": "Envoyez les statuts signés."},
    )
    assert changed.status_code == 303
    [news] = await citizen.news()
    assert reference in news and "informations complémentaires" in news
    assert "Envoyez les statuts signés." in news
    assert await citizen.news() == []  # handed over once
    status = await citizen.say("où en est mon dossier ?")
    assert "informations complémentaires" in status and "Envoyez les statuts signés." in status
    await client.post(
        f"/admin/registrations/{registration_id}/status",
        data={"csrf": csrf, "status": "approved", "note": ""},
    )
    assert "validée" in (await citizen.news())[0]
    with new_session(relais.database) as session:
        assert session.get(Registration, registration_id).status is RegistrationStatus.APPROVED  # type: ignore[union-attr]
    await sign_in(client, ADMIN)
    audit = (await client.get("/admin/audit")).text
    assert "needs_information -&gt; approved" in audit
    assert "received -&gt; needs_information: Envoyez les statuts signés." in audit
    assert audit.count(AGENT) >= 3  # who did it, on every line
    await citizen.client.aclose()


async def test_an_unknown_status_or_registration_gets_a_clear_4xx(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, AGENT)
    csrf = await console_csrf(client)
    missing = await client.post(
        "/admin/registrations/999/status", data={"csrf": csrf, "status": "approved"}
    )
    assert missing.status_code == 400
    assert (await client.get("/admin/registrations/999")).status_code == 404
    bad = await client.post("/admin/registrations/1/status", data={"csrf": csrf, "status": "x"})
    assert bad.status_code == 400
    assert (await client.get("/admin/registrations?since=not-a-date&offset=-4")).status_code == 200


async def registered_with_a_formula(client: httpx.AsyncClient, relais: Relais) -> WebCitizen:
    """A citizen's registration whose town reads as a formula, and an agent signed in."""
    citizen = await citizen_of(relais)
    for text, _expected in FULL_FORM:
        await citizen.say(text)
    await citizen.say("confirmer")
    with new_session(relais.database) as session:
        registration = session.exec(select(Registration)).one()
        registration.town = '=HYPERLINK("http://x")'
        session.add(registration)
        session.commit()
    await sign_in(client, AGENT)
    return citizen


async def test_the_csv_export_keeps_the_filter_and_neutralises_formulas(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    citizen = await registered_with_a_formula(client, relais)
    export = await client.get("/admin/registrations.csv", params={"province": "Woleu-Ntem"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(export.text)))
    assert row["town"].startswith("'=") and row["phone"] == "+24177123456"
    empty = await client.get("/admin/registrations.csv", params={"province": "Estuaire"})
    assert list(csv.DictReader(io.StringIO(empty.text))) == []
    await citizen.client.aclose()


def sheet_rows(book: bytes) -> list[list[str]]:
    """Read the cells of a one-sheet .xlsx back, as text, row by row."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            strings = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{main}t")) for si in strings]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{main}row"):
        cells: dict[int, str] = {}
        for cell in row.iter(f"{main}c"):
            # Empty cells are not written: the reference ("C2") says which column this is.
            letters = "".join(c for c in cell.get("r", "") if c.isalpha())
            column = 0
            for letter in letters:
                column = column * 26 + ord(letter) - ord("A") + 1
            value = cell.find(f"{main}v")
            if cell.get("t") == "s" and value is not None:
                cells[column - 1] = shared[int(value.text or 0)]
            elif cell.get("t") == "inlineStr":
                cells[column - 1] = "".join(t.text or "" for t in cell.iter(f"{main}t"))
            else:
                cells[column - 1] = value.text or "" if value is not None else ""
        rows.append([cells.get(index, "") for index in range(max(cells, default=-1) + 1)])
    return rows


async def test_the_spreadsheet_export_keeps_the_filter_and_the_values(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    citizen = await registered_with_a_formula(client, relais)
    export = await client.get("/admin/registrations.xlsx", params={"province": "Woleu-Ntem"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith(XLSX_MEDIA_TYPE)
    header, row = sheet_rows(export.content)
    values = dict(zip(header, row + [""] * (len(header) - len(row)), strict=True))
    assert values["town"].startswith("'=") and values["phone"] == "+24177123456"
    assert values["reference"].startswith("GA-")
    empty = await client.get("/admin/registrations.xlsx", params={"province": "Estuaire"})
    assert len(sheet_rows(empty.content)) == 1  # the header alone
    await citizen.client.aclose()


async def test_an_agent_takes_a_conversation_answers_and_hands_back(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    citizen = await citizen_of(relais)
    await citizen.say("je veux parler à un agent")
    await sign_in(client, AGENT)
    poll = (await client.get("/admin/conversations/poll", params={"after": 0})).json()
    [request] = poll["requests"]
    request_id = request["id"]
    page = await client.get(f"/admin/conversations/{request_id}")
    assert "je veux parler à un agent" in page.text
    csrf = await console_csrf(client)
    before_take = await client.post(
        f"/admin/conversations/{request_id}/reply", data={"csrf": csrf, "text": "Bonjour"}
    )
    assert before_take.status_code == 400
    await client.post(f"/admin/conversations/{request_id}/take", data={"csrf": csrf})
    [notice] = await citizen.news()
    assert "agent" in notice
    # The bot stays quiet while the agent answers; the message is kept for the agent.
    assert await citizen.say("combien coûte une association ?") == ""
    messages = (await client.get(f"/admin/conversations/{request_id}/messages")).json()
    assert "combien coûte une association ?" in [m["text"] for m in messages["messages"]]
    await client.post(
        f"/admin/conversations/{request_id}/reply",
        data={"csrf": csrf, "text": "Bonjour, 10 000 FCFA au Journal officiel."},
    )
    assert await citizen.news() == ["Bonjour, 10 000 FCFA au Journal officiel."]
    await client.post(f"/admin/conversations/{request_id}/close", data={"csrf": csrf})
    assert "robot" in (await citizen.news())[0]
    assert await citizen.say("menu") != ""
    with new_session(relais.database) as session:
        assert session.get(HandoffRequest, request_id).status.value == "closed"  # type: ignore[union-attr]
    # Another agent cannot answer a conversation someone else took.
    await citizen.client.aclose()


async def test_a_taken_conversation_is_the_taker_s_only(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    citizen = await citizen_of(relais)
    await citizen.say("parler à une personne")
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    request_id = (await client.get("/admin/conversations/poll")).json()["requests"][0]["id"]
    await client.post(f"/admin/conversations/{request_id}/take", data={"csrf": csrf})
    await sign_in(client, AGENT)
    csrf = await console_csrf(client)
    refused = await client.post(
        f"/admin/conversations/{request_id}/reply", data={"csrf": csrf, "text": "moi aussi"}
    )
    assert refused.status_code == 400
    await citizen.client.aclose()


def test_every_status_has_a_name_wherever_statuses_are_shown() -> None:
    from bot.channels.telegram import reports
    from bot.core.flows import status
    from bot.web.admin.console import STATUS_LABELS

    for names in (status.STATUS_NAMES, reports.STATUS_COUNTS, reports.STATUS_NAMES):
        assert set(names) == set(RegistrationStatus)
    assert set(STATUS_LABELS) == {member.value for member in RegistrationStatus}
