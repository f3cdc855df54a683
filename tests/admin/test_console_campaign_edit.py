"""Campaigns in the console over HTTP: edit, preview, test, schedules, then chart and failures."""

import httpx
from sqlmodel import select

from bot.app import Relais
from bot.campaigns import runner, service
from bot.campaigns.delivery import CampaignMessage, Delivery, Outcome, Recipient
from bot.domain import Channel, DeliveryStatus, ReplyStatus, Topic
from bot.storage import contacts, deliveries
from bot.storage.database import new_session
from bot.storage.models import ReplyItem
from tests.admin.conftest import ADMIN, AGENT
from tests.admin.helpers import console_csrf, sign_in

SID_FR = "HX" + "0" * 31 + "1"
SID_AR = "HX" + "a" * 32


def subscribers(relais: Relais, count: int) -> None:
    with new_session(relais.database) as session:
        for number in range(count):
            contact = contacts.get_or_create_contact(
                session, channel=Channel.TELEGRAM, address=str(1000 + number)
            )
            contact.name = f"Membre {number}"
            contact.province = "Estuaire" if number % 2 else "Woleu-Ntem"
            session.add(contact)
            contacts.subscribe(session, contact_id=contact.id or 0, topic=Topic.EVENTS)
        session.commit()


def draft(**fields: str) -> dict[str, str]:
    return {
        "name": "Journée du commerce équitable",
        "message_fr": "Le 14 mai, c'est la Journée du commerce équitable.",
        "audience": "all",
        "schedule_kind": "yearly",
        "schedule_value": "05-14",
        **fields,
    }


async def created(client: httpx.AsyncClient, csrf: str, **fields: str) -> str:
    response = await client.post("/admin/campaigns", data={"csrf": csrf, **draft(**fields)})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def test_a_draft_is_edited_in_every_language_with_its_templates(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    subscribers(relais, 4)
    await sign_in(client, ADMIN)
    home = (await client.get("/admin")).text.split('id="home-charts"', 1)[1]
    # The four subscribers of today draw the subscribers' line; no registration yet.
    assert "Abonnés sur 90 jours" in home and "<polyline" in home
    assert home.count("Pas encore de données.") == 2
    csrf = await console_csrf(client)
    location = await created(client, csrf)
    campaign_id = int(location.rsplit("/", 1)[1])
    form = await client.get(f"{location}/edit")
    assert form.status_code == 200 and 'value="05-14"' in form.text
    edited = await client.post(
        f"{location}/edit",
        data={
            "csrf": csrf,
            **draft(
                message_en="On 14 May, it is Fair Trade Day.",
                message_ar="يوم 14 مايو هو اليوم العالمي للتجارة العادلة.",
                audience="all province=Estuaire",
                schedule_kind="rule",
                schedule_value="2e samedi de mai",
                template_fr=SID_FR,
                variables_fr='{"1": "14 mai"}',
                template_ar=SID_AR,
            ),
        },
    )
    assert edited.status_code == 303
    stored = service.get_campaign(relais.database, campaign_id)
    assert stored.schedule == "rule:2e samedi de mai"
    assert stored.audience == "all province=Estuaire"
    assert set(stored.messages) == {"fr", "en", "ar"}
    assert stored.templates == {
        "fr": {"content_sid": SID_FR, "variables": {"1": "14 mai"}},
        "ar": {"content_sid": SID_AR, "variables": {}},
    }
    assert stored.next_run_at is not None
    local = stored.next_run_at.astimezone(relais.settings.tz)
    assert (local.month, local.weekday(), 8 <= local.day <= 14) == (5, 5, True)
    page = await client.get(location)
    # The preview shows each language as each channel sends it, and the template used later.
    assert "On 14 May, it is Fair Trade Day." in page.text
    assert "يوم 14 مايو" in page.text and SID_AR in page.text
    assert page.text.count('class="bubble wa"') == 3
    assert "Personnes touchées : 2" in page.text  # Estuaire: two of the four
    audit = (await client.get("/admin/audit")).text
    assert "campaign.edit" in audit

    bad_inputs = [
        {"template_en": "HX123"},
        {"template_fr": SID_FR, "variables_fr": "{not json"},
        {"template_fr": SID_FR, "variables_fr": "[1, 2]"},
        {"variables_en": '{"1": "x"}'},
        {"schedule_kind": "rule", "schedule_value": "quand il pleut"},
        {"schedule_kind": "yearly", "schedule_value": "02-30"},
        {"schedule_kind": "cron", "schedule_value": "0 9 * *"},
        {"audience": "province"},
        {"message_fr": ""},
    ]
    for bad in bad_inputs:
        refused = await client.post(f"{location}/edit", data={"csrf": csrf, **draft(**bad)})
        assert refused.status_code == 400, bad
    assert service.get_campaign(relais.database, campaign_id).schedule == "rule:2e samedi de mai"
    no_token = await client.post(f"{location}/edit", data=draft())
    assert no_token.status_code == 403
    unknown = await client.post("/admin/campaigns/999/edit", data={"csrf": csrf, **draft()})
    assert unknown.status_code == 400 and "pas de campagne 999" in unknown.text
    assert (await client.get("/admin/campaigns/999/edit")).status_code == 404

    # Once cancelled, a campaign is no longer edited.
    await client.post(f"{location}/cancel", data={"csrf": csrf})
    assert (await client.get(f"{location}/edit")).status_code == 409
    late = await client.post(f"{location}/edit", data={"csrf": csrf, **draft()})
    assert late.status_code == 400 and "ne peut plus être modifiée" in late.text

    await sign_in(client, AGENT)
    agent_csrf = await console_csrf(client)
    assert (await client.get(f"{location}/edit")).status_code == 403
    forbidden = await client.post(f"{location}/edit", data={"csrf": agent_csrf, **draft()})
    assert forbidden.status_code == 403


async def test_the_schedule_field_says_when_it_fires(client: httpx.AsyncClient) -> None:
    await sign_in(client, ADMIN)
    second_saturday = await client.get(
        "/admin/campaigns/schedule", params={"s": "rule:second saturday of may"}
    )
    assert second_saturday.status_code == 200
    body = second_saturday.json()
    assert body["recurring"] is True and len(body["next"]) == 3
    assert all(moment[5:7] == "05" and 8 <= int(moment[8:10]) <= 14 for moment in body["next"])
    yearly = (await client.get("/admin/campaigns/schedule", params={"s": "yearly:05-14"})).json()
    assert [moment[5:16] for moment in yearly["next"]] == ["05-14 09:00"] * 3
    now = (await client.get("/admin/campaigns/schedule", params={"s": "now"})).json()
    assert now == {"next": [], "recurring": False}
    bad = await client.get("/admin/campaigns/schedule", params={"s": "tomorrow"})
    assert bad.status_code == 400 and "programmation inconnue" in bad.json()["error"]


async def test_a_test_goes_to_one_staff_contact_through_the_reply_outbox(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    subscribers(relais, 2)
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    location = await created(
        client, csrf, message_ar="يوم التجارة العادلة", template_ar=SID_AR, variables_ar="{}"
    )
    campaign_id = int(location.rsplit("/", 1)[1])
    sent = await client.post(
        f"{location}/test",
        data={"csrf": csrf, "channel": "whatsapp", "address": "+241 77 00 11 22", "locale": "ar"},
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("?tested=1")
    assert "Le test est dans la file" in (await client.get(sent.headers["location"])).text
    with new_session(relais.database) as session:
        [item] = session.exec(select(ReplyItem)).all()
    assert (item.channel, item.address, item.status) == (
        Channel.WHATSAPP,
        "+24177001122",
        ReplyStatus.PENDING,
    )
    assert item.text == "يوم التجارة العادلة"
    assert item.context["template"] == {"content_sid": SID_AR, "variables": {}}
    # The campaign itself was not sent: no run, no figures.
    assert service.campaign_stats(relais.database, campaign_id).targeted == 0
    assert "campaign.test" in (await client.get("/admin/audit")).text
    for bad in (
        {"channel": "whatsapp", "address": "pas un numéro", "locale": "fr"},
        {"channel": "telegram", "address": "@awa", "locale": "fr"},
        {"channel": "web", "address": "x", "locale": "fr"},
        {"channel": "telegram", "address": "1234", "locale": "de"},
    ):
        refused = await client.post(f"{location}/test", data={"csrf": csrf, **bad})
        assert refused.status_code == 400, bad
    unknown = await client.post(
        "/admin/campaigns/999/test",
        data={"csrf": csrf, "channel": "telegram", "address": "1234", "locale": "fr"},
    )
    assert unknown.status_code == 400
    no_token = await client.post(
        f"{location}/test", data={"channel": "telegram", "address": "1", "locale": "fr"}
    )
    assert no_token.status_code == 403


class ReportingSender:
    """Sends on Telegram as a provider would report: some read, some delivered, one refused."""

    channel = Channel.TELEGRAM
    rate = 10_000.0

    def __init__(self, relais: Relais) -> None:
        self.database = relais.database

    async def deliver(self, recipient: Recipient, message: CampaignMessage) -> Delivery:
        number = int(recipient.address) - 1000
        if number == 0:
            return Delivery(Outcome.FAILED, "Forbidden: bot was blocked by the user")
        status = (DeliveryStatus.READ, DeliveryStatus.DELIVERED, DeliveryStatus.SENT)[number % 3]
        with new_session(self.database) as session:
            outbound = deliveries.record_outbound(
                session,
                channel=Channel.TELEGRAM,
                contact_id=recipient.contact_id,
                text=message.text,
                status=status,
                provider_id=f"{recipient.address}:1",
            )
            session.commit()
            return Delivery(Outcome.SENT, outbound_id=outbound.id)

    async def aclose(self) -> None:
        """Nothing to release."""


async def test_after_sending_a_chart_by_channel_and_the_failures_with_reasons(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    subscribers(relais, 7)
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    location = await created(client, csrf, schedule_kind="now", schedule_value="")
    campaign_id = int(location.rsplit("/", 1)[1])
    before = await client.get(location)
    assert 'id="charts"' not in before.text and 'id="failures"' not in before.text
    await runner.send_campaign(
        relais.database,
        campaign_id,
        {Channel.TELEGRAM: ReportingSender(relais)},  # type: ignore[dict-item]
        relais.settings.tz,
    )
    figures = service.campaign_stats(relais.database, campaign_id)
    assert (figures.sent, figures.delivered, figures.read, figures.failed) == (6, 4, 2, 1)
    page = await client.get(location)
    assert page.status_code == 200
    charts = page.text.split('id="charts"', 1)[1].split("</div>", 1)[0]
    assert charts.count("<svg") == 1 and "telegram" in charts
    for name in ("Envoyés", "Reçus", "Lus", "Échecs"):
        assert name in charts
    failures = page.text.split('<table id="failures">', 1)[1].split("</table>", 1)[0]
    assert "Membre 0" in failures and "bot was blocked by the user" in failures
    assert failures.count("<tr>") == 2  # the header and the one failure
    english = await client.get(location, params={"lang": "en"})
    assert "Over time: telegram" in english.text
