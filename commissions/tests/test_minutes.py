from datetime import date
from pathlib import Path

import pytest

from commissions.minutes import parse_minutes

SEED = Path(__file__).resolve().parents[1] / "data" / "hackney_hwb_item_12.txt"


def test_seed_001_parses_into_fourteen_paragraphs_with_12_5_twice_flagged():
    minutes = parse_minutes(SEED.read_text())
    assert [p.number for p in minutes.paragraphs] == [
        "12.1",
        "12.2",
        "12.3",
        "12.4",
        "12.5",
        "12.5",
        "12.6",
        "12.7",
        "12.8",
        "12.9",
        "12.10",
        "12.11",
        "12.12",
        "12.13",
    ]
    assert [p.duplicate for p in minutes.paragraphs if p.number == "12.5"] == [False, True]
    assert minutes.duplicates == ["12.5"]


def test_the_agenda_item_is_found_with_its_title():
    minutes = parse_minutes(SEED.read_text())
    assert len(minutes.items) == 1
    item = minutes.items[0]
    assert item.number == "12"
    assert item.title.startswith("Role of Hackney Health and Wellbeing Board in Tackling Inequalities")


def test_the_action_belongs_to_its_owner_and_arises_from_the_paragraph_above():
    minutes = parse_minutes(SEED.read_text())
    assert len(minutes.actions) == 1
    action = minutes.actions[0]
    assert action.owner == "The Head of Performance and Population"
    assert action.paragraph_number == "12.12"
    assert action.description.startswith("The Head of Performance and Population stated that shifting")


def test_wrapped_lines_are_joined_and_bullets_kept():
    minutes = parse_minutes(SEED.read_text())
    first, second = minutes.paragraphs[0], minutes.paragraphs[1]
    assert "(City and Hackney Clinical Commissioning Group) introduced the report." in first.text
    assert second.text.count("\n·") == 4


def test_what_cannot_be_parsed_is_shown_not_dropped():
    minutes = parse_minutes(SEED.read_text())
    assert minutes.unparsed == ["Supporting documents:"]
    orphan = parse_minutes("Some notes with no numbers at all\nAction:")
    assert orphan.paragraphs == [] and orphan.unparsed == ["Some notes with no numbers at all", "Action:"]


def test_several_items_and_an_item_heading():
    minutes = parse_minutes("3. Matters arising\n3.1 None.\n4.1 The chair welcomed all.\nAction: Chair\n4.2 Close.")
    assert [(i.number, i.title) for i in minutes.items] == [("3", "Matters arising"), ("4", "Item 4")]
    assert [a.owner for a in minutes.actions] == ["Chair"]


@pytest.mark.parametrize(
    "line, owner, what, due",
    [
        (
            "Director of Public Health to circulate the ward-level uptake figures by 31/05/2027",
            "Director of Public Health",
            "Circulate the ward-level uptake figures",
            date(2027, 5, 31),
        ),
        (
            "Head of Integration to bring the findings to the Board (by 31 March 2027)",
            "Head of Integration",
            "Bring the findings to the Board",
            date(2027, 3, 31),
        ),
        ("Chair \u2013 write to the minister, due 1st June 2027.", "Chair", "Write to the minister", date(2027, 6, 1)),
        ("All members will read the toolkit", "All members", "Read the toolkit", None),
        # Not a real date: left in the text, where the secretariat sees it, and no due date.
        ("Chair to report by 31/02/2027", "Chair", "Report by 31/02/2027", None),
    ],
)
def test_an_action_line_says_its_owner_what_is_to_be_done_and_by_when(line, owner, what, due):
    minutes = parse_minutes(f"3.1 The commission discussed the figures.\nAction: {line}")
    [action] = minutes.actions
    assert (action.owner, action.description, action.due, action.said) == (owner, what, due, True)
    assert action.paragraph_number == "3.1"


def test_an_action_line_with_only_its_owner_takes_the_paragraph_as_what_is_to_be_done():
    text = "3.1 The commission asked for the figures by ward.\nAction: The Head of Performance"
    [action] = parse_minutes(text).actions
    assert (action.owner, action.due, action.said) == ("The Head of Performance", None, False)
    assert action.description == "The commission asked for the figures by ward."
