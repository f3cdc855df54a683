"""A consultation's texts in one language: the invitation, the questions, their options.

A consultation is shown in a person's language only when every one of its texts exists in
that language; otherwise the whole of it is shown in French, so that no message mixes two.
"""

from bot.core.i18n import N_, Translator
from bot.domain import Locale, QuestionKind
from bot.storage.models import Consultation, ConsultationQuestion

# About how long a person takes per question (a comment part counts as one).
SECONDS_PER_QUESTION = 30

INTRODUCTION = N_(
    "📋 {asked_by} vous consulte : « {title} ».\n"
    "{intro}\n"
    "⏱ Environ {minutes} min ({count} questions).\n"
    "{use}\n"
    "Répondre est facultatif. Vous pouvez passer une question, arrêter à tout moment "
    "(« stop ») et reprendre plus tard. La consultation est ouverte jusqu'au {closes}."
)
INVITATION_CALL = N_("Répondez « consultation » pour commencer.")
DEFAULT_USE = N_(
    "Vos réponses servent à préparer les décisions de l'administration. Comme vos autres "
    "données, vous pouvez les voir ou les supprimer (« mes données »)."
)
ANONYMOUS_USE = N_(
    "Cette consultation est anonyme : vos réponses sont enregistrées sans votre nom ni votre "
    "numéro."
)
REMINDER = N_(
    "Rappel : la consultation « {title} » se termine le {closes}. Vous pouvez encore y répondre "
    ": écrivez « consultation ». Répondre est facultatif."
)


def texts_of(
    consultation: Consultation, questions: list[ConsultationQuestion]
) -> list[dict[str, str]]:
    """Return every per-language text of a consultation."""
    texts = [consultation.title, consultation.intro, consultation.asked_by]
    if consultation.use_of_answers:
        texts.append(consultation.use_of_answers)
    for question in questions:
        texts.append(question.text)
        texts.extend(option["label"] for option in question.options)
        texts.extend(question.parts)
    return texts


def consultation_locale(
    consultation: Consultation, questions: list[ConsultationQuestion], wanted: str | None
) -> Locale:
    """Return the person's language if the whole consultation exists in it, else French."""
    locale = Locale(wanted) if wanted in {member.value for member in Locale} else Locale.FR
    if all(text.get(locale.value) for text in texts_of(consultation, questions)):
        return locale
    return Locale.FR


def pick(text: dict[str, str], locale: Locale) -> str:
    """Return a text in a language (every text exists in it, or French was chosen)."""
    return text.get(locale.value) or text[Locale.FR.value]


def question_count(questions: list[ConsultationQuestion]) -> int:
    """Count what a person is asked, each part of a comment question on its own."""
    return sum(
        len(question.parts) if question.kind is QuestionKind.COMMENT else 1
        for question in questions
    )


def introduction(
    consultation: Consultation,
    questions: list[ConsultationQuestion],
    locale: Locale,
    translator: Translator,
) -> str:
    """Say who asks, why, how long it takes, what becomes of the answers, that it is optional."""
    count = question_count(questions)
    minutes = max(1, -(-count * SECONDS_PER_QUESTION // 60))
    if consultation.use_of_answers:
        use = pick(consultation.use_of_answers, locale)
    else:
        use = translator.gettext(DEFAULT_USE)
    if consultation.anonymous:
        use = f"{use}\n{translator.gettext(ANONYMOUS_USE)}"
    return translator.gettext(INTRODUCTION).format(
        asked_by=pick(consultation.asked_by, locale),
        title=pick(consultation.title, locale),
        intro=pick(consultation.intro, locale),
        minutes=translator.format_number(minutes),
        count=translator.format_number(count),
        use=use,
        closes=translator.format_datetime(consultation.closes_at),
    )


def invitation(
    consultation: Consultation,
    questions: list[ConsultationQuestion],
    locale: Locale,
    translator: Translator,
) -> str:
    """Write the first message: the introduction and how to start."""
    intro = introduction(consultation, questions, locale, translator)
    return f"{intro}\n{translator.gettext(INVITATION_CALL)}"


def reminder(consultation: Consultation, locale: Locale, translator: Translator) -> str:
    """Write the one reminder to those who have not answered."""
    return translator.gettext(REMINDER).format(
        title=pick(consultation.title, locale),
        closes=translator.format_datetime(consultation.closes_at),
    )
