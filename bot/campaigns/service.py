"""Staff actions on campaigns, shared by the CLI, Telegram and later a web admin."""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import col, select

from bot.campaigns.audience import audience_size, parse_audience
from bot.campaigns.delivery import CampaignMessage, Recipient
from bot.campaigns.schedule import parse_schedule
from bot.core.i18n import N_
from bot.domain import OUTBOX_UNFINISHED, CampaignState, DeliveryStatus, Locale, OutboxStatus
from bot.errors import ExplainedError
from bot.storage.database import new_session
from bot.storage.models import Campaign, CampaignRun, OutboundMessage, OutboxItem
from bot.storage.types import clip, utcnow
from bot.storage.upsert import insert_ignoring_conflicts


class CampaignError(ExplainedError, ValueError):
    """A campaign request that cannot be carried out; the message says why."""


@dataclass(frozen=True, slots=True)
class CampaignStats:
    """The figures staff follow: `relais campaign stats ID --json` prints them."""

    targeted: int
    sent: int
    delivered: int
    read: int
    failed: int
    skipped: int
    pending: int
    # Cut off mid-send where the provider cannot be asked (Telegram): arrived or not, unknown.
    unsure: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the figures by name."""
        return {
            "targeted": self.targeted,
            "sent": self.sent,
            "delivered": self.delivered,
            "read": self.read,
            "failed": self.failed,
            "skipped": self.skipped,
            "pending": self.pending,
            "unsure": self.unsure,
        }


def create_campaign(
    database: DatabaseEngine,
    *,
    name: str,
    messages: dict[str, str],
    tz: ZoneInfo,
    audience: str = "all",
    schedule: str = "now",
    templates: dict[str, Any] | None = None,
    draft: bool = False,
    now: datetime | None = None,
) -> tuple[Campaign, int]:
    """Create a campaign after checking it; return it with its audience size today."""
    campaign = new_campaign(
        name=name,
        messages=messages,
        tz=tz,
        audience=audience,
        schedule=schedule,
        templates=templates,
        draft=draft,
        now=now,
    )
    with new_session(database) as session:
        session.add(campaign)
        session.commit()
        size = audience_size(session, parse_audience(audience))
    return campaign, size


def new_campaign(
    *,
    name: str,
    messages: dict[str, str],
    tz: ZoneInfo,
    audience: str = "all",
    schedule: str = "now",
    templates: dict[str, Any] | None = None,
    draft: bool = False,
    now: datetime | None = None,
) -> Campaign:
    """Check and build a campaign, for the caller to add to its own transaction."""
    if not messages.get(Locale.FR.value, "").strip():
        raise CampaignError(N_("une campagne a besoin d'un message en français"))
    unknown = set(messages) - {locale.value for locale in Locale}
    if unknown:
        raise CampaignError(
            N_("langue inconnue « {language} » : utilisez fr, en ou ar"),
            language=sorted(unknown)[0],
        )
    parse_audience(audience)
    parsed_schedule = parse_schedule(schedule, tz)
    moment = now or utcnow()
    first = moment if parsed_schedule.trigger is None else parsed_schedule.next_after(moment)
    if first is None:
        raise CampaignError(
            N_("le calendrier « {schedule} » ne se déclenche jamais après {moment}"),
            schedule=schedule,
            moment=moment.isoformat(),
        )
    return Campaign(
        name=clip(Campaign, "name", name.strip()),
        messages={key: value.strip() for key, value in messages.items() if value.strip()},
        templates=templates or {},
        audience=audience,
        schedule=parsed_schedule.spec,
        state=CampaignState.DRAFT if draft else CampaignState.SCHEDULED,
        next_run_at=first,
        created_at=moment,
        updated_at=moment,
    )


# A Twilio Content SID: "HX" and 32 hexadecimal digits.
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")


def whatsapp_templates(sids: dict[str, str], variables: dict[str, str]) -> dict[str, Any]:
    """Check the approved WhatsApp templates given per language, with their variables' JSON.

    `sids` and `variables` are keyed by language (fr, en, ar); an empty SID means none for that
    language. Returns what a campaign stores; CampaignError says what is wrong.
    """
    templates: dict[str, Any] = {}
    for locale in Locale:
        sid = sids.get(locale.value, "").strip()
        raw = variables.get(locale.value, "").strip()
        if not sid:
            if raw:
                raise CampaignError(
                    N_("variables de modèle en {language} sans modèle (HX...)"),
                    language=locale.value,
                )
            continue
        if not CONTENT_SID.fullmatch(sid):
            raise CampaignError(
                N_("« {sid} » n'est pas un Content SID : HX suivi de 32 chiffres hexadécimaux"),
                sid=sid,
            )
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError as error:
            raise CampaignError(
                N_("les variables du modèle {language} ne sont pas du JSON : {error}"),
                language=locale.value,
                error=error,
            ) from error
        if not isinstance(parsed, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in parsed.items()
        ):
            raise CampaignError(
                N_(
                    "les variables du modèle {language} doivent être un objet "
                    'comme {{"1": "14 mai"}}'
                ),
                language=locale.value,
            )
        templates[locale.value] = {"content_sid": sid, "variables": parsed}
    return templates


EDITABLE = (CampaignState.DRAFT, CampaignState.SCHEDULED)


def update_campaign(
    database: DatabaseEngine,
    campaign_id: int,
    *,
    name: str,
    messages: dict[str, str],
    tz: ZoneInfo,
    audience: str,
    schedule: str,
    templates: dict[str, Any],
    now: datetime | None = None,
) -> tuple[Campaign, int]:
    """Change a draft or scheduled campaign, checked as at creation; return it with its size.

    Its next run is worked out again from the new schedule; its state stays as it was.
    """
    checked = new_campaign(
        name=name,
        messages=messages,
        tz=tz,
        audience=audience,
        schedule=schedule,
        templates=templates,
        now=now,
    )
    with new_session(database) as session:
        campaign = session.exec(
            select(Campaign).where(Campaign.id == campaign_id).with_for_update()
        ).first()
        if campaign is None:
            raise CampaignError(N_("pas de campagne {id}"), id=campaign_id)
        if campaign.state not in EDITABLE:
            raise CampaignError(
                N_("la campagne {id} est à l'état {state} : elle ne peut plus être modifiée"),
                id=campaign_id,
                state=campaign.state.value,
            )
        for field_name in ("name", "messages", "templates", "audience", "schedule", "next_run_at"):
            setattr(campaign, field_name, getattr(checked, field_name))
        campaign.updated_at = checked.updated_at
        session.add(campaign)
        session.commit()
        session.refresh(campaign)
        size = audience_size(session, parse_audience(audience))
    return campaign, size


def get_campaign(database: DatabaseEngine, campaign_id: int) -> Campaign:
    """Return a campaign or explain that it does not exist."""
    with new_session(database) as session:
        campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignError(N_("pas de campagne {id}"), id=campaign_id)
    return campaign


def list_campaigns(database: DatabaseEngine) -> list[Campaign]:
    """Return every campaign, newest first."""
    with new_session(database) as session:
        return list(session.exec(select(Campaign).order_by(col(Campaign.id).desc())).all())


def size_of(database: DatabaseEngine, campaign: Campaign) -> int:
    """Count the audience of a campaign as it is now."""
    with new_session(database) as session:
        return audience_size(session, parse_audience(campaign.audience))


def enable_campaign(database: DatabaseEngine, campaign_id: int) -> Campaign:
    """Move a draft to scheduled."""
    return _set_state(database, campaign_id, CampaignState.SCHEDULED, {CampaignState.DRAFT})


def cancel_campaign(database: DatabaseEngine, campaign_id: int) -> int:
    """Cancel a campaign and whatever of its runs is not sent yet; return rows cancelled."""
    _set_state(
        database,
        campaign_id,
        CampaignState.CANCELLED,
        {CampaignState.DRAFT, CampaignState.SCHEDULED, CampaignState.SENDING},
    )
    with new_session(database) as session:
        runs = select(CampaignRun.id).where(CampaignRun.campaign_id == campaign_id)
        result = session.execute(
            sa.update(OutboxItem)
            .where(
                col(OutboxItem.run_id).in_(runs),
                col(OutboxItem.status) == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.CANCELLED, updated_at=utcnow())
        )
        session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def start_run(database: DatabaseEngine, campaign_id: int, scheduled_for: datetime) -> CampaignRun:
    """Return the run of a campaign for one occurrence, creating it once whoever asks."""
    with new_session(database) as session:
        insert_ignoring_conflicts(
            session,
            CampaignRun,
            {
                "campaign_id": campaign_id,
                "scheduled_for": scheduled_for,
                "materialised": False,
                "created_at": utcnow(),
            },
        )
        run = session.exec(
            select(CampaignRun).where(
                CampaignRun.campaign_id == campaign_id,
                CampaignRun.scheduled_for == scheduled_for,
            )
        ).one()
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        if campaign.state is CampaignState.SCHEDULED:
            campaign.state = CampaignState.SENDING
            campaign.updated_at = utcnow()
            session.add(campaign)
        session.commit()
    return run


def finish_run(database: DatabaseEngine, run: CampaignRun, tz: ZoneInfo) -> Campaign:
    """Close a run; a recurring campaign goes back to waiting for its next occurrence.

    The run's row is locked: of two processes that drained the same run, one closes it and
    moves the campaign on, the other finds it closed.
    """
    with new_session(database) as session:
        stored = session.exec(
            select(CampaignRun).where(CampaignRun.id == run.id).with_for_update()
        ).one()
        campaign = session.get(Campaign, run.campaign_id)
        assert campaign is not None
        if stored.finished_at is not None:
            session.commit()
            return campaign
        stored.finished_at = utcnow()
        session.add(stored)
        if campaign.state is CampaignState.SENDING:
            advance(campaign, after=run.scheduled_for, tz=tz)
            session.add(campaign)
        session.commit()
    return campaign


def advance(campaign: Campaign, *, after: datetime, tz: ZoneInfo) -> None:
    """Move a campaign to its next occurrence after a moment, or mark it done if none."""
    schedule = parse_schedule(campaign.schedule, tz)
    following = schedule.next_after(after) if schedule.recurring else None
    campaign.next_run_at = following
    campaign.state = CampaignState.SCHEDULED if following else CampaignState.DONE
    campaign.updated_at = utcnow()


def latest_run(database: DatabaseEngine, campaign_id: int) -> CampaignRun | None:
    """Return the most recent run of a campaign."""
    with new_session(database) as session:
        return session.exec(
            select(CampaignRun)
            .where(CampaignRun.campaign_id == campaign_id)
            .order_by(col(CampaignRun.id).desc())
        ).first()


def campaign_stats(database: DatabaseEngine, campaign_id: int) -> CampaignStats:
    """Add up every run of a campaign, with the providers' delivery reports."""
    with new_session(database) as session:
        runs = select(CampaignRun.id).where(CampaignRun.campaign_id == campaign_id)
        by_status = dict(
            session.execute(
                select(OutboxItem.status, sa.func.count())
                .where(col(OutboxItem.run_id).in_(runs))
                .group_by(col(OutboxItem.status))
            ).all()
        )
        reported = dict(
            session.execute(
                select(OutboundMessage.status, sa.func.count())
                .join(OutboxItem, col(OutboxItem.outbound_id) == col(OutboundMessage.id))
                .where(col(OutboxItem.run_id).in_(runs))
                .group_by(col(OutboundMessage.status))
            ).all()
        )
    count = {OutboxStatus(key): int(value) for key, value in by_status.items()}
    provider = {DeliveryStatus(key): int(value) for key, value in reported.items()}
    read = provider.get(DeliveryStatus.READ, 0)
    return CampaignStats(
        targeted=sum(count.values()),
        sent=count.get(OutboxStatus.SENT, 0),
        delivered=provider.get(DeliveryStatus.DELIVERED, 0) + read,
        read=read,
        failed=count.get(OutboxStatus.FAILED, 0),
        skipped=count.get(OutboxStatus.SKIPPED, 0) + count.get(OutboxStatus.CANCELLED, 0),
        pending=sum(count.get(status, 0) for status in OUTBOX_UNFINISHED),
        unsure=count.get(OutboxStatus.UNSURE, 0),
    )


def resend_unsure(database: DatabaseEngine, campaign_id: int) -> int:
    """Put the unsure rows of a campaign's latest run back to send; return how many.

    For staff who prefer a rare duplicate to a miss: each of these people may already have
    the message. The run is reopened, so the next send of the campaign (the CLI's, or the
    server's campaign loop) delivers them; where the provider keeps a log (WhatsApp) it is
    still looked up first.
    """
    campaign = get_campaign(database, campaign_id)
    if campaign.state is CampaignState.CANCELLED:
        raise CampaignError(N_("la campagne {id} est annulée"), id=campaign_id)
    run = latest_run(database, campaign_id)
    if run is None:
        return 0
    with new_session(database) as session:
        result = session.execute(
            sa.update(OutboxItem)
            .where(
                col(OutboxItem.run_id) == run.id,
                col(OutboxItem.status) == OutboxStatus.UNSURE,
            )
            .values(
                status=OutboxStatus.PENDING,
                attempts=0,
                not_before=None,
                error=None,
                updated_at=utcnow(),
            )
        )
        reopened = int(result.rowcount)  # type: ignore[attr-defined]
        if reopened:
            session.execute(
                sa.update(CampaignRun).where(col(CampaignRun.id) == run.id).values(finished_at=None)
            )
        session.commit()
    return reopened


def reopened_campaigns(database: DatabaseEngine) -> list[int]:
    """Return the campaigns with a run reopened for resending (not cancelled ones)."""
    with new_session(database) as session:
        runs = select(CampaignRun.campaign_id).where(
            col(CampaignRun.finished_at).is_(None), col(CampaignRun.materialised)
        )
        rows = session.exec(
            select(Campaign.id).where(
                col(Campaign.id).in_(runs),
                col(Campaign.state).in_([CampaignState.DONE, CampaignState.SCHEDULED]),
            )
        ).all()
    return [int(campaign_id or 0) for campaign_id in rows]


def message_for(campaign: Campaign, recipient: Recipient) -> CampaignMessage:
    """Pick the recipient's language, or French."""
    locale = recipient.locale if recipient.locale in campaign.messages else Locale.FR.value
    template = campaign.templates.get(locale) or campaign.templates.get(Locale.FR.value) or {}
    return CampaignMessage(
        text=campaign.messages[locale],
        template_id=template.get("content_sid"),
        template_variables=template.get("variables"),
    )


def _set_state(
    database: DatabaseEngine, campaign_id: int, state: CampaignState, allowed: set[CampaignState]
) -> Campaign:
    with new_session(database) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignError(N_("pas de campagne {id}"), id=campaign_id)
        if campaign.state not in allowed:
            raise CampaignError(
                N_(
                    "la campagne {id} est à l'état {state} : "
                    "elle ne peut pas passer à l'état {target}"
                ),
                id=campaign_id,
                state=campaign.state.value,
                target=state.value,
            )
        campaign.state = state
        campaign.updated_at = utcnow()
        session.add(campaign)
        session.commit()
    return campaign


def send_now(database: DatabaseEngine, campaign_id: int) -> Campaign:
    """Make a draft or scheduled campaign due at once; the campaign loop sends it."""
    with new_session(database) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignError(N_("pas de campagne {id}"), id=campaign_id)
        if campaign.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
            raise CampaignError(
                N_(
                    "la campagne {id} est à l'état {state} : "
                    "elle ne peut pas être envoyée maintenant"
                ),
                id=campaign_id,
                state=campaign.state.value,
            )
        campaign.state = CampaignState.SCHEDULED
        campaign.next_run_at = utcnow()
        campaign.updated_at = campaign.next_run_at
        session.add(campaign)
        session.commit()
    return campaign


def audience_size_of(database: DatabaseEngine, expression: str) -> int:
    """Count the contacts an audience expression reaches now (AudienceError if unreadable)."""
    with new_session(database) as session:
        return audience_size(session, parse_audience(expression))
