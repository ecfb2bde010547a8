"""``--mode replace`` builds a new table and swaps it in: nothing of the old table's shape may be lost on the way."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from loaders.staging import LOCK_CLASS
from tests.loaders.conftest import ROOT, Scratch, _connect

SHAPE = (
    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'layer_parcels' "
    "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'layer_parcels'::regclass "
    "UNION ALL SELECT attname, format_type(atttypid, atttypmod) || ' ' || attnotnull || ' ' || attidentity::text "
    "|| ' ' || attgenerated::text || ' ' || atthasdef FROM pg_attribute "
    "WHERE attrelid = 'layer_parcels'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY 1, 2"
)


def _replace(scratch: Scratch) -> None:
    scratch.load_sample()


def test_replace_keeps_columns_indexes_constraints_grants_and_the_id_sequence(scratch: Scratch) -> None:
    with _connect(scratch.name, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE gis_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.execute("GRANT SELECT ON layer_parcels TO gis_reader")
    shape, top = scratch.query(SHAPE), scratch.query("SELECT max(id) FROM layer_parcels")[0][0]
    _replace(scratch)
    assert scratch.query(SHAPE) == shape
    assert scratch.query("SELECT has_table_privilege('gis_reader', 'layer_parcels', 'SELECT')")[0][0]
    assert scratch.query("SELECT min(id) FROM layer_parcels")[0][0] > top, "ids continue, never reused"
    assert not scratch.query("SELECT 1 FROM pg_class WHERE relname LIKE 'layer_parcels\\_\\_next%%'")
    assert scratch.query("SELECT reltuples > 0 FROM pg_class WHERE relname = 'layer_parcels'")[0][0], "analyzed"
    # an append after the swap takes its ids from the same sequence
    next_id = scratch.query("SELECT nextval(pg_get_serial_sequence('layer_parcels', 'id'))")[0][0]
    assert next_id > scratch.query("SELECT max(id) FROM layer_parcels")[0][0]


def test_a_table_with_a_trigger_is_replaced_in_place_and_keeps_it(scratch: Scratch) -> None:
    with _connect(scratch.name, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION gis_test_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER gis_test_keep BEFORE INSERT ON layer_parcels FOR EACH ROW EXECUTE FUNCTION gis_test_noop()"
        )
    try:
        before = scratch.parcels_checksum()[0]
        result = scratch.gis(
            "load", "parcels", str(scratch.sample / "parcels.gpkg"), "--mode", "replace", "--force", "--json"
        )
        assert "trigger gis_test_keep" in json.loads(result.stdout)["notes"]["replace"]
        assert scratch.parcels_checksum()[0] == before
        assert scratch.query("SELECT count(*) FROM pg_trigger WHERE tgname = 'gis_test_keep'")[0][0] == 1
    finally:
        with _connect(scratch.name, autocommit=True) as conn:
            conn.execute("DROP TRIGGER IF EXISTS gis_test_keep ON layer_parcels")


def test_prepared_readers_follow_the_swap(scratch: Scratch) -> None:
    """A reader's prepared statement (our tile server prepares its tile query) is re-planned on the new table."""
    count = scratch.parcels_checksum()[0]
    seen: set[Any] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            with _connect(scratch.name, autocommit=True) as conn:
                while not stop.is_set():
                    row = conn.execute(
                        "SELECT count(*) FROM layer_parcels WHERE id > %s", (0,), prepare=True
                    ).fetchone()
                    seen.add(row[0] if row else None)
        except BaseException as error:
            errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _replace(scratch)
        _replace(scratch)
    finally:
        stop.set()
        reader.join()
    assert not errors, errors
    assert seen == {count}


# What the live table gets for the failing run, and how to take it off again; the new table inherits it.
_BREAKERS = {
    # the COPY (outside the load's transaction) is refused: a CHECK every row of the file breaks
    "copy": (
        ["ALTER TABLE layer_parcels ADD CONSTRAINT gis_test_small CHECK (area < 0) NOT VALID"],
        ["ALTER TABLE layer_parcels DROP CONSTRAINT gis_test_small"],
        "IntegrityError",
    ),
    # an index build on one of the parallel connections fails: its function refuses ids the live rows lack
    "index": (
        [
            "CREATE FUNCTION gis_test_refuse(bigint, bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS "
            "$$ BEGIN IF $1 > $2 THEN RAISE EXCEPTION 'refused'; END IF; RETURN $1; END $$",
            "DO $$ BEGIN EXECUTE format('CREATE INDEX gis_test_refusing ON layer_parcels (gis_test_refuse(id, %s))', "
            "(SELECT max(id) FROM layer_parcels)); END $$",
        ],
        ["DROP INDEX gis_test_refusing", "DROP FUNCTION gis_test_refuse"],
        "ProgrammingError",
    ),
}


@pytest.mark.parametrize("step", sorted(_BREAKERS))
def test_a_failure_while_building_the_new_table_changes_nothing_and_leaves_no_table(
    scratch: Scratch, step: str
) -> None:
    """The new table is filled and indexed outside the load's transaction: a failure there is one line, and the
    live table, the archive, the load history and the locks are as they were."""
    before = scratch.parcels_checksum()
    archived, loads = (scratch.query(f"SELECT count(*) FROM {t}")[0][0] for t in ("layer_parcels_archive", "gis_load"))
    setup, teardown, error = _BREAKERS[step]
    with _connect(scratch.name, autocommit=True) as conn:
        for statement in setup:
            conn.execute(statement)
    try:
        result = scratch.gis("load", "parcels", str(scratch.sample / "parcels.gpkg"), "--mode", "replace", "--force",
                             check=False)  # fmt: skip
    finally:
        with _connect(scratch.name, autocommit=True) as conn:
            for statement in teardown:
                conn.execute(statement)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f"the database refused the change ({error})" in result.stderr
    assert scratch.parcels_checksum() == before
    assert scratch.query("SELECT count(*) FROM layer_parcels_archive")[0][0] == archived
    assert scratch.query("SELECT count(*) FROM gis_load")[0][0] == loads
    assert not scratch.query("SELECT 1 FROM pg_class WHERE relname LIKE 'layer_parcels\\_\\_next%%'")
    assert not scratch.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'")


def test_a_table_left_by_a_killed_replace_is_dropped_by_the_next(scratch: Scratch) -> None:
    """kill -9 after the new table was committed leaves it behind (the live table untouched); the next replace
    starts from a clean one."""
    with _connect(scratch.name, autocommit=True) as conn:
        conn.execute("CREATE TABLE layer_parcels__next (LIKE layer_parcels INCLUDING ALL)")
        conn.execute(
            "INSERT INTO layer_parcels__next (ward_code, ward_2025_code, map_sheet, parcel_no, area, land_use, geom) "
            "SELECT ward_code, ward_2025_code, map_sheet, parcel_no, area, land_use, geom FROM layer_parcels LIMIT 1"
        )
    _replace(scratch)
    assert not scratch.query("SELECT 1 FROM pg_class WHERE relname LIKE 'layer_parcels\\_\\_next%%'")
    latest = scratch.latest_load()
    assert scratch.query("SELECT count(*) = count(*) FILTER (WHERE load_id = %s) FROM layer_parcels", (latest,))[0][0]


def test_the_layer_lock_is_held_while_the_new_table_is_built(scratch: Scratch) -> None:
    """The new table is filled and indexed before the load's transaction: the layer's advisory lock (a session
    lock there) must already keep other loads and rollbacks of the layer out."""
    process = scratch.spawn("load", "parcels", str(scratch.sample / "parcels.gpkg"), "--mode", "replace", "--force")
    deadline, building = time.monotonic() + 60, False
    while time.monotonic() < deadline and process.poll() is None and not building:
        building = bool(scratch.query("SELECT 1 FROM pg_class WHERE relname = 'layer_parcels__next'"))
        time.sleep(0.01)
    assert building, "never saw the new table being built"
    with _connect(scratch.name) as other:
        taken = other.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext('parcels'))", (LOCK_CLASS,)).fetchone()
    assert taken == (False,), "another session could take the layer's lock during the build"
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err


def test_builds_start_with_the_longest() -> None:
    """GiST first, then expression and multi-column B-trees, single columns last: side by side, they end together."""
    from loaders.rebuild import _build_rank

    definitions = [
        "CREATE UNIQUE INDEX p_pkey ON public.p USING btree (id)",
        "CREATE INDEX p_fold ON public.p USING btree (gis_fold(address) text_pattern_ops)",
        "CREATE UNIQUE INDEX p_key ON public.p USING btree (ward_code, map_sheet, parcel_no)",
        "CREATE INDEX p_geom ON public.p USING gist (geom)",
    ]
    names = [d.partition(" INDEX ")[2].split()[0] for d in sorted(definitions, key=_build_rank)]
    assert names == ["p_geom", "p_fold", "p_key", "p_pkey"]


# The CLI with the COPY cut into chunks of a hundred rows, so that the sample's chunks go out on every connection.
_CHUNKED = (
    "import sys; from loaders import cli; cli._setup_django(); import loaders.swap as swap; swap.COPY_CHUNK = 100; "
    "sys.exit(cli.main())"
)
_IN_ORDER = "SELECT id - min(id) OVER (), ward_code, map_sheet, parcel_no FROM layer_parcels ORDER BY id"


def test_rows_copied_on_several_connections_keep_the_ids_of_file_order(scratch: Scratch) -> None:
    """The new table is filled a chunk at a time on several connections at once; each row still gets the id a
    single COPY in file order gives it, whichever connection wrote it, and the ids leave no gap."""
    _replace(scratch)
    single = scratch.query(_IN_ORDER)
    argv = ["load", "parcels", str(scratch.sample / "parcels.gpkg"), "--mode", "replace", "--force", "--quiet"]
    subprocess.run([sys.executable, "-c", _CHUNKED, *argv], cwd=ROOT, env=scratch.env, check=True, timeout=300)
    assert len(single) > 10 * 100, "enough chunks for every connection"
    assert scratch.query(_IN_ORDER) == single
    first, last, count = scratch.query("SELECT min(id), max(id), count(*) FROM layer_parcels")[0]
    assert last - first + 1 == count
    assert scratch.query("SELECT nextval(pg_get_serial_sequence('layer_parcels', 'id'))")[0][0] == last + 1
