import pytest

from boroughs.demo import load_places
from boroughs.models import Place, PlaceAlias
from boroughs.names import PlaceNames

CHESHIRE_AND_MERSEYSIDE_BOROUGHS = {
    "Cheshire East": "E06000049",
    "Cheshire West and Chester": "E06000050",
    "Warrington": "E06000007",
    "Halton": "E06000006",
    "Knowsley": "E08000011",
    "Liverpool": "E08000012",
    "St Helens": "E08000013",
    "Sefton": "E08000014",
    "Wirral": "E08000015",
}


def test_cheshire_and_merseyside_has_its_nine_boroughs_with_ons_codes(places):
    ics = places["cheshire-and-merseyside"]
    boroughs = Place.objects.within(ics).boroughs()
    assert dict(boroughs.values_list("name", "ons_code")) == CHESHIRE_AND_MERSEYSIDE_BOROUGHS


def test_boroughs_sit_under_their_sub_region_or_combined_authority(places):
    assert places["warrington"].parent == places["cheshire-and-warrington"]
    assert places["knowsley"].parent == places["liverpool-city-region-combined-authority"]
    assert places["knowsley"].parent.kind == Place.Kind.COMBINED_AUTHORITY
    assert places["northwood"].parent == places["knowsley"]
    assert places["northwood"].system == places["cheshire-and-merseyside"]
    assert list(places["northwood"].ancestors().values_list("slug", flat=True)) == [
        "cheshire-and-merseyside",
        "liverpool-city-region-combined-authority",
        "knowsley",
        "northwood",
    ]


def test_a_second_system_fits_beside_the_first_without_sharing_places(places):
    nel = places["north-east-london"]
    assert places["hackney"].system == nel
    assert not Place.objects.within(nel).filter(slug="knowsley").exists()
    assert not Place.objects.within(places["cheshire-and-merseyside"]).filter(slug="hackney").exists()


def test_loading_the_places_twice_duplicates_nothing(places):
    counts = load_places()
    assert counts == {"created": 0, "updated": 0}
    assert Place.objects.count() == len(places)
    assert PlaceAlias.objects.filter(name="SMBC").count() == 1


def test_moving_a_place_moves_everything_below_it(places):
    knowsley = places["knowsley"]
    knowsley.parent = places["cheshire-and-warrington"]
    knowsley.save()
    northwood = Place.objects.get(slug="northwood")
    assert northwood.path.startswith(places["cheshire-and-warrington"].path)


@pytest.mark.parametrize(
    "paragraph, expected, lead_in",
    [
        ("Knowsley - first Family Hub has opened", ["Knowsley"], "Knowsley - "),
        ("Cheshire West & Chester - Pupils receive", ["Cheshire West and Chester"], "Cheshire West & Chester - "),
        (
            "Cheshire West and Chester - wraparound advice",
            ["Cheshire West and Chester"],
            "Cheshire West and Chester - ",
        ),
        ("SMBC - ACEs forum", ["Sefton"], "SMBC - "),
        ("Liverpool & Knowsley - signed the Charter", ["Liverpool", "Knowsley"], "Liverpool & Knowsley - "),
        (
            "Halton, Liverpool and Knowsley have recruited people",
            ["Halton", "Liverpool", "Knowsley"],
            "Halton, Liverpool and Knowsley ",
        ),
        ("Halton & St Helens CVS Providing practical help", ["Halton", "St Helens"], "Halton & St Helens "),
        ("Sefton created a child poverty strategy", ["Sefton"], "Sefton "),
        ("Crewe - Towns Fund", ["Crewe"], "Crewe - "),
    ],
)
def test_it_reads_the_places_a_paragraph_starts_with(places, paragraph, expected, lead_in):
    names = PlaceNames(places["cheshire-and-merseyside"])
    named = names.read_prefix(paragraph)
    assert [Place.objects.get(pk=pk).name for pk in named.place_ids] == expected
    assert named.lead_in == lead_in
    assert named.lead_in + named.text == paragraph


def test_all_nine_places_means_every_borough(places):
    names = PlaceNames(places["cheshire-and-merseyside"])
    named = names.read_prefix("All 9 places offering and promoting support")
    assert set(named.place_ids) == set(
        Place.objects.within(places["cheshire-and-merseyside"]).boroughs().values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "paragraph",
    [
        "SMBC'spreviously successful ACE's forum has been reestablished.",
        "We are also supporting Children's Services",
        "NHS Health checks programme - open to all eligible population",
        "knowsley in lower case is not a name at the start of a paragraph",
    ],
)
def test_it_does_not_take_continuation_lines_for_places(places, paragraph):
    names = PlaceNames(places["cheshire-and-merseyside"])
    assert names.read_prefix(paragraph) is None
    assert names.unknown_prefix(paragraph) is None


def test_it_spots_a_place_name_it_does_not_know(places):
    names = PlaceNames(places["cheshire-and-merseyside"])
    assert names.unknown_prefix("Trafford - a new family hub") == "Trafford"
    assert names.unknown_prefix("Stoke on Trent - a new family hub") == "Stoke on Trent"


def test_places_of_another_system_are_not_names_here(places):
    names = PlaceNames(places["cheshire-and-merseyside"])
    assert names.read_prefix("Hackney - a new family hub") is None
    assert names.unknown_prefix("Hackney - a new family hub") == "Hackney"


def test_a_lead_in_is_written_from_the_places(places):
    names = PlaceNames(places["cheshire-and-merseyside"])
    assert names.lead_in_for([places["knowsley"].pk]) == "Knowsley - "
    assert names.lead_in_for([places["halton"].pk, places["knowsley"].pk]) == "Halton and Knowsley - "
