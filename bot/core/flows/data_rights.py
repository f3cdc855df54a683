"""The rights of access and deletion: show a contact their data, and erase it on request.

```mermaid
stateDiagram-v2
    [*] --> shown: ShowMyData / "quelles données avez-vous ?"
    shown --> confirm: DeleteMyData
    confirm --> [*]: yes (data erased) / no (nothing changes)
```
"""

from bot.core.actions import Answer, ConfirmDeletion, DeleteMyData, MainMenu, ShowMyData
from bot.core.feature import Feature
from bot.core.flows.consultation_answers import describe
from bot.core.flows.language import autonym
from bot.core.i18n import N_, _
from bot.core.keywords import yes_or_no
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Flow, Locale, MessageDirection, Topic
from bot.storage import consultations, contacts, messages
from bot.storage.registrations import registrations_of
from bot.text import is_question
from nlu import Intent, ParseResult

TOPIC_NAMES = {
    Topic.NEWS: N_("actualités"),
    Topic.EVENTS: N_("événements et formations"),
    Topic.FAIR_TRADE: N_("commerce équitable"),
}
DELETE_WORDS = ("supprim", "effac", "delete", "erase", "حذف", "امسح")


class DataRightsFeature(Feature):
    """Show what is stored about the contact, and delete it for good when asked."""

    flows = (Flow.DATA_DELETION,)
    intents = (Intent.DATA_RIGHTS,)
    payloads = (ShowMyData, DeleteMyData, ConfirmDeletion)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Answer the data buttons."""
        if isinstance(payload, DeleteMyData):
            self.ask_confirmation(turn)
        elif isinstance(payload, ConfirmDeletion):
            if turn.conversation.flow is Flow.DATA_DELETION and payload.answer is Answer.YES:
                self.delete(turn)
            else:
                self.keep(turn)
        else:
            self.show(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Show the data, or go straight to the deletion question when that is what was asked."""
        if any(word in turn.text.casefold() for word in DELETE_WORDS):
            self.ask_confirmation(turn)
        else:
            self.show(turn)

    def fits(self, turn: Turn) -> bool:
        """Tell whether the text answers yes or no, or tries to."""
        if yes_or_no(turn.text) is not None:
            return True
        return not is_question(turn.text) and len(turn.text.split()) <= 3

    def on_text(self, turn: Turn) -> None:
        """Read the yes/no to the deletion question."""
        answer = yes_or_no(turn.text)
        if answer is None:
            turn.misunderstood()
            self.ask_confirmation(turn)
        elif answer:
            self.delete(turn)
        else:
            self.keep(turn)

    def resume(self, turn: Turn) -> None:
        """Ask the deletion question again."""
        self.ask_confirmation(turn)

    def cancel(self, turn: Turn) -> None:
        """Keep the data."""
        self.keep(turn)

    def show(self, turn: Turn) -> None:
        """List every piece of personal data stored about the contact."""
        contact = turn.contact
        topics = contacts.topics_of(turn.session, contact_id=turn.contact_id)
        registrations = registrations_of(turn.session, contact_id=turn.contact_id)
        handoffs = contacts.handoffs_of(turn.session, contact_id=turn.contact_id)
        locale = Locale(contact.locale) if contact.locale else None
        lines = [
            _("Voici ce que nous gardons sur vous :"),
            _("• Compte : {channel} {address}").format(
                channel=contact.channel.value, address=contact.address
            ),
            _("• Nom : {name}").format(name=contact.name or "—"),
            _("• Langue choisie : {language}").format(language=autonym(locale) if locale else "—"),
            _("• Abonnements : {topics}").format(
                topics=turn.translator.format_list([_(TOPIC_NAMES[topic]) for topic in topics])
                or "—"
            ),
            _("• Demandes de contact avec un agent : {count}").format(count=len(handoffs)),
            _("• Messages de nos conversations gardés {days} jours : {count}").format(
                days=turn.services.settings.message_retention_days,
                count=messages.count_messages(turn.session, contact_id=turn.contact_id),
            ),
        ]
        for message in messages.recent_messages(
            turn.session, contact_id=turn.contact_id, since=contact.created_at, limit=5
        ):
            arrow = "→" if message.direction is MessageDirection.IN else "←"
            excerpt = message.text if len(message.text) <= 80 else message.text[:79] + "…"
            lines.append(f"  {arrow} {excerpt}")
        for registration in registrations:
            lines.append(
                _(
                    "• Pré-inscription {reference} : {name}, contact {person}, {phone}, {email}"
                ).format(
                    reference=registration.reference,
                    name=registration.name,
                    person=registration.contact_name,
                    phone=registration.phone,
                    email=registration.email or "—",
                )
            )
        lines.extend(_consultation_answers(turn))
        lines.append(
            _("Premier message le {date}.").format(
                date=turn.translator.format_date(
                    contact.created_at.astimezone(turn.services.settings.tz).date()
                )
            )
        )
        turn.say(
            "\n".join(lines),
            [(_("Supprimer mes données"), DeleteMyData()), (_("Menu"), MainMenu())],
        )

    def ask_confirmation(self, turn: Turn) -> None:
        """Say what deletion does and ask to confirm."""
        turn.go(Flow.DATA_DELETION)
        turn.say(
            _(
                "Voulez-vous vraiment supprimer vos données ? Votre nom, vos coordonnées, vos "
                "abonnements, vos réponses aux consultations et vos conversations seront "
                "effacés. Vos pré-inscriptions ne seront plus liées à vous : seul un décompte "
                "anonyme reste. C'est définitif."
            ),
            [
                (_("Oui, supprimer"), ConfirmDeletion(Answer.YES)),
                (_("Non, garder"), ConfirmDeletion(Answer.NO)),
            ],
        )

    def delete(self, turn: Turn) -> None:
        """Erase the contact's personal data now."""
        contacts.delete_contact_data(turn.session, contact=turn.contact)
        # The rows are gone; the session must not write them back.
        turn.session.expunge(turn.conversation)
        turn.session.expunge(turn.contact)
        turn.contact_deleted = True
        turn.say(
            _(
                "Vos données ont été supprimées. Si vous nous écrivez de nouveau, nous "
                "repartirons de zéro."
            )
        )

    def keep(self, turn: Turn) -> None:
        """Leave the data as it is."""
        turn.go_idle()
        turn.say(_("Rien n'a été supprimé."), [(_("Menu"), MainMenu())])


def _consultation_answers(turn: Turn) -> list[str]:
    """List what the contact answered to consultations that are not anonymous."""
    lines = []
    for consultation, question, answer in consultations.answers_of_contact(
        turn.session, turn.contact_id
    ):
        title = consultation.title.get(turn.translator.locale.value) or consultation.title["fr"]
        asked = question.text.get(turn.translator.locale.value) or question.text["fr"]
        given = describe(question, answer, turn.translator.locale)
        lines.append(
            _("• Consultation « {title} », {question} : {answer}").format(
                title=title, question=asked, answer=given
            )
        )
    return lines
