"""What each feed holds, as each role: parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from atf.tests.test_permission_matrix import client_for
from calendars import feeds
from calendars.models import CalendarFeed

from .ics import events, parse, summaries


def feed_of(user, client=None):
    token = CalendarFeed.of(user).token
    return parse((client or Client()).get(reverse("calendars:user_feed", args=[token])))


def commission_feed_of(user, commission, client=None):
    token = CalendarFeed.of(user).token
    return (client or Client()).get(reverse("calendars:commission_feed", args=[token, commission.slug]))


def expected_uids(w, role):
    m, a, r = w.meetings, w.actions, w.rounds
    knowsley, halton = w.places["knowsley"], w.places["halton"]
    meeting = lambda *names: {f"meeting-{getattr(m, n).pk}" for n in names}  # noqa: E731
    action = lambda *names: {f"action-{getattr(a, n).pk}" for n in names}  # noqa: E731
    cm_round = {f"round-{r.open.pk}-deadline"}
    halton_return = {f"return-{r.open.pk}-{halton.pk}-deadline"}
    cm_published = meeting("st_helens_published", "cheshire_east_published", "knowsley_published")
    cm_all = cm_published | meeting("st_helens_planned", "cheshire_east_planned", "knowsley_planned")
    return {
        "superuser": cm_all | meeting("hackney_published") | cm_round | {f"round-{r.nel.pk}-deadline"} | halton_return,
        "reviewer": cm_all | cm_round | halton_return,
        "lead": meeting("knowsley_published") | {f"return-{r.open.pk}-{knowsley.pk}-deadline"} | action("lead_own"),
        "other_lead": halton_return,
        "secretariat": cm_published | meeting("st_helens_planned") | cm_round | action("st_helens"),
        "other_secretariat": cm_published | meeting("cheshire_east_planned") | cm_round | action("cheshire_east"),
        "knowsley_secretariat": cm_published
        | meeting("knowsley_planned")
        | cm_round
        | action("lead_own", "lead_unpublished", "knowsley_other"),
        "viewer": cm_published | cm_round,
        "nel_reviewer": meeting("hackney_published") | {f"round-{r.nel.pk}-deadline"},
        "nobody": set(),
    }[role]


ROLES_WITH_FEEDS = [
    "superuser",
    "reviewer",
    "lead",
    "other_lead",
    "secretariat",
    "other_secretariat",
    "knowsley_secretariat",
    "viewer",
    "nel_reviewer",
    "nobody",
]


@pytest.mark.parametrize("role", ROLES_WITH_FEEDS)
def test_each_user_s_feed_holds_what_the_tenant_rule_shows_them(diary, role):
    calendar = feed_of(getattr(diary.users, role))
    assert set(events(calendar)) == expected_uids(diary, role)


def test_events_are_timed_meetings_and_all_day_deadlines_with_links(diary, settings):
    settings.SITE_URL = "https://atf.example.org"
    w = diary
    calendar = feed_of(w.users.secretariat)
    assert str(calendar["VERSION"]) == "2.0" and "All Together Fairer" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "All Together Fairer"
    assert b"X-PUBLISHED-TTL:PT6H" in calendar.to_ical()  # the refresh hint classic Outlook reads, as a duration
    found = events(calendar)

    planned = w.meetings.st_helens_planned
    meeting = found[f"meeting-{planned.pk}"]
    assert str(meeting["UID"]) == f"meeting-{planned.pk}@atf.example.org"
    assert str(meeting["SUMMARY"]) == "St Helens Inequalities Commission: St Helens planning meeting"
    assert meeting.start == planned.starts_at.replace(microsecond=0)
    assert meeting.start.tzinfo is not None and meeting.start.utcoffset() == timedelta(0)
    assert meeting.end - meeting.start == timedelta(hours=2)
    assert str(meeting["LOCATION"]) == "Town Hall"
    assert str(meeting["URL"]) == f"https://atf.example.org{reverse('commissions:meeting_detail', args=[planned.pk])}"
    assert "Status: Planned." in str(meeting["DESCRIPTION"])
    assert isinstance(meeting["DTSTAMP"].dt, datetime)
    assert "TRANSP:OPAQUE" in meeting.to_ical().decode()

    deadline = found[f"round-{w.rounds.open.pk}-deadline"]
    assert str(deadline["SUMMARY"]) == "Stocktake returns due: Open round 2025"
    assert deadline.start == w.rounds.open.deadline and not isinstance(deadline.start, datetime)
    assert deadline.end == w.rounds.open.deadline + timedelta(days=1)
    assert "DTSTART;VALUE=DATE:" in deadline.to_ical().decode()
    assert "TRANSP:TRANSPARENT" in deadline.to_ical().decode()
    assert str(deadline["URL"]) == f"https://atf.example.org/stocktake/rounds/{w.rounds.open.slug}/coverage/"

    action = found[f"action-{w.actions.st_helens.pk}"]
    assert str(action["SUMMARY"]) == "Action due: Draft the youth survey"
    assert action.start == w.actions.st_helens.due
    description = str(action["DESCRIPTION"])
    assert "Owner: Director of Public Health" in description and "Commission: St Helens" in description
    assert str(action["URL"]).endswith(reverse("commissions:action_detail", args=[w.actions.st_helens.pk]))


def test_a_uid_is_the_same_on_every_read(diary):
    first = set(events(feed_of(diary.users.reviewer)))
    assert set(events(feed_of(diary.users.reviewer))) == first


def test_a_lead_sees_their_own_borough_s_due_date_and_no_other_borough_s(diary):
    w = diary
    knowsley = feed_of(w.users.lead)
    (due,) = [e for e in knowsley.walk("VEVENT") if "return due" in str(e["SUMMARY"])]
    assert str(due["SUMMARY"]) == "Knowsley's stocktake return due: Open round 2025"
    assert due.start == w.rounds.open.deadline
    assert "Its status when your calendar was last read: Draft." in str(due["DESCRIPTION"])
    assert b"Halton" not in knowsley.to_ical()
    assert not any(s.startswith("Stocktake returns due") for s in summaries(knowsley))

    # Halton's lead is given Halton's own, extended, deadline, and nothing of Knowsley's.
    halton = feed_of(w.users.other_lead)
    (due,) = halton.walk("VEVENT")
    assert str(due["SUMMARY"]) == "Halton's stocktake return due: Open round 2025"
    assert due.start == w.rounds.open.deadline + timedelta(days=14)
    assert "Halton's own deadline" in str(due["DESCRIPTION"]) and "Submitted" in str(due["DESCRIPTION"])
    assert b"Knowsley" not in halton.to_ical()


def test_the_reviewer_sees_the_round_s_deadline_and_each_extended_one(diary):
    found = events(feed_of(diary.users.reviewer))
    halton = found[f"return-{diary.rounds.open.pk}-{diary.places['halton'].pk}-deadline"]
    assert halton.start == diary.rounds.open.deadline + timedelta(days=14)
    assert found[f"round-{diary.rounds.open.pk}-deadline"].start == diary.rounds.open.deadline


def test_a_secretariat_never_sees_another_commission_s_unpublished_meeting(diary):
    w = diary
    for feed in (
        feed_of(w.users.secretariat).to_ical(),
        commission_feed_of(w.users.secretariat, w.commissions.cheshire_east).content,
        feed_of(w.users.lead).to_ical(),
        feed_of(w.users.viewer).to_ical(),
    ):
        assert b"Cheshire East private planning" not in feed
        assert b"Cheshire East winter meeting" in feed or b"Knowsley" in feed
    assert b"Cheshire East private planning" in feed_of(w.users.other_secretariat).to_ical()
    assert b"Cheshire East private planning" in feed_of(w.users.reviewer).to_ical()


def test_the_commission_feed_holds_its_meetings_and_open_actions_as_the_user_sees_them(diary):
    w = diary
    lead = parse(commission_feed_of(w.users.lead, w.commissions.knowsley))
    m, a = w.meetings, w.actions
    assert set(events(lead)) == {
        f"meeting-{m.knowsley_published.pk}",
        f"action-{a.lead_own.pk}",
        f"action-{a.knowsley_other.pk}",
    }
    secretariat = parse(commission_feed_of(w.users.knowsley_secretariat, w.commissions.knowsley))
    assert set(events(secretariat)) == {
        f"meeting-{m.knowsley_published.pk}",
        f"meeting-{m.knowsley_planned.pk}",
        f"action-{a.lead_own.pk}",
        f"action-{a.lead_unpublished.pk}",
        f"action-{a.knowsley_other.pk}",
    }
    # Nothing of the stocktake, nor of the other commissions.
    assert b"Stocktake" not in secretariat.to_ical() and b"St Helens" not in secretariat.to_ical()
    assert commission_feed_of(w.users.lead, w.commissions.st_helens).status_code == 404
    assert commission_feed_of(w.users.nel_reviewer, w.commissions.knowsley).status_code == 404
    token = CalendarFeed.of(w.users.reviewer).token
    assert Client().get(reverse("calendars:commission_feed", args=[token, "no-such-commission"])).status_code == 404


def test_old_meetings_stay_out_and_each_kind_is_capped(diary, monkeypatch):
    w = diary
    assert f"meeting-{w.meetings.st_helens_old.pk}" not in events(feed_of(w.users.reviewer))
    monkeypatch.setattr(feeds, "LIMIT", 2)
    found = events(feed_of(w.users.reviewer))
    assert len([uid for uid in found if uid.startswith("meeting-")]) == 2


def test_a_user_who_loses_a_role_stops_seeing_its_rows(diary):
    w = diary
    assert set(events(feed_of(w.users.lead))) == expected_uids(w, "lead")
    w.users.lead.memberships.all().delete()
    # Still the seat's holder, but no longer Knowsley's lead: nothing of Knowsley's, the own action included.
    assert events(feed_of(w.users.lead)) == {}

    w.users.secretariat.memberships.all().delete()
    assert events(feed_of(w.users.secretariat)) == {}
    assert commission_feed_of(w.users.secretariat, w.commissions.st_helens).status_code == 404


def test_an_inactive_user_s_address_is_not_found(diary):
    w = diary
    token = CalendarFeed.of(w.users.lead).token
    w.users.lead.is_active = False
    w.users.lead.save()
    assert Client().get(reverse("calendars:user_feed", args=[token])).status_code == 404
    assert (
        Client().get(reverse("calendars:commission_feed", args=[token, "knowsley-marmot-commission"])).status_code
        == 404
    )


def test_unknown_near_and_reset_tokens_are_not_found(diary):
    w = diary
    client = client_for(w, "lead")
    old = CalendarFeed.of(w.users.lead).token
    near = old[:-1] + ("A" if old[-1] != "A" else "B")
    for token in ("unknown", near, old.upper() if old.upper() != old else old.lower(), old + "x"):
        assert Client().get(reverse("calendars:user_feed", args=[token])).status_code == 404, token
    assert Client().get(f"/calendar/{'a' * 101}.ics").status_code == 404
    assert Client().get(f"/calendar/{old}.ics").status_code == 200

    assert client.post(reverse("calendars:reset")).status_code == 302
    new = CalendarFeed.objects.get(user=w.users.lead).token
    assert new != old and len(new) >= 43
    assert Client().get(reverse("calendars:user_feed", args=[old])).status_code == 404
    slug = w.commissions.knowsley.slug
    assert Client().get(reverse("calendars:commission_feed", args=[old, slug])).status_code == 404
    assert Client().get(reverse("calendars:commission_feed", args=[new, slug])).status_code == 200
    assert set(events(feed_of(w.users.lead))) == expected_uids(w, "lead")
    page = client.get(reverse("calendars:calendar")).content.decode()
    assert new in page and old not in page


def test_the_reset_form_is_csrf_protected_and_names_no_other_user(diary):
    w = diary
    lead, secretariat = CalendarFeed.of(w.users.lead), CalendarFeed.of(w.users.secretariat)
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.users.lead)
    assert client.post(reverse("calendars:reset")).status_code == 403
    assert CalendarFeed.objects.get(pk=lead.pk).token == lead.token

    client.get(reverse("calendars:calendar"))
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        reverse("calendars:reset"), {"csrfmiddlewaretoken": csrf, "user": w.users.secretariat.pk, "token": "x"}
    )
    assert response.status_code == 302
    assert CalendarFeed.objects.get(pk=lead.pk).token != lead.token
    assert CalendarFeed.objects.get(pk=secretariat.pk).token == secretariat.token


# Control characters (PostgreSQL refuses NUL itself) are left out; the rest comes back as written.
HOSTILE = "Line one\r\nLine two, with; semicolons \\ a backslash: END:VEVENT\nBEGIN:VEVENT\x07\x1b ✓ café – 🙂"
CLEAN = "Line one\nLine two, with; semicolons \\ a backslash: END:VEVENT\nBEGIN:VEVENT ✓ café – 🙂"


def test_hostile_text_comes_back_as_it_was_written(diary, settings):
    from commissions.models import Action, Meeting

    w = diary
    meeting = Meeting.objects.create(
        commission=w.commissions.st_helens,
        starts_at=timezone.now() + timedelta(days=3),
        title=HOSTILE,
        location=HOSTILE,
        status="planned",
    )
    action = Action.objects.create(
        commission=w.commissions.st_helens, meeting=meeting, description=HOSTILE * 3, owner=HOSTILE, due=date.today()
    )
    for raw in (
        Client().get(reverse("calendars:user_feed", args=[CalendarFeed.of(w.users.secretariat).token])).content,
        commission_feed_of(w.users.secretariat, w.commissions.st_helens).content,
    ):
        assert b"\x07" not in raw and b"\x1b" not in raw
        lines = raw.split(b"\r\n")
        assert lines[-1] == b"" and all(len(line) <= 75 for line in lines), "folded at 75 octets, CRLF line ends"
        # The words "END:VEVENT" in a title stay words: no line of the file is made of them but the real ones.
        assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT")
        found = events(icalendar.Calendar.from_ical(raw))
        assert lines.count(b"BEGIN:VEVENT") == len(found)
        event = found[f"meeting-{meeting.pk}"]
        assert str(event["SUMMARY"]) == f"St Helens Inequalities Commission: {CLEAN.split(chr(10))[0]}"
        assert str(event["LOCATION"]) == CLEAN
        due = found[f"action-{action.pk}"]
        assert str(due["SUMMARY"]) == "Action due: Line one"
        assert str(due["DESCRIPTION"]).startswith(CLEAN * 3)
        assert f"Owner: {CLEAN}" in str(due["DESCRIPTION"])


def test_each_feed_costs_the_same_queries_however_many_rows_it_holds(diary):
    from commissions.models import Action, Meeting
    from stocktake.models import Return

    w = diary
    users = [w.users.reviewer, w.users.lead, w.users.knowsley_secretariat, w.users.nobody]
    urls = [reverse("calendars:user_feed", args=[CalendarFeed.of(u).token]) for u in users]
    urls.append(
        reverse("calendars:commission_feed", args=[CalendarFeed.of(w.users.lead).token, w.commissions.knowsley.slug])
    )

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(url).status_code == 200
        return len(queries)

    before = [count(url) for url in urls]
    for n in range(15):
        for commission in (w.commissions.knowsley, w.commissions.st_helens):
            meeting = Meeting.objects.create(
                commission=commission,
                starts_at=timezone.now() + timedelta(days=n),
                title=f"More {n}",
                status="published",
            )
            Action.objects.create(
                commission=commission,
                meeting=meeting,
                description=f"More {n}",
                owner="Chair",
                owner_member=w.seat if commission == w.commissions.knowsley else None,
                due=date.today() + timedelta(days=n),
            )
    for place in ("cheshire-east", "liverpool", "sefton", "wirral"):
        Return.objects.create(
            round=w.rounds.open, place=w.places[place], deadline=w.rounds.open.deadline + timedelta(1)
        )
    after = [count(url) for url in urls]
    assert after == before
    assert max(after) <= 8
    assert len(events(feed_of(w.users.reviewer))) > len(expected_uids(w, "reviewer")) + 30


def test_the_feed_is_served_as_a_private_calendar_file(diary):
    token = CalendarFeed.of(diary.users.lead).token
    response = Client().get(reverse("calendars:user_feed", args=[token]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="all-together-fairer.ics"'
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert not response.cookies
    response = Client().get(reverse("calendars:commission_feed", args=[token, diary.commissions.knowsley.slug]))
    assert response["Content-Disposition"] == 'inline; filename="knowsley-marmot-commission.ics"'
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")


def test_a_meeting_published_while_a_lead_reads_their_feed(diary):
    """Two people at once: Knowsley's secretariat runs its commission while Knowsley's lead reads; after every step
    each feed holds exactly what that person may see."""
    from stocktake import rounds

    w = diary
    m, a = w.meetings, w.actions
    secretariat = client_for(w, "knowsley_secretariat")
    reader = Client()  # Outlook, for the lead
    lead_url = reverse("calendars:user_feed", args=[CalendarFeed.of(w.users.lead).token])
    other_url = reverse("calendars:user_feed", args=[CalendarFeed.of(w.users.other_lead).token])
    planned = f"meeting-{m.knowsley_planned.pk}"

    def lead_sees():
        return events(parse(reader.get(lead_url)))

    def secretariat_sees():
        return events(feed_of(w.users.knowsley_secretariat))

    # 1. The planned meeting: the secretariat's, not yet the lead's.
    assert planned not in lead_sees() and planned in secretariat_sees()
    assert f"action-{a.lead_unpublished.pk}" not in lead_sees()

    # 2. The secretariat adds an action owned by the lead's seat to the planned meeting.
    secretariat.post(
        reverse("commissions:action_add", args=[m.knowsley_planned.pk]),
        {"description": "Visit the new hub", "owner": "Director of Public Health", "due": "31/01/2027"},
    )
    from commissions.models import Action

    added = Action.objects.get(description="Visit the new hub")
    Action.objects.filter(pk=added.pk).update(owner_member=w.seat)
    assert f"action-{added.pk}" in secretariat_sees()
    assert f"action-{added.pk}" not in lead_sees()

    # 3. The minutes are written, approved at the next meeting and published: now the lead sees the meeting and the
    # two actions they own from it (not the next meeting, still being planned).
    from commissions.models import Meeting

    Meeting.objects.filter(pk=m.knowsley_planned.pk).update(status=Meeting.Status.DRAFT)
    next_one = Meeting.objects.create(
        commission=w.commissions.knowsley, starts_at=m.knowsley_planned.starts_at + timedelta(days=30), title="Next"
    )
    response = secretariat.post(
        reverse("commissions:meeting_approve", args=[m.knowsley_planned.pk]), {"approving_meeting": next_one.pk}
    )
    assert response.status_code == 302 and planned not in lead_sees()
    response = secretariat.post(reverse("commissions:meeting_publish", args=[m.knowsley_planned.pk]))
    assert response.status_code == 302
    assert f"meeting-{next_one.pk}" not in lead_sees()
    seen = lead_sees()
    assert {planned, f"action-{a.lead_unpublished.pk}", f"action-{added.pk}"} <= set(seen)
    assert str(seen[planned]["SUMMARY"]) == "Knowsley Marmot Commission: Knowsley planning meeting"
    assert planned in secretariat_sees()

    # 4. The ICS gives Knowsley a later deadline: Knowsley's lead sees it; Halton's lead still sees only Halton.
    knowsley = w.places["knowsley"]
    return_ = w.rounds.open.returns.get(place=knowsley)
    later = w.rounds.open.deadline + timedelta(days=7)
    rounds.set_deadline(w.users.reviewer, w.rounds.open, knowsley, later, version=return_.version)
    due = lead_sees()[f"return-{w.rounds.open.pk}-{knowsley.pk}-deadline"]
    assert due.start == later and "Knowsley's own deadline" in str(due["DESCRIPTION"])
    halton = events(parse(reader.get(other_url)))
    assert set(halton) == expected_uids(w, "other_lead")
    assert b"Knowsley" not in reader.get(other_url).content

    # 5. The lead's action is done: it leaves the lead's calendar and the secretariat's.
    secretariat.post(reverse("commissions:action_detail", args=[a.lead_own.pk]), {"text": "Done", "status": "done"})
    assert f"action-{a.lead_own.pk}" not in lead_sees()
    assert f"action-{a.lead_own.pk}" not in secretariat_sees()

    # 6. The lead moves on: their role is removed, and their feed empties while the secretariat's keeps its rows.
    w.users.lead.memberships.all().delete()
    assert lead_sees() == {}
    assert planned in secretariat_sees()


def test_stamps_are_in_utc(diary):
    for event in feed_of(diary.users.reviewer).walk("VEVENT"):
        stamp = event["DTSTAMP"].dt
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
        assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=5)
