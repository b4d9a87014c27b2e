"""Amounts in words, the way a Colombian receipt (recibo de caja) writes them: "un millón quinientos mil pesos
m/cte". Pure: no database, no settings.

The words of each number come from num2words (lang "es"); this module applies what Spanish grammar asks of an
amount of money and num2words leaves out: "uno" and "veintiuno" shorten before a noun ("veintiún mil", "un
millón", "un peso", "veintiún pesos"), and a round million takes "de" ("un millón de pesos", "dos mil millones
de pesos"). Cents, when there are any, follow as "con cincuenta centavos".
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

# Currency names: (singular, plural, suffix). COP is "pesos m/cte" (moneda corriente).
CURRENCY_WORDS = {
    "COP": ("peso", "pesos", " m/cte"),
    "CLP": ("peso", "pesos", ""),
    "MXN": ("peso", "pesos", ""),
    "USD": ("dólar", "dólares", ""),
    "EUR": ("euro", "euros", ""),
}

_APOCOPE = re.compile(r"\b(veinti)?uno(?= (mil|millón|millones|billón|billones)\b)")


def number_words_es(n: int) -> str:
    """A whole number in Spanish words, with "uno" shortened before mil/millón ("veintiún mil")."""
    words = num2words(n, lang="es")
    return _APOCOPE.sub(lambda m: "veintiún" if m.group(1) else "un", words)


def _before_noun(words: str) -> str:
    """The number as it stands before the currency's noun: "uno" -> "un", "veintiuno" -> "veintiún", "... millón"
    and "... millones" take "de"."""
    if words.endswith("veintiuno"):
        words = words[: -len("veintiuno")] + "veintiún"
    elif words.endswith("uno"):
        words = words[: -len("uno")] + "un"
    if words.endswith(("millón", "millones", "billón", "billones")):
        words += " de"
    return words


def amount_in_words_es(amount: Decimal, currency: str = "COP") -> str:
    """Decimal("1500000") -> "un millón quinientos mil pesos m/cte"; Decimal("1.50") -> "un peso con cincuenta
    centavos m/cte". Negative amounts are written as their absolute value preceded by "menos"."""
    singular, plural, suffix = CURRENCY_WORDS.get(currency.upper(), ("", "", ""))
    amount = Decimal(amount)
    sign = "menos " if amount < 0 else ""
    amount = abs(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = int(amount)
    cents = int((amount - whole) * 100)
    noun = singular if whole == 1 else plural
    text = _before_noun(number_words_es(whole))
    text = f"{text} {noun}" if noun else f"{text} {currency.upper()}"
    if cents:
        text += f" con {_before_noun(number_words_es(cents))} {'centavo' if cents == 1 else 'centavos'}"
    return f"{sign}{text}{suffix}"
