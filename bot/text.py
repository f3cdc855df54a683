"""Reading what people type: accents, punctuation, numbers; the one place text is folded."""

import re
import unicodedata

from text_to_num import alpha2digit

# A number stands apart from letters: in Darija written with Latin letters, digits are
# letters ("ta3awoniya"), not a count.
_NUMBER = re.compile(r"(?<![^\W\d_])\d[\d\s.\u00a0\u202f]*(?![^\W\d_])")
# NUL and the other C0 controls but tab and newlines, and lone UTF-16 surrogates: no database or
# encoder takes them, and no person types them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def clean(text: str) -> str:
    """Remove what cannot be stored or sent back: NUL, control characters, lone surrogates."""
    return _UNPRINTABLE.sub("", text)


def strip_accents(text: str) -> str:
    """Drop the combining marks of a text: Latin accents, Arabic diacritics ("é" -> "e")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str, *, keep: str = "") -> str:
    """Lower-case, drop accents and punctuation, squeeze spaces ("Arrêt !" -> "arret").

    Characters in `keep` count as letters (":" keeps "9:30" whole for schedules).
    """
    letters = strip_accents(text.casefold().translate(_ARABIC_DIGITS))
    word = rf"(?:[^\W_]|[{re.escape(keep)}])" if keep else r"[^\W_]"
    return " ".join(re.findall(f"{word}+", letters))


def first_integer(text: str) -> int | None:
    """Find the first whole number in a message ("nous sommes 12" -> 12, "1 500" -> 1500)."""
    match = _NUMBER.search(text.translate(_ARABIC_DIGITS))
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group())
    return int(digits) if digits and len(digits) <= 9 else None


def has_letters(text: str) -> bool:
    """Tell whether a text contains at least one letter (of any script)."""
    return any(char.isalpha() for char in text)


def squeeze(text: str) -> str:
    """Collapse runs of white space and trim."""
    return " ".join(text.split())


# -- counts written in words ("on est sept", "twenty members", "خمسة")

# text2num leaves "un", "deux", "one", "two" alone (they are also articles and pronouns); a
# message that is only one of them, or states a group size with it, still means the number.
_SMALL_WORDS = {"un": 1, "une": 1, "deux": 2, "one": 1, "two": 2}
_ARABIC_UNITS = {
    "واحد": 1, "واحده": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "ثلاثه": 3,
    "ثلاث": 3, "اربعه": 4, "اربع": 4, "خمسه": 5, "خمس": 5, "سته": 6, "ست": 6, "سبعه": 7,
    "سبع": 7, "ثمانيه": 8, "ثماني": 8, "ثمان": 8, "تسعه": 9, "تسع": 9, "عشره": 10, "عشر": 10,
}  # fmt: skip
_ARABIC_TENS = {
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40,
    "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
    "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90,
}  # fmt: skip
_ARABIC_HUNDRED = {"مئه": 100, "مائه": 100, "مئتان": 200, "مئتين": 200, "مائتان": 200}
# Letters written several ways on phones: hamza seats, taa marbuta, alif maqsura.
_ARABIC_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})
_TEXT2NUM_LANGUAGES = ("fr", "en")


def _arabic_letters(text: str) -> str:
    """Write Arabic the one way: no diacritics or hamza seats, taa marbuta as haa."""
    return strip_accents(text.translate(_ARABIC_VARIANTS)).translate(_ARABIC_VARIANTS)


_ARABIC_UNITS = {_arabic_letters(word): value for word, value in _ARABIC_UNITS.items()}
_ARABIC_TENS = {_arabic_letters(word): value for word, value in _ARABIC_TENS.items()}
_ARABIC_HUNDRED = {_arabic_letters(word): value for word, value in _ARABIC_HUNDRED.items()}


def read_count(text: str) -> int | None:
    """Read a count written in digits or in words: "12", "douze", "twenty", "١٢", "خمسة"."""
    found = first_integer(text)
    if found is not None:
        return found
    words = fold(text).split()
    if len(words) == 1 and words[0] in _SMALL_WORDS:
        return _SMALL_WORDS[words[0]]
    for language in _TEXT2NUM_LANGUAGES:
        found = first_integer(alpha2digit(text.casefold(), language))
        if found is not None:
            return found
    return _arabic_count(text)


def _arabic_count(text: str) -> int | None:
    """Add up Arabic number words ("خمسة وعشرون" -> 25, "اثنا عشر" -> 12)."""
    total, seen = 0, False
    words = _arabic_letters(text).split()
    for index, raw in enumerate(words):
        word = raw.removeprefix("و") if raw.startswith("و") and len(raw) > 3 else raw
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in ("اثنا", "اثني", "اثنتا"):  # the "two" of "twelve"
            word = "اثنان"
        if word in _ARABIC_UNITS:
            value = _ARABIC_UNITS[word]
            if value < 10 and following in ("عشر", "عشره"):
                value += 10
            elif value == 10 and seen:
                continue  # the "ten" of a teen already counted
            total, seen = total + value, True
        elif word in _ARABIC_TENS:
            total, seen = total + _ARABIC_TENS[word], True
        elif word in _ARABIC_HUNDRED:
            total, seen = total + _ARABIC_HUNDRED[word], True
        elif seen:
            break
    return total if seen else None


# -- questions

_QUESTION_MARKS = ("?", "؟")
_QUESTION_STARTS = tuple(
    f"{word} "
    for word in [
        # French, with the SMS spellings
        "c'est quoi", "c quoi", "c koi", "cest quoi", "qu'est-ce", "qu est ce", "quest ce",
        "quoi", "koi", "pourquoi", "pkoi", "pk", "pq", "comment", "cmt", "combien", "cbien",
        "quel", "quelle", "quels", "quelles", "où", "quand", "qui", "est-ce", "est ce",
        "a quoi", "à quoi", "ça sert", "ca sert", "peut-on", "peut on", "dois-je", "faut-il",
        # English
        "what", "what's", "whats", "why", "how", "when", "where", "who", "which", "is it",
        "do i", "do you", "does", "can i", "can you", "should", "is there", "are there",
        # Arabic
        "ما", "ماذا", "لماذا", "لما", "كيف", "متى", "اين", "أين", "هل", "كم", "ماهو", "ما هو",
    ]
)  # fmt: skip


def is_question(text: str) -> bool:
    """Tell whether a message asks something (ends with "?" or starts with a question word)."""
    stripped = text.strip()
    if stripped.endswith(_QUESTION_MARKS):
        return True
    lowered = " ".join(stripped.casefold().replace("’", "'").split()) + " "
    return lowered.startswith(_QUESTION_STARTS)


# "on est 9", "nous sommes douze", "we are 4", "12 membres", "نحن خمسة": a group stating its size.
_GROUP_MARKERS = (
    "on est", "on es", "on ai", "on sera", "on serait", "nous sommes", "ns sommes", "nous serons",
    "nous etions", "on etait", "nous somme", "we are", "we re", "were are", "we will be",
    "we ll be", "there are", "there will be", "we have", "نحن", "عددنا", "سنكون", "كنا",
)  # fmt: skip
_PEOPLE = (
    "membre", "membres", "personne", "personnes", "pers", "gens", "fondateur", "fondateurs",
    "associe", "associes", "agriculteur", "agriculteurs", "femme", "femmes", "jeune", "jeunes",
    "ami", "amis", "pecheur", "pecheurs", "producteur", "producteurs", "eleveur", "eleveurs",
    "artisan", "artisans", "cooperateur", "cooperateurs", "adherent", "adherents",
    "member", "members", "people", "person", "persons", "founder", "founders", "farmer",
    "farmers", "women", "friends", "partners", "اعضاء", "عضو", "اشخاص", "شخص", "مؤسسين",
    "مؤسس", "فلاحين", "نساء",
)  # fmt: skip
_MARKERS = "|".join(fold(_arabic_letters(marker)) for marker in _GROUP_MARKERS)
_PEOPLE_WORDS = "|".join(fold(_arabic_letters(word)) for word in _PEOPLE)
_STATED = re.compile(
    rf"(?:^|\s)(?:{_MARKERS})\s+"
    r"(?:a\s+|about\s+|environ\s+|presque\s+|que\s+|seulement\s+|juste\s+|only\s+|just\s+)?(\S+)"
    rf"|(\d+)\s+(?:{_PEOPLE_WORDS})(?:\s|$)"
)
_GROUP_OF = re.compile(r"(?:groupe|group|equipe|team)\s+(?:de|of)\s+(\d{1,9})(?:\s|$)")


def stated_group_size(text: str) -> int | None:
    """Find a group size the person states ("on est sept", "we are 4", "12 membres")."""
    folded = fold(_arabic_letters(text))
    for language in _TEXT2NUM_LANGUAGES:
        folded = alpha2digit(folded, language)
    group = _GROUP_OF.search(folded)
    if group is not None:
        return int(group.group(1))
    match = _STATED.search(folded)
    if match is None:
        return None
    said = match.group(1) or match.group(2)
    if said.isdecimal():
        return int(said) if len(said) <= 9 else None
    if said in _SMALL_WORDS:
        return _SMALL_WORDS[said]
    # Arabic words: read from the number on ("نحن خمسة وعشرون").
    return _arabic_count(folded[match.start(1) :])
