"""Worked examples per country (pure rules: no database, no clock)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.compliance.rules import (
    DEFAULT_SETTINGS,
    RULES,
    ComplianceError,
    ComplianceSettings,
    ContactEvent,
    decide,
    decide_bureau_report,
)

BOG = ZoneInfo("America/Bogota")
LIM = ZoneInfo("America/Lima")
MEX = ZoneInfo("America/Mexico_City")
SCL = ZoneInfo("America/Santiago")
NYC = ZoneInfo("America/New_York")
ALL_GRANTED = {c: "granted" for c in RULES.channels}


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


def co(channel, when, **kw):
    return decide(country="CO", channel=channel, at=when, tz="America/Bogota", **kw)


def ids(decision):
    return [r.rule_id for r in decision.reasons]


# -- data ---------------------------------------------------------------------------------------------------------
def test_data_has_every_rule_cited_dated_and_marked():
    assert RULES.countries == ("CL", "CO", "MX", "PE", "US")
    for rule in RULES.rules:
        assert rule.citation and rule.text and rule.version and rule.valid_from
        assert rule.mark in ("c", "s", "?")
        if rule.setting:
            assert rule.setting in {s.name for s in RULES.settings}, rule.id
    rule_ids = {r.id for r in RULES.rules}
    for spec in RULES.settings:
        assert {name.strip() for name in spec.rule.split(",")} <= rule_ids, spec.name
    assert DEFAULT_SETTINGS.window_end_inclusive is False
    assert DEFAULT_SETTINGS.co_week == "calendar"
    assert DEFAULT_SETTINGS.bureau_min_days_after_notice == 21


def test_colombian_holidays_2026_from_the_package():
    festivos = holidays.country_holidays("CO", years=2026)
    for day in (date(2026, 1, 12), date(2026, 3, 23), date(2026, 4, 2), date(2026, 4, 3)):
        assert day in festivos


def test_settings_validation():
    with pytest.raises(ComplianceError):
        ComplianceSettings.from_rules(overrides={"nope": 1})
    with pytest.raises(ComplianceError):
        ComplianceSettings.from_rules(overrides={"co_week": "fortnight"})
    with pytest.raises(ComplianceError):
        ComplianceSettings.from_rules(overrides={"bureau_min_days_after_notice": "20"})


def test_bad_input():
    with pytest.raises(ComplianceError):
        decide(country="XX", channel="call", at=at(BOG, 2026, 3, 2, 10))
    with pytest.raises(ComplianceError):
        decide(country="CO", channel="fax", at=at(BOG, 2026, 3, 2, 10))
    with pytest.raises(ComplianceError):
        decide(country="CO", channel="call", at=datetime(2026, 3, 2, 10))
    with pytest.raises(ComplianceError):
        decide(country="CO", channel="call", at=at(BOG, 2026, 3, 2, 10), tz="Mars/Olympus")


# -- Colombia: hours ----------------------------------------------------------------------------------------------
def test_co_monday_before_opening_waits_until_0700():
    d = co("call", at(BOG, 2026, 3, 2, 6, 59))  # Monday
    assert not d.allowed
    assert ids(d) == ["CO-HOURS"]
    assert d.next_allowed_at == at(BOG, 2026, 3, 2, 7, 0)
    assert d.as_json()["next_allowed_at"] == "2026-03-02T07:00:00-05:00"


def test_co_weekday_window_end_is_exclusive():
    assert co("call", at(BOG, 2026, 3, 2, 18, 59)).allowed
    d = co("call", at(BOG, 2026, 3, 2, 19, 0))
    assert not d.allowed
    assert d.next_allowed_at == at(BOG, 2026, 3, 3, 7, 0)


def test_co_window_end_inclusive_setting():
    inclusive = ComplianceSettings.from_rules(overrides={"window_end_inclusive": True})
    assert co("call", at(BOG, 2026, 3, 2, 19, 0), settings=inclusive).allowed
    assert not co("call", at(BOG, 2026, 3, 2, 19, 1), settings=inclusive).allowed


def test_co_saturday_edge_to_monday():
    assert not co("sms", at(BOG, 2026, 3, 7, 7, 59)).allowed  # Saturday opens at 08:00
    assert co("sms", at(BOG, 2026, 3, 7, 14, 59)).allowed
    d = co("sms", at(BOG, 2026, 3, 7, 15, 0))
    assert not d.allowed
    assert d.next_allowed_at == at(BOG, 2026, 3, 9, 7, 0)


def test_co_saturday_before_a_monday_festivo_goes_to_tuesday():
    d = co("call", at(BOG, 2026, 1, 10, 15, 0))  # Saturday; Monday 12 Jan 2026 is Reyes Magos (moved)
    assert d.next_allowed_at == at(BOG, 2026, 1, 13, 7, 0)


def test_co_sunday_blocked():
    d = co("email", at(BOG, 2026, 3, 8, 10, 0))
    assert not d.allowed
    assert "no contact hours on Sunday" in d.reasons[0].detail
    assert d.next_allowed_at == at(BOG, 2026, 3, 9, 7, 0)


def test_co_holiday_blocked():
    d = co("call", at(BOG, 2026, 3, 23, 10, 0))  # San José, moved to Monday
    assert not d.allowed
    assert "holiday" in d.reasons[0].detail
    assert d.next_allowed_at == at(BOG, 2026, 3, 24, 7, 0)
    d = co("call", at(BOG, 2026, 4, 1, 19, 30))  # Wednesday before Holy Thursday and Good Friday
    assert d.next_allowed_at == at(BOG, 2026, 4, 4, 8, 0)  # Saturday hours


def test_co_hours_in_the_debtors_time_zone():
    # 07:30 in Bogotá is 08:30 in New York: a UTC-expressed instant is judged in the debtor's zone
    d = co("call", datetime(2026, 3, 2, 11, 59, tzinfo=ZoneInfo("UTC")))  # 06:59 Bogotá
    assert not d.allowed and d.next_allowed_at == at(BOG, 2026, 3, 2, 7, 0)


# -- Colombia: frequency, channels, who ---------------------------------------------------------------------------
def test_co_second_contact_same_day_after_effective_contact():
    history = [ContactEvent(at(BOG, 2026, 3, 4, 9, 0), "call", effective=True)]
    d = co("call", at(BOG, 2026, 3, 4, 11, 0), history=history)
    assert not d.allowed
    assert ids(d) == ["CO-FREQ-DAY"]
    assert d.next_allowed_at == at(BOG, 2026, 3, 5, 7, 0)
    assert co("call", at(BOG, 2026, 3, 5, 7, 0), history=history).allowed


def test_co_unanswered_attempts_do_not_limit_the_day():
    history = [ContactEvent(at(BOG, 2026, 3, 4, 9, 0), "call"), ContactEvent(at(BOG, 2026, 3, 4, 10, 0), "call")]
    assert co("call", at(BOG, 2026, 3, 4, 11, 0), history=history).allowed


def test_co_another_channel_in_the_same_calendar_week():
    history = [ContactEvent(at(BOG, 2026, 3, 4, 9, 0), "call", effective=True)]  # Wednesday
    d = co("sms", at(BOG, 2026, 3, 5, 10, 0), history=history)
    assert not d.allowed
    assert ids(d) == ["CO-FREQ-WEEK"]
    assert d.next_allowed_at == at(BOG, 2026, 3, 9, 7, 0)  # next Monday
    assert co("call", at(BOG, 2026, 3, 5, 10, 0), history=history).allowed  # same channel, next day


def test_co_rolling_week_setting():
    rolling = ComplianceSettings.from_rules(overrides={"co_week": "rolling"})
    history = [ContactEvent(at(BOG, 2026, 3, 4, 9, 0), "call", effective=True)]
    d = co("sms", at(BOG, 2026, 3, 5, 10, 0), history=history, settings=rolling)
    assert d.next_allowed_at == at(BOG, 2026, 3, 11, 9, 0)


def test_co_references_never():
    d = co("call", at(BOG, 2026, 3, 4, 10, 0), contact_role="reference")
    assert not d.allowed and d.next_allowed_at is None
    assert ids(d) == ["CO-WHO"]
    assert co("call", at(BOG, 2026, 3, 4, 10, 0), contact_role="co_debtor").allowed
    assert co("call", at(BOG, 2026, 3, 4, 10, 0), contact_role="guarantor").allowed


def test_co_only_consented_channels():
    d = co("whatsapp", at(BOG, 2026, 3, 4, 10, 0), consents={"call": "granted"})
    assert not d.allowed and d.next_allowed_at is None and ids(d) == ["CO-CONSENT"]
    d = co("call", at(BOG, 2026, 3, 4, 10, 0), consents={"call": "revoked"})
    assert not d.allowed and d.next_allowed_at is None
    d = co("call", at(BOG, 2026, 3, 4, 10, 0), consents={"call": "granted"})
    assert d.allowed
    assert {r.rule_id for r in d.reasons} >= {"CO-HOURS", "CO-CONSENT", "CO-WHO"}
    assert all(r.outcome == "passed" for r in d.reasons)


def test_co_no_visits():
    d = co("visit", at(BOG, 2026, 3, 4, 10, 0), consents=ALL_GRANTED)
    assert not d.allowed and d.next_allowed_at is None and ids(d) == ["CO-NO-VISITS"]


def test_co_several_blocking_rules_are_all_named():
    history = [ContactEvent(at(BOG, 2026, 3, 4, 9, 0), "call", effective=True)]
    d = co("sms", at(BOG, 2026, 3, 4, 20, 0), history=history)
    assert set(ids(d)) == {"CO-HOURS", "CO-FREQ-DAY", "CO-FREQ-WEEK"}
    assert d.next_allowed_at == at(BOG, 2026, 3, 9, 7, 0)
    assert "[Ley 2300 de 2023 art. 3" in d.as_json()["reasons"][0]


# -- Colombia: credit bureau --------------------------------------------------------------------------------------
def bureau(notices, report, debt_minor=100_000_000, **kw):
    return decide_bureau_report(country="CO", notice_dates=notices, report_date=report, debt_minor=debt_minor,
                                currency="COP", **kw)


def test_co_bureau_notice_plus_21_days():
    d = bureau([date(2026, 3, 2)], date(2026, 3, 22))
    assert not d.allowed and d.next_allowed_on == date(2026, 3, 23)
    assert "CO-BUREAU-NOTICE" in [r.rule_id for r in d.reasons]
    assert bureau([date(2026, 3, 2)], date(2026, 3, 23)).allowed


def test_co_bureau_day_20_setting():
    twenty = ComplianceSettings.from_rules(overrides={"bureau_min_days_after_notice": 20})
    assert bureau([date(2026, 3, 2)], date(2026, 3, 22), settings=twenty).allowed


def test_co_bureau_without_notice():
    d = bureau([], date(2026, 3, 22))
    assert not d.allowed and d.next_allowed_on is None
    d = bureau([date(2026, 4, 1)], date(2026, 3, 22))  # a notice after the report date does not count
    assert not d.allowed


def test_co_bureau_small_debt_needs_two_notices_on_different_days():
    small = 26_263_575  # 262,635.75 COP = 15% of SMLMV 2026, in centavos: still small
    d = bureau([date(2026, 3, 2)], date(2026, 5, 1), debt_minor=small)
    assert not d.allowed and d.next_allowed_on is None
    assert [r.rule_id for r in d.reasons] == ["CO-BUREAU-SMALL"]
    assert not bureau([date(2026, 3, 2), date(2026, 3, 2)], date(2026, 5, 1), debt_minor=small).allowed
    d = bureau([date(2026, 3, 2), date(2026, 3, 5)], date(2026, 3, 25), debt_minor=small)
    assert not d.allowed and d.next_allowed_on == date(2026, 3, 26)  # 21 days after the second notice
    assert bureau([date(2026, 3, 2), date(2026, 3, 5)], date(2026, 3, 26), debt_minor=small).allowed
    # one centavo above the threshold: one notice is enough
    assert bureau([date(2026, 3, 2)], date(2026, 3, 23), debt_minor=small + 1).allowed


def test_co_bureau_small_debt_threshold_2025():
    assert not bureau([date(2025, 3, 3)], date(2025, 4, 1), debt_minor=21_352_500).allowed
    assert bureau([date(2025, 3, 3)], date(2025, 4, 1), debt_minor=21_352_501).allowed


def test_co_bureau_unknown_smlmv_year_is_treated_as_small():
    d = bureau([date(2030, 3, 1)], date(2030, 4, 1))
    assert not d.allowed and "not in the data" in d.reasons[0].detail


def test_co_bureau_18_month_deadline():
    d = bureau([date(2026, 3, 2)], date(2026, 3, 23), arrears_since=date(2024, 9, 1))
    assert not d.allowed and d.next_allowed_on is None
    assert bureau([date(2026, 3, 2)], date(2026, 3, 23), arrears_since=date(2025, 1, 1)).allowed


# -- Peru ---------------------------------------------------------------------------------------------------------
def pe(channel, when, **kw):
    return decide(country="PE", channel=channel, at=when, **kw)


def test_pe_hours_weekdays_0700_2000():
    assert not pe("call", at(LIM, 2026, 3, 2, 6, 59)).allowed
    assert pe("call", at(LIM, 2026, 3, 2, 7, 0)).allowed
    assert pe("call", at(LIM, 2026, 3, 6, 19, 59)).allowed
    d = pe("call", at(LIM, 2026, 3, 6, 20, 0))  # Friday 20:00 -> Monday
    assert not d.allowed and d.next_allowed_at == at(LIM, 2026, 3, 9, 7, 0)
    assert not pe("visit", at(LIM, 2026, 3, 7, 10, 0)).allowed  # Saturday


def test_pe_holidays_fiestas_patrias():
    d = pe("call", at(LIM, 2026, 7, 27, 20, 0))  # Monday night; 28 and 29 July are holidays
    assert d.next_allowed_at == at(LIM, 2026, 7, 30, 7, 0)


def test_pe_hours_for_written_channels_is_a_setting():
    assert not pe("sms", at(LIM, 2026, 3, 7, 10, 0)).allowed
    narrow = ComplianceSettings.from_rules(overrides={"pe_hours_all_channels": False})
    assert pe("sms", at(LIM, 2026, 3, 7, 10, 0), settings=narrow).allowed
    assert not pe("call", at(LIM, 2026, 3, 7, 10, 0), settings=narrow).allowed


def test_pe_no_third_parties():
    d = pe("call", at(LIM, 2026, 3, 2, 10, 0), contact_role="reference")
    assert not d.allowed and d.next_allowed_at is None


# -- Mexico -------------------------------------------------------------------------------------------------------
def mx(channel, when, **kw):
    return decide(country="MX", channel=channel, at=when, **kw)


def test_mx_hours_0700_2200_any_day():
    assert not mx("call", at(MEX, 2026, 3, 8, 6, 59)).allowed
    assert mx("call", at(MEX, 2026, 3, 8, 7, 0)).allowed  # Sunday is allowed
    assert mx("call", at(MEX, 2026, 9, 16, 12, 0)).allowed  # Independence Day is allowed
    assert mx("call", at(MEX, 2026, 3, 8, 21, 59)).allowed
    d = mx("call", at(MEX, 2026, 3, 8, 22, 0))
    assert not d.allowed and d.next_allowed_at == at(MEX, 2026, 3, 9, 7, 0)


def test_mx_frequency_setting_and_third_parties():
    history = [ContactEvent(at(MEX, 2026, 3, 4, 9, 0), "call", effective=True)]
    d = mx("sms", at(MEX, 2026, 3, 4, 12, 0), history=history)
    assert not d.allowed and d.next_allowed_at == at(MEX, 2026, 3, 5, 7, 0)
    off = ComplianceSettings.from_rules(overrides={"mx_daily_limit_after_effective": False})
    assert mx("sms", at(MEX, 2026, 3, 4, 12, 0), history=history, settings=off).allowed
    assert not mx("call", at(MEX, 2026, 3, 4, 12, 0), contact_role="reference").allowed
    assert mx("call", at(MEX, 2026, 3, 4, 12, 0), contact_role="guarantor").allowed


# -- Chile --------------------------------------------------------------------------------------------------------
def cl(channel, when, **kw):
    return decide(country="CL", channel=channel, at=when, **kw)


def test_cl_hours_mon_sat_0800_2000_no_sundays_or_holidays():
    assert cl("call", at(SCL, 2026, 3, 7, 19, 59)).allowed  # Saturday
    d = cl("call", at(SCL, 2026, 3, 7, 20, 0))
    assert not d.allowed and d.next_allowed_at == at(SCL, 2026, 3, 9, 8, 0)
    d = cl("call", at(SCL, 2026, 9, 17, 20, 0))  # 18 and 19 September are holidays, 20 is Sunday
    assert d.next_allowed_at == at(SCL, 2026, 9, 21, 8, 0)


def test_cl_one_call_or_visit_per_week():
    history = [ContactEvent(at(SCL, 2026, 3, 2, 10, 0), "call")]  # unanswered still counts
    d = cl("visit", at(SCL, 2026, 3, 4, 10, 0), history=history)
    assert not d.allowed and ids(d) == ["CL-CAP-CALLS"]
    assert d.next_allowed_at == at(SCL, 2026, 3, 9, 10, 0)  # 7 days after the call
    assert cl("sms", at(SCL, 2026, 3, 4, 10, 0), history=history).allowed  # other channel type


def test_cl_calendar_week_setting():
    calendar = ComplianceSettings.from_rules(overrides={"cl_week": "calendar"})
    history = [ContactEvent(at(SCL, 2026, 3, 4, 10, 0), "call")]  # Wednesday
    d = cl("call", at(SCL, 2026, 3, 6, 10, 0), history=history, settings=calendar)
    assert d.next_allowed_at == at(SCL, 2026, 3, 9, 8, 0)


def test_cl_two_written_per_week_two_days_apart():
    first = [ContactEvent(at(SCL, 2026, 3, 2, 10, 0), "sms")]
    d = cl("email", at(SCL, 2026, 3, 3, 10, 0), history=first)
    assert not d.allowed and d.next_allowed_at == at(SCL, 2026, 3, 4, 10, 0)  # 48 hours
    two = [*first, ContactEvent(at(SCL, 2026, 3, 4, 10, 0), "email")]
    d = cl("whatsapp", at(SCL, 2026, 3, 7, 10, 0), history=two)
    assert not d.allowed and d.next_allowed_at == at(SCL, 2026, 3, 9, 10, 0)
    assert cl("letter", at(SCL, 2026, 3, 9, 10, 0), history=two).allowed


# -- United States ------------------------------------------------------------------------------------------------
def us(channel, when, **kw):
    return decide(country="US", channel=channel, at=when, **kw)


def test_us_hours_0800_2100():
    assert not us("call", at(NYC, 2026, 3, 2, 7, 59)).allowed
    assert us("call", at(NYC, 2026, 3, 8, 8, 0)).allowed  # Sunday is fine
    assert us("sms", at(NYC, 2026, 3, 2, 20, 59)).allowed
    d = us("sms", at(NYC, 2026, 3, 2, 21, 0))
    assert not d.allowed and d.next_allowed_at == at(NYC, 2026, 3, 3, 8, 0)


def test_us_seven_calls_in_seven_days():
    history = [ContactEvent(at(NYC, 2026, 3, 2, 9 + i, 0), "call") for i in range(6)]
    assert us("call", at(NYC, 2026, 3, 5, 10, 0), history=history).allowed  # 7th call
    history.append(ContactEvent(at(NYC, 2026, 3, 4, 9, 0), "call"))
    d = us("call", at(NYC, 2026, 3, 5, 10, 0), history=history)
    assert not d.allowed and ids(d) == ["US-CALLS-7IN7"]
    assert d.next_allowed_at == at(NYC, 2026, 3, 9, 8, 0)  # 2 March leaves the 7-day window
    assert us("sms", at(NYC, 2026, 3, 5, 10, 0), history=history).allowed


def test_us_no_call_within_seven_days_after_a_conversation():
    history = [ContactEvent(at(NYC, 2026, 3, 2, 10, 0), "call", effective=True)]
    d = us("call", at(NYC, 2026, 3, 8, 20, 0), history=history)
    assert not d.allowed and ids(d) == ["US-CALLS-AFTER-CONVERSATION"]
    assert d.next_allowed_at == at(NYC, 2026, 3, 9, 8, 0)
    assert us("email", at(NYC, 2026, 3, 3, 10, 0), history=history).allowed


def test_us_dst_start_does_not_break_the_window():
    d = us("call", at(NYC, 2026, 3, 7, 21, 30))  # clocks go forward on 8 March 2026
    assert d.next_allowed_at == at(NYC, 2026, 3, 8, 8, 0)
    assert d.next_allowed_at.utcoffset() == timedelta(hours=-4)


def test_us_opt_out():
    d = us("email", at(NYC, 2026, 3, 3, 10, 0), consents={"email": "revoked"})
    assert not d.allowed and d.next_allowed_at is None


# -- property: next_allowed_at is the first allowed instant -------------------------------------------------------
ZONES = {"CO": "America/Bogota", "PE": "America/Lima", "MX": "America/Mexico_City", "CL": "America/Santiago",
         "US": "America/New_York"}


@st.composite
def scenarios(draw):
    country = draw(st.sampled_from(sorted(ZONES)))
    zone = ZoneInfo(ZONES[country])
    channel = draw(st.sampled_from(["call", "sms", "whatsapp", "email", "letter", "visit"]))
    minute = draw(st.integers(0, 2 * 366 * 24 * 60))
    when = (datetime(2025, 1, 1, tzinfo=ZoneInfo("UTC")) + timedelta(minutes=minute)).astimezone(zone)
    events = draw(st.lists(st.tuples(st.integers(1, 10 * 24 * 60), st.sampled_from(["call", "sms", "email"]),
                                     st.booleans()), max_size=9))
    history = [ContactEvent(when - timedelta(minutes=m), ch, eff) for m, ch, eff in events]
    setting = draw(st.sampled_from([{}, {"window_end_inclusive": True}, {"co_week": "rolling"},
                                    {"cl_week": "calendar"}]))
    return country, channel, when, history, ComplianceSettings.from_rules(overrides=setting)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.lists(st.floats(0, 1), min_size=5, max_size=12))
def test_next_allowed_at_is_allowed_and_nothing_earlier_is(scenario, fractions):
    country, channel, when, history, conf = scenario
    d = decide(country=country, channel=channel, at=when, tz=ZONES[country], history=history, settings=conf)
    if d.allowed or d.next_allowed_at is None:
        return
    nxt = d.next_allowed_at
    assert nxt > when
    again = decide(country=country, channel=channel, at=nxt, tz=ZONES[country], history=history, settings=conf)
    assert again.allowed, (again.reasons, nxt)
    span = nxt - when
    probes = [when + span * f for f in fractions] + [nxt - timedelta(seconds=1)]
    for probe in probes:
        if probe >= nxt:
            continue
        early = decide(country=country, channel=channel, at=probe, tz=ZONES[country], history=history,
                       settings=conf)
        assert not early.allowed, (probe, nxt)
