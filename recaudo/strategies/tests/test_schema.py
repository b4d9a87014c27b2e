import pytest

from recaudo.strategies.schema import StrategyFormatError, default_content, from_yaml, to_yaml, validate_content


def test_yaml_round_trip():
    content = default_content()
    text = to_yaml(content, {"strategy": "Default", "version": 1})
    assert "email-reminder" in text and "offset: -5" in text
    assert from_yaml(text) == content


def problems(text: str) -> list[str]:
    with pytest.raises(StrategyFormatError) as info:
        from_yaml(text)
    return info.value.problems


def test_precise_errors_with_path():
    text = """
name: Broken
stages:
  - key: early
    from_days: 1
    to_days: 30
    steps:
      - key: sms
        offset: 40
        action: send_message
        channel: fax
      - key: call
        offset: 10
        action: create_task
        task: call
        conditions: {min_amount: -3, colour: red}
  - key: late
    from_days: 35
    to_days: null
    steps:
      - {key: sms, offset: 50, action: teleport}
"""
    found = problems(text)
    assert "stages[0].steps[0].offset: 40 is outside its stage 'early' (1..30)" in found
    assert "stages[0].steps[0].channel: must be one of email, sms, whatsapp, got 'fax'" in found
    assert "stages[0].steps[0].template: required" in found
    assert "stages[0].steps[1].conditions.min_amount: must be zero or positive, got -3" in found
    assert any(p.startswith("stages[0].steps[1].conditions.colour: unknown condition") for p in found)
    assert "stages[1].from_days: must be 31 (the day after stage 'early' ends), got 35" in found
    assert any(p.startswith("stages[1].steps[0].action: must be one of") for p in found)
    assert "stages[1].steps[0].key: 'sms' is already used at stages[0].steps[0]" in found


def test_yaml_syntax_error_names_the_line():
    found = problems("name: x\nstages: [\n  - bad")
    assert found[0].startswith("YAML line")


def test_safe_load_refuses_python_objects():
    assert problems("!!python/object/apply:os.system ['true']")[0].startswith("YAML")


def test_not_a_mapping_and_missing_stages():
    with pytest.raises(StrategyFormatError, match="document: must be a mapping"):
        validate_content(["a"])
    with pytest.raises(StrategyFormatError, match="stages: required"):
        validate_content({"name": "x"})


def test_condition_amounts_use_the_one_amount_parser_and_its_bound():
    """Amounts in conditions go through recaudo.core.amounts: bounded, at most 2 decimals, "_" allowed."""
    def amount_problems(value):
        text = (
            "stages:\n  - key: early\n    from_days: 1\n    to_days: null\n    steps:\n"
            "      - {key: call, offset: 10, action: create_task, task: call, conditions: {min_amount: AMOUNT}}\n"
        ).replace("AMOUNT", value
        )
        return [p for p in problems(text) if "min_amount" in p]

    assert amount_problems("50_000.5") == []
    assert amount_problems("'1500000'") == []
    assert amount_problems("99999999999999999999") != []  # beyond 10.000.000.000.000,00
    assert amount_problems("1.234") != []  # a third decimal
    assert amount_problems("'1,5'") != []
