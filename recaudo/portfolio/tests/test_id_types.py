"""Colombian ID types by their names and DIAN codes (data/id_types_co.csv), worked examples without a database."""

import pytest

from recaudo.portfolio.validation import CO_ID_TYPES, ValidationProblem, id_type_code, validate_national_id


@pytest.mark.parametrize("written,code", [
    ("Cédula", "CC"), ("cedula de ciudadania", "CC"), ("C.C.", "CC"), ("13", "CC"), ("cc", "CC"),
    ("NIT", "NIT"), ("31", "NIT"), ("n.i.t.", "NIT"),
    ("Cédula de extranjería", "CE"), ("22", "CE"),
    ("Pasaporte", "PASSPORT"), ("41", "PASSPORT"),
    ("Tarjeta de identidad", "TI"), ("12", "TI"), ("Registro civil", "RC"), ("11", "RC"),
    ("PEP", "PEP"), ("47", "PEP"), ("Tarjeta de extranjería", "TE"), ("21", "TE"),
    ("Documento extranjero", "DIE"), ("42", "DIE"), ("NIT extranjero", "NIT_EXT"), ("50", "NIT_EXT"),
])
def test_colombian_id_types_by_name_and_dian_code(written, code):
    assert id_type_code("CO", written) == code


def test_dian_codes_are_unique_and_the_stored_codes_fit_the_column():
    dian = [row["dian"] for row in CO_ID_TYPES]
    assert len(dian) == len(set(dian))
    assert all(len(row["code"]) <= 10 for row in CO_ID_TYPES)  # Debtor.id_type max_length


def test_numeric_codes_are_colombian_only():
    assert id_type_code("PE", "13") == "13"
    assert id_type_code("PE", "pasaporte") == "PASSPORT"


def test_validation_accepts_the_names_and_checks_the_number():
    assert validate_national_id("CO", "Cédula", "52.123.456") == ("CC", "52123456")
    assert validate_national_id("CO", "31", "800.197.268-4") == ("NIT", "8001972684")
    assert validate_national_id("CO", "Tarjeta de identidad", "1002003004") == ("TI", "1002003004")
    assert validate_national_id("CO", "PEP", "pe 123-456") == ("PEP", "PE123456")
    with pytest.raises(ValidationProblem, match="invalid CC"):
        validate_national_id("CO", "cedula", "12AB")
    with pytest.raises(ValidationProblem, match="invalid NIT"):
        validate_national_id("CO", "31", "800.197.268-5")
