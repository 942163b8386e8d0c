"""Who is told what, by email through a real SMTP server on loopback and on the home page; never twice, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from atf.models import Membership, Role
from atf.tests.test_password_reset import Collect, free_port, smtp  # noqa: F401  (the SMTP server fixture)
from commissions.models import Action, Meeting, Member
from jobs.tests.helpers import run_queued_jobs
from notifications import schedule, sending
from notifications.models import Kind, Notification, Setting
from notifications.notify import recorded_only
from stocktake import transitions
from stocktake.models import Return, Round

PASSWORD = "a long enough password"


def addressed(world):
    """Give every user of the world an address, as real users have."""
    for user in vars(world.users).values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return world


def recipients(handler) -> list[str]:
    return sorted(address for rcpts, _ in handler.messages for address in rcpts)


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("send_notifications", *args, stdout=out, stderr=out)
    return out.getvalue()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def due_in(round_: Round, days: int) -> None:
    round_.deadline = timezone.localdate() + timedelta(days=days)
    round_.save()


# The judged story, on the demo itself --------------------------------------------------------


def test_on_the_demo_a_deadline_two_days_ahead_reminds_only_the_leads_not_submitted(smtp, db):  # noqa: F811
    call_command("load_demo", password=PASSWORD, stdout=None)
    assert run().startswith("Notifications: nothing new. Mail sent: 0.")  # loading the demo mails nobody
    assert smtp.messages == []
    live = Round.objects.get(status=Round.Status.OPEN)
    due_in(live, 2)

    run()

    waiting = {r.place_id: r for r in Return.objects.filter(round=live)}
    expected = set()
    for membership in Membership.objects.filter(role=Role.BOROUGH_LEAD, place__kind="borough"):
        return_ = waiting.get(membership.place_id)
        if return_ is None or (
            return_.status in (Return.Status.DRAFT, Return.Status.RETURNED) and not return_.deadline
        ):
            expected.add(membership.user.email)
    assert set(recipients(smtp)) == expected and len(smtp.messages) == len(expected) >= 4
    subjects = {message["Subject"] for _, message in smtp.messages}
    assert all("is due in 2 days" in subject for subject in subjects)

    # Cheshire East's deadline was extended: it is reminded against its own, later one, not the round's.
    assert "lead-cheshire-east@example.org" not in recipients(smtp)
    # Running it again sends nothing more.
    sent = len(smtp.messages)
    assert "Mail sent: 0." in run()
    assert len(smtp.messages) == sent

    # Returning a submitted return mails its lead, with the comment, and nobody else.
    halton = Return.objects.get(round=live, place__slug="halton")
    reviewer = Membership.objects.get(role=Role.ICS_REVIEWER).user
    response = signed_in(reviewer).post(
        reverse("stocktake:return_review", args=[live.slug, "halton"]),
        {"decision": "returned", "comment": "Please add the family hubs", "version": halton.version},
    )
    assert response.status_code == 302
    run()
    new = smtp.messages[sent:]
    # To Halton's lead alone: the return, and (its return being no longer submitted, due in two days) a reminder.
    assert {address for rcpts, _ in new for address in rcpts} == {"lead-halton@example.org"}
    subjects = sorted(message["Subject"] for _, message in new)
    assert subjects == [
        "Halton's return for ATF Stocktake 2026 is due in 2 days",
        "Halton's return for ATF Stocktake 2026 was returned for changes",
    ]
    text = next(m for _, m in new if "returned" in m["Subject"]).get_body(preferencelist=("plain",)).get_content()
    assert "Please add the family hubs" in text and "Why you got this" in text
    assert "/notifications/" in text  # the link to act on, through the notification


# Who is told what ---------------------------------------------------------------------------


def told(user, kind=None):
    found = Notification.objects.filter(recipient=user)
    return list(found.filter(kind=kind) if kind else found)


def test_each_step_of_a_return_tells_the_right_people(world, smtp):  # noqa: F811
    world = addressed(world)
    users, open_round, knowsley = world.users, world.rounds.open, world.places["knowsley"]
    Notification.objects.all().delete()

    transitions.take(users.lead, open_round, knowsley, transitions.Action.SUBMIT)
    assert [n.recipient for n in Notification.objects.all()] == [users.reviewer]  # not NEL's reviewer, no lead
    transitions.take(users.reviewer, open_round, knowsley, transitions.Action.RETURN, reason="Add <b>dates</b>")
    returned = told(users.lead, Kind.RETURN_REVIEWED)
    assert len(returned) == 1 and "Add <b>dates</b>" in returned[0].body
    # The review it waited for is done: the reviewer's note of the submission is read now.
    assert all(n.is_read for n in told(users.reviewer, Kind.RETURN_SUBMITTED))
    assert not returned[0].is_read
    assert told(users.other_lead) == [] and told(users.viewer) == []
    transitions.take(users.lead, open_round, knowsley, transitions.Action.SUBMIT)
    transitions.take(users.reviewer, open_round, knowsley, transitions.Action.ACCEPT)
    assert "accepted" in told(users.lead, Kind.RETURN_REVIEWED)[0].subject
    assert len(told(users.reviewer, Kind.RETURN_SUBMITTED)) == 2

    sending.send_waiting()
    assert sorted(set(recipients(smtp))) == ["lead-knowsley@example.org", "reviewer@example.org"]
    html = next(m for r, m in smtp.messages if "returned" in m["Subject"]).get_body(preferencelist=("html",))
    assert "Add &lt;b&gt;dates&lt;/b&gt;" in html.get_content()  # hostile text is escaped in the HTML part


def test_a_round_that_opens_tells_each_borough_lead_with_the_deadline(world):
    addressed(world)
    opened = Round.objects.create(
        framework=world.framework, name="Spring 2027", deadline=timezone.localdate() + timedelta(days=30)
    )
    mine = told(world.users.lead, Kind.ROUND_OPENED)
    assert [n.key for n in mine] == [f"round:{opened.pk}:opened:{world.places['knowsley'].pk}"]
    assert f"{opened.deadline.day} {opened.deadline:%B %Y}" in mine[0].body
    assert told(world.users.nel_reviewer, Kind.ROUND_OPENED) == [] and told(world.users.viewer, Kind.ROUND_OPENED) == []


def test_reminders_go_to_the_leads_whose_return_is_not_submitted(world):
    addressed(world)
    Notification.objects.all().delete()
    due_in(world.rounds.open, 7)
    schedule.due_today()
    assert [n.subject for n in told(world.users.lead)] == ["Knowsley's return for Open round 2025 is due in 7 days"]
    assert told(world.users.other_lead) == []  # Halton's is submitted
    schedule.due_today()
    assert len(told(world.users.lead)) == 1  # the same day again: nothing more

    # A borough with its own, later deadline is reminded against that one.
    Return.objects.filter(round=world.rounds.open, place=world.places["knowsley"]).update(
        deadline=timezone.localdate() + timedelta(days=20)
    )
    schedule.due_today()
    assert len(told(world.users.lead)) == 1


def test_the_day_after_the_deadline_tells_the_lead_and_the_reviewers_once(world):
    addressed(world)
    Notification.objects.all().delete()
    due_in(world.rounds.open, -1)
    schedule.due_today()
    schedule.due_today()
    assert [n.kind for n in told(world.users.lead)] == [Kind.DEADLINE_PASSED]
    reviewers = told(world.users.reviewer)
    assert len(reviewers) == 1 and "Knowsley" in reviewers[0].body and "Halton" not in reviewers[0].body
    assert told(world.users.other_lead) == [] and told(world.users.nel_reviewer) == []


@pytest.mark.parametrize(
    "days_left, days, expected",
    [
        (20, [14, 7, 1], None),
        (14, [14, 7, 1], 14),
        (10, [14, 7, 1], 14),
        (7, [14, 7, 1], 7),
        (2, [14, 7, 1], 7),
        (1, [14, 7, 1], 1),
        (0, [14, 7, 1], 1),
        (0, [14, 7, 0], 0),
        (-1, [14, 7, 1], None),
        (3, [], None),
    ],
)
def test_only_the_latest_reminder_day_reached_is_sent(days_left, days, expected):
    assert schedule.reminder_day(days_left, days) == expected


def test_a_moved_deadline_starts_its_reminders_again(world):
    addressed(world)
    due_in(world.rounds.open, 7)
    schedule.due_today()
    due_in(world.rounds.open, 6)
    schedule.due_today()
    assert len(told(world.users.lead, Kind.DEADLINE_REMINDER)) == 2


@pytest.fixture
def st_helens(world):
    """A seat on St Helens' commission held by the Knowsley lead, who may read its published meetings."""
    addressed(world)
    commission = world.commissions.st_helens
    seat = Member.objects.create(commission=commission, role_title="Head of Integration", user=world.users.reviewer)
    return commission, seat


def test_actions_tell_the_secretariat_and_an_owner_who_signs_in(world, st_helens):
    commission, seat = st_helens
    Notification.objects.all().delete()
    action = Action.objects.create(
        commission=commission, description="Bring the findings back", owner="Head of Integration", owner_member=seat
    )
    assert [n.recipient for n in Notification.objects.order_by("pk")] == [world.users.secretariat, world.users.reviewer]
    assert told(world.users.other_secretariat) == []

    action.due = timezone.localdate() + timedelta(days=5)
    action.save()
    schedule.due_today()
    assert len(told(world.users.secretariat, Kind.ACTION_DUE)) == 1
    action.due = timezone.localdate() - timedelta(days=1)
    action.save()
    schedule.due_today()
    schedule.due_today()
    overdue = told(world.users.secretariat, Kind.ACTION_DUE)
    assert len(overdue) == 2 and overdue[0].subject.endswith("is overdue")
    assert len(told(world.users.reviewer, Kind.ACTION_DUE)) == 2
    action.status = Action.Status.DONE
    action.save()
    Notification.objects.filter(kind=Kind.ACTION_DUE).delete()
    schedule.due_today()
    assert told(world.users.secretariat, Kind.ACTION_DUE) == []


def test_the_weekly_digest_goes_once_a_week_to_the_secretariat(world, st_helens, settings):
    commission, _ = st_helens
    Action.objects.create(commission=commission, description="Open one", owner="Chair", due=timezone.localdate())
    settings.NOTIFICATION_DIGEST_WEEKDAY = 0
    schedule.due_today()
    schedule.due_today()
    digests = told(world.users.secretariat, Kind.ACTIONS_DIGEST)
    assert len(digests) == 1 and "Open one" in digests[0].body
    assert digests[0].subject == "St Helens Inequalities Commission: 1 open action, 0 overdue"
    assert told(world.users.other_secretariat, Kind.ACTIONS_DIGEST) == []
    next_week = timezone.localdate() + timedelta(days=7)
    schedule.due_today(next_week)
    assert len(told(world.users.secretariat, Kind.ACTIONS_DIGEST)) == 2


def test_minutes_tell_the_seat_holders_who_may_read_them(world, st_helens, django_user_model):
    commission, _ = st_helens
    outsider = django_user_model.objects.create_user("outsider", "outsider@example.org", PASSWORD)
    Member.objects.create(commission=commission, role_title="Adviser", user=outsider)  # holds a seat, no role
    Member.objects.create(
        commission=commission,
        role_title="Former member",
        user=world.users.lead,
        ends=timezone.localdate() - timedelta(days=1),
    )
    meeting = Meeting.objects.create(commission=commission, title="Regular meeting")
    meeting.status = Meeting.Status.DRAFT
    meeting.save()
    assert [n.subject for n in told(world.users.reviewer, Kind.MINUTES)] == [
        "Draft minutes of St Helens Inequalities Commission's meeting are ready"
    ]
    meeting.status = Meeting.Status.PUBLISHED
    meeting.save()
    assert len(told(world.users.reviewer, Kind.MINUTES)) == 2
    # No role that lets them read it, or a seat that has ended: not told, so nothing is quoted to them.
    assert told(outsider) == [] and told(world.users.lead, Kind.MINUTES) == []


def test_a_role_granted_or_revoked_is_always_mailed(world, smtp):  # noqa: F811
    addressed(world)
    lead = world.users.lead
    Setting.objects.create(user=lead, kind=Kind.ROLE_CHANGED, by_email=False, on_home_page=False)
    membership = Membership.objects.create(user=lead, role=Role.VIEWER, place=world.places["cheshire-and-merseyside"])
    membership.delete()
    sending.send_waiting()
    assert [m["Subject"] for _, m in smtp.messages] == [
        "You have a new role: Viewer, Cheshire and Merseyside",
        "Your role as Viewer, Cheshire and Merseyside, was removed",
    ]
    assert all(n.shown for n in told(lead, Kind.ROLE_CHANGED))


def test_a_user_deleted_with_their_roles_is_not_told(world):
    world.users.viewer.delete()
    assert not Notification.objects.filter(recipient_id=world.users.viewer.pk).exists()


# Opting out ---------------------------------------------------------------------------------


def test_a_kind_turned_off_on_the_settings_page_is_not_mailed_or_not_shown(world, smtp):  # noqa: F811
    addressed(world)
    lead = world.users.lead
    client = signed_in(lead)
    form = client.get(reverse("notifications:settings"))
    assert form.status_code == 200 and "Always, by email" in form.content.decode()
    choices = {f"{kind}__{channel}": "on" for kind in Kind.values for channel in ("by_email", "on_home_page")}
    del choices[f"{Kind.DEADLINE_REMINDER}__by_email"]
    del choices[f"{Kind.ROUND_OPENED}__by_email"]
    del choices[f"{Kind.ROUND_OPENED}__on_home_page"]
    assert client.post(reverse("notifications:settings"), choices).status_code == 302

    due_in(world.rounds.open, 1)
    schedule.due_today()
    Round.objects.create(framework=world.framework, name="Spring 2027")
    sending.send_waiting()
    assert "lead-knowsley@example.org" not in recipients(smtp)
    reminder = told(lead, Kind.DEADLINE_REMINDER)[0]
    assert reminder.mail == Notification.Mail.NOT_SENT and reminder.shown  # still on the home page
    opened = told(lead, Kind.ROUND_OPENED)
    assert opened and not any(n.shown for n in opened)
    home = client.get(reverse("home")).content.decode()
    assert "due tomorrow" in home and "Spring 2027 is open" not in home
    # Someone else's settings are untouched.
    assert not Setting.objects.filter(user=world.users.other_lead).exists()


# Never twice, never lost -----------------------------------------------------------------------


def test_a_mail_server_that_is_down_delays_mail_and_never_drops_it(world, settings):
    addressed(world)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens: refused
    settings.EMAIL_TIMEOUT = 2
    Notification.objects.all().delete()
    due_in(world.rounds.open, 1)
    output = run()
    assert "Mail sent: 0." in output and "will be tried again" in output
    waiting = Notification.objects.get(recipient=world.users.lead)
    assert waiting.mail == Notification.Mail.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at > timezone.now() and "could not be reached" in waiting.mail_note

    # The server comes back: not before the time to try again, then once.
    from aiosmtpd.controller import Controller

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        assert sending.send_waiting().sent == 0
        later = timezone.now() + timedelta(minutes=2)
        assert sending.send_waiting(now=later).sent == 1
        assert sending.send_waiting(now=later + timedelta(hours=1)).sent == 0
    finally:
        controller.stop()
    assert recipients(handler) == ["lead-knowsley@example.org"]
    waiting.refresh_from_db()
    assert waiting.mail == Notification.Mail.SENT and waiting.attempts == 2


def test_two_senders_at_once_send_each_mail_once(world, smtp):  # noqa: F811
    addressed(world)
    Notification.objects.all().delete()
    due_in(world.rounds.open, 1)
    schedule.due_today()
    notification = Notification.objects.get()
    assert sending.claim([notification], timezone.now()) == {notification.pk}  # a sender has it
    assert sending.send_waiting().sent == 0  # the other leaves it alone
    # A sender that died holding it: taken up again once its claim is stale, and sent once.
    assert sending.send_waiting(now=timezone.now() + sending.STALE_CLAIM * 2).sent == 1
    assert len(smtp.messages) == 1


def test_the_demo_records_without_mailing(world, smtp):  # noqa: F811
    addressed(world)
    with recorded_only("Recorded by a test."):
        due_in(world.rounds.open, 1)
        schedule.due_today()
    assert sending.send_waiting().sent == 0 and smtp.messages == []
    assert told(world.users.lead)[0].mail_note == "Recorded by a test."


# The pages ---------------------------------------------------------------------------------


def test_the_home_page_lists_a_users_own_notifications_with_read_and_unread(world):
    addressed(world)
    Notification.objects.all().delete()  # the fixture's roles, granted
    transitions.take(world.users.lead, world.rounds.open, world.places["knowsley"], transitions.Action.SUBMIT)
    transitions.take(
        world.users.reviewer, world.rounds.open, world.places["knowsley"], transitions.Action.RETURN, reason="More"
    )
    lead, other = signed_in(world.users.lead), signed_in(world.users.other_lead)
    home = lead.get(reverse("home")).content.decode()
    assert "1 unread" in home and "was returned for changes" in home
    assert "was returned for changes" not in other.get(reverse("home")).content.decode()

    notification = told(world.users.lead, Kind.RETURN_REVIEWED)[0]
    # Another person cannot open, read or mark it.
    assert other.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    assert other.post(reverse("notifications:mark", args=[notification.pk])).status_code == 404
    assert other.post(reverse("notifications:mark_all")).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None

    opened = lead.get(reverse("notifications:open", args=[notification.pk]))
    assert opened.status_code == 302 and opened["Location"] == notification.link
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "Nothing unread" in lead.get(reverse("home")).content.decode()
    lead.post(reverse("notifications:mark", args=[notification.pk]), {"read": "no"})
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_notification_only_ever_leads_to_a_page_of_this_site(world):
    notification = Notification.objects.create(
        recipient=world.users.lead,
        kind=Kind.MINUTES,
        key="x",
        subject="s",
        body="b",
        link="//evil.example/",
        reason="r",
    )
    response = signed_in(world.users.lead).get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_the_list_pages_and_answers_in_constant_queries(world, django_assert_max_num_queries):
    lead = world.users.lead
    for n in range(60):
        Notification.objects.create(
            recipient=lead, kind=Kind.MINUTES, key=f"k{n}", subject=f"S{n}", body="b", reason="r"
        )
    client = signed_in(lead)
    client.get(reverse("notifications:list"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notifications:list"), {"page": 2})
    assert page.status_code == 200 and "S34" in page.content.decode()
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notifications:list"), {"show": "unread"}).status_code == 200


def test_two_people_interleaved_each_see_only_their_own(world):
    """A lead and a reviewer take turns; after every step each sees exactly what is theirs."""
    addressed(world)
    Notification.objects.all().delete()
    lead, reviewer, other = (signed_in(u) for u in (world.users.lead, world.users.reviewer, world.users.other_lead))
    open_round, knowsley = world.rounds.open, world.places["knowsley"]

    def home(client) -> str:
        return client.get(reverse("home")).content.decode()

    def version():
        return Return.objects.get(round=open_round, place=knowsley).version

    lead.post(
        reverse("stocktake:return_submit", args=[open_round.slug, "knowsley"]),
        {"version": version(), "confirmed": "yes"},
    )
    assert "waiting for review" in home(reviewer)
    assert "waiting for review" not in home(lead) and "waiting for review" not in home(other)

    reviewer.post(
        reverse("stocktake:return_review", args=[open_round.slug, "knowsley"]),
        {"decision": "returned", "comment": "Knowsley only: add the Kirkby hub", "version": version()},
    )
    assert "add the Kirkby hub" in home(lead)
    assert "add the Kirkby hub" not in home(other) and "add the Kirkby hub" not in home(reviewer)
    assert "add the Kirkby hub" not in other.get(reverse("notifications:list")).content.decode()

    lead.post(
        reverse("stocktake:return_submit", args=[open_round.slug, "knowsley"]),
        {"version": version(), "confirmed": "yes"},
    )
    reviewer.post(
        reverse("stocktake:return_review", args=[open_round.slug, "knowsley"]),
        {"decision": "accepted", "comment": "", "version": version()},
    )
    assert "was accepted" in home(lead) and "was accepted" not in home(other)
    assert len(told(world.users.reviewer, Kind.RETURN_SUBMITTED)) == 2
    assert told(world.users.other_lead) == []


# The round's deadline and reminder days ---------------------------------------------------------------


def test_the_ics_sets_a_rounds_deadline_and_reminder_days(world):
    reviewer = signed_in(world.users.reviewer)
    open_round = world.rounds.open
    url = reverse("stocktake:round_schedule", args=[open_round.slug])
    Return.objects.filter(round=open_round, place=world.places["knowsley"]).update(
        deadline=timezone.localdate() + timedelta(days=3)
    )
    page = reviewer.get(url)
    assert page.status_code == 200 and "14, 7, 1" in page.content.decode()
    bad = reviewer.post(url, {"deadline": "01/02/2027", "reminder_days": "7, soon", "version": open_round.version})
    assert bad.status_code == 200 and "“soon” is not a number of days" in bad.content.decode()
    open_round.refresh_from_db()
    assert open_round.deadline is None

    later = timezone.localdate() + timedelta(days=10)
    done = reviewer.post(
        url, {"deadline": later.strftime("%d/%m/%Y"), "reminder_days": "3,10 ,3", "version": open_round.version}
    )
    assert done.status_code == 302
    open_round.refresh_from_db()
    assert open_round.deadline == later and open_round.reminder_days == "10, 3"
    # Knowsley's own deadline was earlier than the round's new one: it is due with everyone else.
    assert Return.objects.get(round=open_round, place=world.places["knowsley"]).deadline is None

    stale = reviewer.post(url, {"deadline": "", "reminder_days": "", "version": open_round.version - 1})
    assert "Someone else changed" in stale.content.decode()
    open_round.refresh_from_db()
    assert open_round.deadline == later
    assert signed_in(world.users.lead).post(url, {"deadline": "", "version": open_round.version}).status_code == 403


def test_an_event_asks_the_background_worker_to_send_its_mail_at_once(world, smtp, django_capture_on_commit_callbacks):  # noqa: F811
    from django_tasks_db.models import DBTaskResult

    addressed(world)
    knowsley = world.places["knowsley"]
    with django_capture_on_commit_callbacks(execute=True):
        transitions.take(world.users.lead, world.rounds.open, knowsley, transitions.Action.SUBMIT)
    assert DBTaskResult.objects.filter(task_path="notifications.tasks.send_waiting_mail").count() == 1
    assert smtp.messages == []  # not in the request
    run_queued_jobs()  # manage.py db_worker --batch, as the worker beside the web server runs what is queued
    assert recipients(smtp) == ["reviewer@example.org"]
    assert Notification.objects.get(recipient=world.users.reviewer, kind=Kind.RETURN_SUBMITTED).mail == "sent"


def test_a_schedule_run_that_finds_everyone_told_is_cheap(world, st_helens, django_assert_max_num_queries):
    commission, _ = st_helens
    for n in range(30):
        Action.objects.create(
            commission=commission,
            description=f"Overdue {n}",
            owner="Chair",
            due=timezone.localdate() - timedelta(days=n + 1),
        )
    due_in(world.rounds.open, 1)
    schedule.due_today()
    # Again: one look at who was told of all the actions' due dates (each secretariat read once), whatever
    # their number; a few per round and per borough for the deadlines.
    with django_assert_max_num_queries(30):
        assert schedule.due_today().total == 0


def test_the_settings_page_puts_first_the_kinds_a_persons_roles_bring(world):
    from notifications.views import SettingsForm

    def split(user):
        form = SettingsForm(user=user)
        return {row["kind"] for row in form.yours}, {row["kind"] for row in form.others}

    lead_yours, lead_others = split(world.users.lead)
    assert Kind.DEADLINE_REMINDER in lead_yours and Kind.RETURN_SUBMITTED in lead_others
    reviewer_yours, _ = split(world.users.reviewer)
    assert Kind.RETURN_SUBMITTED in reviewer_yours and Kind.DEADLINE_REMINDER not in reviewer_yours
    secretariat_yours, _ = split(world.users.secretariat)
    assert Kind.ACTIONS_DIGEST in secretariat_yours and Kind.ROLE_CHANGED in secretariat_yours
    page = signed_in(world.users.lead).get(reverse("notifications:settings")).content.decode()
    assert page.index("Reminders before a return") < page.index("For roles you do not hold now")
    assert page.index("For roles you do not hold now") < page.index("A return is submitted for review")
