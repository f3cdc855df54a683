"""The application builder: settings in, the engine, channels, senders and campaign loop out.

This is the one place that knows every layer; nothing below imports it. Heavy channel
libraries (python-telegram-bot, twilio) are imported only when their channel is configured.
"""

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine

from bot import metrics
from bot.campaigns.builtin import seed_builtin_campaigns
from bot.campaigns.delivery import BulkSender
from bot.campaigns.events import CampaignNotices
from bot.channels.base import ChannelAdapter
from bot.content.cache import load_pack_cached
from bot.core.engine import Engine
from bot.core.feature import Feature
from bot.core.flows.consultation import ConsultationFeature
from bot.core.flows.data_rights import DataRightsFeature
from bot.core.flows.decision import DecisionFeature
from bot.core.flows.directorate_contact import DirectorateContactFeature
from bot.core.flows.events import EventsFeature
from bot.core.flows.facts import FactsFeature
from bot.core.flows.faq import FaqFeature
from bot.core.flows.followups import FollowUpFeature
from bot.core.flows.guidance import GuidanceFeature
from bot.core.flows.handoff import HandoffFeature
from bot.core.flows.language import LanguageFeature
from bot.core.flows.menu import MenuFeature
from bot.core.flows.preregistration import PreregistrationFeature
from bot.core.flows.status import StatusFeature
from bot.core.flows.subscriptions import SubscriptionsFeature
from bot.core.i18n import Catalogues
from bot.core.messages import Incoming, Outgoing
from bot.core.router import Router
from bot.core.turn import Services
from bot.domain import Channel
from bot.services.retention import RetentionLoop, forget_expired
from bot.settings import Settings
from bot.storage.database import create_db_engine, ensure_schema
from bot.storage.models import ReplyItem
from nlu import load_parser

log = logging.getLogger(__name__)


class Relais:
    """Everything a front door (console, web, Telegram, WhatsApp, CLI) needs, built once."""

    def __init__(self, *, settings: Settings, database: DatabaseEngine, engine: Engine) -> None:
        self.settings = settings
        self.database = database
        self.engine = engine
        self._adapters: list[ChannelAdapter] | None = None

    @property
    def catalogues(self) -> Catalogues:
        """Return the loaded translations."""
        return self.engine.services.catalogues

    def new_bulk_senders(self) -> dict[Channel, BulkSender]:
        """Return fresh campaign senders of every configured channel (the caller closes them)."""
        return build_bulk_senders(self.settings, self.database, self.catalogues)

    def adapters(self) -> list[ChannelAdapter]:
        """Return the configured channels and the campaign loop, built on first use."""
        if self._adapters is None:
            # The loop (and the web framework it mounts routes on) only when serving.
            from bot.campaigns.background import CampaignLoop

            self._adapters = [
                *build_channels(self),
                CampaignLoop(
                    self.database,
                    self.new_bulk_senders(),
                    self.settings.tz,
                    lease=timedelta(seconds=self.settings.campaign_lease_seconds),
                    catalogues=self.catalogues,
                    in_flight=self.settings.campaign_in_flight,
                ),
                RetentionLoop(self.database, message_retention=self.settings.message_retention),
            ]
        return self._adapters

    def forget_expired(self) -> None:
        """Drop what is kept past its retention period (`RELAIS_MESSAGE_RETENTION_DAYS`)."""
        dropped = forget_expired(self.database, message_retention=self.settings.message_retention)
        log.debug("forgot %s", dropped)

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()


class MeasuredEngine(Engine):
    """The engine, each message counted and its turn timed for `/metrics`."""

    def handle(self, incoming: Incoming) -> list[Outgoing]:
        """Answer one message (see Engine.handle)."""
        with metrics.turn(incoming.channel):
            return super().handle(incoming)

    def handle_into_outbox(
        self,
        incoming: Incoming,
        *,
        context: dict[str, Any] | None = None,
        delivered: bool = False,
        claim_for: str | None = None,
    ) -> list[ReplyItem]:
        """Answer one message into the outbox (see Engine.handle_into_outbox)."""
        with metrics.turn(incoming.channel):
            return super().handle_into_outbox(
                incoming, context=context, delivered=delivered, claim_for=claim_for
            )


def build_router() -> Router:
    """Wire every feature in one place."""
    menu = MenuFeature()
    guidance, decision = GuidanceFeature(), DecisionFeature()
    status, handoff = StatusFeature(), HandoffFeature()
    features: list[Feature] = [
        menu,
        guidance,
        decision,
        PreregistrationFeature(),
        status,
        SubscriptionsFeature(),
        FaqFeature(),
        EventsFeature(),
        handoff,
        LanguageFeature(),
        DataRightsFeature(),
        ConsultationFeature(),
        DirectorateContactFeature(),
        FollowUpFeature(guidance=guidance, decision=decision, status=status, handoff=handoff),
        FactsFeature(),
    ]
    return Router(features, fallback=menu)


def build_services(settings: Settings, catalogues: Catalogues | None = None) -> Services:
    """Load the content pack, the catalogues and the NLU model."""
    catalogues = catalogues or Catalogues(
        settings.locales_dir, settings.tz, country=settings.country
    )
    # Per country, like the NLU cache: two countries' deployments may share a data directory.
    pack, fact_examples = load_pack_cached(
        settings.content_dir, settings.country, settings.nlu_cache_dir
    )
    return Services(
        settings=settings,
        pack=pack,
        nlu=load_parser(
            rasa_url=settings.rasa_url or None,  # an empty variable means none
            data_dir=settings.nlu_data_dir,
            cache_dir=settings.nlu_cache_dir,
            # The facts' questions train the ask_fact retrieval intent with the NLU data.
            extra_examples=fact_examples,
            extra_source=pack.facts_source,
            # The place entity knows this country's units and towns only.
            places=pack.territory.places(),
        ),
        catalogues=catalogues,
        notices=CampaignNotices(catalogues, settings.tz),
    )


def build_bulk_senders(
    settings: Settings, database: DatabaseEngine, catalogues: Catalogues
) -> dict[Channel, BulkSender]:
    """Return a campaign sender for each channel whose credentials are configured."""
    senders: dict[Channel, BulkSender] = {}
    if settings.telegram_enabled:
        from bot.channels.telegram import bulk as telegram_bulk

        senders[Channel.TELEGRAM] = telegram_bulk.build_bulk_sender(settings, database)
    if settings.whatsapp_enabled:
        from bot.channels.whatsapp import bulk

        senders[Channel.WHATSAPP] = bulk.build_bulk_sender(settings, database, catalogues)
    return senders


def build_channels(relais: Relais) -> list[ChannelAdapter]:
    """Return the provider channels whose credentials are configured."""
    adapters: list[ChannelAdapter] = []
    if relais.settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        adapters.append(TelegramChannel(relais))
    if relais.settings.whatsapp_enabled:
        from bot.channels.whatsapp import WhatsAppChannel

        adapters.append(WhatsAppChannel(relais))
    return adapters


def build_app(
    settings: Settings | None = None, *, migrate: bool = True, forget_now: bool = True
) -> Relais:
    """Load content, catalogues and NLU, open the database, and build the engine.

    With `forget_now`, what is kept past its retention period goes before anything else; a
    short-lived command that must answer at once (`relais chat`) calls `forget_expired` on
    its way out instead.
    """
    settings = settings or Settings()
    settings.check()
    # A fresh data directory is created; SQLite creates the file, not the folder.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    database = create_db_engine(settings.database_url)
    if migrate:
        ensure_schema(database, settings.database_url)
        seed_builtin_campaigns(database, services.catalogues, settings.tz)
    engine = MeasuredEngine(database=database, services=services, router=build_router())
    log.info(
        "Relais ready: country %s, database %s", settings.country, database.url.render_as_string()
    )
    relais = Relais(settings=settings, database=database, engine=engine)
    if migrate and forget_now:
        relais.forget_expired()
    return relais
