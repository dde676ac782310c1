"""When touchpoints fall, checked against dates worked out by hand from a calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.services.calendar import (
    Cadence,
    country_of,
    follow_ups,
    holidays_in,
    next_allowed,
    parse_day,
    parse_ranges,
    plan_next,
    quarter_end,
    zone_countries,
)

UTC = UTC


def _plan_year(cadence: Cadence, tz: str, first_asked: datetime, now: datetime, months: int = 13):
    zone, is_holiday = ZoneInfo(tz), holidays_in(country_of(tz))
    planned, period = [], None
    for _ in range(months):
        step = plan_next(
            cadence, zone, is_holiday, now=now, first_asked=first_asked, after_period=period, paused_until=None
        )
        assert step is not None  # every schedule here has a next touchpoint
        planned.append((step.kind, step.period, step.due_at))
        period, now = step.period, step.due_at
    return planned


def test_countries_come_from_the_time_zone():
    assert [country_of(tz) for tz in ("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney")] == [
        "GB",
        "US",
        "JP",
        "AU",
    ]
    assert country_of(None) is None and country_of("Not/AZone") is None


def test_without_a_system_tz_database_countries_come_from_the_tzdata_package(tmp_path):
    # Alpine, Windows and slim containers have no zone.tab of their own: the tzdata package's copy is read instead.
    countries = zone_countries(system=[str(tmp_path / "missing")])
    assert countries["Europe/London"] == "GB" and countries["Asia/Tokyo"] == "JP"
    assert countries == zone_countries()


def test_legacy_zone_names_find_their_country():
    countries = zone_countries(system=[])
    assert [countries.get(tz) for tz in ("US/Eastern", "Asia/Calcutta", "Europe/Kiev", "GB", "Japan")] == [
        "US",
        "IN",
        "UA",
        "GB",
        "JP",
    ]
    assert country_of("US/Pacific") == "US" and country_of("Etc/UTC") is None
    # Offsets are no place, whatever city newer tz databases link them to.
    assert [countries.get(tz) for tz in ("CET", "EST", "EST5EDT")] == [None, None, None]
    # A zone with a row of its own keeps its country even where tzdata.zi makes it a link (Amsterdam -> Brussels).
    assert countries["Europe/Amsterdam"] == "NL"


def test_a_year_of_defaults_in_london_keeps_ten_oclock_across_both_dst_changes():
    # Asked on 1 Dec 2026: 8 Dec (2nd Tuesday) is within 14 days, so the first touchpoint is January's review.
    planned = _plan_year(
        Cadence(), "Europe/London", datetime(2026, 12, 1, 12, tzinfo=UTC), datetime(2026, 12, 1, 12, tzinfo=UTC)
    )
    # BST runs from 28 March to 31 October 2027: 10:00 local is 09:00 UTC then, 10:00 UTC otherwise.
    assert planned == [
        ("review", "2027-01", datetime(2027, 1, 12, 10, tzinfo=UTC)),
        ("checkin", "2027-02", datetime(2027, 2, 9, 10, tzinfo=UTC)),
        ("checkin", "2027-03", datetime(2027, 3, 9, 10, tzinfo=UTC)),
        ("review", "2027-04", datetime(2027, 4, 13, 9, tzinfo=UTC)),
        ("checkin", "2027-05", datetime(2027, 5, 11, 9, tzinfo=UTC)),
        ("checkin", "2027-06", datetime(2027, 6, 8, 9, tzinfo=UTC)),
        ("review", "2027-07", datetime(2027, 7, 13, 9, tzinfo=UTC)),
        ("checkin", "2027-08", datetime(2027, 8, 10, 9, tzinfo=UTC)),
        ("checkin", "2027-09", datetime(2027, 9, 14, 9, tzinfo=UTC)),
        ("review", "2027-10", datetime(2027, 10, 12, 9, tzinfo=UTC)),
        ("checkin", "2027-11", datetime(2027, 11, 9, 10, tzinfo=UTC)),
        ("checkin", "2027-12", datetime(2027, 12, 14, 10, tzinfo=UTC)),
        ("review", "2028-01", datetime(2028, 1, 11, 10, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(
    ("tz", "hours"),
    [
        # New York: EDT from 14 March to 7 November 2027, so March 9th is still EST and November 9th is EST again.
        ("America/New_York", [15, 15, 15, 14, 14, 14, 14, 14, 14, 14, 15, 15]),
        # Tokyo keeps no daylight saving: 10:00 JST is always 01:00 UTC.
        ("Asia/Tokyo", [1] * 12),
    ],
)
def test_a_year_in_new_york_and_tokyo(tz, hours):
    planned = _plan_year(
        Cadence(), tz, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC), months=12
    )
    days = [12, 9, 9, 13, 11, 8, 13, 10, 14, 12, 9, 14]
    assert [p[2] for p in planned] == [
        datetime(2027, m + 1, d, h, tzinfo=UTC) for m, (d, h) in enumerate(zip(days, hours, strict=False))
    ]


def test_a_year_in_sydney_where_the_send_falls_on_the_previous_utc_day_in_summer():
    planned = _plan_year(
        Cadence(), "Australia/Sydney", datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC), months=12
    )
    # AEDT (UTC+11) until 4 April 2027 and again from 3 October; AEST (UTC+10) in between.
    assert [p[2] for p in planned] == [
        datetime(2027, 1, 11, 23, tzinfo=UTC),
        datetime(2027, 2, 8, 23, tzinfo=UTC),
        datetime(2027, 3, 8, 23, tzinfo=UTC),
        datetime(2027, 4, 13, 0, tzinfo=UTC),
        datetime(2027, 5, 11, 0, tzinfo=UTC),
        datetime(2027, 6, 8, 0, tzinfo=UTC),
        datetime(2027, 7, 13, 0, tzinfo=UTC),
        datetime(2027, 8, 10, 0, tzinfo=UTC),
        datetime(2027, 9, 14, 0, tzinfo=UTC),
        datetime(2027, 10, 11, 23, tzinfo=UTC),
        datetime(2027, 11, 8, 23, tzinfo=UTC),
        datetime(2027, 12, 13, 23, tzinfo=UTC),
    ]


def test_a_public_holiday_moves_the_touchpoint_to_the_next_working_day():
    first_monday = Cadence(nth=1, weekday=0)
    us = _plan_year(
        first_monday, "America/New_York", datetime(2027, 8, 1, tzinfo=UTC), datetime(2027, 8, 20, tzinfo=UTC), 1
    )
    assert us[0][1:] == ("2027-09", datetime(2027, 9, 7, 14, tzinfo=UTC))  # Labor Day, Monday 6 September
    last_monday = Cadence(nth=-1, weekday=0)
    gb = _plan_year(last_monday, "Europe/London", datetime(2027, 4, 1, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC), 1)
    assert gb[0][1:] == ("2027-05", datetime(2027, 6, 1, 9, tzinfo=UTC))  # Spring bank holiday, Monday 31 May


def test_the_nth_working_day_skips_weekends_and_holidays():
    third_working_day = Cadence(day_rule="working_day", nth=3)
    planned = _plan_year(
        third_working_day, "Europe/London", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC), 2
    )
    # January 2027: Fri 1 is New Year's Day; Mon 4, Tue 5, Wed 6 are the working days. February: Mon 1, Tue 2, Wed 3.
    assert [p[2] for p in planned] == [datetime(2027, 1, 6, 10, tzinfo=UTC), datetime(2027, 2, 3, 10, tzinfo=UTC)]


def test_quiet_periods_and_non_working_days_move_touchpoints_never_drop_them():
    sales = Cadence(quiet_last_days=10, nth=-1, weekday=1)  # the last Tuesday: in the quarter's last ten days in March
    planned = _plan_year(sales, "Europe/London", datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), 3)
    assert planned[0][1:] == ("2027-02", datetime(2027, 2, 23, 10, tzinfo=UTC))
    # 30 March falls in 22-31 March; 1 April is the next day that is neither quiet nor off (it is April's review
    # period too, but March's check-in keeps its own period).
    assert planned[1][1:] == ("2027-03", datetime(2027, 4, 1, 9, tzinfo=UTC))
    assert planned[2][:2] == ("review", "2027-04")

    holiday_week = Cadence(quiet_ranges=parse_ranges("2027-02-08..2027-02-12"), working_days=frozenset({1, 2, 3}))
    planned = _plan_year(
        holiday_week, "Europe/London", datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), 1
    )
    assert planned[0][2] == datetime(2027, 2, 16, 10, tzinfo=UTC)  # next working Tuesday after the quiet week


def test_a_fiscal_year_moves_the_review_months():
    april_year = Cadence(fiscal_year_start=4)
    assert april_year.review_months == {1, 4, 7, 10}
    assert Cadence(fiscal_year_start=2).review_months == {2, 5, 8, 11}
    assert quarter_end(Cadence(fiscal_year_start=2), date(2027, 3, 15)) == date(2027, 4, 30)
    assert Cadence(reviews=False).kind_for(1) == "checkin" and Cadence(checkins=False).kind_for(2) is None


def test_a_pause_moves_the_next_touchpoint_to_the_first_open_day_after_it():
    zone = ZoneInfo("Europe/London")
    step = plan_next(
        Cadence(),
        zone,
        holidays_in("GB"),
        now=datetime(2027, 2, 1, tzinfo=UTC),
        first_asked=datetime(2026, 1, 1, tzinfo=UTC),
        after_period=None,
        paused_until=date(2027, 2, 19),
    )
    assert step is not None
    assert step.period == "2027-02" and step.due_at == datetime(2027, 2, 22, 10, tzinfo=UTC)  # Mon after Fri 19th


def test_reminders_and_misses_count_working_days_in_the_stakeholders_calendar():
    sent = datetime(2027, 4, 13, 9, tzinfo=UTC)  # Tuesday 10:00 BST
    remind, missed = follow_ups(Cadence(), ZoneInfo("Europe/London"), holidays_in("GB"), sent)
    assert remind == datetime(2027, 4, 16, 9, tzinfo=UTC)  # Wed, Thu, Fri
    assert missed == datetime(2027, 4, 27, 9, tzinfo=UTC)  # ten working days later
    easter = datetime(2027, 3, 24, 10, tzinfo=UTC)  # Wednesday before Good Friday (26th)
    remind, _ = follow_ups(Cadence(), ZoneInfo("Europe/London"), holidays_in("GB"), easter)
    # Thu 25, Mon 29, Tue 30 (BST by then). Easter Monday is not a UK-wide holiday (Scotland works it), and a time
    # zone says the country, not the region.
    assert remind == datetime(2027, 3, 30, 9, tzinfo=UTC)


def test_next_allowed_refuses_a_calendar_with_no_open_day():
    with pytest.raises(ValueError):
        next_allowed(Cadence(working_days=frozenset()), date(2027, 1, 1), lambda d: False)


def test_dates_typed_by_people_are_checked():
    now = datetime(2027, 1, 10, tzinfo=UTC)
    assert parse_day("2027-02-01", now) == date(2027, 2, 1)
    for bad in ("tomorrow", "2027-13-01", "2026-12-31", "2029-01-01"):
        with pytest.raises(UserError):
            parse_day(bad, now)
    with pytest.raises(ValueError):
        parse_ranges("christmas")
    assert time(10, 0) == Cadence().send_time
