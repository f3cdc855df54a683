"""Answering a consultation in the chat: the introduction, each question, a summary to change.

```mermaid
stateDiagram-v2
    [*] --> intro: "consultation" / StartConsultation (invited, open, not finished)
    intro --> question: "Commencer"
    intro --> [*]: "Plus tard"
    question --> question: answer / skip (stored at once), next question or part
    question --> review: every question answered or skipped
    review --> choose: "Modifier une réponse"
    choose --> question: question picked (then back to the summary)
    review --> [*]: "Envoyer" (thanks, and the results once published)
    question --> [*]: "stop" (answers kept; "consultation" later takes it up again)
```
Each answer is written as it is given (bot.storage.consultations), so stopping, a detour
through another question or a restart lose nothing. Everything a consultation says is in one
language: the person's, when the whole consultation exists in it, else French.
"""

import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.core import consultation_texts as texts
from bot.core import i18n
from bot.core.actions import (
    Cancel,
    ConfirmOptions,
    ConsultationLater,
    EditAnswer,
    MainMenu,
    PickOption,
    ReviewAction,
    ReviewAnswers,
    SkipQuestion,
    StartConsultation,
    ToggleOption,
    Unsubscribe,
)
from bot.core.feature import Feature
from bot.core.flows.consultation_answers import (
    OutOfRange,
    describe,
    is_done,
    is_skip,
    read_number,
    read_option,
    read_options,
)
from bot.core.i18n import _
from bot.core.keywords import read_yes_or_no
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Flow, Locale, QuestionKind
from bot.storage import consultations as store
from bot.storage.consultations import AnswerValue
from bot.storage.models import Consultation, ConsultationQuestion, ConsultationResponse
from bot.storage.types import utcnow
from bot.text import fold, is_question
from nlu import ParseResult

START_WORDS = frozenset(
    fold(word)
    for word in [
        "consultation", "la consultation", "consultations", "commencer", "je participe",
        "participer", "repondre a la consultation", "sondage", "questionnaire", "survey",
        "poll", "take the survey", "استشارة", "الاستشارة", "استبيان", "المشاركة", "ابدأ",
    ]
)  # fmt: skip
EDIT_WORDS = frozenset(
    fold(word) for word in ["modifier", "changer", "corriger", "edit", "change", "تعديل"]
)
CONSULTATION_KEY, QUESTION_KEY, PART_KEY = "cid", "qid", "part"
SELECTED_KEY, EDITING_KEY = "selected", "editing"
# Labels of buttons that stand for a question, kept short for WhatsApp's list rows.
LABEL_LENGTH = 24
RATINGS = ("1", "2", "3", "4", "5")


class Step(StrEnum):
    """Where the person is in the consultation."""

    INTRO = "intro"
    QUESTION = "question"
    REVIEW = "review"
    CHOOSE = "choose"


class ConsultationFeature(Feature):
    """Take a person through a consultation they were invited to."""

    flows = (Flow.CONSULTATION,)
    payloads = (
        StartConsultation,
        ConsultationLater,
        PickOption,
        ToggleOption,
        ConfirmOptions,
        SkipQuestion,
        ReviewAnswers,
        EditAnswer,
    )

    def __init__(self) -> None:
        # Per thread: turns of different people may run at once in the server's threads.
        self._memo = threading.local()

    # -- entering

    def claims(self, turn: Turn) -> bool:
        """Take "consultation" when the person has one to answer."""
        return fold(turn.text) in START_WORDS and bool(
            store.consultations_for(turn.session, turn.contact, utcnow())
        )

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Open the newest consultation the person may answer."""
        found = store.consultations_for(turn.session, turn.contact, utcnow())
        if found:
            self.open(turn, found[0])

    def can_resume(self, turn: Turn) -> bool:
        """Tell whether a consultation was left half-way ("continuer" takes it up)."""
        return any(
            self._response(turn, consultation) is not None
            for consultation in store.consultations_for(turn.session, turn.contact, utcnow())
        )

    def open(self, turn: Turn, consultation: Consultation) -> None:
        """Introduce a consultation, or go on where the person left it."""
        response = self._response(turn, consultation)
        turn.go(Flow.CONSULTATION, Step.INTRO, **{CONSULTATION_KEY: consultation.id})
        with self._speaking(turn) as (locale, questions):
            if response is not None:
                self._response_or_new(turn, consultation)
                turn.say(
                    _("Reprenons la consultation « {title} ».").format(
                        title=texts.pick(consultation.title, locale)
                    )
                )
                self._next(turn)
                return
            turn.say(
                texts.introduction(consultation, questions, locale, i18n.current()),
                [
                    (_("Commencer"), StartConsultation(consultation.id or 0)),
                    (_("Plus tard"), ConsultationLater(consultation.id or 0)),
                ],
            )

    # -- buttons

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the consultation's buttons."""
        if isinstance(payload, StartConsultation):
            self._start(turn, payload.consultation_id)
            return
        consultation = self._current(turn)
        if consultation is None:
            turn.say(_("Cette consultation n'accepte plus de réponses."), [(_("Menu"), MainMenu())])
            return
        if isinstance(payload, ConsultationLater):
            self._leave(turn, consultation)
            return
        with self._speaking(turn):
            question = self._question(turn)
            if isinstance(payload, EditAnswer):
                self._edit(turn, payload.question_id)
            elif isinstance(payload, ReviewAnswers):
                if payload.action is ReviewAction.CONFIRM:
                    self._finish(turn, consultation)
                else:
                    self._choose(turn)
            elif question is None or getattr(payload, "question_id", None) != question.id:
                self._next(turn)
            elif isinstance(payload, PickOption):
                self._pick(turn, question, payload.value)
            elif isinstance(payload, ToggleOption):
                self._toggle(turn, question, payload.value)
            elif isinstance(payload, ConfirmOptions):
                self._store(turn, question, AnswerValue(choices=tuple(self._selected(turn))))
            elif isinstance(payload, SkipQuestion):
                self._store(turn, question, AnswerValue(skipped=True))

    def _start(self, turn: Turn, consultation_id: int) -> None:
        consultation = turn.session.get(Consultation, consultation_id)
        reachable = store.consultations_for(turn.session, turn.contact, utcnow())
        if consultation is None or consultation not in reachable:
            if consultation is not None and self._finished(turn, consultation):
                turn.say(_("Vous avez déjà répondu à cette consultation. Merci !"))
            else:
                turn.say(_("Cette consultation n'accepte plus de réponses."))
            turn.go_idle()
            return
        self._response_or_new(turn, consultation)
        turn.go(Flow.CONSULTATION, Step.QUESTION, **{CONSULTATION_KEY: consultation.id})
        with self._speaking(turn):
            self._next(turn)

    # -- typed answers

    def fits(self, turn: Turn) -> bool:
        """Tell whether the text reads as an answer to what is asked now."""
        step = Step(turn.conversation.step or Step.INTRO)
        if step is not Step.QUESTION:
            return read_yes_or_no(turn) is not None or fold(turn.text) in EDIT_WORDS
        question = self._question(turn)
        if question is None or is_skip(turn.text) or is_done(turn.text):
            return True
        if question.kind in (QuestionKind.FREE_TEXT, QuestionKind.COMMENT):
            return not is_question(turn.text)
        try:
            return self._read(question, turn.text) is not None
        except OutOfRange:
            return True  # a number, only too big or too small: said so, then asked again

    def answers_typed_text(self, turn: Turn) -> bool:
        """Read "3" or "statuts, liste" as the whole answer, not as tapping one button.

        A number question's "1" is not its only button (skip); several options typed are
        the answer, not a first tick.
        """
        if turn.conversation.step != Step.QUESTION:
            return False
        question = self._question(turn)
        return question is not None and question.kind in (
            QuestionKind.MULTIPLE_CHOICE,
            QuestionKind.NUMBER,
            QuestionKind.FREE_TEXT,
            QuestionKind.COMMENT,
        )

    def on_text(self, turn: Turn) -> None:
        """Read a typed answer."""
        consultation = self._current(turn)
        if consultation is None:
            return
        step = Step(turn.conversation.step or Step.INTRO)
        with self._speaking(turn):
            if step is Step.INTRO:
                if read_yes_or_no(turn) is False:
                    self._leave(turn, consultation)
                else:
                    self._start(turn, consultation.id or 0)
            elif step is Step.QUESTION:
                self._typed(turn)
            elif fold(turn.text) in EDIT_WORDS:
                self._choose(turn)
            elif step is Step.REVIEW and read_yes_or_no(turn) is True:
                self._finish(turn, consultation)
            else:
                turn.misunderstood()
                self._review(turn) if step is Step.REVIEW else self._choose(turn)

    def _typed(self, turn: Turn) -> None:
        question = self._question(turn)
        if question is None:
            self._next(turn)
            return
        text = turn.text
        if is_skip(text):
            self._store(turn, question, AnswerValue(skipped=True))
            return
        selected = self._selected(turn)
        if question.kind is QuestionKind.MULTIPLE_CHOICE and selected and is_done(text):
            self._store(turn, question, AnswerValue(choices=tuple(selected)))
            return
        if question.kind in (QuestionKind.FREE_TEXT, QuestionKind.COMMENT):
            self._store(turn, question, AnswerValue(text=text))
            return
        try:
            value = self._read(question, text)
        except OutOfRange:
            turn.say(
                _("Le nombre doit être entre {low} et {high}.").format(
                    low=question.min_value, high=question.max_value
                )
            )
            self._ask(turn, question)
            return
        if value is None:
            turn.misunderstood()
            turn.say(_("Je n'ai pas compris votre réponse."))
            self._ask(turn, question)
        else:
            self._store(turn, question, value)

    def _read(self, question: ConsultationQuestion, text: str) -> AnswerValue | None:
        """Read a typed answer; None when it is not one (OutOfRange for a number too big)."""
        if question.kind is QuestionKind.SINGLE_CHOICE:
            key = read_option(question, text)
            return AnswerValue(choices=(key,)) if key else None
        if question.kind is QuestionKind.MULTIPLE_CHOICE:
            keys = read_options(question, text)
            return AnswerValue(choices=tuple(keys)) if keys else None
        if question.kind in (QuestionKind.NUMBER, QuestionKind.RATING):
            number = read_number(question, text)
            return AnswerValue(number=number) if number is not None else None
        return AnswerValue(text=text) if text else None

    # -- words that work everywhere, leaving

    def intercepts(self, turn: Turn, action: Payload) -> bool:
        """Read "stop" and "annuler" as stopping the consultation, nothing else."""
        stops = isinstance(action, Cancel) or (
            isinstance(action, Unsubscribe) and action.topic is None
        )
        if not stops:
            return False
        consultation = self._current(turn)
        if consultation is not None:
            self._leave(turn, consultation)
        return True

    def cancel(self, turn: Turn) -> None:
        """Stop the consultation, keeping the answers so far."""
        consultation = self._current(turn)
        if consultation is not None:
            self._leave(turn, consultation)
        else:
            turn.go_idle()

    def still_open(self, turn: Turn) -> bool:
        """Tell whether the consultation still takes answers; say so when it closed meanwhile."""
        consultation = turn.session.get(Consultation, turn.data(CONSULTATION_KEY) or 0)
        testing = consultation is not None and store.tested_by(
            turn.session, consultation, turn.contact_id
        )
        if consultation is not None and store.is_answerable(
            consultation, utcnow(), testing=testing
        ):
            return True
        with self._speaking(turn):
            turn.say(_("Cette consultation est close : elle n'accepte plus de réponses. Merci !"))
        return False

    def resume(self, turn: Turn) -> None:
        """Ask again what was asked, or take up the consultation left half-way ("continuer")."""
        if turn.conversation.flow is not Flow.CONSULTATION:
            left = [
                consultation
                for consultation in store.consultations_for(turn.session, turn.contact, utcnow())
                if self._response(turn, consultation) is not None
            ]
            if left:
                self.open(turn, left[0])
            return
        consultation = self._current(turn)
        if consultation is None:
            return
        step = Step(turn.conversation.step or Step.INTRO)
        if step is Step.INTRO:
            self.open(turn, consultation)
            return
        with self._speaking(turn):
            if step is Step.QUESTION and self._question(turn) is not None:
                question = self._question(turn)
                assert question is not None
                self._ask(turn, question)
            elif step is Step.CHOOSE:
                self._choose(turn)
            else:
                self._next(turn)

    def _leave(self, turn: Turn, consultation: Consultation) -> None:
        store.stop(turn.session, consultation.id or 0, turn.contact_id)
        with self._speaking(turn):
            turn.say(
                _(
                    "C'est noté, la consultation est mise de côté. Vos réponses sont gardées : "
                    "écrivez « consultation » pour reprendre, jusqu'au {closes}. Vos abonnements "
                    "ne changent pas."
                ).format(closes=i18n.current().format_datetime(consultation.closes_at)),
                [(_("Menu"), MainMenu())],
            )
        turn.go_idle()

    # -- asking

    def _next(self, turn: Turn) -> None:
        """Ask the first question (or part) not answered yet, else show the summary."""
        consultation = self._current(turn)
        response = self._response(turn, consultation) if consultation else None
        if consultation is None or response is None:
            return
        answers = store.answers_of(turn.session, response.id or 0)
        for question in self._questions(turn):
            for part in range(_parts(question)):
                if (question.id or 0, part) not in answers:
                    turn.conversation.step = Step.QUESTION
                    turn.update(**{QUESTION_KEY: question.id, PART_KEY: part, SELECTED_KEY: []})
                    self._ask(turn, question)
                    return
        self._review(turn)

    def _ask(self, turn: Turn, question: ConsultationQuestion) -> None:
        locale = self._locale(turn)
        questions = self._questions(turn)
        number = questions.index(question) + 1
        header = _("Question {number}/{total} : {text}").format(
            number=number, total=len(questions), text=texts.pick(question.text, locale)
        )
        qid = question.id or 0
        skip = (_("Passer"), SkipQuestion(qid, turn.data(PART_KEY) or 0))
        options = [(texts.pick(o["label"], locale), str(o["key"])) for o in question.options]
        if question.kind is QuestionKind.SINGLE_CHOICE:
            hint = _("Touchez votre choix ou écrivez son numéro.")
            buttons: list[tuple[str, Payload]] = [
                (label, PickOption(qid, key)) for label, key in options
            ]
            turn.say(f"{header}\n{hint}", [*buttons, skip])
        elif question.kind is QuestionKind.MULTIPLE_CHOICE:
            selected = self._selected(turn)
            hint = _(
                "Plusieurs choix possibles : touchez-les puis « Valider », ou écrivez leurs "
                "numéros (par exemple 1, 3)."
            )
            buttons = [
                (("✅ " if key in selected else "") + label, ToggleOption(qid, key))
                for label, key in options
            ]
            turn.say(f"{header}\n{hint}", [*buttons, (_("Valider"), ConfirmOptions(qid)), skip])
        elif question.kind is QuestionKind.RATING:
            hint = _("Touchez une note de 1 (très mauvais) à 5 (très bien).")
            turn.say(f"{header}\n{hint}", [*((r, PickOption(qid, r)) for r in RATINGS), skip])
        elif question.kind is QuestionKind.NUMBER:
            if question.min_value is not None and question.max_value is not None:
                hint = _("Écrivez un nombre entre {low} et {high}.").format(
                    low=question.min_value, high=question.max_value
                )
            else:
                hint = _("Écrivez un nombre.")
            turn.say(f"{header}\n{hint}", [skip])
        elif question.kind is QuestionKind.FREE_TEXT:
            turn.say(f"{header}\n{_('Écrivez votre réponse en un message.')}", [skip])
        else:
            part = turn.data(PART_KEY) or 0
            if part == 0:
                turn.say(header)
            turn.say(
                _("Partie {number}/{total} :\n{text}\nVotre commentaire sur cette partie ?").format(
                    number=part + 1,
                    total=len(question.parts),
                    text=texts.pick(question.parts[part], locale),
                ),
                [(_("Pas de commentaire"), SkipQuestion(qid, part))],
            )

    def _pick(self, turn: Turn, question: ConsultationQuestion, value: str) -> None:
        if question.kind is QuestionKind.RATING and value in RATINGS:
            self._store(turn, question, AnswerValue(number=int(value)))
        elif question.kind is QuestionKind.SINGLE_CHOICE and value in _keys(question):
            self._store(turn, question, AnswerValue(choices=(value,)))
        else:
            self._ask(turn, question)

    def _toggle(self, turn: Turn, question: ConsultationQuestion, value: str) -> None:
        selected = self._selected(turn)
        if value in _keys(question):
            selected = (
                [key for key in selected if key != value]
                if value in selected
                else [
                    *selected,
                    value,
                ]
            )
        turn.update(**{SELECTED_KEY: selected})
        self._ask(turn, question)

    def _store(self, turn: Turn, question: ConsultationQuestion, value: AnswerValue) -> None:
        consultation = self._current(turn)
        response = self._response(turn, consultation) if consultation else None
        if response is None:
            return
        part = turn.data(PART_KEY) or 0
        store.record_answer(
            turn.session,
            response_id=response.id or 0,
            question_id=question.id or 0,
            part=part,
            value=value,
        )
        if question.kind is QuestionKind.COMMENT and part + 1 < len(question.parts):
            turn.update(**{PART_KEY: part + 1})
            self._ask(turn, question)
            return
        if turn.data(EDITING_KEY):
            turn.update(**{EDITING_KEY: False})
            self._review(turn)
            return
        self._next(turn)

    # -- the summary, changing an answer, the end

    def _review(self, turn: Turn) -> None:
        consultation = self._current(turn)
        response = self._response(turn, consultation) if consultation else None
        if response is None:
            return
        locale = self._locale(turn)
        answers = store.answers_of(turn.session, response.id or 0)
        lines = [_("Voici vos réponses :")]
        for number, question in enumerate(self._questions(turn), start=1):
            asked = texts.pick(question.text, locale)
            for part in range(_parts(question)):
                shown = describe(question, answers.get((question.id or 0, part)), locale)
                suffix = f" ({part + 1})" if question.kind is QuestionKind.COMMENT else ""
                lines.append(f"{number}. {asked}{suffix} — {shown}")
        lines.append(_("Envoyer vos réponses ?"))
        turn.conversation.step = Step.REVIEW
        turn.say(
            "\n".join(lines),
            [
                (_("Envoyer"), ReviewAnswers(ReviewAction.CONFIRM)),
                (_("Modifier une réponse"), ReviewAnswers(ReviewAction.EDIT)),
            ],
        )

    def _choose(self, turn: Turn) -> None:
        locale = self._locale(turn)
        turn.conversation.step = Step.CHOOSE
        buttons: list[tuple[str, Payload]] = []
        for number, question in enumerate(self._questions(turn), start=1):
            label = f"{number}. {texts.pick(question.text, locale)}"
            if len(label) > LABEL_LENGTH:
                label = label[: LABEL_LENGTH - 1] + "…"
            buttons.append((label, EditAnswer(question.id or 0)))
        turn.say(_("Quelle réponse voulez-vous modifier ?"), buttons)

    def _edit(self, turn: Turn, question_id: int) -> None:
        question = next((q for q in self._questions(turn) if q.id == question_id), None)
        if question is None:
            self._review(turn)
            return
        turn.conversation.step = Step.QUESTION
        turn.update(**{QUESTION_KEY: question_id, PART_KEY: 0, SELECTED_KEY: [], EDITING_KEY: True})
        self._ask(turn, question)

    def _finish(self, turn: Turn, consultation: Consultation) -> None:
        response = self._response(turn, consultation)
        if response is None:
            return
        store.finish(turn.session, response, turn.contact_id)
        locale = self._locale(turn)
        text = _("Merci ! Vos réponses sont enregistrées.")
        if consultation.results_published_at and consultation.results:
            results = texts.pick(consultation.results, locale)
            text += "\n" + _("Les résultats : {results}").format(results=results)
        else:
            text += " " + _("Nous vous dirons les résultats quand ils seront publiés.")
        turn.say(text, [(_("Menu"), MainMenu())])
        turn.go_idle()

    # -- state

    def _current(self, turn: Turn) -> Consultation | None:
        consultation_id = turn.data(CONSULTATION_KEY)
        consultation = turn.session.get(Consultation, consultation_id) if consultation_id else None
        if consultation is None:
            turn.go_idle()
        return consultation

    def _questions(self, turn: Turn) -> list[ConsultationQuestion]:
        """Return the questions, read once per turn (a turn asks for them several times)."""
        consultation_id = turn.data(CONSULTATION_KEY) or 0
        memo = getattr(self._memo, "value", None)
        if memo is not None and memo[0] is turn and memo[1] == consultation_id:
            return list(memo[2])
        questions = store.questions_of(turn.session, consultation_id)
        self._memo.value = (turn, consultation_id, questions)
        return list(questions)

    def _question(self, turn: Turn) -> ConsultationQuestion | None:
        question_id = turn.data(QUESTION_KEY)
        return next((q for q in self._questions(turn) if q.id == question_id), None)

    def _selected(self, turn: Turn) -> list[str]:
        return list(turn.data(SELECTED_KEY) or [])

    def _locale(self, turn: Turn) -> Locale:
        return i18n.current().locale

    @contextmanager
    def _speaking(self, turn: Turn) -> Iterator[tuple[Locale, list[ConsultationQuestion]]]:
        """Speak the consultation's language for this reply (French if it is not complete)."""
        consultation = turn.session.get(Consultation, turn.data(CONSULTATION_KEY) or 0)
        questions = self._questions(turn)
        locale = Locale.FR
        if consultation is not None:
            locale = texts.consultation_locale(consultation, questions, turn.translator.locale)
        with i18n.using(turn.services.catalogues.translator(locale)):
            yield locale, questions

    def _key(self, turn: Turn, consultation: Consultation) -> str:
        contact = turn.contact
        identity = f"{contact.channel.value}:{contact.address}:{contact.created_at.isoformat()}"
        return store.respondent_key(_secret(turn), consultation.id or 0, identity)

    def _response(
        self, turn: Turn, consultation: Consultation | None
    ) -> ConsultationResponse | None:
        if consultation is None:
            return None
        return store.find_response(
            turn.session, consultation.id or 0, self._key(turn, consultation)
        )

    def _response_or_new(self, turn: Turn, consultation: Consultation) -> ConsultationResponse:
        return store.open_response(
            turn.session,
            consultation,
            turn.contact,
            key=self._key(turn, consultation),
            locale=turn.translator.locale.value,
        )

    def _finished(self, turn: Turn, consultation: Consultation) -> bool:
        taken = store.participant(turn.session, consultation.id or 0, turn.contact_id)
        return taken is not None and taken.finished_at is not None


def _parts(question: ConsultationQuestion) -> int:
    return len(question.parts) if question.kind is QuestionKind.COMMENT else 1


def _keys(question: ConsultationQuestion) -> set[str]:
    return {str(option["key"]) for option in question.options}


def _secret(turn: Turn) -> bytes:
    """Return the key of the respondent hashes: the secret setting, else one kept in the cache."""
    secret = turn.services.settings.secret("secret_key")
    if secret:
        return hashlib.sha256(b"relais-consultations:" + secret.encode()).digest()
    return _cached_secret(turn.services.settings.cache_dir / "consultation.key")


@cache
def _cached_secret(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(key.hex(), encoding="ascii")
    return key
