"""Consultations in the console over HTTP: prepare, try, send, follow, close, publish, export."""

import asyncio
import csv
import html
import io
import re
import zipfile

import httpx
import pytest
from markupsafe import escape
from sqlmodel import select

from bot.app import Relais
from bot.domain import ConsultationState, QuestionKind, StaffRole
from bot.storage.database import new_session
from bot.storage.models import (
    AuditEntry,
    Campaign,
    Consultation,
    ConsultationQuestion,
)
from tests.admin.conftest import ADMIN, AGENT
from tests.admin.consultation_helpers import (
    QUESTIONS,
    answer,
    create_through_forms,
    header,
    person,
    queued_invitations,
)
from tests.admin.helpers import console_csrf, sign_in
from tests.admin.test_console_auth import console_routes


def stored(relais: Relais, consultation_id: int) -> Consultation:
    with new_session(relais.database) as session:
        found = session.get(Consultation, consultation_id)
        assert found is not None
        return found


def questions(relais: Relais, consultation_id: int) -> list[ConsultationQuestion]:
    with new_session(relais.database) as session:
        return list(
            session.exec(
                select(ConsultationQuestion)
                .where(ConsultationQuestion.consultation_id == consultation_id)
                .order_by(ConsultationQuestion.position)  # type: ignore[arg-type]
            ).all()
        )


def audit(relais: Relais) -> list[str]:
    with new_session(relais.database) as session:
        rows = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    return [row.action for row in rows if row.action.startswith("consultation.")]


async def invitations_queued(relais: Relais, consultation_id: int, count: int) -> None:
    """Wait for the campaign loop the console woke to queue the invitation to everyone."""
    for _attempt in range(500):
        if queued_invitations(relais.database, consultation_id) >= count:
            return
        await asyncio.sleep(0.02)
    msg = "the invitation was not queued"
    raise AssertionError(msg)


async def sent_and_answered(client: httpx.AsyncClient, relais: Relais) -> int:
    """A consultation sent to three people; two finished, one is half-way."""
    for address, province in (("701", "Estuaire"), ("702", "Woleu-Ntem"), ("703", None)):
        person(relais.database, address, province)
    csrf = await console_csrf(client)
    consultation_id = await create_through_forms(client, csrf)
    sent = await client.post(f"/admin/consultations/{consultation_id}/send", data={"csrf": csrf})
    assert sent.status_code == 303, sent.text
    await invitations_queued(relais, consultation_id, 3)
    answer(
        relais.database,
        consultation_id,
        "701",
        {1: 2, 2: [1, 3], 3: 4, 4: 5, 5: "Ouvrir le samedi matin", 6: ["D'accord", None]},
    )
    answer(
        relais.database,
        consultation_id,
        "702",
        {1: 2, 2: [3], 3: 15, 4: 3, 5: "Un guichet à Oyem", 6: [None, "Trente jours, c'est long"]},
    )
    answer(relais.database, consultation_id, "703", {1: 1}, finish=False)
    return consultation_id


async def test_an_admin_prepares_a_draft_of_every_kind_of_question(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    listing = await client.get("/admin/consultations")
    assert listing.status_code == 200 and 'id="new-consultation"' in listing.text
    # The directorate's name is offered as who consults.
    directorate = relais.engine.services.pack.country.directorate.name.fr
    assert str(escape(directorate)) in listing.text
    consultation_id = await create_through_forms(client, csrf, anonymous="on")
    found = stored(relais, consultation_id)
    assert found.state is ConsultationState.DRAFT and found.anonymous
    assert found.title == {
        "fr": "Le nouveau guichet unique",
        "en": "The new one-stop shop",
        "ar": "الشباك الموحد الجديد",
    }
    asked = questions(relais, consultation_id)
    assert [q.kind.value for q in asked] == [q["kind"] for q in QUESTIONS]
    assert asked[0].options[1] == {
        "key": "2",
        "label": {"fr": "Par téléphone", "en": "By phone", "ar": "بالهاتف"},
    }
    assert (asked[2].min_value, asked[2].max_value) == (0, 20)
    assert (asked[3].min_value, asked[3].max_value) == (1, 5)
    assert [part["fr"][:2] for part in asked[5].parts] == ["1.", "2."]
    page = await client.get(f"/admin/consultations/{consultation_id}/edit")
    assert page.status_code == 200 and "Une réponse est donnée sous trente jours." in page.text

    # A question taken out: those after it move up.
    removed = await client.post(
        f"/admin/consultations/{consultation_id}/questions/{asked[1].id}/remove",
        data={"csrf": csrf},
    )
    assert removed.status_code == 303
    assert [q.position for q in questions(relais, consultation_id)] == [1, 2, 3, 4, 5]
    assert questions(relais, consultation_id)[1].kind is QuestionKind.NUMBER

    edited = await client.post(
        f"/admin/consultations/{consultation_id}/edit",
        data={
            "csrf": csrf,
            **header(title_fr="Le guichet unique, un an après", audience="all groups"),
            "opens": "2026-01-05T08:00",
        },
    )
    assert edited.status_code == 303
    found = stored(relais, consultation_id)
    assert found.title["fr"] == "Le guichet unique, un an après"
    assert found.audience == "all groups" and not found.anonymous
    assert found.opens_at.astimezone(relais.settings.tz).hour == 8
    assert len(questions(relais, consultation_id)) == 5
    assert audit(relais) == ["consultation.create"] + ["consultation.question_add"] * 6 + [
        "consultation.question_remove",
        "consultation.edit",
    ]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title_fr": ""}, "title a besoin d'un texte en français"),
        ({"closes": ""}, "date de clôture"),
        ({"closes": "bientôt"}, "n'est pas une date"),
        ({"opens": "2030-01-01T00:00"}, "doit venir après la date d'ouverture"),
        ({"audience": "colour=blue"}, "filtre inconnu « colour »"),
        ({"audience": "sometimes"}, "« sometimes » est illisible"),
    ],
)
async def test_a_wrong_consultation_form_is_refused_with_its_reason(
    client: httpx.AsyncClient, relais: Relais, fields: dict[str, str], reason: str
) -> None:
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    response = await client.post("/admin/consultations", data={"csrf": csrf, **header(**fields)})
    assert response.status_code == 400
    assert reason in html.unescape(response.text)
    assert not audit(relais)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ({"kind": "poll", "text_fr": "?"}, "type de question"),
        ({"kind": "rating", "text_fr": ""}, "texte en français"),
        ({"kind": "single_choice", "text_fr": "?", "options_fr": "Oui"}, "de 2 à 10 options"),
        (
            {
                "kind": "single_choice",
                "text_fr": "?",
                "options_fr": "Oui\nNon",
                "options_en": "Yes",
            },
            "1 donnés pour 2 en français",
        ),
        ({"kind": "number", "text_fr": "?", "min": "dix"}, "« dix » n'est pas un nombre entier"),
        ({"kind": "number", "text_fr": "?", "min": "9", "max": "2"}, "au-dessus de son maximum"),
        ({"kind": "comment", "text_fr": "?"}, "de 1 à 20 parties"),
    ],
)
async def test_a_wrong_question_is_refused_with_its_reason(
    client: httpx.AsyncClient, relais: Relais, question: dict[str, str], reason: str
) -> None:
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    created = await client.post("/admin/consultations", data={"csrf": csrf, **header()})
    consultation_id = int(created.headers["location"].split("/")[3])
    response = await client.post(
        f"/admin/consultations/{consultation_id}/questions", data={"csrf": csrf, **question}
    )
    assert response.status_code == 400
    # The console speaks French by default, its reasons too.
    assert reason in html.unescape(response.text)
    assert questions(relais, consultation_id) == []


@pytest.mark.parametrize(
    ("lang", "reason"),
    [("ar", "يحتاج سؤال الاختيار إلى ما بين 2 و10 خيارات"), ("en", "between 2 and 10 options")],
)
async def test_a_refused_question_is_explained_in_the_console_language(
    client: httpx.AsyncClient, relais: Relais, lang: str, reason: str
) -> None:
    await sign_in(client, ADMIN)
    await client.get(f"/admin?lang={lang}")
    csrf = await console_csrf(client)
    created = await client.post("/admin/consultations", data={"csrf": csrf, **header()})
    consultation_id = int(created.headers["location"].split("/")[3])
    question = {"kind": "single_choice", "text_fr": "?", "options_fr": "Oui"}
    response = await client.post(
        f"/admin/consultations/{consultation_id}/questions", data={"csrf": csrf, **question}
    )
    assert response.status_code == 400 and reason in html.unescape(response.text)


async def test_sending_follows_the_answers_then_close_and_publish(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    consultation_id = await sent_and_answered(client, relais)
    csrf = await console_csrf(client)
    assert stored(relais, consultation_id).state is ConsultationState.OPEN
    page = await client.get(f"/admin/consultations/{consultation_id}")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="started">3<', html) and re.search(r'id="finished">2<', html)
    # A chart per question that has one: bars for choices, columns for numbers and ratings.
    assert html.count("<svg") == 4
    assert "Par téléphone: 2" in html and "Les statuts: 1" in html
    # By channel and by province: three invited on Telegram, two finished.
    channel_rows = re.search(r'id="by-channel">.*?</table>', html, re.S)
    assert channel_rows is not None
    assert "<td>telegram</td><td>3</td><td>3</td><td>2</td><td>67%</td>" in channel_rows.group(0)
    assert "<td>Estuaire</td><td>1</td><td>1</td><td>1</td><td>100%</td>" in html
    # The free texts and comments, with a search.
    assert "Ouvrir le samedi matin" in html and "Trente jours, c&#39;est long" in html
    searched = await client.get(f"/admin/consultations/{consultation_id}", params={"q": "OYEM"})
    texts = re.search(r'id="text-answers">.*?</table>', searched.text, re.S)
    assert texts is not None
    assert "Un guichet à Oyem" in texts.group(0) and "samedi" not in texts.group(0)

    live = (await client.get(f"/admin/consultations/{consultation_id}/live")).json()
    assert (live["started"], live["finished"], live["state"]) == (3, 2, "open")
    assert live["questions"][2]["mean"] == "9.50" and "<svg" in live["questions"][2]["chart"]
    assert live["by_channel"][0] == {
        "group": "telegram",
        "invited": 3,
        "started": 3,
        "finished": 2,
        "rate": "67%",
    }

    # Published only once closed.
    early = await client.post(
        f"/admin/consultations/{consultation_id}/publish",
        data={"csrf": csrf, "results_fr": "Merci : le guichet ouvrira le samedi."},
    )
    assert early.status_code == 400 and "fermez-la d&#39;abord" in early.text
    closed = await client.post(f"/admin/consultations/{consultation_id}/close", data={"csrf": csrf})
    assert closed.status_code == 303
    assert stored(relais, consultation_id).state is ConsultationState.CLOSED
    again = await client.post(f"/admin/consultations/{consultation_id}/close", data={"csrf": csrf})
    assert again.status_code == 400
    empty = await client.post(
        f"/admin/consultations/{consultation_id}/publish", data={"csrf": csrf, "results_fr": " "}
    )
    assert empty.status_code == 400
    published = await client.post(
        f"/admin/consultations/{consultation_id}/publish",
        data={
            "csrf": csrf,
            "results_fr": "Merci : le guichet ouvrira le samedi.",
            "results_ar": "شكرًا: سيفتح الشباك يوم السبت.",
        },
    )
    assert published.status_code == 303
    found = stored(relais, consultation_id)
    assert found.results_published_at is not None
    assert found.results == {
        "fr": "Merci : le guichet ouvrira le samedi.",
        "ar": "شكرًا: سيفتح الشباك يوم السبت.",
    }
    with new_session(relais.database) as session:
        names = [c.name for c in session.exec(select(Campaign)).all()]
    assert f"consultation {consultation_id} results" in names
    assert audit(relais)[-3:] == ["consultation.send", "consultation.close", "consultation.publish"]


async def test_the_answers_export_as_csv_and_as_a_spreadsheet(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    consultation_id = await sent_and_answered(client, relais)
    await sign_in(client, AGENT)
    exported = await client.get(f"/admin/consultations/{consultation_id}/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    # Two finished sets of seven answers (a comment's two parts each); the third person
    # answered the first question and skipped the rest so far, the comment once.
    assert len(rows) == 7 + 7 + 6
    assert {row["text"] for row in rows} >= {"Ouvrir le samedi matin", "Un guichet à Oyem"}
    spreadsheet = await client.get(f"/admin/consultations/{consultation_id}/export.xlsx")
    assert spreadsheet.status_code == 200
    with zipfile.ZipFile(io.BytesIO(spreadsheet.content)) as book:
        assert any(name.startswith("xl/worksheets/") for name in book.namelist())
    assert (
        await client.get(f"/admin/consultations/{consultation_id}/export.pdf")
    ).status_code == 404
    assert (await client.get("/admin/consultations/999/export.csv")).status_code == 404
    assert audit(relais)[-2:] == ["consultation.export", "consultation.export"]


async def test_a_draft_is_tried_on_one_staff_contact(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    person(relais.database, "424242")
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    consultation_id = await create_through_forms(client, csrf)
    unknown = await client.post(
        f"/admin/consultations/{consultation_id}/test",
        data={"csrf": csrf, "channel": "telegram", "address": "999"},
    )
    assert unknown.status_code == 400 and "écrit une fois au bot" in unknown.text
    bad = await client.post(
        f"/admin/consultations/{consultation_id}/test",
        data={"csrf": csrf, "channel": "fax", "address": "1"},
    )
    assert bad.status_code == 400
    tried = await client.post(
        f"/admin/consultations/{consultation_id}/test",
        data={"csrf": csrf, "channel": "telegram", "address": "424242"},
    )
    assert tried.status_code == 303 and tried.headers["location"].endswith("?tested=1")
    found = stored(relais, consultation_id)
    assert found.state is ConsultationState.DRAFT and found.test_campaign_id is not None
    with new_session(relais.database) as session:
        campaign = session.get(Campaign, found.test_campaign_id)
    assert campaign is not None and campaign.audience.startswith("contact=")
    assert "consultation.test" in audit(relais)


async def test_what_a_sent_consultation_no_longer_allows(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    consultation_id = await sent_and_answered(client, relais)
    csrf = await console_csrf(client)
    item = f"/admin/consultations/{consultation_id}"
    assert (await client.get(f"{item}/edit")).status_code == 409
    for path, data in (
        (f"{item}/edit", header()),
        (f"{item}/questions", QUESTIONS[3]),
        (f"{item}/send", {}),
        (f"{item}/test", {"channel": "telegram", "address": "701"}),
    ):
        response = await client.post(path, data={"csrf": csrf, **data})
        assert response.status_code == 400, path
    first = questions(relais, consultation_id)[0]
    removed = await client.post(f"{item}/questions/{first.id}/remove", data={"csrf": csrf})
    assert removed.status_code == 400
    assert len(questions(relais, consultation_id)) == 6


async def test_missing_things_answer_404_and_odd_queries_do_not_break_the_page(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    csrf = await console_csrf(client)
    assert (await client.get("/admin/consultations/999")).status_code == 404
    assert (await client.get("/admin/consultations/999/live")).status_code == 404
    assert (await client.get("/admin/consultations/999/edit")).status_code == 404
    for path in ("send", "close", "publish", "questions", "edit"):
        response = await client.post(
            f"/admin/consultations/999/{path}", data={"csrf": csrf, **header(), "results_fr": "x"}
        )
        assert response.status_code in (400, 404), path
    consultation_id = await create_through_forms(client, csrf)
    other = await create_through_forms(client, csrf)
    foreign = questions(relais, other)[0]
    response = await client.post(
        f"/admin/consultations/{consultation_id}/questions/{foreign.id}/remove",
        data={"csrf": csrf},
    )
    assert response.status_code == 400
    for params in ({"page": "-3"}, {"page": "x"}, {"question": "abc"}, {"q": "%_" * 80}):
        page = await client.get(f"/admin/consultations/{consultation_id}", params=params)
        assert page.status_code == 200, params


async def test_agents_read_the_results_and_change_nothing(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    consultation_id = await sent_and_answered(client, relais)
    await sign_in(client, AGENT)
    csrf = await console_csrf(client)
    home = await client.get("/admin")
    assert 'href="/admin/consultations"' in home.text
    listing = await client.get("/admin/consultations")
    assert listing.status_code == 200 and 'id="new-consultation"' not in listing.text
    page = await client.get(f"/admin/consultations/{consultation_id}")
    assert page.status_code == 200 and "<svg" in page.text
    assert "/close" not in page.text
    for action in ("close", "publish", "send", "edit"):
        response = await client.post(
            f"/admin/consultations/{consultation_id}/{action}", data={"csrf": csrf}
        )
        assert response.status_code == 403, action
    assert stored(relais, consultation_id).state is ConsultationState.OPEN


def test_every_consultation_route_is_guarded(relais: Relais) -> None:
    routes = {
        (method, path): endpoint.staff_role  # type: ignore[attr-defined]
        for method, path, endpoint in console_routes(relais)
        if path.startswith("/admin/consultations")
    }
    reading = {
        ("GET", "/admin/consultations"),
        ("GET", "/admin/consultations/1"),
        ("GET", "/admin/consultations/1/live"),
        ("GET", "/admin/consultations/1/export.1"),
    }
    assert {key for key, role in routes.items() if role is StaffRole.AGENT} == reading
    changes = set(routes) - reading
    assert len(changes) == 9
    assert all(method == "POST" or path.endswith("/edit") for method, path in changes)


async def test_the_pages_speak_english_and_arabic(
    client: httpx.AsyncClient, relais: Relais
) -> None:
    await sign_in(client, ADMIN)
    consultation_id = await sent_and_answered(client, relais)
    english = await client.get(f"/admin/consultations/{consultation_id}", params={"lang": "en"})
    assert "The new one-stop shop" in english.text and "By phone: 2" in english.text
    assert "Response rate by channel" in english.text
    arabic = await client.get(f"/admin/consultations/{consultation_id}", params={"lang": "ar"})
    assert 'dir="rtl"' in arabic.text and "الشباك الموحد الجديد" in arabic.text
    assert "بالهاتف: 2" in arabic.text
