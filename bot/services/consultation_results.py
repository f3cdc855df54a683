"""What a consultation's answers add up to: counts, histograms, response rates, texts, exports.

The API (stable; later versions only add to it):

- `consultation_results(database, id)` -> `ConsultationResults`: per question a
  `QuestionResult` (counts per option for choices, a histogram for numbers and ratings, how
  many answered or skipped), and the response rate by channel and by province (`RateRow`).
- `text_answers(database, id, search=None, question_id=None, limit=100, offset=0)` ->
  `TextAnswer` list: free-text answers and comments, newest first, `search` matching part of
  the text (case-insensitive).
- `export_csv(database, id, out)` and `export_xlsx(database, id, out)` write one row per
  answer (`EXPORT_COLUMNS`) and return how many rows they wrote.
"""

import csv
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import Session, col, select

from bot.domain import Locale, QuestionKind
from bot.services.consultations import ConsultationDetail, get_consultation
from bot.services.registrations import neutralise_formula
from bot.services.spreadsheet import write_xlsx
from bot.storage.database import new_session
from bot.storage.models import (
    CampaignRun,
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
    Contact,
    OutboxItem,
)

# Numbers spread over more values than this are grouped into this many bins.
HISTOGRAM_BINS = 10
TEXT_KINDS = (QuestionKind.FREE_TEXT, QuestionKind.COMMENT)
EXPORT_COLUMNS = (
    "response",
    "channel",
    "province",
    "language",
    "started_at",
    "finished_at",
    "question",
    "kind",
    "part",
    "choices",
    "number",
    "text",
    "skipped",
)
UNKNOWN_PROVINCE = "-"


@dataclass(frozen=True, slots=True)
class OptionCount:
    """How many chose one option."""

    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Bin:
    """One bar of a histogram: the values from `low` to `high` (inclusive)."""

    low: int
    high: int
    count: int


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """The answers to one question, added up."""

    question: ConsultationQuestion
    answered: int
    skipped: int
    options: tuple[OptionCount, ...] = ()
    histogram: tuple[Bin, ...] = ()
    mean: float | None = None
    texts: int = 0


@dataclass(frozen=True, slots=True)
class RateRow:
    """Of those invited through one channel (or in one province), how many answered."""

    group: str
    invited: int
    started: int
    finished: int

    @property
    def rate(self) -> float | None:
        """Return the share of the invited who finished, or None when none was invited."""
        return self.finished / self.invited if self.invited else None


@dataclass(frozen=True, slots=True)
class ConsultationResults:
    """Everything the console and the CLI show of a consultation's answers."""

    detail: ConsultationDetail
    questions: tuple[QuestionResult, ...]
    by_channel: tuple[RateRow, ...]
    by_province: tuple[RateRow, ...]


@dataclass(frozen=True, slots=True)
class TextAnswer:
    """One free-text answer or comment."""

    question_id: int
    position: int
    part: int
    text: str
    channel: str
    province: str | None
    updated_at: datetime


def consultation_results(database: DatabaseEngine, consultation_id: int) -> ConsultationResults:
    """Add up a consultation's answers in the database, grouped, never loading them one by one.

    The memory it takes depends on the questions and their options, not on how many answered.
    """
    detail = get_consultation(database, consultation_id)
    ids = [question.id or 0 for question in detail.questions]
    with new_session(database) as session:
        tallies = _tallies(session, ids)
        choices = _choice_counts(session, ids)
        numbers = _number_counts(session, ids)
        by_channel = _rates(session, detail.consultation, Contact.channel, "channel")
        by_province = _rates(session, detail.consultation, Contact.province, "province")
    return ConsultationResults(
        detail=detail,
        questions=tuple(
            _question_result(
                question,
                tallies.get(question.id or 0, _Tally()),
                choices.get(question.id or 0, {}),
                numbers.get(question.id or 0, {}),
            )
            for question in detail.questions
        ),
        by_channel=by_channel,
        by_province=by_province,
    )


def text_answers(
    database: DatabaseEngine,
    consultation_id: int,
    *,
    search: str | None = None,
    question_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[TextAnswer]:
    """Return free-text answers and comments, newest first, optionally matching a search."""
    statement = (
        select(ConsultationAnswer, ConsultationQuestion, ConsultationResponse)
        .join(
            ConsultationQuestion,
            col(ConsultationQuestion.id) == col(ConsultationAnswer.question_id),
        )
        .join(
            ConsultationResponse,
            col(ConsultationResponse.id) == col(ConsultationAnswer.response_id),
        )
        .where(
            ConsultationResponse.consultation_id == consultation_id,
            col(ConsultationAnswer.text).is_not(None),
            col(ConsultationAnswer.skipped).is_(False),
        )
    )
    if question_id is not None:
        statement = statement.where(ConsultationAnswer.question_id == question_id)
    if search and search.strip():
        pattern = "%" + search.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        statement = statement.where(
            sa.func.lower(col(ConsultationAnswer.text)).like(pattern, escape="\\")
        )
    statement = (
        statement.order_by(col(ConsultationAnswer.updated_at).desc(), col(ConsultationAnswer.id))
        .offset(max(offset, 0))
        .limit(max(min(limit, 1000), 1))
    )
    with new_session(database) as session:
        rows = session.exec(statement).all()
    return [
        TextAnswer(
            question_id=question.id or 0,
            position=question.position,
            part=answer.part,
            text=answer.text or "",
            channel=response.channel.value,
            province=response.province,
            updated_at=answer.updated_at,
        )
        for answer, question, response in rows
    ]


def export_csv(database: DatabaseEngine, consultation_id: int, out: TextIO) -> int:
    """Write one CSV row per answer; return how many."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    written = 0
    for row in _export_rows(database, consultation_id):
        writer.writerow([neutralise_formula(value) for value in row])
        written += 1
    return written


def export_xlsx(database: DatabaseEngine, consultation_id: int, out: IO[bytes]) -> int:
    """Write one spreadsheet row per answer to a binary file; return how many."""
    return write_xlsx(
        out,
        sheet=f"consultation {consultation_id}",
        header=EXPORT_COLUMNS,
        rows=_export_rows(database, consultation_id),
    )


def _export_rows(database: DatabaseEngine, consultation_id: int) -> Iterator[list[Any]]:
    get_consultation(database, consultation_id)
    with new_session(database) as session:
        rows = session.exec(
            select(ConsultationAnswer, ConsultationQuestion, ConsultationResponse)
            .join(
                ConsultationQuestion,
                col(ConsultationQuestion.id) == col(ConsultationAnswer.question_id),
            )
            .join(
                ConsultationResponse,
                col(ConsultationResponse.id) == col(ConsultationAnswer.response_id),
            )
            .where(ConsultationResponse.consultation_id == consultation_id)
            .order_by(
                col(ConsultationResponse.id),
                col(ConsultationQuestion.position),
                col(ConsultationAnswer.part),
            )
        ).all()
    for answer, question, response in rows:
        yield [
            response.id,
            response.channel.value,
            response.province or "",
            response.locale,
            response.started_at.isoformat(timespec="seconds"),
            response.finished_at.isoformat(timespec="seconds") if response.finished_at else "",
            question.position,
            question.kind.value,
            answer.part + 1 if question.kind is QuestionKind.COMMENT else "",
            "|".join(answer.choices),
            answer.number if answer.number is not None else "",
            answer.text or "",
            answer.skipped,
        ]


@dataclass(frozen=True, slots=True)
class _Tally:
    """One question's answers counted: given, skipped, with a number, with a text."""

    given: int = 0
    skipped: int = 0
    numbers: int = 0
    texts: int = 0


def _tallies(session: Session, question_ids: list[int]) -> dict[int, _Tally]:
    given = sa.not_(col(ConsultationAnswer.skipped))

    def where(*conditions: Any) -> Any:
        return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))

    rows = session.execute(
        sa.select(
            col(ConsultationAnswer.question_id),
            where(given),
            where(col(ConsultationAnswer.skipped)),
            where(given, col(ConsultationAnswer.number).is_not(None)),
            where(given, col(ConsultationAnswer.text).is_not(None), ConsultationAnswer.text != ""),
        )
        .where(col(ConsultationAnswer.question_id).in_(question_ids))
        .group_by(col(ConsultationAnswer.question_id))
    ).all()
    return {int(row[0]): _Tally(*(int(value or 0) for value in row[1:])) for row in rows}


def _choice_counts(session: Session, question_ids: list[int]) -> dict[int, dict[str, int]]:
    """Count each option chosen, by unnesting the lists of choices in the database."""
    postgres = session.get_bind().dialect.name == "postgresql"
    unnest = sa.func.json_array_elements_text if postgres else sa.func.json_each
    chosen = unnest(col(ConsultationAnswer.choices)).table_valued("value").alias("chosen")
    rows = session.execute(
        sa.select(col(ConsultationAnswer.question_id), chosen.c.value, sa.func.count())
        .select_from(ConsultationAnswer)
        .join(chosen, sa.true())
        .where(
            col(ConsultationAnswer.question_id).in_(question_ids),
            sa.not_(col(ConsultationAnswer.skipped)),
        )
        .group_by(col(ConsultationAnswer.question_id), chosen.c.value)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for question_id, key, count in rows:
        counts.setdefault(int(question_id), {})[str(key)] = int(count)
    return counts


def _number_counts(session: Session, question_ids: list[int]) -> dict[int, dict[int, int]]:
    rows = session.execute(
        sa.select(
            col(ConsultationAnswer.question_id), col(ConsultationAnswer.number), sa.func.count()
        )
        .where(
            col(ConsultationAnswer.question_id).in_(question_ids),
            sa.not_(col(ConsultationAnswer.skipped)),
            col(ConsultationAnswer.number).is_not(None),
        )
        .group_by(col(ConsultationAnswer.question_id), col(ConsultationAnswer.number))
    ).all()
    counts: dict[int, dict[int, int]] = {}
    for question_id, number, count in rows:
        counts.setdefault(int(question_id), {})[int(number)] = int(count)
    return counts


def _question_result(
    question: ConsultationQuestion,
    tally: _Tally,
    choices: dict[str, int],
    numbers: dict[int, int],
) -> QuestionResult:
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        options = tuple(
            OptionCount(
                key=option["key"],
                label=option["label"].get(Locale.FR.value, option["key"]),
                count=choices.get(option["key"], 0),
            )
            for option in question.options
        )
        return QuestionResult(
            question, answered=tally.given, skipped=tally.skipped, options=options
        )
    if question.kind in (QuestionKind.NUMBER, QuestionKind.RATING):
        total = sum(numbers.values())
        mean = sum(value * count for value, count in numbers.items()) / total if total else None
        return QuestionResult(
            question,
            answered=tally.numbers,
            skipped=tally.skipped,
            histogram=histogram_of_counts(numbers, question.min_value, question.max_value),
            mean=mean,
        )
    return QuestionResult(question, answered=tally.given, skipped=tally.skipped, texts=tally.texts)


def histogram(values: list[int], low: int | None, high: int | None) -> tuple[Bin, ...]:
    """Count values per value when they span a few, else in equal bins between the bounds."""
    return histogram_of_counts(Counter(values), low, high)


def histogram_of_counts(
    counts: Mapping[int, int], low: int | None, high: int | None
) -> tuple[Bin, ...]:
    """Draw the bins of a histogram from how many gave each value (see `histogram`)."""
    if not counts and (low is None or high is None):
        return ()
    start = low if low is not None else min(counts)
    end = high if high is not None else max(counts)
    if counts:
        start, end = min(start, *counts), max(end, *counts)
    span = end - start + 1
    width = 1 if span <= HISTOGRAM_BINS * 2 else -(-span // HISTOGRAM_BINS)
    binned: Counter[int] = Counter()
    for value, count in counts.items():
        binned[(value - start) // width] += count
    bins = []
    for index in range(-(-span // width)):
        bin_low = start + index * width
        bins.append(Bin(bin_low, min(bin_low + width - 1, end), binned.get(index, 0)))
    return tuple(bins)


def _rates(
    session: Session, consultation: Consultation, key: Any, response_key: str
) -> tuple[RateRow, ...]:
    campaigns = [consultation.campaign_id] if consultation.campaign_id else []
    invited: dict[str, int] = {}
    if campaigns:
        rows = session.execute(
            select(key, sa.func.count())
            .select_from(OutboxItem)
            .join(CampaignRun, col(CampaignRun.id) == col(OutboxItem.run_id))
            .join(Contact, col(Contact.id) == col(OutboxItem.contact_id))
            .where(col(CampaignRun.campaign_id).in_(campaigns))
            .group_by(key)
        ).all()
        invited = {_group(row[0]): int(row[1]) for row in rows}
    response_column = getattr(ConsultationResponse, response_key)
    started: dict[str, int] = {}
    finished: dict[str, int] = {}
    rows = session.execute(
        select(
            response_column,
            sa.func.count(),
            sa.func.count(col(ConsultationResponse.finished_at)),
        )
        .where(ConsultationResponse.consultation_id == consultation.id)
        .group_by(response_column)
    ).all()
    for group, count, done in rows:
        started[_group(group)] = int(count)
        finished[_group(group)] = int(done)
    groups = sorted(set(invited) | set(started))
    return tuple(
        RateRow(group, invited.get(group, 0), started.get(group, 0), finished.get(group, 0))
        for group in groups
    )


def _group(value: Any) -> str:
    if value is None:
        return UNKNOWN_PROVINCE
    return str(getattr(value, "value", value))
