"""What people write before the answer itself: "je m'appelle Awa", "I'm the chairman".

A form asking for a name or a role keeps only the answer: "my name is John Obame" is saved as
"John Obame". Each lead-in is matched at the start of the message, whole words only, in the
three languages and in Darija; what follows must still be long enough to be the answer.
"""

import re
from enum import Enum

from bot.text import squeeze


class Answering(Enum):
    """The kind of answer a question asks for, by the lead-ins that come before it."""

    PERSON = "person"
    ROLE = "role"
    ORGANISATION = "organisation"


_PERSON = [
    "je m'appelle", "je m appelle", "jm'appelle", "je suis", "moi c'est", "moi, c'est",
    "mon nom est", "mon nom c'est", "mon nom :", "c'est", "c est", "il s'appelle",
    "elle s'appelle",
    "son nom est", "son nom c'est", "my name is", "my name's", "i am", "i'm", "im", "it's",
    "it is", "this is", "call me", "his name is", "her name is", "the name is",
    "اسمي", "إسمي", "أنا", "انا", "اسمه", "اسمها", "smiti", "esmi", "ismi",
]  # fmt: skip
_ROLE = [
    "je suis le", "je suis la", "je suis l'", "je suis", "c'est le", "c'est la", "c'est",
    "c est le", "c est la", "c est", "jsuis", "chui",
    "il est le", "il est la", "il est", "elle est la", "elle est le", "elle est",
    "sa fonction est", "ma fonction est", "ma fonction :", "i am the", "i'm the", "i am a",
    "i'm a", "i am", "i'm", "im the", "he is the", "she is the", "he's the", "she's the",
    "he is", "she is", "my role is", "his role is", "her role is", "the role is",
    "أنا", "انا", "هو", "هي", "ana", "howa", "hiya",
]  # fmt: skip
_ORGANISATION = [
    "elle s'appelle", "elle s appelle", "ça s'appelle", "ca s'appelle", "ça s appelle",
    "le nom c'est", "le nom est", "son nom est", "son nom c'est", "notre association s'appelle",
    "notre organisation s'appelle", "notre coopérative s'appelle", "c'est", "it's called",
    "it is called", "the name is", "it's", "our association is called",
    "our organisation is called", "our organization is called", "our cooperative is called",
    "اسمها", "تسمى", "اسم الجمعية", "smitha", "ismha",
]  # fmt: skip
_NOTHING = [
    "j'en ai pas", "j en ai pas", "je n'en ai pas", "je n en ai pas", "jen ai pas",
    "pas d'email", "pas de mail", "pas d'e-mail", "pas de courriel", "pas de sigle",
    "il n'y en a pas", "y en a pas", "aucun sigle", "elle n'en a pas", "il n'en a pas",
    "nope", "nah", "i don't have one", "i do not have one", "i don't have any", "no email",
    "i dont have one", "i dont have any", "we dont have one", "pas d'adresse", "pas d adresse",
    "no e-mail", "no acronym", "we don't have one", "none of that", "n/a",
    "ليس لدي", "ليس لدينا", "لا يوجد", "ما عنديش", "ماعنديش", "ma3andich", "ma3ndich",
    "makanch", "ماكانش",
]  # fmt: skip


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    # Longest first: "je suis le" before "je suis".
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"^\s*(?:{alternatives})(?=[\s,:'’]|$)[\s,:'’]*", re.IGNORECASE)


_LEAD_INS = {
    Answering.PERSON: _pattern(_PERSON),
    Answering.ROLE: _pattern(_ROLE),
    Answering.ORGANISATION: _pattern(_ORGANISATION),
}
_NOTHING_RE = re.compile(
    "|".join(rf"^\s*{re.escape(phrase)}[\s.!]*$" for phrase in _NOTHING), re.IGNORECASE
)


def without_lead_in(text: str, answering: Answering, *, shortest: int = 2) -> str:
    """Return the answer without what was written before it, or the text as it was.

    The text stays whole when too little would be left ("c'est" alone, "I am" alone).
    """
    rest = squeeze(_LEAD_INS[answering].sub("", text.replace("’", "'"), count=1))
    return rest if len(rest) >= shortest else squeeze(text)


def says_there_is_none(text: str) -> bool:
    """Tell whether a message says there is nothing to give ("j'en ai pas", "ليس لدي")."""
    return _NOTHING_RE.match(text.replace("’", "'")) is not None
