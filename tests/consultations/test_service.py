"""Staff actions on consultations: checks, list and show, sending, results and exports."""

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns import consultations as sending
from bot.core.engine import Engine
from bot.core.turn import Services
from bot.domain import Channel, ConsultationState, QuestionKind
from bot.services import consultation_results as results
from bot.services.consultation_results import histogram
from bot.services.consultations import (
    ConsultationError,
    QuestionSpec,
    add_question,
    close_consultation,
    get_consultation,
    list_consultations,
    parse_spec,
)
from bot.storage.types import utcnow
from tests.consultations.helpers import TZ, make_consultation, spec_data


def test_a_draft_is_stored_with_its_questions_in_order(database: DatabaseEngine) -> None:
    consultation = make_consultation(database)
    detail = get_consultation(database, consultation.id or 0)
    assert [q.kind for q in detail.questions] == list(QuestionKind)
    assert detail.questions[3].min_value == 1 and detail.questions[3].max_value == 5
    assert detail.consultation.state is ConsultationState.DRAFT
    assert consultation.reminder_at is not None
    assert consultation.reminder_at < consultation.closes_at
    [summary] = list_consultations(database)
    assert summary.questions == 6 and summary.started == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": None}, "title a besoin d'un texte en français"),
        ({"title": {"en": "Only English"}}, "title a besoin d'un texte en français"),
        ({"closes": None}, "date de clôture"),
        ({"closes": "yesterday"}, "n'est pas une date"),
        ({"questions": [{"kind": "vote", "text": "?"}]}, "kind est l'un de"),
        ({"questions": [{"kind": "single_choice", "text": "?", "options": ["a"]}]}, "options"),
        ({"questions": [{"kind": "comment", "text": "?"}]}, "parties"),
        ({"questions": [{"kind": "number", "text": "?", "min": 5, "max": 1}]}, "minimum"),
        ({"title": {"fr": "x", "de": "y"}}, "langue inconnue"),
    ],
)
def test_a_bad_description_is_refused_with_a_reason(
    database: DatabaseEngine, change: dict[str, object], message: str
) -> None:
    from bot.services.consultations import create_consultation

    data = {**spec_data(), **change}
    with pytest.raises(ConsultationError, match=message):
        create_consultation(database, parse_spec(data, TZ))


def test_questions_are_fixed_once_sent(database: DatabaseEngine, services: Services) -> None:
    consultation = make_consultation(database)
    extra = QuestionSpec(kind=QuestionKind.FREE_TEXT, text={"fr": "Autre chose ?"})
    assert add_question(database, consultation.id or 0, extra).position == 7
    catalogues = services.catalogues
    campaign = sending.send_consultation(database, consultation.id or 0, catalogues, TZ)
    assert "La Direction de l'économie sociale vous consulte" in campaign.messages["fr"]
    assert "facultatif" in campaign.messages["fr"]
    # The extra question has no English or Arabic: the invitation is French for everyone.
    assert set(campaign.messages) == {"fr"}
    with pytest.raises(ConsultationError, match="fixées"):
        add_question(database, consultation.id or 0, extra)
    with pytest.raises(sending.ConsultationSendError, match="déjà envoyée"):
        sending.send_consultation(database, consultation.id or 0, catalogues, TZ)
    close_consultation(database, consultation.id or 0)
    with pytest.raises(ConsultationError, match="déjà close"):
        close_consultation(database, consultation.id or 0)


def test_the_invitation_speaks_each_complete_language(
    database: DatabaseEngine, services: Services
) -> None:
    consultation = make_consultation(database)
    catalogues = services.catalogues
    campaign = sending.send_consultation(database, consultation.id or 0, catalogues, TZ)
    assert set(campaign.messages) == {"fr", "en", "ar"}
    assert "The new one-stop shop" in campaign.messages["en"]
    assert "الشباك الموحد الجديد" in campaign.messages["ar"]


def test_histogram_per_value_or_in_bins() -> None:
    assert [(b.low, b.count) for b in histogram([1, 1, 5], 1, 5)] == [
        (1, 2),
        (2, 0),
        (3, 0),
        (4, 0),
        (5, 1),
    ]
    bins = histogram([0, 99, 50], 0, 99)
    assert len(bins) == 10 and sum(b.count for b in bins) == 3


def test_empty_results_and_exports(database: DatabaseEngine) -> None:
    consultation = make_consultation(database)
    summary = results.consultation_results(database, consultation.id or 0)
    assert [q.answered for q in summary.questions] == [0] * 6
    out = io.StringIO()
    assert results.export_csv(database, consultation.id or 0, out) == 0
    assert out.getvalue().startswith("response,channel,province")
    binary = io.BytesIO()
    results.export_xlsx(database, consultation.id or 0, binary)
    with zipfile.ZipFile(binary) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
    assert utcnow() - consultation.created_at < timedelta(minutes=1)


def test_results_rates_texts_and_exports_after_answers(engine: Engine) -> None:
    from tests.consultations.helpers import invite, subscribers
    from tests.transcript import Chat

    database = engine.database
    consultation = make_consultation(database)
    subscribers(database, "71", "72", "73", channel=Channel.TELEGRAM)
    invite(database, engine.services, consultation, Channel.TELEGRAM)
    for sender, texts in (
        ("71", ["consultation", "oui", "2", "1, 3", "4", "5", "Plus de guichets", "passer", "ok"]),
        (
            "72",
            [
                "consultation",
                "oui",
                "2",
                "proces verbal",
                "12",
                "3",
                "passer",
                "passer",
                "Trop long",
            ],
        ),
    ):
        chat = Chat(engine, sender=sender, channel=Channel.TELEGRAM)
        for text in texts:
            chat.send(text)
        chat.press("Envoyer")
    summary = results.consultation_results(database, consultation.id or 0)
    assert summary.detail.finished == 2
    single, multiple, number, rating, free, comment = summary.questions
    assert [(o.key, o.count) for o in single.options] == [
        ("office", 0),
        ("phone", 2),
        ("online", 0),
    ]
    assert [(o.key, o.count) for o in multiple.options] == [
        ("statutes", 1),
        ("minutes", 1),
        ("list", 1),
    ]
    assert number.mean == 8 and [b.count for b in number.histogram if b.count] == [1, 1]
    assert [b.count for b in rating.histogram] == [0, 0, 1, 0, 1]
    assert (free.answered, free.skipped, free.texts) == (1, 1, 1)
    assert comment.texts == 2  # "ok" and "Trop long"
    [telegram] = summary.by_channel
    assert (telegram.group, telegram.invited, telegram.finished) == ("telegram", 3, 2)
    found = results.text_answers(database, consultation.id or 0, search="GUICHET")
    assert [answer.text for answer in found] == ["Plus de guichets"]
    out = io.StringIO()
    assert results.export_csv(database, consultation.id or 0, out) == 2 * 7
    assert "Trop long" in out.getvalue()
