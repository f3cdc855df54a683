"""Staff actions on consultations, shared by the CLI and the staff console.

The API (stable; later versions only add to it):

- `create_consultation(database, spec)` checks a `ConsultationSpec` and stores a draft with
  its questions; `parse_spec(data, tz)` builds the spec from a YAML/JSON mapping (the CLI's
  file, a console form); `add_question(database, consultation_id, spec)` adds one to a draft.
- `update_consultation(database, id, spec)` rewrites a draft but its questions;
  `remove_question(database, id, question_id)` takes one out of a draft.
- `list_consultations(database)` -> `ConsultationSummary` list, newest first;
  `get_consultation(database, id)` -> `ConsultationDetail` (questions, counts).
- `close_consultation(database, id)` stops taking answers; `set_results(database, id, texts)`
  stores the results text shown to respondents (sending them is
  `bot.campaigns.consultations.publish_results`).
- Results, searches and exports: `bot.services.consultation_results`.
- Sending (test to one contact, the invitation, the reminder): `bot.campaigns.consultations`.

The audience is an expression as for campaigns (`bot.campaigns.audience.parse_audience`,
which front doors call to refuse an unreadable one early; sending checks it again).

Every function raises `ConsultationError` with a message for staff when a request cannot be
carried out.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.core.i18n import N_
from bot.domain import ConsultationState, Locale, QuestionKind
from bot.errors import ExplainedError
from bot.storage.consultations import questions_of
from bot.storage.database import new_session
from bot.storage.models import (
    Consultation,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationResponse,
)
from bot.storage.types import utcnow

RATING_MIN, RATING_MAX = 1, 5
# Telegram and WhatsApp lists show at most ten rows; more options would not fit one message.
MAX_OPTIONS = 10
MAX_PARTS = 20
OPTION_KEY_LENGTH = 16
# The reminder goes this long before the closing date (or half-way for short consultations).
REMINDER_BEFORE = timedelta(days=2)
LOCALES = frozenset(locale.value for locale in Locale)


class ConsultationError(ExplainedError, ValueError):
    """A consultation request that cannot be carried out; the message says why."""


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """A question as staff describe it; texts per language, French required."""

    kind: QuestionKind
    text: dict[str, str]
    # For the choice kinds: (key, {"fr": label, ...}) in the order shown.
    options: tuple[tuple[str, dict[str, str]], ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    # For a comment question: the document's parts, each {"fr": ..., ...}.
    parts: tuple[dict[str, str], ...] = ()
    for_groups: bool = False


@dataclass(frozen=True, slots=True)
class ConsultationSpec:
    """A consultation as staff describe it, before it is stored."""

    title: dict[str, str]
    intro: dict[str, str]
    asked_by: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    questions: tuple[QuestionSpec, ...] = ()
    use_of_answers: dict[str, str] = field(default_factory=dict)
    audience: str = "all"
    anonymous: bool = False
    templates: dict[str, Any] = field(default_factory=dict)
    reminder_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsultationSummary:
    """One line of the list of consultations."""

    consultation: Consultation
    questions: int
    started: int
    finished: int


@dataclass(frozen=True, slots=True)
class ConsultationDetail:
    """A consultation with its questions and how many people answered."""

    consultation: Consultation
    questions: list[ConsultationQuestion]
    started: int
    finished: int


def create_consultation(database: DatabaseEngine, spec: ConsultationSpec) -> Consultation:
    """Check a consultation and store it as a draft with its questions."""
    consultation = _new_consultation(spec)
    for question in spec.questions:
        _check_question(question)
    with new_session(database) as session:
        session.add(consultation)
        session.flush()
        assert consultation.id is not None
        for position, question in enumerate(spec.questions, start=1):
            session.add(_new_question(consultation.id, position, question))
        session.commit()
    return consultation


def add_question(
    database: DatabaseEngine, consultation_id: int, spec: QuestionSpec
) -> ConsultationQuestion:
    """Add a question at the end of a draft consultation."""
    _check_question(spec)
    with new_session(database) as session:
        consultation = _get(session, consultation_id)
        if consultation.state is not ConsultationState.DRAFT:
            raise ConsultationError(
                N_("la consultation {id} est à l'état {state} : ses questions sont fixées"),
                id=consultation_id,
                state=consultation.state.value,
            )
        last = session.execute(
            select(sa.func.max(ConsultationQuestion.position)).where(
                ConsultationQuestion.consultation_id == consultation_id
            )
        ).scalar_one()
        question = _new_question(consultation_id, int(last or 0) + 1, spec)
        session.add(question)
        session.commit()
    return question


def update_consultation(
    database: DatabaseEngine, consultation_id: int, spec: ConsultationSpec
) -> Consultation:
    """Rewrite a draft's texts, audience, dates and anonymity; its questions stay as they are."""
    checked = _new_consultation(spec)
    with new_session(database) as session:
        consultation = _draft(session, consultation_id)
        for name in (
            "title",
            "intro",
            "asked_by",
            "use_of_answers",
            "audience",
            "templates",
            "anonymous",
            "opens_at",
            "closes_at",
            "reminder_at",
        ):
            setattr(consultation, name, getattr(checked, name))
        consultation.updated_at = utcnow()
        session.add(consultation)
        session.commit()
    return consultation


def remove_question(database: DatabaseEngine, consultation_id: int, question_id: int) -> None:
    """Take a question out of a draft; those after it move up one place."""
    with new_session(database) as session:
        _draft(session, consultation_id)
        question = session.get(ConsultationQuestion, question_id)
        if question is None or question.consultation_id != consultation_id:
            raise ConsultationError(
                N_("la consultation {id} n'a pas de question {question}"),
                id=consultation_id,
                question=question_id,
            )
        session.delete(question)
        session.flush()
        # One by one, in order: each position is unique within the consultation.
        for later in questions_of(session, consultation_id):
            if later.position > question.position:
                later.position -= 1
                session.add(later)
                session.flush()
        session.commit()


def _draft(session: Any, consultation_id: int) -> Consultation:
    consultation = _get(session, consultation_id)
    if consultation.state is not ConsultationState.DRAFT:
        raise ConsultationError(
            N_("la consultation {id} est à l'état {state} : seul un brouillon se modifie"),
            id=consultation_id,
            state=consultation.state.value,
        )
    return consultation


def list_consultations(database: DatabaseEngine) -> list[ConsultationSummary]:
    """Return every consultation with its counts, newest first."""
    with new_session(database) as session:
        consultations = session.exec(
            select(Consultation).order_by(col(Consultation.id).desc())
        ).all()
        question_counts = _count_by(session, ConsultationQuestion.consultation_id)
        started = _count_by(session, ConsultationResponse.consultation_id)
        finished = _count_by(
            session,
            ConsultationResponse.consultation_id,
            col(ConsultationResponse.finished_at).is_not(None),
        )
    return [
        ConsultationSummary(
            consultation=consultation,
            questions=question_counts.get(consultation.id or 0, 0),
            started=started.get(consultation.id or 0, 0),
            finished=finished.get(consultation.id or 0, 0),
        )
        for consultation in consultations
    ]


def get_consultation(database: DatabaseEngine, consultation_id: int) -> ConsultationDetail:
    """Return a consultation with its questions and counts."""
    with new_session(database) as session:
        consultation = _get(session, consultation_id)
        started = _count_by(
            session,
            ConsultationResponse.consultation_id,
            col(ConsultationResponse.consultation_id) == consultation_id,
        )
        finished = _count_by(
            session,
            ConsultationResponse.consultation_id,
            col(ConsultationResponse.consultation_id) == consultation_id,
            col(ConsultationResponse.finished_at).is_not(None),
        )
        return ConsultationDetail(
            consultation=consultation,
            questions=questions_of(session, consultation_id),
            started=started.get(consultation_id, 0),
            finished=finished.get(consultation_id, 0),
        )


def close_consultation(database: DatabaseEngine, consultation_id: int) -> Consultation:
    """Stop taking answers; the reminder not sent yet is dropped."""
    with new_session(database) as session:
        consultation = _get(session, consultation_id)
        if consultation.state is ConsultationState.CLOSED:
            raise ConsultationError(N_("la consultation {id} est déjà close"), id=consultation_id)
        now = utcnow()
        consultation.state = ConsultationState.CLOSED
        consultation.closed_at = now
        consultation.reminder_done_at = consultation.reminder_done_at or now
        consultation.updated_at = now
        session.add(consultation)
        session.commit()
    return consultation


def set_results(
    database: DatabaseEngine, consultation_id: int, texts: dict[str, str]
) -> Consultation:
    """Store the results text respondents are shown (French required)."""
    cleaned = _texts(texts, "results")
    with new_session(database) as session:
        consultation = _get(session, consultation_id)
        consultation.results = cleaned
        consultation.updated_at = utcnow()
        session.add(consultation)
        session.commit()
    return consultation


def participants_count(database: DatabaseEngine, consultation_id: int) -> int:
    """Count the contacts who started a consultation."""
    with new_session(database) as session:
        return int(
            session.execute(
                select(sa.func.count())
                .select_from(ConsultationParticipant)
                .where(ConsultationParticipant.consultation_id == consultation_id)
            ).scalar_one()
        )


def parse_spec(data: Any, tz: ZoneInfo, *, now: datetime | None = None) -> ConsultationSpec:
    """Build a spec from a mapping such as the CLI's YAML file.

    Texts are either a string (French) or a mapping `{fr: ..., en: ..., ar: ...}`; dates are
    ISO dates or datetimes in the server's time zone; `opens` defaults to now and `closes` is
    required. Each question has `kind` (a QuestionKind value), `text`, and `options` (a list
    of texts, or of mappings with `key` and `label`), `min`/`max` or `parts` as its kind needs.
    """
    if not isinstance(data, dict):
        raise ConsultationError(
            N_(
                "un fichier de consultation est un dictionnaire avec "
                "title, intro, asked_by, closes, questions"
            )
        )
    moment = now or utcnow()
    opens = _date(data.get("opens"), tz, "opens") if data.get("opens") else moment
    if not data.get("closes"):
        raise ConsultationError(N_("une consultation a besoin d'une date de clôture (closes)"))
    questions = data.get("questions") or []
    if not isinstance(questions, list):
        raise ConsultationError(N_("questions est une liste"))
    return ConsultationSpec(
        title=_texts(data.get("title"), "title"),
        intro=_texts(data.get("intro"), "intro"),
        asked_by=_texts(data.get("asked_by"), "asked_by"),
        use_of_answers=_texts(data.get("use_of_answers"), "use_of_answers", required=False),
        opens_at=opens,
        closes_at=_date(data["closes"], tz, "closes"),
        audience=str(data.get("audience") or "all"),
        anonymous=bool(data.get("anonymous", False)),
        templates=dict(data.get("templates") or {}),
        reminder_at=_date(data["reminder"], tz, "reminder") if data.get("reminder") else None,
        questions=tuple(
            _question_spec(item, index) for index, item in enumerate(questions, start=1)
        ),
    )


def _question_spec(item: Any, index: int) -> QuestionSpec:
    if not isinstance(item, dict):
        raise ConsultationError(
            N_("question {index} : un dictionnaire avec kind et text"), index=index
        )
    try:
        kind = QuestionKind(str(item.get("kind", "")))
    except ValueError:
        kinds = ", ".join(kind.value for kind in QuestionKind)
        raise ConsultationError(
            N_("question {index} : kind est l'un de {kinds}"), index=index, kinds=kinds
        ) from None
    options = []
    for number, option in enumerate(item.get("options") or [], start=1):
        if isinstance(option, dict) and "label" in option:
            key = str(option.get("key") or number)
            options.append((key, _texts(option["label"], f"question {index} option {number}")))
        else:
            options.append((str(number), _texts(option, f"question {index} option {number}")))
    parts = tuple(
        _texts(part, f"question {index} part {number}")
        for number, part in enumerate(item.get("parts") or [], start=1)
    )
    return QuestionSpec(
        kind=kind,
        text=_texts(item.get("text"), f"question {index}"),
        options=tuple(options),
        min_value=_int_or_none(item.get("min"), f"question {index} min"),
        max_value=_int_or_none(item.get("max"), f"question {index} max"),
        parts=parts,
        for_groups=bool(item.get("for_groups", False)),
    )


def _new_consultation(spec: ConsultationSpec) -> Consultation:
    for name in ("title", "intro", "asked_by"):
        _texts(getattr(spec, name), name)
    if spec.opens_at.tzinfo is None or spec.closes_at.tzinfo is None:
        raise ConsultationError(
            N_("les dates d'ouverture et de clôture ont besoin de leur fuseau horaire")
        )
    if spec.closes_at <= spec.opens_at:
        raise ConsultationError(N_("la date de clôture doit venir après la date d'ouverture"))
    reminder = spec.reminder_at or _default_reminder(spec.opens_at, spec.closes_at)
    if not spec.opens_at <= reminder < spec.closes_at:
        raise ConsultationError(
            N_("le rappel doit tomber entre les dates d'ouverture et de clôture")
        )
    now = utcnow()
    return Consultation(
        title=_texts(spec.title, "title"),
        intro=_texts(spec.intro, "intro"),
        asked_by=_texts(spec.asked_by, "asked_by"),
        use_of_answers=_texts(spec.use_of_answers, "use_of_answers", required=False),
        audience=spec.audience,
        templates=spec.templates,
        anonymous=spec.anonymous,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        reminder_at=reminder,
        created_at=now,
        updated_at=now,
    )


def _default_reminder(opens_at: datetime, closes_at: datetime) -> datetime:
    before = closes_at - REMINDER_BEFORE
    halfway = opens_at + (closes_at - opens_at) / 2
    return max(before, halfway)


def _check_question(spec: QuestionSpec) -> None:
    _texts(spec.text, "question")
    choice = spec.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
    if choice and not 2 <= len(spec.options) <= MAX_OPTIONS:
        raise ConsultationError(
            N_("une question à choix a besoin de 2 à {most} options"), most=MAX_OPTIONS
        )
    if not choice and spec.options:
        raise ConsultationError(N_("une question {kind} n'a pas d'options"), kind=spec.kind.value)
    keys = [key for key, _label in spec.options]
    if len(set(keys)) != len(keys) or any(
        not key or ":" in key or len(key) > OPTION_KEY_LENGTH for key in keys
    ):
        raise ConsultationError(
            N_(
                "les clés des options doivent être distinctes, sans « : », "
                "de {most} caractères au plus"
            ),
            most=OPTION_KEY_LENGTH,
        )
    if spec.kind is QuestionKind.COMMENT and not 1 <= len(spec.parts) <= MAX_PARTS:
        raise ConsultationError(
            N_("une question de commentaire a besoin de 1 à {most} parties"), most=MAX_PARTS
        )
    if spec.kind is not QuestionKind.COMMENT and spec.parts:
        raise ConsultationError(N_("une question {kind} n'a pas de parties"), kind=spec.kind.value)
    if spec.kind is QuestionKind.NUMBER:
        low, high = spec.min_value, spec.max_value
        if low is not None and high is not None and low > high:
            raise ConsultationError(
                N_("le minimum d'une question numérique est au-dessus de son maximum")
            )
    elif spec.min_value is not None or spec.max_value is not None:
        raise ConsultationError(N_("seule une question numérique a un minimum et un maximum"))


def _new_question(consultation_id: int, position: int, spec: QuestionSpec) -> ConsultationQuestion:
    rating = spec.kind is QuestionKind.RATING
    return ConsultationQuestion(
        consultation_id=consultation_id,
        position=position,
        kind=spec.kind,
        text=_texts(spec.text, "question"),
        options=[{"key": key, "label": _texts(label, "option")} for key, label in spec.options],
        min_value=RATING_MIN if rating else spec.min_value,
        max_value=RATING_MAX if rating else spec.max_value,
        parts=[_texts(part, "part") for part in spec.parts],
        for_groups=spec.for_groups,
    )


def _texts(value: Any, name: str, *, required: bool = True) -> dict[str, str]:
    """Read a text per language: a string is French; French is required when the text is."""
    if value is None or value == "":
        if required:
            raise ConsultationError(N_("{name} a besoin d'un texte en français"), name=name)
        return {}
    if isinstance(value, str):
        value = {Locale.FR.value: value}
    if not isinstance(value, dict):
        raise ConsultationError(
            N_("{name} : un texte, ou un dictionnaire de fr, en, ar vers des textes"), name=name
        )
    unknown = set(value) - LOCALES
    if unknown:
        raise ConsultationError(
            N_("{name} : langue inconnue « {language} » : utilisez fr, en ou ar"),
            name=name,
            language=sorted(unknown)[0],
        )
    texts = {str(key): str(text).strip() for key, text in value.items() if str(text or "").strip()}
    if required and Locale.FR.value not in texts:
        raise ConsultationError(N_("{name} a besoin d'un texte en français"), name=name)
    return texts


def _date(value: Any, tz: ZoneInfo, name: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ConsultationError(
                N_("{name} : « {value} » n'est pas une date comme 2026-12-31 ou 2026-12-31T18:00"),
                name=name,
                value=value,
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConsultationError(
            N_("{name} : « {value} » n'est pas un nombre entier"), name=name, value=value
        ) from None


def _get(session: Any, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise ConsultationError(N_("pas de consultation {id}"), id=consultation_id)
    assert isinstance(consultation, Consultation)
    return consultation


def _count_by(session: Any, key: Any, *where: Any) -> dict[int, int]:
    rows = session.execute(select(key, sa.func.count()).where(*where).group_by(key)).all()
    return {int(row[0]): int(row[1]) for row in rows}
