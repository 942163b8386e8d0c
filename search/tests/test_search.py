"""The search page: what it finds, how it marks the words, what each role may find, and its limits."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from atf.tests.test_permission_matrix import ROLES, SIGNED_IN, client_for
from commissions import services
from commissions.models import Action, Decision, Meeting, Paragraph
from search import highlight, query
from stocktake.models import Entry

# url name -> (args builder, who sees the page, who may use it): everyone signed in; what they find differs.
SEARCH_PAGES = {"search:search": (lambda w: [], SIGNED_IN, SIGNED_IN)}

WORD = "quillwort"  # in no seed text, so each test finds only what it made


def at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 14, 0))


def minutes(commission, status, *, word=WORD, starts_at=None, title="Regular meeting"):
    """A meeting of ``commission`` with a paragraph, a decision and an action, each holding ``word``."""
    meeting = Meeting.objects.create(
        commission=commission, status=status, title=title, starts_at=starts_at or at(2025, 3, 4)
    )
    item = meeting.items.create(number="12", title="Family hubs")
    paragraph = item.paragraphs.create(number="12.1", text=f"The Board heard about the {word} family hub pilot.")
    decision = Decision.objects.create(meeting=meeting, item=item, text=f"Agree the {word} pilot's next steps")
    action = Action.objects.create(
        commission=commission,
        meeting=meeting,
        paragraph=paragraph,
        reference="12.1",
        description=f"Write to schools about the {word} pilot",
        owner="Director of Public Health",
    )
    return SimpleNamespace(meeting=meeting, item=item, paragraph=paragraph, decision=decision, action=action)


def search(client, **params):
    response = client.get(reverse("search:search"), params)
    assert response.status_code == 200
    return response


def counts(response) -> dict[str, int]:
    return {section.key: section.count for section in response.context["sections"]}


def found(**counted) -> dict[str, int]:
    """Every kind's count: those given, and none of the others."""
    return {"minutes": 0, "decisions": 0, "questions": 0, "actions": 0, "entries": 0, **counted}


def meeting_choices(response) -> set[int]:
    return {meeting.pk for meeting in response.context["form"].fields["meeting"].queryset}


def commission_choices(response) -> set[int]:
    return {commission.pk for commission in response.context["form"].fields["commission"].queryset}


@pytest.fixture
def st_helens(world):
    return minutes(world.commissions.st_helens, Meeting.Status.DRAFT)


# Finding ---------------------------------------------------------------------------------------


def test_finds_a_paragraph_a_decision_and_an_action_by_a_word_with_links_to_each(world, st_helens):
    response = search(client_for(world, "secretariat"), q=WORD.upper())
    assert counts(response) == found(minutes=1, decisions=1, actions=1)
    page = response.content.decode()
    meeting_url = reverse("commissions:meeting_detail", args=[st_helens.meeting.pk])
    assert f'href="{meeting_url}#paragraph-{st_helens.paragraph.pk}"' in page
    assert f'href="{meeting_url}#item-{st_helens.item.pk}"' in page
    assert f'href="{reverse("commissions:action_detail", args=[st_helens.action.pk])}"' in page
    assert f"the <mark>{WORD}</mark> family hub pilot" in page
    assert ">Draft minutes</strong>" in page  # the secretariat is told these are not yet published


def test_the_anchors_the_results_link_to_are_on_the_meeting_page(world, st_helens):
    page = (
        client_for(world, "secretariat")
        .get(reverse("commissions:meeting_detail", args=[st_helens.meeting.pk]))
        .content.decode()
    )
    assert f'id="paragraph-{st_helens.paragraph.pk}"' in page
    assert f'id="item-{st_helens.item.pk}"' in page


def test_an_action_is_found_by_its_owner_its_reference_and_its_updates(world, st_helens):
    client = client_for(world, "secretariat")
    assert counts(search(client, q='"director of public health" schools'))["actions"] == 1
    assert counts(search(client, q="12.1 schools"))["actions"] == 1
    assert counts(search(client, q="marigold"))["actions"] == 0
    services.add_update(world.users.secretariat, st_helens.action, "Marigold letters sent to every school")
    response = search(client, q="marigold")
    assert counts(response) == found(actions=1)
    assert "<mark>Marigold</mark> letters sent" in response.content.decode()


def test_finds_a_workshop_question_by_its_question_key_points_or_contributions(world, st_helens):
    from commissions.models import WorkshopQuestion

    WorkshopQuestion.objects.create(
        meeting=st_helens.meeting,
        number=2,
        question="What is working?",
        key_points="- Fuel poverty in rural areas\n- Housing <solutions>",
        contributions="Warm spaces in libraries",
    )
    client = client_for(world, "secretariat")
    response = search(client, q="fuel poverty")
    assert counts(response) == found(questions=1)
    page = response.content.decode()
    assert "<strong>Key points:</strong> - <mark>Fuel</mark> <mark>poverty</mark> in rural areas" in page
    assert "&lt;solutions&gt;" in page and "Contributions:" not in page
    assert counts(search(client, q='"warm spaces" working'))["questions"] == 1
    # A draft meeting's questions are the drafts' readers' alone, as its minutes are.
    assert counts(search(client_for(world, "other_secretariat"), q="fuel poverty")) == found()
    assert counts(search(client_for(world, "reviewer"), q="fuel poverty")) == found(questions=1)


def test_finds_entries_by_a_word_and_a_phrase(world):
    response = search(client_for(world, "reviewer"), q='"submitted family" halton')
    assert counts(response)["entries"] == 1
    page = response.content.decode()
    assert reverse("stocktake:entry_detail", args=[world.entries.halton.pk]) in page
    assert "<mark>Halton</mark> - <mark>Halton</mark> <mark>submitted family</mark> hub" in page


def test_every_word_must_match(world, st_helens):
    client = client_for(world, "secretariat")
    assert counts(search(client, q=f"{WORD} schools"))["actions"] == 1
    assert counts(search(client, q=f"{WORD} hospitals"))["actions"] == 0
    # A phrase is one term: the words in that order.
    assert counts(search(client, q=f'"pilot {WORD}"'))["minutes"] == 0


def test_an_empty_query_shows_the_form_and_a_hint_and_no_results(world, st_helens):
    client = client_for(world, "secretariat")
    for params in ({}, {"q": "   "}, {"q": '""'}, {"commission": world.commissions.st_helens.pk}):
        response = search(client, **params)
        assert response.context["sections"] == []
        page = response.content.decode()
        assert "Enter one or more words" in page
        assert WORD not in page


def test_hostile_text_comes_out_escaped(world, st_helens):
    Paragraph.objects.filter(pk=st_helens.paragraph.pk).update(
        text=f'<script>alert("x")</script> {WORD} <img src=x onerror=alert(1)>'
    )
    page = search(client_for(world, "secretariat"), q=f"{WORD} script").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert f"&lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt; <mark>{WORD}</mark>" in page


# Highlighting ----------------------------------------------------------------------------------


def test_mark_escapes_first_and_marks_only_the_words():
    assert (
        highlight.mark("<b>Family</b> hubs & more", ["family"])
        == "&lt;b&gt;<mark>Family</mark>&lt;/b&gt; hubs &amp; more"
    )
    # "amp" and "lt" are in the escaped text, not in the text: they mark nothing and break nothing.
    assert highlight.mark("a < b & c", ["amp", "lt"]) == "a &lt; b &amp; c"
    assert highlight.mark("a < b", ["<"]) == "a <mark>&lt;</mark> b"


@pytest.mark.parametrize(
    ("text", "term", "expected"),
    [
        ("Learn C++ or C", "c++", "Learn <mark>C++</mark> or C"),
        ("see (a) and a", "(a)", "see <mark>(a)</mark> and a"),
        ("cost £5.5m, not 555", "5.5", "cost £<mark>5.5</mark>m, not 555"),
        ("wildcards .* match nothing", ".*", "wildcards <mark>.*</mark> match nothing"),
        ("a \\d and 1", "\\d", "a <mark>\\d</mark> and 1"),
        ("100% of 100", "100%", "<mark>100%</mark> of 100"),
        ("snake_case", "_", "snake<mark>_</mark>case"),
        ("a$b^c|d", "$b^c|", "a<mark>$b^c|</mark>d"),
    ],
)
def test_mark_takes_regex_special_characters_literally(text, term, expected):
    assert highlight.mark(text, [term]) == expected


def test_overlapping_and_repeated_words_get_one_mark_each_run_and_keep_their_case():
    assert highlight.mark("Family Hubs and family hubs", ["family hub", "hubs"]) == (
        "<mark>Family Hubs</mark> and <mark>family hubs</mark>"
    )
    assert highlight.mark("aaaa", ["aa", "aaa"]) == "<mark>aaaa</mark>"
    assert highlight.mark("hub hubs", ["hub"]) == "<mark>hub</mark> <mark>hub</mark>s"
    assert highlight.mark("Nothing here", ["absent", ""]) == "Nothing here"


def test_an_excerpt_is_short_cut_between_words_around_the_first_match_and_still_escaped():
    text = "start " + "word " * 100 + "<the> quillwort pilot " + "more " * 100 + "end"
    shown = highlight.excerpt(text, ["QUILLWORT"])
    assert shown.startswith("…word") and shown.endswith("more…")
    assert "&lt;the&gt; <mark>quillwort</mark> pilot" in shown
    assert len(shown) < highlight.EXCERPT_CHARS + 60
    # No match in this field (the row matched in another): the beginning, unmarked.
    assert highlight.excerpt(text, ["absent"]).startswith("start word")
    # Short text whole, line breaks as spaces.
    assert highlight.excerpt("one\n\ntwo", ["two"]) == "one <mark>two</mark>"


def test_a_match_at_the_very_end_of_a_long_text_is_shown():
    text = "word " * 200 + "quillwort"
    shown = highlight.excerpt(text, ["quillwort"])
    assert shown.endswith("<mark>quillwort</mark>") and shown.startswith("…")


def test_terms_are_words_and_quoted_phrases_once_each():
    assert query.terms('family  "best start"  hubs, (12.5) FAMILY') == ["family", "best start", "hubs", "12.5"]
    assert query.terms("“family hubs” C&M £5m C++") == ["family hubs", "C&M", "£5m", "C++"]
    assert query.terms('unclosed "quote here') == ["unclosed", "quote here"]
    assert query.terms("... , ;") == []


# Scoping ---------------------------------------------------------------------------------------


def test_another_commission_s_secretariat_never_gets_st_helens_draft(world, st_helens):
    client = client_for(world, "other_secretariat")
    response = search(client, q=WORD, commission=world.commissions.st_helens.pk)
    assert counts(response) == found()
    assert st_helens.meeting.pk not in meeting_choices(response)
    page = response.content.decode()
    assert WORD not in page.replace(f'value="{WORD}"', "").replace(f"Search: {WORD}", "")
    assert "Regular meeting, 4 March 2025" not in page
    # Nor by naming the meeting: it is refused as a choice, and nothing is searched.
    response = search(client, q=WORD, commission=world.commissions.st_helens.pk, meeting=st_helens.meeting.pk)
    assert response.context["sections"] == []
    assert "Choose one of the meetings listed" in response.content.decode()


def test_the_commissions_offered_are_those_the_user_may_see(world, st_helens):
    from commissions.models import Commission

    visible = {c.pk for c in Commission.objects.for_user(world.users.other_secretariat)}
    response = search(client_for(world, "other_secretariat"))
    assert commission_choices(response) == visible
    assert world.commissions.hackney.pk not in visible
    response = search(client_for(world, "other_secretariat"), commission=world.commissions.hackney.pk, q=WORD)
    assert response.context["sections"] == []
    assert response.context["form"].errors["commission"] == ["Choose one of the commissions listed."]
    assert "Hackney" not in response.content.decode()


def test_a_lead_finds_its_own_draft_entries_but_not_another_borough_s(world):
    knowsley = counts(search(client_for(world, "lead"), q="draft family hub"))
    halton = search(client_for(world, "other_lead"), q="family hub")
    assert knowsley["entries"] == 1  # Knowsley's own draft; Sefton's draft is not theirs
    found = {result.url for result in halton.context["sections"][-1].results}
    assert found == {
        reverse("stocktake:entry_detail", args=[e.pk]) for e in (world.entries.halton, world.entries.closed)
    }
    page = search(client_for(world, "lead"), q="family hub").content.decode()
    assert "Knowsley draft" in page and "Draft: not yet submitted" in page
    assert "Sefton draft" not in page and "Hackney" not in page


def test_once_st_helens_publishes_others_find_it(world, st_helens):
    client = client_for(world, "other_secretariat")
    assert counts(search(client, q=WORD))["minutes"] == 0
    st_helens.meeting.status = Meeting.Status.PUBLISHED
    st_helens.meeting.save()
    response = search(client, q=WORD, commission=world.commissions.st_helens.pk)
    assert counts(response) == found(minutes=1, decisions=1, actions=1)
    assert st_helens.meeting.pk in meeting_choices(response)
    assert ">Draft minutes</strong>" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_page_answers_each_role(world, role):
    args, viewers, allowed = SEARCH_PAGES["search:search"]
    response = client_for(world, role).get(reverse("search:search", args=args(world)), {"q": WORD})
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert role in viewers and role in allowed
        assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_finds_of_st_helens_draft(world, st_helens, role):
    if role == "anonymous":
        return
    expected = 1 if role in {"superuser", "reviewer", "secretariat"} else 0
    response = search(client_for(world, role), q=WORD)
    assert counts(response) == found(minutes=expected, decisions=expected, actions=expected)


def test_roles_interleaved_while_the_secretariat_writes_and_publishes(world):
    """St Helens' secretariat writes its minutes step by step; Cheshire East's secretariat, the ICS reviewer,
    a Knowsley lead and a viewer search for the same words after every step."""
    sec, other = client_for(world, "secretariat"), client_for(world, "other_secretariat")
    reviewer, lead, viewer = client_for(world, "reviewer"), client_for(world, "lead"), client_for(world, "viewer")
    st_helens = world.commissions.st_helens
    none = found()

    def check(word, *, drafts, published):
        """``drafts``: what those who see St Helens' drafts find; ``published``: what the others find."""
        for client, expected, offered in (
            (sec, drafts, True),
            (reviewer, drafts, True),
            (other, published, False),
            (viewer, published, False),
        ):
            response = search(client, q=word, commission=st_helens.pk)
            assert counts(response) == {**none, **expected}
            assert (meeting.pk in meeting_choices(response)) == (offered or meeting.status == "published")
        # A Knowsley lead sees none of St Helens' commission, published or not.
        response = search(lead, q=word)
        assert counts(response) == none
        assert st_helens.pk not in commission_choices(response)

    meeting = Meeting.objects.create(commission=st_helens, status=Meeting.Status.PLANNED, starts_at=at(2025, 5, 6))
    item = meeting.items.create(number="3", title="Best start in life")
    check(WORD, drafts={}, published={})

    paragraph = services.add_paragraph(world.users.secretariat, item, f"Health visitors began the {WORD} visits.")
    meeting.status = Meeting.Status.DRAFT
    meeting.save()
    check(WORD, drafts={"minutes": 1}, published={})

    action = Action.objects.create(
        commission=st_helens, meeting=meeting, paragraph=paragraph, description=f"Report on {WORD} visits", owner="DPH"
    )
    check(WORD, drafts={"minutes": 1, "actions": 1}, published={})

    paragraph.text = "Health visitors began the bryony visits."
    paragraph.save()
    check(WORD, drafts={"actions": 1}, published={})
    check("bryony", drafts={"minutes": 1}, published={})

    meeting.status = Meeting.Status.PUBLISHED
    meeting.save()
    check(WORD, drafts={"actions": 1}, published={"actions": 1})
    check("bryony", drafts={"minutes": 1}, published={"minutes": 1})

    # After publication the action is still chased: an update is found by all who read the action.
    services.add_update(world.users.secretariat, action, "Bryony visits reported to the Board")
    check("bryony", drafts={"minutes": 1, "actions": 1}, published={"minutes": 1, "actions": 1})

    # The next meeting's draft minutes use the word again: only the drafts' readers find them.
    later = minutes(st_helens, Meeting.Status.DRAFT, word="bryony", starts_at=at(2025, 7, 1))
    check("bryony", drafts={"minutes": 2, "decisions": 1, "actions": 2}, published={"minutes": 1, "actions": 1})
    response = search(other, q="bryony", commission=st_helens.pk)
    assert later.meeting.pk not in meeting_choices(response)
    assert later.meeting.pk in meeting_choices(search(sec, q="bryony", commission=st_helens.pk))


# Filters ---------------------------------------------------------------------------------------


def test_kind_commission_meeting_round_and_place_filters(world, st_helens):
    east = minutes(world.commissions.cheshire_east, Meeting.Status.PUBLISHED, word="family")
    client = client_for(world, "superuser")
    assert counts(search(client, q="family")) == found(minutes=2, decisions=1, actions=1, entries=5)
    assert counts(search(client, q="family", kind=["entries", "actions"])) == {"actions": 1, "entries": 5}
    by_commission = search(client, q="family", commission=world.commissions.cheshire_east.pk)
    assert counts(by_commission) == found(minutes=1, decisions=1, actions=1)
    assert meeting_choices(by_commission) == {east.meeting.pk}
    assert by_commission.context["sections"][-1].left_out
    assert "Not searched: a commission is chosen" in by_commission.content.decode()
    by_meeting = search(client, q="pilot", commission=st_helens.meeting.commission_id, meeting=st_helens.meeting.pk)
    assert counts(by_meeting) == found(minutes=1, decisions=1, actions=1)
    # A meeting of another commission than the one chosen is refused, with a message.
    wrong = search(client, q="pilot", commission=world.commissions.cheshire_east.pk, meeting=st_helens.meeting.pk)
    assert wrong.context["sections"] == [] and wrong.context["form"].errors["meeting"]
    by_round = search(client, q="family", round=world.rounds.closed.pk)
    assert counts(by_round) == found(entries=1)
    assert [section.key for section in by_round.context["sections"] if section.left_out] == [
        "minutes",
        "decisions",
        "questions",
        "actions",
    ]
    by_place = search(client, q="family", place=world.places["halton"].pk)
    assert counts(by_place)["entries"] == 1 and counts(by_place)["minutes"] == 0


def test_date_filters_use_the_meeting_s_date_and_the_round_s_period(world, st_helens):
    minutes(world.commissions.st_helens, Meeting.Status.DRAFT, starts_at=at(2024, 1, 10))
    Entry.objects.filter(pk=world.entries.closed.pk).update(text=f"Sefton {WORD}")
    world.rounds.closed.period_start, world.rounds.closed.period_end = date(2023, 10, 1), date(2023, 12, 31)
    world.rounds.closed.save()
    client = client_for(world, "superuser")
    assert counts(search(client, q=WORD)) == found(minutes=2, decisions=2, actions=2, entries=1)
    assert counts(search(client, q=WORD, date_from="2025-03-04")) == found(minutes=1, decisions=1, actions=1)
    assert counts(search(client, q=WORD, date_to="2024-12-31"))["minutes"] == 1
    # The round's period overlaps: October to December 2023 is found from November, and until October.
    assert counts(search(client, q=WORD, date_from="2023-11-15", date_to="2023-11-20"))["entries"] == 1
    assert counts(search(client, q=WORD, date_from="2024-01-01"))["entries"] == 0
    backwards = search(client, q=WORD, date_from="2025-01-01", date_to="2024-01-01")
    assert backwards.context["sections"] == []
    assert "must be the same as or after" in backwards.content.decode()
    bad = search(client, q=WORD, date_from="2025-13-45")
    assert bad.context["sections"] == [] and bad.context["form"].errors["date_from"]
    assert "Enter a real date, for example 1/4/2025." in bad.content.decode()
    assert counts(search(client, q=WORD, date_from="4/3/2025")) == found(minutes=1, decisions=1, actions=1)


# Limits ----------------------------------------------------------------------------------------


def test_too_many_words_are_refused_with_a_clear_message(world, st_helens):
    client = client_for(world, "secretariat")
    ten = " ".join([WORD] + [f"w{i}" for i in range(9)])
    assert search(client, q=ten).context["sections"]  # ten words are searched (and find nothing)
    response = search(client, q=ten + " eleven")
    assert response.context["sections"] == []
    page = response.content.decode()
    assert "at most 10 words or phrases at once; you asked for 11" in page
    assert "nhsuk-error-summary" in page and "nhsuk-error-message" in page


def test_a_long_query_is_refused_with_a_clear_message(world, st_helens):
    client = client_for(world, "secretariat")
    response = search(client, q='"' + "x" * 300 + '"')
    assert response.context["sections"] == []
    assert "at most 200 characters at once; this is 302" in response.content.decode()
    response = search(client, q="family\x00hub")
    assert response.context["sections"] == [] and response.context["form"].errors["q"]


def test_results_are_paged_per_kind_and_counted_only_up_to_the_limit(world, st_helens, monkeypatch):
    item = st_helens.item
    Paragraph.objects.bulk_create(
        Paragraph(item=item, number=f"12.{n}", position=n, text=f"{WORD} number {n}") for n in range(2, 27)
    )
    client = client_for(world, "secretariat")
    first = search(client, q=WORD)
    section = first.context["sections"][0]
    assert (section.count, section.pages, len(section.results), section.more) == (26, 2, 20, False)
    assert section.next_link and "minutes_page=2" in section.next_link
    second = search(client, q=WORD, minutes_page=2)
    assert len(second.context["sections"][0].results) == 6
    for asked in ("99", "0", "-3", "two", "²", "9" * 5000):
        assert search(client, q=WORD, minutes_page=asked).context["sections"][0].page in (1, 2)
    monkeypatch.setattr(query, "MAX_COUNTED", 25)
    capped = search(client, q=WORD).context["sections"][0]
    assert (capped.count, capped.more, capped.count_text) == (25, True, "more than 25")
    assert len(search(client, q=WORD, minutes_page=2).context["sections"][0].results) == 5
    assert "more than 25" in search(client, q=WORD).content.decode()


def test_the_page_costs_the_same_queries_however_many_rows_match(world, st_helens):
    client = client_for(world, "superuser")
    params = {"q": WORD, "commission": world.commissions.st_helens.pk}
    search(client, **params)
    with CaptureQueriesContext(connection) as few:
        search(client, **params)
    for n in range(30):
        more = minutes(world.commissions.st_helens, Meeting.Status.DRAFT, title=f"Meeting {n}")
        services.add_update(world.users.secretariat, more.action, f"{WORD} update {n}")
        Entry.objects.create(round=world.rounds.open, theme=world.entries.halton.theme, level="borough", text=WORD)
    with CaptureQueriesContext(connection) as many:
        response = search(client, **params)
    assert counts(response) == found(minutes=31, decisions=31, actions=31)
    assert len(many) == len(few) <= 26
    with CaptureQueriesContext(connection) as everything:
        response = search(client, q=WORD)
    assert counts(response)["entries"] == 30
    assert len(everything) <= 26


# Links -----------------------------------------------------------------------------------------


def test_the_search_is_linked_from_the_header_home_and_commission_pages(world, st_helens):
    client = client_for(world, "secretariat")
    url = reverse("search:search")
    home = client.get(reverse("home")).content.decode()
    assert f'href="{url}"' in home and f'action="{url}"' in home
    commission = client.get(reverse("commissions:commission_detail", args=[world.commissions.st_helens.slug]))
    assert f'href="{url}?commission={world.commissions.st_helens.pk}"' in commission.content.decode()
    meeting = client.get(reverse("commissions:meeting_detail", args=[st_helens.meeting.pk])).content.decode()
    assert f"?commission={world.commissions.st_helens.pk}&amp;meeting={st_helens.meeting.pk}" in meeting


ODD = [
    {"q": WORD, "kind": "nonsense", "commission": "abc", "meeting": "99999999999999999999"},
    {"q": WORD, "date_from": "<script>", "date_to": "1e9", "round": "-1", "place": "x"},
    {"q": WORD, "minutes_page": "zzz", "entries_page": "-1", "actions_page": "1e9"},
    {"q": ["a", "b"], "kind": ["minutes", "minutes", "entries"], "commission": ["1", "2"]},
    {"q": "'; DROP TABLE commissions_paragraph; --", "meeting": "1"},
    {"q": "%_%", "kind": "minutes"},
]


@pytest.mark.parametrize("params", ODD)
@pytest.mark.parametrize("role", ["secretariat", "other_secretariat", "lead", "viewer"])
def test_odd_query_strings_answer_with_the_form_never_a_500(world, st_helens, role, params):
    response = client_for(world, role).get(reverse("search:search"), params)
    assert response.status_code == 200
    assert Paragraph.objects.filter(pk=st_helens.paragraph.pk).exists()


def test_like_wildcards_are_matched_literally(world, st_helens):
    client = client_for(world, "secretariat")
    assert counts(search(client, q="%"))["minutes"] == 0
    assert counts(search(client, q="_"))["minutes"] == 0
    Paragraph.objects.filter(pk=st_helens.paragraph.pk).update(text="Uptake rose 100% in snake_case ward")
    assert counts(search(client, q="100% snake_case"))["minutes"] == 1
