"""What the staff commands say on Telegram: figures, registrations, export, campaigns, events."""

import io
from datetime import datetime

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.core.flows.guidance import org_type_name
from bot.core.i18n import N_, Translator, _, ngettext
from bot.domain import Channel, RegistrationStatus
from bot.services.registrations import ExportFormat, export_registrations
from bot.services.stats import Stats
from bot.storage.models import Registration

STATUS_COUNTS = {
    RegistrationStatus.RECEIVED: N_("reçues"),
    RegistrationStatus.IN_REVIEW: N_("en examen"),
    RegistrationStatus.NEEDS_INFORMATION: N_("incomplètes"),
    RegistrationStatus.APPROVED: N_("validées"),
    RegistrationStatus.REJECTED: N_("non retenues"),
}
STATUS_NAMES = {
    RegistrationStatus.RECEIVED: N_("reçue"),
    RegistrationStatus.IN_REVIEW: N_("en examen"),
    RegistrationStatus.NEEDS_INFORMATION: N_("incomplète"),
    RegistrationStatus.APPROVED: N_("validée"),
    RegistrationStatus.REJECTED: N_("non retenue"),
}
CHANNEL_NAMES = {
    Channel.TELEGRAM: "Telegram",
    Channel.WHATSAPP: "WhatsApp",
    Channel.WEB: N_("chat web"),
    Channel.CONSOLE: N_("terminal"),
}


def stats_text(stats: Stats, translator: Translator, unit: str) -> str:
    """Describe the figures for a member of staff; `unit` is the pack's word ("wilaya")."""
    number = translator.format_number
    channels = ", ".join(
        f"{_(CHANNEL_NAMES[channel])} {number(count)}"
        for channel, count in sorted(stats.people_by_channel.items())
    )
    lines = [
        _("Relais en chiffres"),
        "",
        _("Personnes : {count}").format(count=number(stats.people))
        + (f" ({channels})" if channels else ""),
        _("Groupes actifs : {count}").format(count=number(stats.groups)),
        _("Abonnés aux actualités : {count}").format(count=number(stats.subscribers)),
        _("Injoignables (bot bloqué, groupe quitté) : {count}").format(
            count=number(stats.unreachable)
        ),
        "",
        _("Pré-inscriptions : {count}").format(count=number(stats.registrations)),
    ]
    lines += [
        f"• {_(STATUS_COUNTS[status])} : {number(count)}"
        for status, count in stats.registrations_by_status.items()
    ]
    if stats.registrations_by_province:
        lines += ["", _("Par {unit} :").format(unit=unit)]
        lines += [
            f"• {province} : {number(count)}" for province, count in stats.registrations_by_province
        ]
    return "\n".join(lines)


def latest_text(registrations: list[Registration], translator: Translator) -> str:
    """List the latest pre-registrations, one line each, newest first."""
    if not registrations:
        return _("Aucune pré-inscription pour l'instant.")
    lines = [
        ngettext(
            "La dernière pré-inscription :",
            "Les {count} dernières pré-inscriptions :",
            len(registrations),
        ).format(count=len(registrations))
    ]
    for registration in registrations:
        lines.append(
            _("• {reference} ({date}) — {kind} « {name} », {province} : {status}").format(
                reference=registration.reference,
                date=_short_date(registration.created_at, translator),
                kind=org_type_name(registration.org_type),
                name=registration.name or _("données supprimées"),
                province=registration.province,
                status=_(STATUS_NAMES[registration.status]),
            )
            + (
                _(" — doublon possible de {reference}").format(
                    reference=registration.possible_duplicate_of
                )
                if registration.possible_duplicate_of
                else ""
            )
        )
    lines += ["", _("Le fichier complet : /export")]
    return "\n".join(lines)


def export_csv(database: DatabaseEngine) -> tuple[bytes, int]:
    """Return the registrations export as CSV bytes, and how many rows it holds."""
    out = io.StringIO()
    count = export_registrations(database, out, ExportFormat.CSV)
    # The byte-order mark makes Excel read the accents of the names correctly.
    return out.getvalue().encode("utf-8-sig"), count


def _short_date(value: datetime, translator: Translator) -> str:
    return translator.format_date(value.astimezone(translator.tz).date())


def campaigns_text(database: DatabaseEngine, translator: Translator, *, limit: int = 8) -> str:
    """Describe the latest campaigns with their figures (call inside `i18n.using`)."""
    from bot.campaigns.service import campaign_stats, list_campaigns

    campaigns = list_campaigns(database)[:limit]
    if not campaigns:
        return _("Aucune campagne pour le moment.")
    lines = [_("Les dernières campagnes :")]
    for campaign in campaigns:
        stats = campaign_stats(database, campaign.id or 0)
        when = translator.format_datetime(campaign.next_run_at) if campaign.next_run_at else "—"
        lines.append(
            _(
                "• n°{id} {name} ({state}, prochain envoi : {when}) : {sent} envoyés sur "
                "{targeted}, {delivered} reçus, {read} lus, {failed} en échec"
            ).format(
                id=campaign.id,
                name=campaign.name,
                state=campaign.state.value,
                when=when,
                sent=stats.sent,
                targeted=stats.targeted,
                delivered=stats.delivered,
                read=stats.read,
                failed=stats.failed,
            )
        )
    return "\n".join(lines)


def events_text(database: DatabaseEngine, translator: Translator) -> str:
    """Describe the events with their registrations (call inside `i18n.using`)."""
    from bot.campaigns.events import list_events

    listed = list_events(database)
    if not listed:
        return _("Aucun événement pour le moment.")
    lines = [_("Les événements :")]
    for event, registered, waiting in listed:
        places = f"{registered}/{event.capacity}" if event.capacity else str(registered)
        lines.append(
            _(
                "• n°{id} {title}, {date}, {place} ({state}) : {places} inscrits, "
                "{waiting} en attente"
            ).format(
                id=event.id,
                title=event.title.get("fr", ""),
                date=translator.format_datetime(event.starts_at),
                place=event.place,
                state=event.state.value,
                places=places,
                waiting=waiting,
            )
        )
    return "\n".join(lines)
