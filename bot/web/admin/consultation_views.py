"""What the results page shows of a consultation, in the reader's language: charts and rates.

A choice question is drawn as bars (one per option, in the order asked), a number or a rating
as a histogram of the values given; a free-text or comment question has no chart, only its
texts, listed apart with a search.
"""

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from bot.core.i18n import N_, Translator
from bot.domain import ConsultationState, Locale, QuestionKind
from bot.services.consultation_results import ConsultationResults, QuestionResult, RateRow
from bot.storage.models import ConsultationQuestion
from bot.web.admin import charts

KIND_LABELS = {
    QuestionKind.SINGLE_CHOICE: N_("Choix unique"),
    QuestionKind.MULTIPLE_CHOICE: N_("Choix multiple"),
    QuestionKind.NUMBER: N_("Nombre"),
    QuestionKind.RATING: N_("Note de 1 à 5"),
    QuestionKind.FREE_TEXT: N_("Texte libre"),
    QuestionKind.COMMENT: N_("Commentaire d'un texte en parties"),
}

STATE_LABELS = {
    ConsultationState.DRAFT.value: N_("brouillon"),
    ConsultationState.OPEN.value: N_("ouverte"),
    ConsultationState.CLOSED.value: N_("close"),
}


@dataclass(frozen=True, slots=True)
class QuestionView:
    """One question of the results page: its text, figures and chart."""

    id: int
    position: int
    kind: str
    text: str
    answered: int
    skipped: int
    mean: str
    texts: int
    chart: Markup | None

    def as_dict(self) -> dict[str, Any]:
        """Return the figures the page refreshes, with the chart's markup."""
        return {
            "id": self.id,
            "answered": self.answered,
            "skipped": self.skipped,
            "mean": self.mean,
            "texts": self.texts,
            "chart": str(self.chart) if self.chart is not None else None,
        }


@dataclass(frozen=True, slots=True)
class RateView:
    """One line of a response-rate table."""

    group: str
    invited: int
    started: int
    finished: int
    rate: str

    def as_dict(self) -> dict[str, Any]:
        """Return the line as the page refreshes it."""
        return {
            "group": self.group,
            "invited": self.invited,
            "started": self.started,
            "finished": self.finished,
            "rate": self.rate,
        }


def text_in(texts: dict[str, str], locale: Locale) -> str:
    """Return a staff text in the reader's language, else in French."""
    return texts.get(locale.value) or texts.get(Locale.FR.value, "")


def question_views(
    results: ConsultationResults, translator: Translator, locale: Locale
) -> list[QuestionView]:
    """Return each question with its figures and chart."""
    return [_question_view(result, translator, locale) for result in results.questions]


def rate_views(rows: tuple[RateRow, ...]) -> list[RateView]:
    """Return a response-rate table's lines, the rate as a percentage."""
    return [
        RateView(
            group=row.group,
            invited=row.invited,
            started=row.started,
            finished=row.finished,
            rate=f"{row.rate:.0%}" if row.rate is not None else "—",
        )
        for row in rows
    ]


def question_label(question: ConsultationQuestion, locale: Locale) -> str:
    """Return "3. The question's text", for lists and filters."""
    return f"{question.position}. {text_in(question.text, locale)}"


def _question_view(result: QuestionResult, translator: Translator, locale: Locale) -> QuestionView:
    question = result.question
    title = question_label(question, locale)
    empty = translator.gettext("Pas encore de réponse")
    chart: Markup | None = None
    if result.options:
        labels = {option["key"]: text_in(option["label"], locale) for option in question.options}
        chart = charts.bar_chart(
            [(labels.get(option.key, option.key), option.count) for option in result.options],
            title=title,
            empty=empty,
        )
    elif question.kind in (QuestionKind.NUMBER, QuestionKind.RATING):
        bins = [
            (str(item.low) if item.low == item.high else f"{item.low}–{item.high}", item.count)
            for item in result.histogram
        ]
        chart = charts.column_chart(
            bins if any(count for _label, count in bins) else [], title=title, empty=empty
        )
    return QuestionView(
        id=question.id or 0,
        position=question.position,
        kind=question.kind.value,
        text=text_in(question.text, locale),
        answered=result.answered,
        skipped=result.skipped,
        mean=f"{result.mean:.2f}" if result.mean is not None else "",
        texts=result.texts,
        chart=chart,
    )
