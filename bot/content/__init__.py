"""A country's content pack: procedures, FAQ, offices and decision tree, read from YAML."""

from bot.content.check import CheckReport, Placeholder, check_pack, format_report
from bot.content.decision import (
    DecisionNode,
    DecisionTree,
    NumberNode,
    Outcome,
    Range,
    Transition,
    YesNoNode,
)
from bot.content.loader import DEFAULT_CONTENT_DIR, ContentError, ContentPack, load_pack
from bot.content.model import LocalizedText, Source
from bot.content.placeholders import find_placeholders, has_placeholder, replace_placeholders
from bot.content.schema import (
    CountryInfo,
    DataProtection,
    DataRight,
    DataRightCode,
    Directorate,
    FaqEntry,
    Fee,
    Ministry,
    Office,
    Procedure,
    Sector,
    Variant,
    WhereToFile,
)
from bot.content.territory import Region, TerritoryBody

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "CheckReport",
    "ContentError",
    "ContentPack",
    "CountryInfo",
    "DataProtection",
    "DataRight",
    "DataRightCode",
    "DecisionNode",
    "DecisionTree",
    "Directorate",
    "FaqEntry",
    "Fee",
    "LocalizedText",
    "Ministry",
    "NumberNode",
    "Office",
    "Outcome",
    "Placeholder",
    "Procedure",
    "Range",
    "Region",
    "Sector",
    "Source",
    "TerritoryBody",
    "Transition",
    "Variant",
    "WhereToFile",
    "YesNoNode",
    "check_pack",
    "find_placeholders",
    "format_report",
    "has_placeholder",
    "load_pack",
    "replace_placeholders",
]
