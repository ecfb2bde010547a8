"""Atomic, versioned loads, proven against a scratch database with real `gis` processes.

These tests commit, kill and race real loads, so they use their own database
(not the test database the other tests share inside rolled-back transactions).
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

from loaders.staging import LOCK_CLASS
from tests.loaders.conftest import Scratch, _connect


def test_rollback_of_a_replace_restores_the_previous_rows_exactly(scratch: Scratch) -> None:
    before = scratch.parcels_checksum()
    scratch.load_sample()
    load_id = scratch.latest_load()
    assert scratch.parcels_checksum() != before  # new ids and load ids
    result = scratch.gis("loads", "rollback", str(load_id))
    assert f"rolled back load {load_id}" in result.stdout
    assert scratch.parcels_checksum() == before
    status = scratch.query("SELECT status FROM gis_load WHERE id = %s", (load_id,))[0][0]
    assert status == "rolled_back"


def test_rollback_of_an_append_removes_what_it_added(scratch: Scratch, tmp_path: Path) -> None:
    from tests.loaders.test_load import LOT, lot_row, write_parcels

    before = scratch.parcels_checksum()
    path = write_parcels(tmp_path / "extra.gpkg", [LOT], [lot_row(990, 1)])
    scratch.gis("load", "parcels", str(path), "--mode", "append", "--quiet")
    assert scratch.parcels_checksum()[0] == before[0] + 1
    scratch.gis("loads", "rollback", str(scratch.latest_load()))
    assert scratch.parcels_checksum() == before


def test_rollback_refuses_when_a_later_load_touched_the_same_rows(scratch: Scratch, tmp_path: Path) -> None:
    from tests.loaders.test_load import LOT, lot_row, write_parcels

    first = write_parcels(tmp_path / "a.gpkg", [LOT], [lot_row(991, 1, KyHieuMucDichSuDung="TMD")])
    second = write_parcels(tmp_path / "b.gpkg", [LOT], [lot_row(991, 1, KyHieuMucDichSuDung="DGD")])
    scratch.gis("load", "parcels", str(first), "--mode", "upsert", "--quiet")
    first_id = scratch.latest_load()
    scratch.gis("load", "parcels", str(second), "--mode", "upsert", "--quiet")
    second_id = scratch.latest_load()
    refused = scratch.gis("loads", "rollback", str(first_id), check=False)
    assert refused.returncode == 2
    assert f"load(s) {second_id} changed rows of load {first_id}" in refused.stderr
    scratch.gis("loads", "rollback", str(second_id))
    assert scratch.query("SELECT land_use FROM layer_parcels WHERE map_sheet = 991")[0][0] == "TMD"
    scratch.gis("loads", "rollback", str(first_id))
    assert scratch.query("SELECT count(*) FROM layer_parcels WHERE map_sheet = 991")[0][0] == 0


def test_a_failing_load_changes_nothing_and_its_record_names_the_bad_features(scratch: Scratch, tmp_path: Path) -> None:
    from tests.loaders.test_load import LOT, lot_row, write_parcels

    before = scratch.parcels_checksum()
    path = write_parcels(tmp_path / "dup.gpkg", [LOT, LOT, LOT], [lot_row(992, 1), lot_row(992, 1), lot_row(992, 2)])
    result = scratch.gis("load", "parcels", str(path), "--mode", "replace", check=False)
    assert result.returncode == 1
    assert scratch.parcels_checksum() == before
    record = scratch.query("SELECT status, report FROM gis_load ORDER BY id DESC LIMIT 1")[0]
    assert record[0] == "rejected"
    assert sorted(p["fid"] for p in record[1]["problems"]) == [1, 2]


def test_a_load_killed_at_any_moment_changes_nothing(scratch: Scratch) -> None:
    """kill -9 at several fractions of a full load (reading, staging, swapping): nothing changes."""
    args = ("load", "parcels", str(scratch.sample / "parcels.gpkg"), "--mode", "replace", "--force")
    started = time.monotonic()
    scratch.gis(*args)
    duration = time.monotonic() - started
    before = scratch.parcels_checksum()
    loads_before = scratch.query("SELECT count(*) FROM gis_load")[0][0]
    killed = 0
    for fraction in (0.15, 0.35, 0.55, 0.75, 0.9):
        process = scratch.spawn(*args)
        time.sleep(duration * fraction)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        killed += process.returncode == -signal.SIGKILL
        time.sleep(0.3)  # the server notices the dead client and rolls back
        loads_now = scratch.query("SELECT count(*) FROM gis_load")[0][0]
        if loads_now == loads_before:  # killed before COMMIT: exactly the old rows
            assert scratch.parcels_checksum() == before
        else:  # COMMIT went through before the process died: exactly the new rows, all from that load
            assert loads_now == loads_before + 1
            latest = scratch.latest_load()
            assert scratch.query("SELECT count(*), min(load_id), max(load_id) FROM layer_parcels")[0] == (
                before[0], latest, latest,
            )  # fmt: skip
            before, loads_before = scratch.parcels_checksum(), loads_now
    assert killed >= 3, f"only {killed} loads were still running when killed (load takes {duration:.2f}s)"
    assert (
        scratch.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s", (LOCK_CLASS,))[0][0]
        == 0
    ), "a killed load left its lock behind"


def test_a_load_killed_inside_its_swap_transaction_changes_nothing(scratch: Scratch) -> None:
    """Deterministic: a SHARE lock held here stops the load where it drops or empties the live table, after COPY
    and archiving; kill it there."""
    before = scratch.parcels_checksum()
    archived = scratch.query("SELECT count(*) FROM layer_parcels_archive")[0][0]
    with _connect(scratch.name) as holder:
        holder.execute("LOCK TABLE layer_parcels IN SHARE MODE")
        process = scratch.spawn("load", "parcels", str(scratch.sample / "parcels.gpkg"), "--mode", "replace", "--force")
        deadline = time.monotonic() + 60
        blocked = 0
        while time.monotonic() < deadline and not blocked:
            blocked = scratch.query(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'layer_parcels' AND NOT l.granted"
            )[0][0]
            time.sleep(0.05)
        assert blocked, "the load never reached its swap"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        holder.rollback()
    time.sleep(0.3)
    assert scratch.parcels_checksum() == before
    assert scratch.query("SELECT count(*) FROM layer_parcels_archive")[0][0] == archived


def test_two_loads_of_one_layer_serialise(scratch: Scratch) -> None:
    """While another session holds the layer's lock, a load waits; it proceeds when the lock is released."""
    before = scratch.parcels_checksum()
    with _connect(scratch.name) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s, hashtext('parcels'))", (LOCK_CLASS,))
        process = scratch.spawn("load", "parcels", str(scratch.sample / "parcels.gpkg"), "--mode", "replace", "--force")
        deadline = time.monotonic() + 60
        waiting = 0
        while time.monotonic() < deadline and not waiting:
            waiting = scratch.query(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = %s",
                (LOCK_CLASS,),
            )[0][0]
            time.sleep(0.1)
        assert waiting, "the second load did not wait for the lock"
        assert scratch.parcels_checksum() == before
        holder.rollback()
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert scratch.parcels_checksum()[0] == before[0]


def test_concurrent_loads_both_finish_and_readers_see_old_or_new(scratch: Scratch) -> None:
    count = scratch.parcels_checksum()[0]
    seen: set[object] = set()
    stop = threading.Event()

    def read() -> None:
        with _connect(scratch.name, autocommit=True) as conn:
            while not stop.is_set():
                seen.add(conn.execute("SELECT count(*) FROM layer_parcels").fetchone()[0])  # type: ignore[index]

    reader = threading.Thread(target=read)
    reader.start()
    path = str(scratch.sample / "parcels.gpkg")
    processes = [scratch.spawn("load", "parcels", path, "--mode", "replace", "--force") for _ in range(2)]
    codes = [p.wait(timeout=300) for p in processes]
    stop.set()
    reader.join()
    assert codes == [0, 0]
    assert seen == {count}, "a reader saw a half-replaced table"
