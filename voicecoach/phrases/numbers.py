"""Whole numbers as words in the languages we ship: "twenty-one", "veintiún", "einundzwanzig".

Spoken totals (``{length}``, ``{work}``, ``{steps}`` in an intro) and rest announcements are
written out as words, so captions and the printed script read as they are heard, whatever
the speech engine would have made of digits. Numbers from 0 to 999 are written out;
larger ones stay digits (a session lasts at most 12 hours, so they do not occur in
durations).
"""

from __future__ import annotations

_EN_SMALL = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

_ES_SMALL = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
_ES_TENS = [
    "_",
    "_",
    "veinte",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
]
_ES_HUNDREDS = [
    "_",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
]

_DE_SMALL = [
    "null",
    "eins",
    "zwei",
    "drei",
    "vier",
    "fünf",
    "sechs",
    "sieben",
    "acht",
    "neun",
    "zehn",
    "elf",
    "zwölf",
    "dreizehn",
    "vierzehn",
    "fünfzehn",
    "sechzehn",
    "siebzehn",
    "achtzehn",
    "neunzehn",
]
_DE_TENS = [
    "_",
    "_",
    "zwanzig",
    "dreißig",
    "vierzig",
    "fünfzig",
    "sechzig",
    "siebzig",
    "achtzig",
    "neunzig",
]


def number_words(n: int, language: str, *, before_noun: bool = False) -> str:
    """``n`` in words; digits for a language without rules here or beyond 999.

    ``before_noun`` gives the form used in front of a (masculine) noun where a language
    changes it: Spanish "veintiún minutos", "un ejercicio".
    """
    if not 0 <= n <= 999:
        return str(n)
    if language == "en":
        return _english(n)
    if language == "es":
        return _spanish(n, before_noun)
    if language == "de":
        return _german(n)
    return str(n)


def _english(n: int) -> str:
    if n < 20:
        return _EN_SMALL[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_SMALL[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_EN_SMALL[hundreds]} hundred" + (f" and {_english(rest)}" if rest else "")


def _spanish(n: int, before_noun: bool) -> str:
    if n == 100:
        return "cien"
    if n >= 100:
        hundreds, rest = divmod(n, 100)
        return _ES_HUNDREDS[hundreds] + (f" {_spanish(rest, before_noun)}" if rest else "")
    if n < 30:
        word = _ES_SMALL[n]
    else:
        tens, ones = divmod(n, 10)
        word = _ES_TENS[tens] + (f" y {_ES_SMALL[ones]}" if ones else "")
    if before_noun and word.endswith("uno"):
        word = word[:-3] + ("ún" if word.endswith("iuno") else "un")
    return word


def _german(n: int) -> str:
    if n < 20:
        return _DE_SMALL[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        if not ones:
            return _DE_TENS[tens]
        return ("ein" if ones == 1 else _DE_SMALL[ones]) + "und" + _DE_TENS[tens]
    hundreds, rest = divmod(n, 100)
    head = "ein" if hundreds == 1 else _DE_SMALL[hundreds]
    return f"{head}hundert" + (_german(rest) if rest else "")
