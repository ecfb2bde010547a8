"""A replace keeps the table it replaced as its archive partition (no copy); other loads get a partition each."""

from __future__ import annotations

import importlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.loaders.conftest import Scratch, _connect

ARCHIVED = (
    "SELECT count(*), md5(string_agg(row_id || ':' || load_id || ':' || ward_code || ':' || map_sheet || ':' || "
    "parcel_no || ':' || md5(ST_AsEWKB(geom)::text), ',' ORDER BY row_id)) FROM layer_parcels_archive "
    "WHERE archived_by = %s"
)
LIVE = (
    "SELECT count(*), md5(string_agg(id || ':' || load_id || ':' || ward_code || ':' || map_sheet || ':' || "
    "parcel_no || ':' || md5(ST_AsEWKB(geom)::text), ',' ORDER BY id)) FROM layer_parcels"
)


def _filenode(scratch: Scratch, table: str) -> int:
    return int(scratch.query("SELECT relfilenode FROM pg_class WHERE relname = %s", (table,))[0][0])


def test_replace_attaches_the_old_table_as_the_archive_partition(scratch: Scratch) -> None:
    live, before = _filenode(scratch, "layer_parcels"), scratch.query(LIVE)[0]
    scratch.load_sample()
    load = scratch.latest_load()
    partition = f"layer_parcels_archive_{load}"
    assert _filenode(scratch, partition) == live, "the old table's own file: no row was copied"
    assert scratch.query(ARCHIVED, (load,))[0] == before
    parent = scratch.query(
        "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = %s::regclass", (partition,)
    )
    assert parent == [("layer_parcels_archive",)]
    indexes = scratch.query("SELECT indexdef FROM pg_indexes WHERE tablename = %s", (partition,))
    assert len(indexes) == 1 and indexes[0][0].endswith("USING btree (load_id)"), "the archive's one index, adopted"
    grants = scratch.query("SELECT count(*) FROM information_schema.role_table_grants WHERE table_name = %s "
                           "AND grantee <> current_user", (partition,))  # fmt: skip
    assert grants == [(0,)]


def test_rollback_of_a_replace_restores_the_rows_and_drops_the_partition(scratch: Scratch) -> None:
    before = scratch.query(LIVE)[0]
    scratch.load_sample()
    load = scratch.latest_load()
    scratch.gis("loads", "rollback", str(load), "--quiet")
    assert scratch.query(LIVE)[0] == before
    assert not scratch.query("SELECT 1 FROM pg_class WHERE relname = %s", (f"layer_parcels_archive_{load}",))


def test_rolling_back_a_replace_rebuilds_the_table_and_keeps_what_later_loads_added(
    scratch: Scratch, tmp_path: Path
) -> None:
    """The replace is undone by a new table built from its archive partition plus the live rows of later loads,
    swapped in with every index, constraint and grant of the live table; ids and load ids as they were."""
    from tests.loaders.test_load import LOT, lot_row, write_parcels
    from tests.loaders.test_rebuild import SHAPE

    before, shape = scratch.query(LIVE)[0], scratch.query(SHAPE)
    scratch.load_sample()
    replace = scratch.latest_load()
    extra = write_parcels(tmp_path / "extra.gpkg", [LOT], [lot_row(993, 1)])
    scratch.gis("load", "parcels", str(extra), "--mode", "append", "--quiet")
    appended = scratch.query("SELECT id, load_id FROM layer_parcels WHERE map_sheet = 993")
    live = _filenode(scratch, "layer_parcels")
    report = json.loads(scratch.gis("loads", "rollback", str(replace), "--json").stdout)
    assert _filenode(scratch, "layer_parcels") != live, "a new table, not a million DELETEs and INSERTs"
    assert report["counts"] == {"removed": before[0], "restored": before[0]}
    assert scratch.query("SELECT id, load_id FROM layer_parcels WHERE map_sheet = 993") == appended
    assert scratch.query(LIVE.replace("FROM layer_parcels", "FROM layer_parcels WHERE map_sheet <> 993"))[0] == before
    assert scratch.query(SHAPE) == shape
    scratch.gis("loads", "rollback", str(scratch.latest_load() - 1))  # the append: row by row, as before
    assert scratch.query(LIVE)[0] == before


def test_an_upsert_archives_into_a_partition_of_its_own(scratch: Scratch) -> None:
    before = scratch.query(LIVE)[0]
    scratch.load_sample("upsert")
    load = scratch.latest_load()
    assert scratch.query(ARCHIVED, (load,))[0][0] == before[0], "every row had its key staged"
    assert scratch.query("SELECT count(*) FROM pg_class WHERE relname = %s", (f"layer_parcels_archive_{load}",)) == [
        (1,)
    ]
    scratch.gis("loads", "rollback", str(load), "--quiet")
    assert scratch.query(LIVE)[0] == before


def test_prune_keeps_the_newest_archives_and_refuses_to_roll_back_a_pruned_load(scratch: Scratch) -> None:
    for _ in range(3):
        scratch.load_sample()
    newest = scratch.latest_load()
    partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'layer_parcels_archive'::regclass"
    before_prune = scratch.query(partitions)
    assert before_prune[0][0] >= 3
    scratch.vacuum("layer_parcels_archive")  # so that sizes can't change between the dry run and the prune
    dry = json.loads(scratch.gis("loads", "prune", "--keep", "2", "--layer", "parcels", "--dry-run", "--json").stdout)
    assert dry["status"] == "dry-run" and scratch.query(partitions) == before_prune, "a dry run drops nothing"
    assert scratch.query("SELECT count(*) FROM gis_load WHERE report ? 'archive_pruned_at' AND id = ANY(%s)",
                         (dry["pruned"]["parcels"],)) == [(0,)], "and marks no load"  # fmt: skip
    report = json.loads(scratch.gis("loads", "prune", "--keep", "2", "--layer", "parcels", "--json").stdout)
    assert scratch.query(partitions) == [(2,)]
    assert (report["pruned"], report["freed_bytes"]) == (dry["pruned"], dry["freed_bytes"]), "what it said it would"
    assert newest - 2 in report["pruned"]["parcels"] and newest - 1 not in report["pruned"]["parcels"]
    assert report["freed_bytes"] > 0
    listed = scratch.gis("loads", "list", "--layer", "parcels", "--limit", "3").stdout.splitlines()
    assert [" done, pruned " in line for line in listed] == [False, False, True]
    before = scratch.query(LIVE)[0]
    refused = scratch.gis("loads", "rollback", str(newest - 2), check=False)
    assert refused.returncode == 2 and "pruned" in refused.stderr
    assert scratch.query(LIVE)[0] == before, "a refused rollback changes nothing"
    scratch.gis("loads", "rollback", str(newest), "--quiet")  # the kept ones still roll back
    assert scratch.query(LIVE)[0] != before


@pytest.mark.django_db
def test_the_migration_moves_archived_rows_into_a_partition_per_load() -> None:
    """0008 on an archive that already holds rows of two loads (what an existing deployment has)."""
    migration = importlib.import_module("layers.migrations.0008_partitioned_archives")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE gis_probe_archive (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text, "
            "row_id bigint NOT NULL, load_id bigint, archived_by bigint NOT NULL)"
        )
        cursor.execute("CREATE INDEX gis_probe_archive_load ON gis_probe_archive (load_id)")
        cursor.execute("CREATE INDEX gis_probe_archive_by ON gis_probe_archive (archived_by)")
        cursor.execute(
            "INSERT INTO gis_probe_archive (name, row_id, load_id, archived_by) "
            "VALUES ('a', 1, 1, 2), ('b', 2, 1, 2), ('c', 1, 2, 3)"
        )
        migration._partition(cursor.cursor, "gis_probe_archive")
        cursor.execute("SELECT tableoid::regclass::text, name, row_id, load_id FROM gis_probe_archive ORDER BY name")
        assert cursor.fetchall() == [
            ("gis_probe_archive_2", "a", 1, 1),
            ("gis_probe_archive_2", "b", 2, 1),
            ("gis_probe_archive_3", "c", 1, 2),
        ]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'gis_probe_archive'")
        assert [d for (d,) in cursor.fetchall()] == [
            "CREATE INDEX gis_probe_archive_load ON ONLY public.gis_probe_archive USING btree (load_id)"
        ]


def test_prune_older_than_keeps_recent_archives_and_always_the_newest(scratch: Scratch) -> None:
    for _ in range(3):
        scratch.load_sample()
    newest = scratch.latest_load()
    first, second = newest - 2, newest - 1
    scratch.query(
        "UPDATE gis_load SET finished_at = now() - CASE WHEN id < %(a)s THEN interval '400 days' "
        "WHEN id = %(a)s THEN interval '100 days' WHEN id = %(b)s THEN interval '10 days' ELSE interval '0' END "
        "WHERE layer = 'parcels' RETURNING id",
        {"a": first, "b": second},
    )

    def prune(*rules: str) -> dict[str, Any]:
        return json.loads(scratch.gis("loads", "prune", *rules, "--layer", "parcels", "--json").stdout)

    def kept(load: int) -> bool:
        return bool(scratch.query("SELECT 1 FROM pg_class WHERE relname = %s", (f"layer_parcels_archive_{load}",)))

    assert first in prune("--older-than", "30")["pruned"]["parcels"]
    assert not kept(first) and kept(second) and kept(newest)
    assert prune("--keep", "1", "--older-than", "30")["pruned"] == {}, "the 10-day-old archive is within 30 days"
    assert prune("--older-than", "5")["pruned"] == {"parcels": [second]}
    scratch.query("UPDATE gis_load SET finished_at = now() - interval '200 days' WHERE id = %s RETURNING id", (newest,))
    assert prune("--older-than", "0")["pruned"] == {} and kept(newest), "the newest archive undoes the last load"
    for bad in ((), ("--keep", "0"), ("--older-than", "-1"), ("--older-than", "nan"), ("--older-than", "inf")):
        refused = scratch.gis("loads", "prune", *bad, check=False)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1


def test_prune_drops_a_next_table_left_by_a_killed_load_but_waits_for_a_running_one(scratch: Scratch) -> None:
    from loaders.staging import LOCK_CLASS

    exists = "SELECT count(*) FROM pg_class WHERE relname = 'layer_parcels__next'"
    with _connect(scratch.name, autocommit=True) as admin:
        admin.execute("CREATE TABLE layer_parcels__next AS SELECT * FROM layer_parcels")
    dry = json.loads(scratch.gis("loads", "prune", "--keep", "100", "--layer", "parcels", "--dry-run", "--json").stdout)
    assert dry["leftovers_dropped"] == ["layer_parcels__next"] and scratch.query(exists) == [(1,)]
    with _connect(scratch.name, autocommit=True) as load:  # a load of parcels at work: it holds the layer's lock
        load.execute("SELECT pg_advisory_lock(%s, hashtext('parcels'))", (LOCK_CLASS,))
        pruning = scratch.spawn("loads", "prune", "--keep", "100", "--layer", "parcels", "--json")
        with pytest.raises(subprocess.TimeoutExpired):
            pruning.wait(timeout=2)
        assert scratch.query(exists) == [(1,)], "the running load's table is not touched"
    out, err = pruning.communicate(timeout=60)  # the load's session ended: its lock is gone, the table is a leftover
    assert pruning.returncode == 0, err
    report = json.loads(out)
    assert report["leftovers_dropped"] == ["layer_parcels__next"] and report["freed_bytes"] > 0
    assert scratch.query(exists) == [(0,)]


def test_a_replace_records_the_box_of_the_old_rows_and_the_new(scratch: Scratch, tmp_path: Path) -> None:
    """The old extent is read beside ANALYZE, before the swap transaction, while the layer's lock holds it still."""
    from tests.loaders.test_load import LOT, lot_row, write_parcels

    before = scratch.query(LIVE)[0]
    old = scratch.query("SELECT ST_Extent(geom)::geometry FROM layer_parcels")[0][0]
    one = write_parcels(tmp_path / "one.gpkg", [LOT], [lot_row(994, 1)])
    scratch.gis("load", "parcels", str(one), "--mode", "replace", "--quiet")
    load = scratch.latest_load()
    same = scratch.query(
        "SELECT ST_Equals(l.changed_extent, ST_SetSRID(ST_Envelope(ST_Collect(%s::geometry, "
        "(SELECT ST_Extent(geom)::geometry FROM layer_parcels))), 9210)) FROM gis_load l WHERE l.id = %s",
        (old, load),
    )
    assert same == [(True,)]
    scratch.gis("loads", "rollback", str(load), "--quiet")
    assert scratch.query(LIVE)[0] == before
