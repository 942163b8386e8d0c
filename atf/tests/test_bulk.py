import gc
import threading
from datetime import UTC, datetime

import pytest

from atf.bulk import collection_paused, fetch_rows, insert_rows
from stocktake.models import Entry, Level, Round


@pytest.fixture
def round_(framework):
    return Round.objects.create(framework=framework, name="Bulk round")


def test_insert_rows_writes_what_the_orm_reads_back(round_, framework, places):
    theme = framework.themes.get(number=3)
    when = datetime(2024, 1, 31, 9, 30, 15, 123456, tzinfo=UTC)
    rows = [
        (
            round_.pk,
            theme.pk,
            None,
            None,
            Level.BOROUGH,
            "Knowsley - ",
            f"entry {i} ‘quoted’ =1+1\ttab\\back\\slash\nnew line\\N",
            i,
            when,
            when,
        )
        for i in range(12)
    ]
    fields = ("round", "theme", "system_recommendation", "column_place", "level", "lead_in", "text", "position")
    count = insert_rows(Entry, (*fields, "created", "updated"), rows)

    assert count == 12
    entries = list(Entry.objects.filter(round=round_).order_by("position"))
    assert [e.text for e in entries] == [f"entry {i} ‘quoted’ =1+1\ttab\\back\\slash\nnew line\\N" for i in range(12)]
    first = entries[0]
    assert (first.theme, first.system_recommendation, first.column_place, first.level) == (theme, None, None, "borough")
    assert first.created == first.updated == when


def test_insert_rows_takes_a_generator_longer_than_one_batch(round_, framework):
    theme = framework.themes.get(number=1)
    when = datetime(2024, 1, 1, tzinfo=UTC)
    rows = ((round_.pk, theme.pk, "borough", "", "x", i, when, when) for i in range(12_345))
    fields = ("round", "theme", "level", "lead_in", "text", "position", "created", "updated")
    assert insert_rows(Entry, fields, rows) == 12_345
    assert Entry.objects.filter(round=round_).count() == 12_345


def test_fetch_rows_gives_the_querysets_rows(round_, framework):
    theme = framework.themes.get(number=1)
    Entry.objects.create(round=round_, theme=theme, level="borough", text="b", position=1)
    Entry.objects.create(round=round_, theme=theme, level="borough", text="a", position=0)
    query = Entry.objects.filter(round=round_).order_by("position").values_list("position", "text")
    assert fetch_rows(query) == [(0, "a"), (1, "b")]


def test_collection_pauses_and_resumes_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_collection_stays_off_if_it_was_off_already():
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_never_paused_from_another_thread_than_the_main_one():
    """A threaded server's request runs in a thread of its own: pausing there would pause every request's."""
    seen = []

    def in_a_thread():
        with collection_paused():
            seen.append(gc.isenabled())

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    assert seen == [True] and gc.isenabled()
