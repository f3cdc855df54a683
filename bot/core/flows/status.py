""" "Où en est mon dossier ?": the state of the contact's own registrations, never anyone else's."""

from bot.core.actions import CheckStatus, Handoff, MainMenu, StartPreregistration
from bot.core.feature import Feature
from bot.core.flows.guidance import org_type_name
from bot.core.i18n import N_, Translator, _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import RegistrationStatus
from bot.storage.models import Registration
from bot.storage.registrations import normalise_reference, registrations_of
from nlu import Intent, ParseResult

STATUS_NAMES = {
    RegistrationStatus.RECEIVED: N_("reçue, en attente d'examen"),
    RegistrationStatus.IN_REVIEW: N_("en cours d'examen"),
    RegistrationStatus.NEEDS_INFORMATION: N_(
        "incomplet : la {directorate} a besoin d'informations complémentaires"
    ),
    RegistrationStatus.APPROVED: N_("validée"),
    RegistrationStatus.REJECTED: N_("non retenue : la {directorate} vous contactera"),
}


class StatusFeature(Feature):
    """Tell people where their pre-registrations stand."""

    intents = (Intent.CHECK_STATUS,)
    payloads = (CheckStatus,)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """List the contact's registrations."""
        self.show(turn, asked_reference=None)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer, looking for a reference in the message."""
        self.show(turn, asked_reference=normalise_reference(turn.text))

    def show(self, turn: Turn, *, asked_reference: str | None) -> None:
        """Describe the contact's registrations; a reference of someone else is "not found"."""
        mine = registrations_of(turn.session, contact_id=turn.contact_id)
        if asked_reference is not None:
            matching = [item for item in mine if item.reference == asked_reference]
            if not matching:
                # Same answer whether the reference exists or not: nothing leaks.
                turn.say(
                    _(
                        "Je ne trouve pas de dossier {reference} parmi ceux envoyés depuis ce "
                        "compte. Je ne peux donner que l'état de vos propres dossiers."
                    ).format(reference=asked_reference),
                    self._choices(),
                )
                return
            mine = matching
        if not mine:
            turn.say(
                _("Vous n'avez pas encore de pré-inscription depuis ce compte."),
                [
                    (_("Pré-inscrire mon organisation"), StartPreregistration()),
                    (_("Menu"), MainMenu()),
                ],
            )
            return
        lines = [_("Vos dossiers :")]
        lines += [self._line(turn, registration) for registration in mine]
        turn.say("\n".join(lines), self._choices())

    def _line(self, turn: Turn, registration: Registration) -> str:
        return status_line(turn.translator, registration, directorate=turn.directorate)

    def _choices(self) -> list[tuple[str, Payload]]:
        return [(_("Parler à une personne"), Handoff()), (_("Menu"), MainMenu())]


def status_line(translator: Translator, registration: Registration, *, directorate: str) -> str:
    """Describe one registration and where it stands, with the staff's note if any.

    Called inside `i18n.using(translator)`.
    """
    line = _("• {reference} — {kind} « {name} », envoyée le {date} : {status}").format(
        reference=registration.reference,
        kind=org_type_name(registration.org_type),
        name=registration.name or "—",
        date=translator.format_date(registration.created_at.astimezone(translator.tz).date()),
        status=_(STATUS_NAMES[registration.status]).format(directorate=directorate),
    )
    if registration.status_note:
        line += "\n  " + _("Message de la {directorate} : {note}").format(
            directorate=directorate, note=registration.status_note
        )
    return line
