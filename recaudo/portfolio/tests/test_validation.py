import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError as StdnumError

from recaudo.portfolio.validation import (
    ValidationProblem,
    normalize_email,
    normalize_phone,
    search_text_for,
    validate_national_id,
)


@pytest.mark.parametrize(
    "country,id_type,raw,expected",
    [
        ("CO", "NIT", "800.197.268-4", ("NIT", "8001972684")),
        ("CO", "CC", "1.020.304.050", ("CC", "1020304050")),
        ("PE", "RUC", "20100047218", ("RUC", "20100047218")),
        ("PE", "DNI", "10117410", ("DNI", "10117410")),
        ("MX", "RFC", "GODE561231GR8", ("RFC", "GODE561231GR8")),
        ("CL", "RUT", "76.086.428-5", ("RUT", "760864285")),
        ("CO", "passport", "ab 123456", ("PASSPORT", "AB123456")),
        ("CO", "", "", ("", "")),
    ],
)
def test_valid_ids_are_normalized(country, id_type, raw, expected):
    assert validate_national_id(country, id_type, raw) == expected


@pytest.mark.parametrize(
    "country,id_type,raw,message",
    [
        ("CO", "NIT", "800.197.268-5", "checksum"),
        ("CO", "CC", "12AB", "3 to 10 digits"),
        ("CO", "RUT", "123", "unknown ID type"),
        ("CO", "", "123456", "needs an ID type"),
        ("CL", "RUT", "76.086.428-4", "invalid RUT"),
    ],
)
def test_invalid_ids_say_why(country, id_type, raw, message):
    with pytest.raises(ValidationProblem, match=message):
        validate_national_id(country, id_type, raw)


def test_phones_become_e164_in_the_portfolio_country():
    assert normalize_phone("300 123 4567", "CO") == "+573001234567"
    assert normalize_phone("+51 987 654 321", "CO") == "+51987654321"
    with pytest.raises(ValidationProblem, match="invalid phone"):
        normalize_phone("123", "CO")


def test_emails():
    assert normalize_email(" pagos@EMPRESA.com.co ") == "pagos@empresa.com.co"
    with pytest.raises(ValidationProblem):
        normalize_email("pagos@empresa")


def test_search_text_strips_accents_and_case():
    assert search_text_for("José Peña", "C-1") == "jose pena c-1"


def _slow_phone(raw, country):
    import phonenumbers

    try:
        parsed = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


phone_shapes = st.one_of(
    st.from_regex(r"\A\+?[0-9 ().\-]{1,20}\Z", fullmatch=True),
    st.builds(lambda p, n: f"{p}{n}",
              st.sampled_from(["", "+57", "+57 ", "57", "0", "+0", "+1", "+51 ", "+52", "+56 9"]),
              st.from_regex(r"\A3[0-9]{9}\Z|\A60[1-8][0-9]{7}\Z|\A[0-9]{6,12}\Z", fullmatch=True)),
)


@settings(max_examples=400)
@given(raw=phone_shapes, country=st.sampled_from(["CO", "PE", "MX", "CL", "US"]))
def test_fast_phone_path_agrees_with_phonenumbers(raw, country):
    """The fast path for plain shapes must give exactly what the full phonenumbers parse gives."""
    normalize_phone.cache_clear()
    try:
        ours = normalize_phone(raw, country)
    except ValidationProblem:
        ours = None
    if raw.strip():
        assert ours == _slow_phone(raw.strip(), country)


@settings(max_examples=600)
@given(code=st.sampled_from([57, 51, 52, 56, 54, 593, 58, 507, 506, 34, 49, 55, 1, 44, 7, 800]),
       national=st.from_regex(r"\A[1-9][0-9]{0,14}\Z", fullmatch=True))
def test_validity_rules_agree_with_phonenumbers(code, national):
    """The precompiled validity rules of a calling code answer what phonenumbers.is_valid_number answers; codes
    shared by several regions (+1, +44, +7) and non-geographic ones (+800) are left to phonenumbers."""
    import phonenumbers

    from recaudo.portfolio.validation import _matches, _number_descs

    descs = _number_descs(code)
    if code in (1, 44, 7, 800):
        assert descs is None
        return
    expected = phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=code, national_number=int(national)))
    assert _matches(national, descs) == expected


def test_validity_rules_worked_examples():
    from recaudo.portfolio.validation import _matches, _number_descs

    co = _number_descs(57)
    assert _matches("3001234567", co)  # mobile
    assert _matches("6015551234", co)  # Bogotá fixed line
    assert not _matches("300123456", co)  # one digit short
    assert not _matches("9001234567", co)


@settings(max_examples=300)
@given(parts=st.lists(st.text(max_size=30) | st.text(alphabet="ΣσςAaá \u0301\u00a0İ", max_size=10), max_size=4))
def test_search_text_removes_exactly_the_combining_marks(parts):
    """As if the parts were joined, lowered and decomposed as one text (each is decomposed on its own): final
    sigmas, combining marks at a part's start and compatibility spaces included."""
    from unicodedata import combining, normalize

    text = " ".join(p for p in parts if p).lower()
    expected = text if text.isascii() else "".join(c for c in normalize("NFKD", text) if not combining(c))
    assert search_text_for(*parts) == expected


def _formatted_nit(base: str, style: int) -> str:
    """A NIT with its right check digit, written as exports write it."""
    from stdnum.co import nit

    digit = nit.calc_check_digit(base)
    grouped = ".".join(base[max(0, i - 3):i] for i in range(len(base), 0, -3)[::-1])
    return [base + digit, f"{base}-{digit}", f"{grouped}-{digit}", f" {base} - {digit} "][style]


def _verdict(validate, number):
    try:
        return ("ok", validate(number))
    except (ValidationProblem, StdnumError) as exc:
        return ("error", str(exc) or exc.__class__.__name__)


@settings(max_examples=400)
@given(st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=18),
    st.text(alphabet="0123456789 .-,٣²", min_size=1, max_size=18),
    st.sampled_from(["8001972684", "800197268-4", "800.197.268-4", "8001972685", "9001234567", "12345678"]),
    st.builds(lambda base, style: _formatted_nit(base, style), st.text(alphabet="0123456789", min_size=7,
                                                                     max_size=15), st.integers(0, 3)),
))
def test_nit_fast_path_gives_stdnums_verdict(number):
    """recaudo's NIT check (plain digits checked without stdnum's cleaning) accepts, normalizes and refuses
    exactly as stdnum.co.nit does, with the same message."""
    from stdnum.co import nit

    from recaudo.portfolio.validation import _co_nit

    assert _verdict(_co_nit, number) == _verdict(lambda n: nit.compact(nit.validate(n)), number)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789 .-a٣", min_size=1, max_size=12))
def test_cc_fast_path_gives_the_same_verdict(number):
    import re

    from recaudo.portfolio.validation import _co_cc

    def slow(n):
        digits = re.sub(r"[\s.\-]", "", n)
        if not digits.isdigit() or not 3 <= len(digits) <= 10:
            raise ValidationProblem("a cédula de ciudadanía has 3 to 10 digits")
        return digits.lstrip("0") or "0"

    assert _verdict(_co_cc, number) == _verdict(slow, number)
