"""Long-lived objects are frozen out of full garbage collections, once per thing built, after a collection."""

from __future__ import annotations

import gc

import pytest

from gis_server import longlived


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(longlived, "_settled", set())


@pytest.mark.usefixtures("fresh")
def test_the_first_build_is_frozen_and_a_rebuild_is_left_to_the_collector() -> None:
    kept = [[object()] for _ in range(1000)]
    frozen_before = gc.get_freeze_count()
    assert longlived.settle("configuration")
    assert gc.get_freeze_count() >= frozen_before + len(kept)
    assert not longlived.settle("configuration")
    assert longlived.settle("another thing")


@pytest.mark.usefixtures("fresh")
def test_garbage_is_collected_before_freezing() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    gc.disable()  # only settle's own collection may free them
    try:
        for _ in range(100):
            Cycle()
        assert sum(isinstance(o, Cycle) for o in gc.get_objects()) == 100
        longlived.settle("configuration")
    finally:
        gc.enable()
    frozen = gc.get_freeze_count()
    gc.unfreeze()  # what was frozen must hold no Cycle: it would have been unreachable garbage
    try:
        assert not any(isinstance(o, Cycle) for o in gc.get_objects())
    finally:
        gc.freeze()
    assert gc.get_freeze_count() >= frozen


def test_the_wsgi_application_is_settled() -> None:
    import gis_server.wsgi  # noqa: F401  (builds and settles the application)

    assert "wsgi application" in longlived._settled and gc.get_freeze_count() > 10_000
