"""Fold and tokenise user text the same way for training, classification and entity matching."""

import re
from dataclasses import dataclass

from bot.text import strip_accents

# A word is letters or digits, with the combining marks of decomposed input (Latin accents,
# Arabic short vowels) kept inside it so that offsets still point at whole words.
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670])*")
_REPEATS = re.compile(r"(.)\1{2,}")

# Letters that users write in several ways for the same word: ligatures in French; in
# Arabic, the alif maqsura for ya, the ta marbuta for ha, the wasla alif, Persian letter
# shapes and Arabic-Indic digits, and the tatweel elongation dropped. (The hamza and madda
# of أ إ آ ؤ ئ and the short vowels are combining marks: strip_accents removes them.)
_LETTER_VARIANTS = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ى": "ي",
        "ی": "ي",
        "ة": "ه",
        "ٱ": "ا",
        "ک": "ك",
        "ـ": None,
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},
    }
)

# Darija written with Latin letters ("Arabizi"): words common enough to mark a message as
# Darija, none of them also a French or English word. Digits stand for Arabic letters:
# 3 for ع, 7 for ح, 9 for ق.
_ARABIZI_TEXT = """
    3and 3andek 3andi 3andna 3awni 3awnouni 3lach 3lech 3rabiya 7abit 9adech 9anoun bach
    baladiya barka bech bel3arbiya besh beslama besslama bezaf bghina bghit bslama bzaf ch7al
    chehal chhal chkon chkoun chno chnou chnouwa chnowa chokran choukran darja derja dial
    djam3iya doka dork dourou drahem drk drouk dyal fhamtni flous gadech ghadi ghodwa hada hadi
    hadik hamdoulah incha2allah inchallah iyeh jam3ia jam3iya jam3iyya jami3a jem3iya kayen kayn
    khamsa khdma khedma kheyi khouya khoya khti ki9ach kifach kifah kifash kifch kifech kifeh
    kifkif kima l3arbiya lach lala lbaladiya lbled lwa9t lwra9 lyoum m3a m3ak m3akom ma3lich
    machi mafhamtch makach makanch manich mazal mli7 mlih mo2assassa mou2asasa mou2assasa
    mranich n3awnek n7ab n7abou n7eb n9ayed nabghi nchallah ndir ndirha ndiro ndirou ndirouha
    ne9ayed nebghi nekhdem nfham nhab nhabou nheb nkhdem nsa9si nsa9sik nsajal nsajel nsajlou
    nsaksi nsejel nta3 qadech qanoun rahi raho rakom rakoum rana rani rb3a s7ab saha sahbi sahha
    sahit sajel sma7li smahli t3awni t3awniya ta3 ta3adodia ta3adodiya ta3awniya ta3awoniya
    ta3na tbghi tebghi tlata tsajal tsajel wa7ed wa9tach wach wahed wakha waqtach wech wechno
    wesh wra9 wraq ya3tik yatik zouj
"""
ARABIZI_WORDS = frozenset(_ARABIZI_TEXT.split())

# SMS spellings and contractions mapped to the plain words, so that "cmt" and "comment" are
# one feature for the classifier. Only whole folded words are replaced.
SMS_WORDS: dict[str, str] = {
    "auj": "aujourd hui",
    "bcp": "beaucoup",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "c": "c est",
    "cb": "combien",
    "cbn": "combien",
    "cest": "c est",
    "chui": "je suis",
    "cmb": "combien",
    "cmnt": "comment",
    "cmt": "comment",
    "dac": "d accord",
    "daccord": "d accord",
    "dc": "donc",
    "ds": "dans",
    "dsl": "desole",
    "jai": "j ai",
    "jaimerais": "j aimerais",
    "jsp": "je sais pas",
    "jsuis": "je suis",
    "jveu": "je veux",
    "jveux": "je veux",
    "jvx": "je veux",
    "kan": "quand",
    "kand": "quand",
    "ke": "que",
    "kel": "quel",
    "kelle": "quelle",
    "kels": "quels",
    "kelkun": "quelqu un",
    "keske": "qu est ce que",
    "ki": "qui",
    "koi": "quoi",
    "kom": "comment",
    "koman": "comment",
    "kwa": "quoi",
    "mci": "merci",
    "moa": "moi",
    "mrc": "merci",
    "msg": "message",
    "mwa": "moi",
    "nn": "non",
    "ns": "nous",
    "pk": "pourquoi",
    "pkoi": "pourquoi",
    "pq": "pourquoi",
    "pr": "pour",
    "qd": "quand",
    "qqn": "quelqu un",
    "rdv": "rendez vous",
    "slt": "salut",
    "stp": "s il te plait",
    "svp": "s il vous plait",
    "tjr": "toujours",
    "tjrs": "toujours",
    "tps": "temps",
    "tt": "tout",
    "vs": "vous",
    "vx": "veux",
    "wi": "oui",
    "ya": "il y a",
}

# "a+" is French SMS for "à plus"; the sign would otherwise vanish with the punctuation.
_SYMBOLS = str.maketrans({"+": " plus "})


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the original text, with its folded form and its character offsets."""

    text: str
    folded: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lowercase text, strip Latin accents and Arabic diacritics, and unify letter variants."""
    return strip_accents(text).casefold().translate(_LETTER_VARIANTS)


def tokenize(text: str) -> list[Token]:
    """Split text into words carrying their folded form and their offsets in text."""
    return [
        Token(match.group(), fold(match.group()), match.start(), match.end())
        for match in _TOKEN.finditer(text)
    ]


def normalize_phrase(text: str) -> str:
    """Return the folded words of text joined by single spaces, the key of every lookup."""
    return " ".join(token.folded for token in tokenize(text))


def normalize_text(text: str) -> str:
    """Return the form of text the intent classifier sees: folded words, no punctuation."""
    words = [token.folded for token in tokenize(text.translate(_SYMBOLS))]
    if is_arabizi(words):
        # SMS French spellings mean something else in Darija ("ki" is "when", not "qui").
        plain = " ".join(normalize_arabizi(word) for word in words)
    else:
        plain = " ".join(
            _expand(word, words[index - 1] if index else "", words[index + 1 : index + 2])
            for index, word in enumerate(words)
        )
    # "merciiii" and "nooon" are the same words as "merci" and "non" said louder.
    return _REPEATS.sub(r"\1\1", plain)


def _expand(word: str, previous: str, following: list[str]) -> str:
    """Return the plain words for an SMS spelling unless its neighbours already spell them out."""
    expansion = SMS_WORDS.get(word)
    if expansion is None:
        return word
    # "c" alone is "c'est", but in "c'est" the "est" is already there; so is "il" in "il ya".
    if following and expansion.endswith(" " + following[0]):
        return word
    if previous and expansion.startswith(previous + " "):
        return expansion.removeprefix(previous + " ")
    return expansion


_ARABIZI_DIGIT_WORD = re.compile(r"[a-z][2379]|^[379](?!e(?:me|r)?$)[a-z]")


def is_arabizi(words: list[str]) -> bool:
    """Tell whether folded Latin words are Darija: a known Darija word or a 3/7/9 inside one."""
    return any(word in ARABIZI_WORDS or _ARABIZI_DIGIT_WORD.search(word) for word in words)


# Spelling variants of Arabizi brought to one form: "sh" and "ch" are one sound (ش), so are
# "ou", "oo" and "u" (و), "ee" and "i" (ي), "dj" and "j" (ج). Applied to Darija messages only:
# in French "ou" is a word of its own.
_ARABIZI_SPELLINGS = (("sh", "ch"), ("dj", "j"), ("oo", "u"), ("ou", "u"), ("ee", "i"))


def normalize_arabizi(word: str) -> str:
    """Return one spelling of an Arabizi word ("kifash" and "kifach" are one word)."""
    for variant, plain in _ARABIZI_SPELLINGS:
        word = word.replace(variant, plain)
    return word


def has_letters(text: str) -> bool:
    """Tell whether text contains at least one letter of any script."""
    return any(char.isalpha() for char in text)
