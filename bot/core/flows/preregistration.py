"""Pre-registration of a new organisation in the directorate's database.

```mermaid
stateDiagram-v2
    [*] --> consent: StartPreregistration / "je veux inscrire mon asso"
    consent --> [*]: refuse (nothing stored)
    consent --> ask: accept
    ask --> ask: valid answer, next field / invalid answer, same field
    ask --> review: every field answered
    review --> edit: "Modifier"
    edit --> ask: field picked
    review --> [*]: "Confirmer" (reference given) / "Annuler"
```
The answers live in the conversation row, so leaving (menu, another question, a server restart)
and coming back resumes at the same field.
"""

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.actions import (
    Answer,
    CheckStatus,
    Consent,
    EditField,
    FieldValue,
    MainMenu,
    Review,
    ReviewAction,
    ShowGuide,
    SkipField,
    StartPreregistration,
)
from bot.core.feature import Feature
from bot.core.flows.form_base import FieldName, FormContext, Invalid
from bot.core.flows.form_questions import correction, question_about
from bot.core.flows.registration_form import (
    FIELDS_BY_NAME,
    FormField,
    applicable,
    drop_inapplicable,
    next_missing,
)
from bot.core.i18n import _
from bot.core.keywords import is_acknowledgement, read_yes_or_no
from bot.core.payloads import Payload
from bot.core.turn import FORM_KEY, Turn
from bot.domain import CoopForm, Flow, OrgType, Scope
from bot.storage.models import Registration
from bot.storage.registrations import find_duplicate, name_key, next_reference
from bot.storage.types import utcnow
from bot.text import fold, is_question
from nlu import EntityType, Intent, ParseResult

log = logging.getLogger(__name__)

FIELD_KEY = "field"
# The value of the button that takes what the channel already knows (number, profile name).
SUGGESTED = "@known"
EDIT_WORDS = frozenset(["modifier", "corriger", "changer", "edit", "change", "تعديل"])


# Requests that a free-text field (a name, a town) would otherwise store as its value.
REQUESTS = frozenset(
    [
        Intent.CHANGE_LANGUAGE,
        Intent.HUMAN_HANDOFF,
        Intent.DATA_RIGHTS,
        Intent.CHECK_STATUS,
        Intent.UNSUBSCRIBE,
    ]
)
REQUEST_CONFIDENCE = 0.85


class Step(StrEnum):
    """Where the person is in the pre-registration."""

    CONSENT = "consent"
    ASK = "ask"
    REVIEW = "review"
    EDIT = "edit"


class PreregistrationFeature(Feature):
    """Collect, check and store the details of a new organisation."""

    flows = (Flow.PREREGISTRATION,)
    intents = (Intent.PREREGISTER,)
    payloads = (StartPreregistration, Consent, FieldValue, SkipField, Review, EditField)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Start (or resume) when someone asks to register."""
        named = result.entity(EntityType.ORG_TYPE)
        self.start(turn, OrgType(named) if named else None)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the buttons of the form."""
        if isinstance(payload, StartPreregistration):
            self.start(turn, payload.org_type)
            return
        if turn.conversation.flow is not Flow.PREREGISTRATION:
            # A button of a form that was finished or cancelled since.
            self.start(turn, None)
            return
        step = Step(turn.conversation.step or Step.CONSENT)
        if isinstance(payload, Consent) and step is Step.CONSENT:
            self._consent(turn, accepted=payload.answer is Answer.YES)
        elif (
            isinstance(payload, FieldValue)
            and step is Step.ASK
            and payload.field == turn.data(FIELD_KEY)
        ):
            self._answer(turn, payload.value, from_button=True)
        elif (
            isinstance(payload, SkipField)
            and step is Step.ASK
            and payload.field == turn.data(FIELD_KEY)
        ):
            self._store(turn, FieldName(payload.field), None)
        elif isinstance(payload, Review) and step is Step.REVIEW:
            self._review_action(turn, payload.action)
        elif isinstance(payload, EditField) and step in (Step.REVIEW, Step.EDIT, Step.ASK):
            self._ask(turn, FIELDS_BY_NAME[FieldName(payload.field)])
        else:
            self.resume(turn)

    def fits(self, turn: Turn) -> bool:
        """Tell whether the text answers the pending step, or is a question about the form."""
        step = Step(turn.conversation.step or Step.CONSENT)
        text = turn.text
        if step is Step.ASK:
            form_field = FIELDS_BY_NAME[FieldName(turn.data(FIELD_KEY))]
            if self._question_about(turn) is not None or self._correction(turn) is not None:
                return True
            if is_acknowledgement(text) or is_question(text) or _a_request(turn):
                return False
            try:
                form_field.parse(text, self._context(turn))
            except Invalid:
                return False
            return True
        if read_yes_or_no(turn) is not None or fold(text) in EDIT_WORDS:
            return True
        if step is not Step.CONSENT and self._correction(turn) is not None:
            return True
        return not is_question(text) and len(fold(text).split()) <= 3

    def can_resume(self, turn: Turn) -> bool:
        """Tell whether a pre-registration was left half-way after consent."""
        form = turn.data(FORM_KEY)
        return bool(form and form.get("consent_at"))

    def on_text(self, turn: Turn) -> None:
        """Read a typed answer to the pending step."""
        step = Step(turn.conversation.step or Step.CONSENT)
        if step is not Step.CONSENT:
            correction = self._correction(turn)
            if correction is not None:
                self._correct(turn, *correction)
                return
        if step is Step.CONSENT:
            answer = read_yes_or_no(turn)
            if answer is None:
                turn.misunderstood()
                self._show_consent(turn)
            else:
                self._consent(turn, accepted=answer)
        elif step is Step.ASK:
            asked_about = self._question_about(turn)
            if asked_about is not None or is_question(turn.text):
                # A question is never stored as an answer: explain the field, ask again.
                self._explain(turn, asked_about)
            elif fold(turn.text) in EDIT_WORDS:
                self._choose_edit(turn)
            elif is_acknowledgement(turn.text):
                self._continue(turn)
            else:
                self._answer(turn, turn.text, from_button=False)
        elif step is Step.REVIEW:
            answer = read_yes_or_no(turn)
            if answer is True:
                self._confirm(turn)
            elif fold(turn.text) in EDIT_WORDS:
                self._choose_edit(turn)
            else:
                turn.misunderstood()
                self._review(turn)
        else:
            turn.misunderstood()
            self._choose_edit(turn)

    # -- questions about the form, corrections

    def _question_about(self, turn: Turn) -> FormField | None:
        """Return the field a question is about ("c'est quoi un sigle ?"), the pending one first."""
        pending = FIELDS_BY_NAME[FieldName(turn.data(FIELD_KEY))]
        return question_about(turn.text, pending, turn.pack)

    def _explain(self, turn: Turn, form_field: FormField | None) -> None:
        pending = FIELDS_BY_NAME[FieldName(turn.data(FIELD_KEY))]
        protection = turn.pack.country.data_protection
        about = form_field or pending
        if form_field is None:
            intro = _(
                "Je ne sais pas répondre à cette question ici, et je ne la prends pas comme "
                "réponse. Pour la poser à un agent, écrivez « parler à une personne »."
            )
        else:
            intro = about.help_in(self._context(turn)).format(
                directorate=turn.directorate, recipients=turn.local(protection.recipients)
            )
        self._ask(turn, pending, error=intro)

    def _correction(self, turn: Turn) -> tuple[FieldName, str] | None:
        """Read "en fait c'est une coopérative" as a change of an earlier answer."""
        pending = turn.data(FIELD_KEY) if turn.conversation.step == Step.ASK else None
        return correction(
            turn.parse(),
            answers=self._form(turn)["answers"],
            pending=FieldName(pending) if pending else None,
            pack=turn.pack,
        )

    def _correct(self, turn: Turn, name: FieldName, value: str) -> None:
        answers = {**self._form(turn)["answers"], name.value: value}
        if name is FieldName.COOP_FORM:
            answers[FieldName.ORG_TYPE.value] = OrgType.COOPERATIVE.value
        self._set_form(turn, answers=drop_inapplicable(answers, turn.pack))
        self._remember(turn, answers)
        form_field = FIELDS_BY_NAME[name]
        ctx = self._context(turn)
        turn.say(
            _("C'est noté, je corrige : {label} : {value}.").format(
                label=form_field.label_in(ctx), value=form_field.display(value, ctx)
            )
        )
        self._continue(turn)

    def _remember(self, turn: Turn, answers: dict[str, Any]) -> None:
        """Keep the form's organisation as the topic, for questions asked in the middle."""
        org_type = answers.get(FieldName.ORG_TYPE.value)
        if org_type:
            turn.topic = OrgType(org_type)
        turn.remember(coop_form=answers.get(FieldName.COOP_FORM.value))

    def resume(self, turn: Turn) -> None:
        """Pick up where the person left off."""
        turn.say(_("Reprenons votre pré-inscription là où vous l'aviez laissée."))
        self._continue(turn)

    def cancel(self, turn: Turn) -> None:
        """Drop everything collected."""
        turn.go_idle()
        turn.update(**{FORM_KEY: None})
        turn.say(_("Pré-inscription annulée. Rien n'a été enregistré."), [(_("Menu"), MainMenu())])

    def start(self, turn: Turn, org_type: OrgType | None) -> None:
        """Ask for consent, or resume a pre-registration left half-way."""
        form = turn.data(FORM_KEY)
        if form and form.get("consent_at"):
            turn.go(Flow.PREREGISTRATION, Step.ASK)
            self.resume(turn)
            return
        answers = {FieldName.ORG_TYPE.value: org_type.value} if org_type else {}
        turn.go(Flow.PREREGISTRATION, Step.CONSENT)
        turn.update(**{FORM_KEY: {"answers": answers, "consent_at": None}})
        self._show_consent(turn)

    # -- consent

    def _show_consent(self, turn: Turn) -> None:
        protection = turn.pack.country.data_protection
        turn.say(
            _(
                "Avant de commencer : la pré-inscription enregistre le nom de votre "
                "organisation et les coordonnées d'une personne à contacter.\n"
                "• Pourquoi : {purpose}\n"
                "• Qui les voit : {recipients}\n"
                "• Combien de temps : {retention}\n"
                "• Vos droits : {rights} Écrivez « mes données » pour les voir ou les "
                "supprimer.\n"
                "• Loi : {law}\n"
                "Acceptez-vous ?"
            ).format(
                purpose=turn.value(protection.purpose),
                recipients=turn.value(protection.recipients),
                retention=turn.value(protection.retention),
                rights=turn.translator.format_list(
                    [turn.local(right.label) for right in protection.rights]
                )
                + ". "
                + turn.local(protection.exercise),
                law=turn.value(protection.law),
            ),
            [(_("J'accepte"), Consent(Answer.YES)), (_("Je refuse"), Consent(Answer.NO))],
        )

    def _consent(self, turn: Turn, *, accepted: bool) -> None:
        if not accepted:
            turn.go_idle()
            turn.update(**{FORM_KEY: None})
            turn.say(
                _("C'est noté : rien n'a été enregistré. Vous pouvez toujours lire les guides."),
                [(_("Menu"), MainMenu())],
            )
            return
        self._set_form(turn, consent_at=utcnow().isoformat())
        self._continue(turn)

    # -- questions

    def _context(self, turn: Turn) -> FormContext:
        return FormContext(
            pack=turn.pack,
            nlu=turn.services.nlu,
            translator=turn.translator,
            answers=dict(self._form(turn)["answers"]),
            known_phone=turn.incoming.phone,
            known_name=turn.contact.name,
        )

    def _continue(self, turn: Turn) -> None:
        form = self._form(turn)
        if not form.get("consent_at"):
            turn.go(Flow.PREREGISTRATION, Step.CONSENT)
            self._show_consent(turn)
            return
        pending = next_missing(self._context(turn))
        if pending is None:
            self._review(turn)
        else:
            self._ask(turn, pending)

    def _ask(self, turn: Turn, form_field: FormField, error: str | None = None) -> None:
        turn.go(Flow.PREREGISTRATION, Step.ASK, **{FIELD_KEY: form_field.name.value})
        ctx = self._context(turn)
        question = form_field.question_in(ctx)
        text = f"{error}\n\n{question}" if error else question
        choices: list[tuple[str, Payload]] = []
        if form_field.choices is not None:
            choices = [
                (label, FieldValue(form_field.name.value, value))
                for label, value in form_field.choices(ctx)
            ]
        suggestion = form_field.suggest(ctx)
        if suggestion:
            label = _("Utiliser : {value}").format(value=suggestion)
            choices.insert(0, (label, FieldValue(form_field.name.value, SUGGESTED)))
        if form_field.optional:
            choices.append((_("Passer"), SkipField(form_field.name.value)))
        turn.say(text, choices)

    def _answer(self, turn: Turn, text: str, *, from_button: bool) -> None:
        form_field = FIELDS_BY_NAME[FieldName(turn.data(FIELD_KEY))]
        ctx = self._context(turn)
        try:
            if from_button and text == SUGGESTED:
                value: Any = form_field.parse(form_field.suggest(ctx) or "", ctx)
            elif from_button and form_field.choices is not None:
                allowed = {value for _label, value in form_field.choices(ctx)}
                if text not in allowed:
                    raise Invalid(_("Ce choix n'est plus proposé."))
                value = text
            else:
                value = form_field.parse(text, ctx)
        except Invalid as invalid:
            turn.misunderstood()
            self._ask(turn, form_field, error=str(invalid))
            return
        self._store(turn, form_field.name, value)

    def _store(self, turn: Turn, name: FieldName, value: Any) -> None:
        answers = {**self._form(turn)["answers"], name.value: value}
        self._set_form(turn, answers=drop_inapplicable(answers, turn.pack))
        self._remember(turn, answers)
        self._continue(turn)

    # -- review

    def _review(self, turn: Turn) -> None:
        turn.go(Flow.PREREGISTRATION, Step.REVIEW)
        ctx = self._context(turn)
        lines = [_("Voici votre pré-inscription :")]
        for form_field in applicable(ctx.answers, ctx.pack):
            value = ctx.answers.get(form_field.name)
            shown = form_field.display(value, ctx) if value is not None else "—"
            lines.append(f"• {form_field.label_in(ctx)} : {shown}")
        lines.append(_("Tout est correct ?"))
        turn.say(
            "\n".join(lines),
            [
                (_("Confirmer"), Review(ReviewAction.CONFIRM)),
                (_("Modifier"), Review(ReviewAction.EDIT)),
                (_("Annuler"), Review(ReviewAction.CANCEL)),
            ],
        )

    def _review_action(self, turn: Turn, action: ReviewAction) -> None:
        if action is ReviewAction.CONFIRM:
            self._confirm(turn)
        elif action is ReviewAction.EDIT:
            self._choose_edit(turn)
        else:
            self.cancel(turn)

    def _choose_edit(self, turn: Turn) -> None:
        turn.go(Flow.PREREGISTRATION, Step.EDIT)
        ctx = self._context(turn)
        turn.say(
            _("Que voulez-vous modifier ?"),
            [
                (form_field.label_in(ctx), EditField(form_field.name.value))
                for form_field in applicable(ctx.answers, ctx.pack)
            ],
        )

    def _confirm(self, turn: Turn) -> None:
        ctx = self._context(turn)
        if next_missing(ctx) is not None:
            self._continue(turn)
            return
        answers = ctx.answers
        country = turn.pack.country
        now = utcnow()
        key = name_key(answers[FieldName.NAME])
        duplicate = find_duplicate(turn.session, key=key, province=answers[FieldName.PROVINCE])
        reference = next_reference(
            turn.session,
            prefix=country.reference_prefix,
            year=now.astimezone(turn.services.settings.tz).year,
        )
        coop_form = answers.get(FieldName.COOP_FORM)
        scope = answers.get(FieldName.SCOPE)
        registration = Registration(
            reference=reference,
            contact_id=turn.contact_id,
            org_type=OrgType(answers[FieldName.ORG_TYPE]),
            coop_form=CoopForm(coop_form) if coop_form else None,
            scope=Scope(scope) if scope else None,
            name=answers[FieldName.NAME],
            name_key=key,
            acronym=answers.get(FieldName.ACRONYM),
            sector=answers[FieldName.SECTOR],
            province=answers[FieldName.PROVINCE],
            town=answers[FieldName.TOWN],
            founders=answers[FieldName.FOUNDERS],
            contact_name=answers[FieldName.CONTACT_NAME],
            contact_role=answers[FieldName.CONTACT_ROLE],
            phone=answers[FieldName.PHONE],
            email=answers.get(FieldName.EMAIL),
            channel=turn.incoming.channel,
            possible_duplicate_of=duplicate.reference if duplicate else None,
            consent_at=datetime.fromisoformat(self._form(turn)["consent_at"]),
            created_at=now,
            updated_at=now,
        )
        turn.session.add(registration)
        turn.go_idle()
        turn.update(**{FORM_KEY: None})
        text = _(
            "Merci ! Votre pré-inscription est enregistrée sous la référence {reference}. "
            "Gardez-la pour suivre votre dossier.\n"
            "La {directorate} va l'examiner. Attention : ce n'est pas encore la déclaration "
            "officielle. Suivez le guide pour créer l'organisation."
        ).format(reference=reference, directorate=turn.directorate)
        if duplicate is not None:
            log.warning("registration %s may duplicate %s", reference, duplicate.reference)
            text += "\n\n" + _(
                "Une organisation du même nom est déjà pré-inscrite dans la même {unit}. Les "
                "agents de la {directorate} vérifieront s'il s'agit de la même."
            ).format(directorate=turn.directorate, unit=turn.local(turn.pack.territory.region.word))
        turn.say(
            text,
            [
                (_("Voir le guide"), ShowGuide(registration.org_type)),
                (_("Suivre mon dossier"), CheckStatus()),
                (_("Menu"), MainMenu()),
            ],
        )

    # -- stored form

    def _form(self, turn: Turn) -> dict[str, Any]:
        form: dict[str, Any] = turn.data(FORM_KEY) or {"answers": {}, "consent_at": None}
        return form

    def _set_form(self, turn: Turn, **changes: Any) -> None:
        turn.update(**{FORM_KEY: {**self._form(turn), **changes}})


def _a_request(turn: Turn) -> bool:
    """Tell whether the text is plainly a request ("in english please"), not a name or a town."""
    result = turn.parse()
    return result.intent in REQUESTS and result.confidence >= REQUEST_CONFIDENCE
