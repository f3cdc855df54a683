"""Natural language understanding: intents and entities of user messages, Rasa-shaped."""

from nlu.interface import NluParser
from nlu.parser import DEFAULT_DATA_DIR, load_parser
from nlu.result import Entity, IntentScore, ParseResult
from nlu.vocabulary import EntityType, Intent, Province

__all__ = [
    "DEFAULT_DATA_DIR",
    "Entity",
    "EntityType",
    "Intent",
    "IntentScore",
    "NluParser",
    "ParseResult",
    "Province",
    "load_parser",
]
