"""The application factory: settings in, a ready engine out. Nothing is built at import."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns.builtin import seed_builtin_campaigns
from bot.content import load_pack
from bot.core.engine import Engine
from bot.core.feature import Feature
from bot.core.flows.data_rights import DataRightsFeature
from bot.core.flows.decision import DecisionFeature
from bot.core.flows.events import EventsFeature
from bot.core.flows.faq import FaqFeature
from bot.core.flows.guidance import GuidanceFeature
from bot.core.flows.handoff import HandoffFeature
from bot.core.flows.language import LanguageFeature
from bot.core.flows.menu import MenuFeature
from bot.core.flows.preregistration import PreregistrationFeature
from bot.core.flows.status import StatusFeature
from bot.core.flows.subscriptions import SubscriptionsFeature
from bot.core.i18n import Catalogues
from bot.core.router import Router
from bot.core.turn import Services
from bot.settings import Settings
from bot.storage import contacts
from bot.storage.database import create_db_engine, ensure_schema, new_session
from bot.storage.types import utcnow
from nlu import load_parser

log = logging.getLogger(__name__)

# Providers retry a webhook for hours at most (Telegram, Twilio); a month is ample.
PROCESSED_MESSAGES_KEPT = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Relais:
    """Everything a front door (console, web, Telegram, WhatsApp, CLI) needs."""

    settings: Settings
    database: DatabaseEngine
    engine: Engine

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()


def build_router() -> Router:
    """Wire every feature in one place."""
    menu = MenuFeature()
    features: list[Feature] = [
        menu,
        GuidanceFeature(),
        DecisionFeature(),
        PreregistrationFeature(),
        StatusFeature(),
        SubscriptionsFeature(),
        FaqFeature(),
        EventsFeature(),
        HandoffFeature(),
        LanguageFeature(),
        DataRightsFeature(),
    ]
    return Router(features, fallback=menu)


def build_app(settings: Settings | None = None, *, migrate: bool = True) -> Relais:
    """Load content, catalogues and NLU, open the database, and build the engine."""
    settings = settings or Settings()
    pack = load_pack(settings.content_dir, settings.country)
    catalogues = Catalogues(settings.locales_dir, settings.tz)
    nlu = load_parser(
        rasa_url=settings.rasa_url,
        data_dir=settings.nlu_data_dir,
        cache_dir=settings.cache_dir / "nlu",
    )
    database = create_db_engine(settings.database_url)
    if migrate:
        ensure_schema(database, settings.database_url)
        with new_session(database) as session:
            dropped = contacts.forget_processed_messages(
                session, before=utcnow() - PROCESSED_MESSAGES_KEPT
            )
            session.commit()
        log.debug("forgot %d old provider message ids", dropped)
    if migrate:
        seed_builtin_campaigns(database, catalogues, settings.tz)
    services = Services(settings=settings, pack=pack, nlu=nlu, catalogues=catalogues)
    engine = Engine(database=database, services=services, router=build_router())
    log.info(
        "Relais ready: country %s, database %s", settings.country, database.url.render_as_string()
    )
    return Relais(settings=settings, database=database, engine=engine)
