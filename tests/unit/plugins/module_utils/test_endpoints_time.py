# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The time and window helpers of the endpoint table: parse_time, format_time, months_before, window_problems,
query_params and validate_filters, at their edges and at the exact boundaries of Twilio's refusals
(83603, 83604, 83605).

Every test uses a fixed ``now``; inputs are limited to forms every supported Python (3.10+) reads the same way.
"""

import datetime

import pytest

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    format_time,
    months_before,
    parse_time,
    query_params,
    validate_filters,
    window_problems,
)

UTC = datetime.timezone.utc
SUPERSIM = ENDPOINTS["supersim_usage_record"]
WIRELESS = ENDPOINTS["wireless_usage_record"]
WIRELESS_SIM = ENDPOINTS["wireless_sim_usage_record"]
# A fixed "now" with a time of day, to the second, as the modules' own clock has (utc_now).
NOW = datetime.datetime(2026, 12, 1, 19, 40, 0, tzinfo=UTC)
SECOND = datetime.timedelta(seconds=1)


def at(*args, **kwargs):
    return datetime.datetime(*args, tzinfo=kwargs.pop("tzinfo", UTC), **kwargs)


def iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def codes(problems):
    return sorted(code for code in (83603, 83604, 83605) for problem in problems if "Twilio error %d" % code in problem)


# parse_time

@pytest.mark.parametrize("text", ["now", "NOW", " Now ", "\tnow\n"])
def test_now_in_any_case_and_padding_is_the_given_now(text):
    assert parse_time(text, NOW) == NOW


@pytest.mark.parametrize("text, delta", [
    ("-30s", -datetime.timedelta(seconds=30)),
    ("+30s", datetime.timedelta(seconds=30)),
    ("-15m", -datetime.timedelta(minutes=15)),
    ("+1h", datetime.timedelta(hours=1)),
    ("-12h", -datetime.timedelta(hours=12)),
    ("-30d", -datetime.timedelta(days=30)),
    ("-2w", -datetime.timedelta(weeks=2)),
    ("+0s", datetime.timedelta(0)),
    ("-0d", datetime.timedelta(0)),
    (" -1d ", -datetime.timedelta(days=1)),
    ("-999999s", -datetime.timedelta(seconds=999999)),
    ("-10000d", -datetime.timedelta(days=10000)),
])
def test_relative_times_move_from_now_exactly(text, delta):
    assert parse_time(text, NOW) == NOW + delta


def test_relative_times_keep_the_zone_of_now():
    assert parse_time("-1d", NOW).tzinfo is UTC


@pytest.mark.parametrize("text", [
    "30d", "1d", "-1y", "-1M", "-1.5h", "- 1d", "-1 d", "--1d", "+-1d", "-d", "-1", "-1000000s", "-1dd", "-1D",
    "", " ", "yesterday", "today", "nowish", "now-1d", "2026-13-01", "2026-11-31", "2026-02-29", "2026-11-01T24:00:00Z",
    "2026-11-01T00:60:00Z", "2026-11-01T00:00:00+24:00", "11/01/2026",
])
def test_unreadable_values_are_none(text):
    assert parse_time(text, NOW) is None


@pytest.mark.parametrize("value", [None, 0, 1.5, ["now"], b"now", datetime.date(2026, 11, 1)])
def test_values_that_are_not_text_are_none(value):
    assert parse_time(value, NOW) is None


@pytest.mark.parametrize("text, expected", [
    ("2026-11-01", at(2026, 11, 1)),
    ("2026-11-01T06:00:00Z", at(2026, 11, 1, 6)),
    ("2026-11-01t06:00:00z", at(2026, 11, 1, 6)),
    ("2026-11-01T06:00:00", at(2026, 11, 1, 6)),
    ("2026-11-01 06:00:00", at(2026, 11, 1, 6)),
    ("2026-11-01T06:00:00+00:00", at(2026, 11, 1, 6)),
    ("2026-11-01T06:00:00+05:30", at(2026, 11, 1, 0, 30)),
    ("2026-11-01T06:00:00-08:00", at(2026, 11, 1, 14)),
    ("2026-11-01T00:30:00+01:00", at(2026, 10, 31, 23, 30)),
    ("2026-11-01T06:00:00.250Z", at(2026, 11, 1, 6, 0, 0)),   # cut to the second, as Twilio is sent it
    ("2028-02-29", at(2028, 2, 29)),
    ("2000-02-29T23:59:59Z", at(2000, 2, 29, 23, 59, 59)),
    ("2026-12-31T23:59:59-00:01", at(2027, 1, 1, 0, 0, 59)),
])
def test_iso_dates_and_times_are_the_same_instant_naive_ones_in_utc(text, expected):
    moment = parse_time(text, NOW)
    assert moment == expected
    assert moment.utcoffset() is not None


def test_a_date_is_midnight_utc_not_local_midnight():
    assert format_time(parse_time("2026-03-29", NOW)) == "2026-03-29T00:00:00Z"


# format_time

@pytest.mark.parametrize("moment, expected", [
    (at(2026, 11, 21, 21, 32, 6), "2026-11-21T21:32:06Z"),
    (at(2026, 11, 21, 21, 32, 6, 999999), "2026-11-21T21:32:06Z"),
    (at(2026, 11, 1, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))), "2026-10-31T23:30:00Z"),
    (at(2026, 12, 31, 22, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))), "2027-01-01T03:00:00Z"),
    (at(2028, 2, 29, 12), "2028-02-29T12:00:00Z"),
])
def test_format_time_is_utc_to_the_second(moment, expected):
    assert format_time(moment) == expected


def test_format_and_parse_round_trip():
    for moment in (at(2026, 1, 1), at(2028, 2, 29, 23, 59, 59), NOW.replace(microsecond=0)):
        assert parse_time(format_time(moment), NOW) == moment


# months_before

@pytest.mark.parametrize("moment, months, expected", [
    (at(2026, 5, 15, 8), 1, at(2026, 4, 15, 8)),
    (at(2026, 3, 31), 1, at(2026, 2, 28)),
    (at(2028, 3, 31), 1, at(2028, 2, 29)),
    (at(2026, 5, 31, 23, 59, 59), 3, at(2026, 2, 28, 23, 59, 59)),
    (at(2026, 7, 31), 1, at(2026, 6, 30)),
    (at(2026, 1, 15), 1, at(2025, 12, 15)),
    (at(2026, 1, 31), 2, at(2025, 11, 30)),
    (at(2026, 12, 1), 18, at(2025, 6, 1)),
    (at(2026, 8, 31), 18, at(2025, 2, 28)),
    (at(2029, 8, 31), 18, at(2028, 2, 29)),
    (at(2028, 2, 29), 12, at(2027, 2, 28)),
    (at(2028, 2, 29), 48, at(2024, 2, 29)),
    (at(2026, 12, 31), 12, at(2025, 12, 31)),
    (at(2026, 12, 31), 0, at(2026, 12, 31)),
    (at(2026, 1, 1), 24, at(2024, 1, 1)),
])
def test_months_before_is_calendar_months_clamped_to_the_month_end(moment, months, expected):
    assert months_before(moment, months) == expected


def test_months_before_keeps_time_zone_and_microseconds():
    zone = datetime.timezone(datetime.timedelta(hours=-3))
    moment = at(2026, 3, 31, 22, 15, 1, 5, tzinfo=zone)
    assert months_before(moment, 1) == at(2026, 2, 28, 22, 15, 1, 5, tzinfo=zone)
    assert months_before(moment, 1).tzinfo is zone


def test_months_before_takes_naive_datetimes():
    assert months_before(datetime.datetime(2026, 3, 31), 1) == datetime.datetime(2026, 2, 28)


# window_problems: limits at their exact boundaries

def window(start, end, **options):
    options.update(start_time=iso(start), end_time=iso(end))
    return window_problems(SUPERSIM, options, NOW)


END = at(2026, 11, 30, 12)
LATE_END = at(2026, 12, 1, 12)  # 18 months before it is still within Twilio's history at NOW


@pytest.mark.parametrize("options, end, longest, code", [
    ({"group": "sim"}, END, END - datetime.timedelta(days=31), 83603),
    ({"group": "sim", "granularity": "day"}, END, END - datetime.timedelta(days=31), 83603),
    ({"granularity": "hour"}, END, END - datetime.timedelta(days=31), 83604),
    ({"granularity": "day"}, END, at(2026, 8, 30, 12), 83604),
    ({"granularity": "all"}, LATE_END, at(2025, 6, 1, 12), 83604),
    ({}, LATE_END, at(2025, 6, 1, 12), 83604),
])
def test_the_longest_window_is_accepted_and_one_second_more_refused(options, end, longest, code):
    assert window(longest, end, **options) == []
    problems = window(longest - SECOND, end, **options)
    assert codes(problems) == [code]
    assert "start_time" in problems[0] and "end_time" in problems[0]


def test_the_longest_all_window_ending_now_is_the_18_month_limit():
    start = months_before(NOW.replace(microsecond=0), 18)
    assert window_problems(SUPERSIM, {"start_time": iso(start), "end_time": iso(NOW.replace(microsecond=0))}, NOW) == []
    assert codes(window_problems(SUPERSIM, {"start_time": iso(start - SECOND), "end_time": iso(NOW)}, NOW)) == [83604]


@pytest.mark.parametrize("options", [{"group": "fleet"}, {"group": "network"}, {"group": "isoCountry"}])
def test_other_groups_are_not_limited_to_31_days(options):
    assert window(at(2026, 9, 1), END, **options) == []


def test_group_sim_and_hour_both_refuse_a_long_window():
    problems = window(END - datetime.timedelta(days=40), END, group="sim", granularity="hour")
    assert codes(problems) == [83603, 83604]


def test_month_limits_follow_the_calendar_at_month_ends():
    end = at(2026, 5, 31)
    # three calendar months before May 31 is February 28 (no February 31)
    assert window(at(2026, 2, 28), end, granularity="day") == []
    assert codes(window(at(2026, 2, 28) - SECOND, end, granularity="day")) == [83604]
    leap_end = at(2028, 5, 31)
    assert window_problems(SUPERSIM, {"start_time": "2028-02-29", "end_time": iso(leap_end), "granularity": "day"},
                           at(2028, 6, 1)) == []


# window_problems: Twilio's 18 months of history (83605)

DAY_START = at(2026, 12, 1)
OLDEST = at(2025, 6, 1)  # 18 months before the start of the current UTC day


def test_the_oldest_start_is_18_months_before_the_start_of_today_utc():
    options = {"start_time": iso(OLDEST), "end_time": iso(OLDEST + datetime.timedelta(days=1)), "granularity": "hour"}
    assert window_problems(SUPERSIM, options, NOW) == []
    options["start_time"] = iso(OLDEST - SECOND)
    problems = window_problems(SUPERSIM, options, NOW)
    assert codes(problems) == [83605]
    assert iso(OLDEST - SECOND) in problems[0]


@pytest.mark.parametrize("now", [DAY_START, DAY_START + datetime.timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)])
def test_the_oldest_start_does_not_move_during_the_day(now):
    options = {"start_time": iso(OLDEST), "end_time": iso(OLDEST + datetime.timedelta(days=1))}
    assert window_problems(SUPERSIM, options, now) == []
    options["start_time"] = iso(OLDEST - SECOND)
    assert codes(window_problems(SUPERSIM, options, now)) == [83605]


def test_the_start_of_today_is_taken_in_utc_whatever_the_zone_of_now():
    # 20:00 on November 30 at UTC-05:00 is already December 1 in UTC.
    now = at(2026, 11, 30, 20, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
    options = {"start_time": iso(OLDEST - SECOND), "end_time": iso(OLDEST + datetime.timedelta(days=1))}
    assert codes(window_problems(SUPERSIM, options, now)) == [83605]


def test_the_max_age_applies_to_wireless_never():
    options = {"start": "2000-01-01", "end": "2026-11-01", "granularity": "hourly"}
    assert window_problems(WIRELESS, options, NOW) == []
    assert window_problems(WIRELESS_SIM, options, NOW) == []


# window_problems: Twilio's defaults (the end now, the start one month before the end)

def test_neither_start_nor_end_is_the_default_window_and_accepted():
    for options in ({}, {"group": "sim"}, {"granularity": "hour"}, {"granularity": "day"}):
        assert window_problems(SUPERSIM, options, NOW) == []
    assert window_problems(WIRELESS, {}, NOW) == []


@pytest.mark.parametrize("now", [at(2026, 3, 31, 12), at(2026, 5, 31), at(2028, 3, 1), at(2026, 1, 31, 23, 59, 59)])
def test_the_default_window_is_never_refused_for_group_sim(now):
    # one calendar month is at most 31 days
    assert window_problems(SUPERSIM, {"group": "sim", "granularity": "hour"}, now) == []


def test_only_an_end_starts_the_window_one_month_before_it():
    end = at(2026, 3, 31, 6)
    assert window_problems(SUPERSIM, {"end_time": iso(end), "group": "sim"}, NOW) == []
    # the default start of an end far back is older than Twilio keeps
    problems = window_problems(SUPERSIM, {"end_time": "2020-01-01"}, NOW)
    assert codes(problems) == [83605]
    assert "2019-12-01T00:00:00Z" in problems[0]


def test_only_a_start_ends_the_window_now():
    assert window_problems(SUPERSIM, {"start_time": "-31d", "group": "sim"}, NOW) == []
    assert codes(window_problems(SUPERSIM, {"start_time": "-745h", "group": "sim"}, NOW)) == [83603]
    # times are judged to the second, as they are sent: exactly 31 days before now is the longest window
    assert codes(window_problems(SUPERSIM, {"start_time": iso(NOW - datetime.timedelta(days=31)), "group": "sim"}, NOW)) == []
    assert codes(window_problems(SUPERSIM, {"start_time": iso(NOW - datetime.timedelta(days=31, seconds=1)), "group": "sim"},
                                 NOW)) == [83603]


@pytest.mark.parametrize("endpoint, start", [(SUPERSIM, "start_time"), (WIRELESS, "start"), (WIRELESS_SIM, "start")])
@pytest.mark.parametrize("value", ["now", "+1h", "+1s", "+0s", "2027-01-01"])
def test_a_start_at_or_after_now_without_an_end_is_refused(endpoint, start, value):
    problems = window_problems(endpoint, {start: value}, NOW)
    assert len(problems) == 1
    assert "must be before" in problems[0]


def test_a_start_just_before_now_without_an_end_is_accepted():
    assert window_problems(SUPERSIM, {"start_time": "-1s"}, NOW) == []
    assert window_problems(WIRELESS, {"start": "-1s"}, NOW) == []


@pytest.mark.parametrize("endpoint, start, end", [(SUPERSIM, "start_time", "end_time"), (WIRELESS, "start", "end")])
@pytest.mark.parametrize("first, second", [
    ("2026-11-01", "2026-11-01"),
    ("2026-11-01T00:00:00Z", "2026-11-01T01:00:00+01:00"),
    ("now", "now"),
    ("-1d", "-2d"),
    ("2026-11-02", "2026-11-01"),
])
def test_a_window_that_does_not_move_forward_is_refused_with_both_times(endpoint, start, end, first, second):
    problems = window_problems(endpoint, {start: first, end: second}, NOW)
    assert len(problems) == 1
    assert problems[0].startswith("%s must be before %s" % (start, end))
    assert format_time(parse_time(first, NOW)) in problems[0]


def test_a_window_in_the_future_is_not_refused():
    assert window_problems(SUPERSIM, {"start_time": "+1d", "end_time": "+2d"}, NOW) == []
    assert window_problems(WIRELESS, {"start": "+1d", "end": "+2d"}, NOW) == []


def test_wireless_windows_have_no_length_limit():
    for granularity in ("hourly", "daily", "all", None):
        options = {"start": "2020-01-01", "end": "2026-11-30", "granularity": granularity}
        assert window_problems(WIRELESS, options, NOW) == []


def test_unreadable_times_leave_the_window_to_validate_filters():
    assert window_problems(SUPERSIM, {"start_time": "yesterday", "end_time": "2020-01-01"}, NOW) == []
    problems = validate_filters(SUPERSIM, {"start_time": "yesterday", "end_time": "2020-01-01"}, NOW)
    assert len(problems) == 1 and problems[0].startswith("start_time must be an ISO 8601")


@pytest.mark.parametrize("name", sorted(name for name, endpoint in ENDPOINTS.items() if endpoint.window is None))
def test_endpoints_without_a_window_have_no_window_problems(name):
    assert window_problems(ENDPOINTS[name], {"start_time": "2027-01-01", "end_time": "2000-01-01"}, NOW) == []


# query_params and validate_filters

def test_times_reach_twilio_as_utc_to_the_second_and_other_filters_unchanged():
    options = {"start_time": "2026-11-01T06:00:00+05:30", "end_time": "-1h", "group": "isoCountry", "granularity": "day",
               "sim": "tracker-0042", "fleet": None}
    assert query_params(SUPERSIM, options, NOW) == {
        "StartTime": "2026-11-01T00:30:00Z", "EndTime": "2026-12-01T18:40:00Z", "Group": "isoCountry",
        "Granularity": "day", "Sim": "tracker-0042"}


def test_unset_times_and_defaults_are_not_sent():
    # Twilio applies its own defaults; the filter default is only used to judge the window.
    assert query_params(SUPERSIM, {}, NOW) == {}
    assert query_params(WIRELESS, {"granularity": None}, NOW) == {}


def test_wireless_times_use_the_wireless_parameter_names():
    params = query_params(WIRELESS_SIM, {"start": "2026-11-01", "end": "now", "granularity": "daily"}, NOW)
    assert params == {"Start": "2026-11-01T00:00:00Z", "End": "2026-12-01T19:40:00Z", "Granularity": "daily"}


def test_query_params_and_validate_filters_default_to_the_current_time():
    before = datetime.datetime.now(UTC).replace(microsecond=0)
    sent = parse_time(query_params(WIRELESS, {"end": "now"})["End"], NOW)
    after = datetime.datetime.now(UTC)
    assert before <= sent <= after
    assert validate_filters(WIRELESS, {"start": "-1h"}) == []
    assert len(validate_filters(WIRELESS, {"start": "+1h"})) == 1


@pytest.mark.parametrize("option", ["start_time", "end_time"])
@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_blank_times_are_refused_as_blank_not_as_unreadable(option, value):
    problems = validate_filters(SUPERSIM, {option: value}, NOW)
    assert problems == ["%s must not be empty or blank; leave it unset to list without it" % option]


def test_every_problem_is_reported_at_once():
    problems = validate_filters(SUPERSIM, {"start_time": "-40d", "group": "sim", "granularity": "hour",
                                           "iso_country": "de", "network": "HW1"}, NOW)
    assert len(problems) == 4
    assert codes(problems) == [83603, 83604]


def test_the_documented_examples_are_accepted():
    assert validate_filters(SUPERSIM, {"group": "sim", "start_time": "-30d"}, NOW) == []
    assert validate_filters(SUPERSIM, {"fleet": "cold-chain", "group": "isoCountry", "granularity": "day",
                                       "start_time": "-12w"}, NOW) == []
    assert validate_filters(WIRELESS, {"granularity": "daily", "start": "-30d"}, NOW) == []
    assert validate_filters(WIRELESS, {"start": "2026-11-01", "end": "2026-12-01"}, NOW) == []


# Values that cannot be a time Twilio is sent, refused with a message instead of an exception

@pytest.mark.parametrize("value", ["-999999w", "+999999w", "-999999d"])
def test_huge_relative_times_are_refused_not_raised(value):
    problems = validate_filters(SUPERSIM, {"start_time": value}, NOW)
    assert problems and problems[0].startswith("start_time must be an ISO 8601 date or time")


@pytest.mark.parametrize("options", [{"end_time": "0001-01-15"}, {"start_time": "0001-01-01", "end_time": "0001-06-01"},
                                     {"start_time": "1969-12-31T23:59:59Z"}])
def test_times_at_the_edge_of_the_calendar_are_refused_not_raised(options):
    assert validate_filters(SUPERSIM, options, NOW)


def test_every_accepted_end_can_be_sent():
    assert validate_filters(WIRELESS, {"end": "9999-12-31T23:59:59-01:00"}, NOW)
    options = {"end": "2099-12-31T23:59:59-01:00"}
    assert validate_filters(WIRELESS, options, NOW) == []
    assert query_params(WIRELESS, options, NOW) == {"End": "2100-01-01T00:59:59Z"}


@pytest.mark.parametrize("value", ["20261101", "2026-W44-1", "2026-11-01x12:00", "2026-11-01-05:00", "2026-11-01+05:00",
                                   "-\uff13\uff10d", "0999-01-01", "2026-11-01T10:00+0530", "2026-11-01T10:00:00,5Z"])
def test_only_the_documented_forms_are_read(value):
    assert parse_time(value, NOW) is None
    assert validate_filters(WIRELESS, {"start": value}, NOW)


def test_a_window_is_judged_the_same_whatever_offset_its_end_is_written_in():
    start = "2026-02-28T12:00:00Z"
    as_utc = {"start_time": start, "end_time": "2026-05-31T03:00:00Z", "granularity": "day"}
    as_local = {"start_time": start, "end_time": "2026-05-30T22:00:00-05:00", "granularity": "day"}
    assert parse_time(as_utc["end_time"], NOW) == parse_time(as_local["end_time"], NOW)
    assert window_problems(SUPERSIM, as_utc, NOW) == window_problems(SUPERSIM, as_local, NOW)


def test_a_window_that_is_empty_once_sent_is_refused():
    options = {"start_time": "2026-11-01T00:00:00.100Z", "end_time": "2026-11-01T00:00:00.900Z"}
    params = query_params(SUPERSIM, options, NOW)
    assert params["StartTime"] == params["EndTime"]
    assert validate_filters(SUPERSIM, options, NOW)


@pytest.mark.parametrize("endpoint", [SUPERSIM, WIRELESS, WIRELESS_SIM], ids=lambda e: e.name)
def test_a_start_is_always_sent_with_its_end(endpoint):
    """Twilio judges the window it is sent: with only a start, the end checked here (now) is sent too."""
    window = endpoint.window
    params = query_params(endpoint, {window.start: "-31d"}, NOW)
    assert params == {endpoint.filter_param(window.start): iso(NOW - datetime.timedelta(days=31)),
                      endpoint.filter_param(window.end): iso(NOW)}
    assert query_params(endpoint, {window.end: "-1d"}, NOW) == {endpoint.filter_param(window.end): iso(NOW - datetime.timedelta(days=1))}
