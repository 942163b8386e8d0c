"""Reading a feed back with the icalendar library."""

import icalendar


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar) -> dict[str, icalendar.Event]:
    """The calendar's events by UID, without the host."""
    return {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}


def summaries(calendar) -> set[str]:
    return {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
