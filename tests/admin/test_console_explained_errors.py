"""Why the campaign, consultation and event services refuse, said in the console's language."""

import html
from datetime import datetime, timedelta

import httpx
import pytest

from bot.app import Relais
from tests.admin.conftest import ADMIN
from tests.admin.consultation_helpers import header
from tests.admin.helpers import console_csrf, sign_in
from tests.admin.test_console_campaign_edit import draft
from tests.admin.test_console_events import event_form

FRENCH, ARABIC, ENGLISH = "fr", "ar", "en"


async def signed_in(client: httpx.AsyncClient, lang: str) -> str:
    """Sign an admin in, choose the console's language, and return the session's CSRF token."""
    await sign_in(client, ADMIN)
    await client.get(f"/admin?lang={lang}")
    return await console_csrf(client)


def said(response: httpx.Response) -> str:
    return html.unescape(response.text)


@pytest.mark.parametrize(
    ("lang", "reason"),
    [
        (FRENCH, "filtre inconnu « colour »"),
        (ARABIC, "مرشّح غير معروف «colour»"),
        (ENGLISH, 'unknown filter "colour"'),
    ],
)
async def test_a_bad_audience_filter_is_refused_in_the_console_language(
    client: httpx.AsyncClient, lang: str, reason: str
) -> None:
    csrf = await signed_in(client, lang)
    campaign = await client.post(
        "/admin/campaigns", data={"csrf": csrf, **draft(audience="colour=blue")}
    )
    assert campaign.status_code == 400 and reason in said(campaign)
    consultation = await client.post(
        "/admin/consultations", data={"csrf": csrf, **header(audience="colour=blue")}
    )
    assert consultation.status_code == 400 and reason in said(consultation)
    # The form's live count says it the same way.
    live = await client.get("/admin/campaigns/audience", params={"q": "colour=blue"})
    assert live.status_code == 400 and reason in live.json()["error"]


@pytest.mark.parametrize(
    ("lang", "value", "reason"),
    [
        (FRENCH, "channel=sms", "channel=sms : valeur inconnue"),
        (ARABIC, "sometimes", "تعذرت قراءة «sometimes»"),
    ],
)
async def test_an_unreadable_audience_value_is_explained(
    client: httpx.AsyncClient, lang: str, value: str, reason: str
) -> None:
    csrf = await signed_in(client, lang)
    response = await client.post("/admin/campaigns", data={"csrf": csrf, **draft(audience=value)})
    assert response.status_code == 400 and reason in said(response)


@pytest.mark.parametrize(
    ("lang", "reason", "unknown"),
    [
        (FRENCH, "règle illisible « whenever »", "programmation inconnue « tomorrow »"),
        (ARABIC, "تعذرت قراءة القاعدة «whenever»", "برمجة غير معروفة «tomorrow»"),
        (ENGLISH, 'cannot read the rule "whenever"', 'unknown schedule "tomorrow"'),
    ],
)
async def test_a_bad_schedule_is_refused_in_the_console_language(
    client: httpx.AsyncClient, lang: str, reason: str, unknown: str
) -> None:
    csrf = await signed_in(client, lang)
    form = draft(schedule_kind="rule", schedule_value="whenever")
    response = await client.post("/admin/campaigns", data={"csrf": csrf, **form})
    assert response.status_code == 400 and reason in said(response)
    live = await client.get("/admin/campaigns/schedule", params={"s": "tomorrow"})
    assert live.status_code == 400 and unknown in live.json()["error"]


async def test_a_bad_date_and_a_bad_cron_are_explained_in_arabic(
    client: httpx.AsyncClient,
) -> None:
    csrf = await signed_in(client, ARABIC)
    for kind, value, reason in (
        ("at", "soon", "«soon» ليس تاريخًا ووقتًا بصيغة ISO"),
        ("cron", "0 9 *", "لتعبير cron خمسة حقول"),
        ("yearly", "14 mai", "يحتاج yearly إلى MM-DD"),
    ):
        form = draft(schedule_kind=kind, schedule_value=value)
        response = await client.post("/admin/campaigns", data={"csrf": csrf, **form})
        assert response.status_code == 400 and reason in said(response), kind


@pytest.mark.parametrize(
    ("lang", "reason", "again"),
    [
        (FRENCH, "la consultation {id} n'a aucune question", "est déjà envoyée"),
        (ARABIC, "الاستشارة {id} بلا أي سؤال", "سبق إرسال الاستشارة"),
    ],
)
async def test_a_consultation_that_cannot_be_sent_says_why_in_the_console_language(
    client: httpx.AsyncClient, relais: Relais, lang: str, reason: str, again: str
) -> None:
    csrf = await signed_in(client, lang)
    created = await client.post("/admin/consultations", data={"csrf": csrf, **header()})
    assert created.status_code == 303, created.text
    consultation_id = int(created.headers["location"].split("/")[3])
    sent = await client.post(f"/admin/consultations/{consultation_id}/send", data={"csrf": csrf})
    assert sent.status_code == 400 and reason.format(id=consultation_id) in said(sent)
    assert "has no question" not in said(sent)

    question = {"kind": "free_text", "text_fr": "Que faudrait-il changer ?"}
    await client.post(
        f"/admin/consultations/{consultation_id}/questions", data={"csrf": csrf, **question}
    )
    sent = await client.post(f"/admin/consultations/{consultation_id}/send", data={"csrf": csrf})
    assert sent.status_code == 303, sent.text
    twice = await client.post(f"/admin/consultations/{consultation_id}/send", data={"csrf": csrf})
    assert twice.status_code == 400 and again in said(twice)


@pytest.mark.parametrize(
    ("lang", "reason"),
    [(FRENCH, "pas d'événement programmé"), (ARABIC, "لا توجد فعالية مبرمجة")],
)
async def test_moving_a_cancelled_event_is_refused_in_the_console_language(
    client: httpx.AsyncClient, relais: Relais, lang: str, reason: str
) -> None:
    starts = datetime.now(relais.settings.tz) + timedelta(days=30)
    csrf = await signed_in(client, lang)
    created = await client.post("/admin/events", data={"csrf": csrf, **event_form(starts)})
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    assert (await client.post(f"{location}/cancel", data={"csrf": csrf})).status_code == 303
    moved = await client.post(
        f"{location}/move", data={"csrf": csrf, "starts_at": f"{starts:%Y-%m-%dT%H:%M}"}
    )
    assert moved.status_code == 400 and reason in said(moved)
    assert "no scheduled event" not in said(moved)
