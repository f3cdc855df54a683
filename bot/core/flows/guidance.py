"""Step-by-step creation guides for the five kinds of organisation, with follow-up questions."""

from collections.abc import Sequence

from bot.content.model import LocalizedText, Source
from bot.content.placeholders import has_placeholder
from bot.content.schema import Office, Procedure
from bot.core.actions import (
    GuideList,
    GuideSection,
    Handoff,
    MainMenu,
    ShowGuide,
    StartDecision,
    StartPreregistration,
)
from bot.core.feature import Feature
from bot.core.flows.founders import LegalForm, check_founders
from bot.core.flows.names import COOP_FORM_NAMES, ORG_TYPE_NAMES, org_type_name
from bot.core.i18n import _
from bot.core.payloads import Payload
from bot.core.turn import Turn
from bot.domain import Flow, OrgType
from bot.text import stated_group_size
from nlu import EntityType, Intent, ParseResult

__all__ = [
    "COOP_FORM_NAMES",
    "ORG_TYPE_NAMES",
    "GuidanceFeature",
    "office_lines",
    "org_type_name",
]

SECTION_OF_INTENT = {
    Intent.ASK_DOCUMENTS: GuideSection.DOCUMENTS,
    Intent.ASK_COST: GuideSection.COSTS,
    Intent.ASK_DURATION: GuideSection.COSTS,
    Intent.ASK_OFFICE: GuideSection.OFFICE,
}


def org_type_choices(
    make: type[ShowGuide] | type[StartPreregistration],
) -> list[tuple[str, Payload]]:
    """Return one button per organisation type."""
    return [(org_type_name(org_type), make(org_type)) for org_type in OrgType]


class GuidanceFeature(Feature):
    """Explain how to create each kind of organisation, and answer follow-ups about it."""

    # The documents, cost, delays and office questions are the facts feature's: it answers
    # them as one fact of the form asked about and hands those naming no form back here.
    intents = (Intent.HOW_TO_CREATE,)
    payloads = (GuideList, ShowGuide)

    def on_payload(self, turn: Turn, payload: Payload) -> None:
        """Open the list of guides or a part of one guide."""
        if isinstance(payload, ShowGuide):
            self.show(turn, payload.org_type, payload.section)
        else:
            self.list_guides(turn)

    def on_intent(self, turn: Turn, result: ParseResult) -> None:
        """Answer "how do I create ...", "and the documents?", "how much?", "where?"."""
        named = result.entity(EntityType.ORG_TYPE)
        org_type = OrgType(named) if named else turn.topic
        section = SECTION_OF_INTENT.get(Intent(result.intent), GuideSection.OVERVIEW)
        if org_type is None:
            if section is GuideSection.OVERVIEW:
                self.list_guides(turn)
            else:
                turn.go(Flow.GUIDE, section=section.value)
                turn.say(
                    _("Pour quel type d'organisation ?"),
                    [(org_type_name(kind), ShowGuide(kind, section)) for kind in OrgType],
                )
            return
        founders = stated_group_size(turn.text) if section is GuideSection.OVERVIEW else None
        self.show(turn, org_type, section, founders=founders)

    def list_guides(self, turn: Turn) -> None:
        """Offer the five guides and the decision helper."""
        turn.say(
            _("Quel type d'organisation voulez-vous créer ?"),
            [*org_type_choices(ShowGuide), (_("Je ne sais pas, aidez-moi"), StartDecision())],
        )

    def show(
        self,
        turn: Turn,
        org_type: OrgType,
        section: GuideSection,
        *,
        founders: int | None = None,
    ) -> None:
        """Show one part of a guide and remember the organisation for follow-up questions."""
        procedure = turn.pack.procedures[org_type]
        turn.go(Flow.GUIDE)
        turn.topic = org_type
        turn.remember(section=section.value, aspect=None)
        body = {
            GuideSection.OVERVIEW: self._overview,
            GuideSection.DOCUMENTS: self._documents,
            GuideSection.COSTS: self._costs,
            GuideSection.OFFICE: self._office,
        }[section](turn, procedure)
        if section is GuideSection.OVERVIEW and founders is not None and founders > 0:
            check = check_founders(turn, founders, org_type)
            body = f"{body}\n\n{check.text}"
            turn.remember(recommended=recommendation(check.fitting))
        turn.say(
            f"{body}\n\n{_sources_line(turn, procedure)}", self._next_choices(org_type, section)
        )

    def _overview(self, turn: Turn, procedure: Procedure) -> str:
        lines = [
            f"{turn.local(procedure.title)}",
            turn.local(procedure.summary),
            _("Pour qui : {suits}").format(suits=turn.local(procedure.suits)),
        ]
        if procedure.min_founders is not None:
            lines.append(
                _("Membres fondateurs : {count} au minimum.").format(
                    count=turn.translator.format_number(procedure.min_founders)
                )
            )
        if procedure.founders_note is not None:
            lines.append(turn.local(procedure.founders_note))
        for variant in procedure.variants:
            lines.append(
                _("• {title} : {summary}").format(
                    title=turn.local(variant.title), summary=turn.local(variant.summary)
                )
            )
        lines.append(_("Les étapes :"))
        lines.extend(
            _item(f"{number}.", turn.local(step)) for number, step in enumerate(procedure.steps, 1)
        )
        lines.append(_("Base légale : {basis}").format(basis=turn.local(procedure.legal_basis)))
        if procedure.caveats is not None:
            lines.append(_("Attention : {caveat}").format(caveat=turn.local(procedure.caveats)))
        lines.append(turn.local(procedure.closing))
        return "\n".join(lines)

    def _documents(self, turn: Turn, procedure: Procedure) -> str:
        items = "\n".join(_item("•", turn.local(document)) for document in procedure.documents)
        return _("Documents à fournir — {title} :\n{items}").format(
            title=turn.local(procedure.title), items=items
        )

    def _costs(self, turn: Turn, procedure: Procedure) -> str:
        lines = [_("Coûts — {title} :").format(title=turn.local(procedure.title))]
        for fee in procedure.fees:
            label = turn.local(fee.label)
            if fee.amount is None:
                lines.append(_item("•", label))
            else:
                amount = turn.amount(fee.amount, fee.currency)
                lines.append(_item("•", f"{label} : {amount}"))
            if fee.source_note is not None:
                lines.append(f"  ({turn.local(fee.source_note)})")
        if not procedure.fees:
            lines.append(_("Aucun frais connu à ce jour."))
        lines.append(_("Délais : {delays}").format(delays=turn.local(procedure.delays)))
        return "\n".join(lines)

    def _office(self, turn: Turn, procedure: Procedure) -> str:
        lines = [
            _("Où déposer — {title} :").format(title=turn.local(procedure.title)),
            turn.local(procedure.where_to_file.text),
            *office_lines(turn, procedure.org_type),
        ]
        return "\n".join(lines)

    def _next_choices(self, org_type: OrgType, shown: GuideSection) -> list[tuple[str, Payload]]:
        sections = [
            (_("Les étapes"), GuideSection.OVERVIEW),
            (_("Les documents"), GuideSection.DOCUMENTS),
            (_("Coûts et délais"), GuideSection.COSTS),
            (_("Où déposer"), GuideSection.OFFICE),
        ]
        choices: list[tuple[str, Payload]] = [
            (label, ShowGuide(org_type, section))
            for label, section in sections
            if section is not shown
        ]
        choices += [
            (_("Pré-inscrire mon organisation"), StartPreregistration(org_type)),
            (_("Parler à une personne"), Handoff()),
            (_("Menu"), MainMenu()),
        ]
        return choices


def office_lines(turn: Turn, org_type: OrgType) -> list[str]:
    """Return, for each office dealing with a kind of organisation, its address and hours."""
    return [office_block(turn, office) for office in turn.pack.offices_for(org_type)]


def office_block(turn: Turn, office: Office) -> str:
    """Return an office's name, address, phone and hours.

    What the directorate has not filled in yet is said as not known, in one line when none
    of it is known, never with the long description of each blank.
    """
    block = [f"• {turn.local(office.name)}"]
    known = (office.address.fr, office.phone, office.hours.fr)
    if all(has_placeholder(text) for text in known):
        block.append(
            _("  Adresse, téléphone et horaires : à confirmer auprès de la {directorate}").format(
                directorate=turn.directorate
            )
        )
    else:
        phone = turn.value(LocalizedText(fr=office.phone))
        block += [
            _("  Adresse : {address}").format(address=turn.value(office.address)),
            _("  Téléphone : {phone}").format(phone=phone),
            _("  Horaires : {hours}").format(hours=turn.value(office.hours)),
        ]
    return "\n".join(block)


def recommendation(fitting: Sequence[LegalForm]) -> list[dict[str, str | None]]:
    """Return the forms a group can take, as the dialogue context keeps them."""
    return [
        {
            "org_type": form.org_type.value,
            "coop_form": form.coop_form.value if form.coop_form else None,
        }
        for form in fitting
    ]


def _item(marker: str, text: str) -> str:
    """Start a list item with its marker and indent its further lines under the text."""
    indent = "\n" + " " * (len(marker) + 1)
    return f"{marker} {indent.join(text.splitlines())}"


def _sources_line(turn: Turn, procedure: Procedure) -> str:
    # Translators: separates the titles of the sources, which may hold commas.
    sources = _("; ").join(_source_text(turn, source) for source in procedure.sources)
    return _(
        "Sources : {sources}. Vérifié le {date}. Renseignez-vous aussi auprès de la {directorate}."
    ).format(
        sources=sources,
        date=turn.translator.format_date(procedure.reviewed),
        directorate=turn.directorate,
    )


def _source_text(turn: Turn, source: Source) -> str:
    title = turn.local(source.title)
    return f"{title} ({source.url})" if source.url else title
