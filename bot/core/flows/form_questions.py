"""Questions about the pre-registration form and corrections of its answers, read from free text.

"c'est quoi un sigle ?" asks for a field's help; "en fait c'est une coopérative" changes an answer
given earlier. Neither is ever stored as the answer to the pending question.
"""

from typing import Any

from bot.content import ContentPack
from bot.core.flows.form_base import FieldName
from bot.core.flows.registration_form import FIELDS, FormField
from bot.text import fold, is_question
from nlu import EntityType, ParseResult

# Folded words by which a person corrects an earlier answer ("en fait c'est une coopérative").
CORRECTION_MARKERS = (
    "en fait", "enfait", "en faite", "enfaite", "finalement", "plutot", "je me suis trompe",
    "erreur", "non c est", "c est une", "c est un", "ce sera une", "ce sera un", "actually",
    "in fact", "sorry", "i meant", "rather", "it s a", "it is a", "correction",
    "في الواقع", "بل", "عفوا", "اقصد", "أقصد",
)  # fmt: skip
# The fields a correction can change, with the entity that names their value.
CORRECTABLE = (
    (FieldName.ORG_TYPE, EntityType.ORG_TYPE),
    (FieldName.COOP_FORM, EntityType.COOP_FORM),
    (FieldName.PROVINCE, EntityType.PROVINCE),
)
# A message that only asks why or what, about the question just asked.
BARE_WHY = frozenset(
    fold(word)
    for word in ["pourquoi", "pk", "pq", "pkoi", "why", "c'est quoi", "c quoi", "c koi",
                 "ça veut dire quoi", "ca veut dire quoi", "what", "what is that", "what's that",
                 "لماذا", "ما هذا", "ماذا يعني"]
)  # fmt: skip


def question_about(text: str, pending: FormField, pack: ContentPack) -> FormField | None:
    """Return the field a question is about, the pending one first; None if it is not one."""
    folded = fold(text)
    if folded in BARE_WHY:
        return pending
    if not is_question(text):
        return None
    padded = f" {folded} "
    for form_field in (pending, *FIELDS):
        for word in form_field.about_words(pack):
            if (f" {word} " in padded) if word.isascii() else (word in folded):
                return form_field
    return None


def correction(
    result: ParseResult, *, answers: dict[str, Any], pending: FieldName | None, pack: ContentPack
) -> tuple[FieldName, str] | None:
    """Return the field and new value of a correction ("en fait c'est une coopérative")."""
    folded = fold(result.text)
    if not any(f" {marker} " in f" {folded} " for marker in CORRECTION_MARKERS):
        return None
    for name, entity in CORRECTABLE:
        value = result.entity(entity)
        if value is None or name is pending:
            continue  # an answer to the pending question is read as such
        if name is FieldName.PROVINCE:
            known = pack.province(value)
            if known is None:
                continue
            value = known.name
        if answers.get(name.value) != value:
            return name, value
    return None
