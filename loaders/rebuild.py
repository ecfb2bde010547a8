"""``--mode replace`` by building the new table beside the live one and swapping names in the load's transaction.

Filling an indexed table row by row keeps every index (two GiST, the keys,
the address prefix) up to date on each insert; building an index once over
the loaded rows is several times cheaper (measured: the GiST indexes about
3×). So a replace COPYs straight into ``<table>__next`` (no stage in between),
which has no index, builds the live table's indexes and constraints on it
from their own definitions (whatever the migrations made), copies the
grants, analyzes it, drops the old table and gives the new one the old
names. Ids continue the old table's sequence, so
an id is never reused and rollback can restore archived rows under theirs.

From the CLI (no enclosing transaction) the new table is created, filled and
indexed before the load's transaction (its indexes built on several
connections at once, see ``parallel``), under the layer's session advisory
lock; only the swap itself
(archive, constraints, grants, renames, the load record) is one transaction.
Inside a caller's transaction (tests, nested atomics) every step runs there,
one after another. Either way a failure or ``kill -9`` leaves the old table
untouched (a half-built ``__next`` table is dropped by the next load), and
readers, who wait on the rename's lock for an instant, see the old rows or the
new ones. Tables with anything this swap would lose (triggers, rules,
policies, dependent views, foreign keys, inheritance) are replaced the slow way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from layers.registry import Layer

SUFFIX = "__next"

# Anything attached to the table that CREATE TABLE … LIKE would not carry over.
_BLOCKERS = """
SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = %(t)s::regclass AND NOT tgisinternal
UNION ALL SELECT 'rule ' || rulename FROM pg_rules WHERE schemaname = current_schema() AND tablename = %(name)s
UNION ALL SELECT 'policy ' || polname FROM pg_policy WHERE polrelid = %(t)s::regclass
UNION ALL SELECT 'foreign key ' || conname FROM pg_constraint
    WHERE contype = 'f' AND (conrelid = %(t)s::regclass OR confrelid = %(t)s::regclass)
UNION ALL SELECT 'inheritance' FROM pg_inherits WHERE inhrelid = %(t)s::regclass OR inhparent = %(t)s::regclass
UNION ALL SELECT DISTINCT 'view ' || v.oid::regclass::text FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
    JOIN pg_class v ON v.oid = r.ev_class WHERE d.refobjid = %(t)s::regclass AND v.oid <> %(t)s::regclass
"""

_INDEXES = """
SELECT quote_ident(ic.relname), pg_get_indexdef(i.indexrelid), quote_ident(c.conname), pg_get_constraintdef(c.oid)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
WHERE i.indrelid = %(t)s::regclass ORDER BY ic.relname
"""

_GRANTS = """
SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %(t)s::regclass AND a.grantee <> c.relowner
"""


_SEQUENCE_NAME = "SELECT quote_ident(relname) FROM pg_class WHERE oid = pg_get_serial_sequence(%(t)s, 'id')::regclass"


def catalog(text: str) -> sql.SQL:
    """SQL text the catalog wrote (quote_ident, pg_get_indexdef, pg_get_constraintdef), never user input."""
    return sql.SQL(text)


@dataclass(frozen=True)
class Index:
    """One index of the live table; ``constraint`` set when it backs a PRIMARY KEY or UNIQUE constraint."""

    name: str
    definition: str
    constraint: str | None
    constraint_definition: str | None


def blockers(cursor: Any, layer: Layer) -> list[str]:
    """What this table has that a swap would drop; empty when the fast path is safe."""
    cursor.execute(_BLOCKERS, {"t": layer.table, "name": layer.table})
    return [row[0] for row in cursor.fetchall()]


def open_next(cursor: Any, layer: Layer, load_id: int) -> list[Index]:
    """Create the table the load's COPY fills: the live table's columns, defaults and checks, no index yet.

    Its ids continue the live table's sequence (an id is never reused), and
    every row it receives carries this load's id. Returns the live table's
    indexes, which ``close_next`` builds on it.
    """
    live, fresh = sql.Identifier(layer.table), sql.Identifier(next_table(layer))
    indexes = _indexes(cursor, layer)
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(fresh))
    cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL EXCLUDING INDEXES)").format(fresh, live))
    cursor.execute(sql.SQL("SELECT setval({}, nextval({}), false)").format(
        _sequence(next_table(layer)), _sequence(layer.table)))  # fmt: skip
    cursor.execute(
        sql.SQL("ALTER TABLE {} ALTER COLUMN load_id SET DEFAULT {}").format(fresh, sql.Literal(int(load_id)))
    )
    return indexes


def claim_ids(cursor: Any, layer: Layer, count: int) -> int:
    """Take ``count`` ids of the new table's sequence at once and return the first: rows COPYed with the first id
    plus their place among the load's rows have the ids a single COPY in file order would give them, however
    many connections write them and in whatever order."""
    sequence = _sequence(next_table(layer))
    cursor.execute(sql.SQL("SELECT nextval({})").format(sequence))
    first = int(cursor.fetchone()[0])
    cursor.execute(sql.SQL("SELECT setval({}, %s, false)").format(sequence), [first + count])
    return first


def close_next(cursor: Any, layer: Layer, indexes: list[Index], retiring: int | None) -> None:
    """Index the filled table, analyze it and swap it in, all on this cursor (inside the caller's transaction)."""
    for statement in build_statements(layer, indexes):
        cursor.execute(statement)
    cursor.execute(analyze(layer))
    swap_in(cursor, layer, indexes, retiring)


def build_statements(layer: Layer, indexes: list[Index]) -> list[sql.Composed]:
    """The live table's indexes, to build on the new table; the longest to build first, so that builds on
    several connections end together."""
    built = [(index.definition, _build(layer, index, number)) for number, index in enumerate(indexes)]
    return [statement for _, statement in sorted(built, key=lambda pair: _build_rank(pair[0]))]


def _build_rank(definition: str) -> int:
    """A rough order of build cost: GiST (geometry), then B-trees over an expression or several columns (an
    expression is computed per row, several keys compare longer), then single columns."""
    if " USING gist " in definition:
        return 0
    keys = definition.partition(" USING ")[2].partition("(")[2]
    return 1 if "(" in keys or "," in keys else 2


def analyze(layer: Layer) -> sql.Composed:
    return sql.SQL("ANALYZE {}").format(sql.Identifier(next_table(layer)))


def drop_next(layer: Layer) -> sql.Composed:
    return sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(next_table(layer)))


def swap_in(cursor: Any, layer: Layer, indexes: list[Index], retiring: int | None) -> None:
    """Attach the key constraints to their built indexes, copy the grants and give the new table the live names;
    the old table becomes load ``retiring``'s archive partition (``retire``), or is dropped when None."""
    fresh = sql.Identifier(next_table(layer))
    cursor.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN load_id DROP DEFAULT").format(fresh))
    for number, index in enumerate(indexes):
        kind = _key_kind(index)
        if kind:
            temporary = sql.Identifier(_temporary_name(layer, number))
            cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}{}").format(
                fresh, temporary, sql.SQL(kind), temporary, catalog(_timing(index))))  # fmt: skip
    _copy_grants(cursor, layer)
    _swap(cursor, layer, indexes, retiring)


def next_table(layer: Layer) -> str:
    return layer.table + SUFFIX


def _indexes(cursor: Any, layer: Layer) -> list[Index]:
    cursor.execute(_INDEXES, {"t": layer.table})
    return [Index(*row) for row in cursor.fetchall()]


def _sequence(table: str) -> sql.Composed:
    return sql.SQL("pg_get_serial_sequence({}, 'id')").format(sql.Literal(table))


def _temporary_name(layer: Layer, number: int) -> str:
    return f"{next_table(layer)}_{number}"


def _key_kind(index: Index) -> str:
    """PRIMARY KEY or UNIQUE for an index backing one (built as a plain unique index, attached at the swap, so it
    can be built beside the others: ADD CONSTRAINT would lock the whole table); '' otherwise."""
    definition = index.constraint_definition or ""
    if not index.constraint:
        return ""
    return next((kind for kind in ("PRIMARY KEY", "UNIQUE") if definition.startswith(kind)), "")


def _timing(index: Index) -> str:
    """DEFERRABLE / INITIALLY DEFERRED, which pg_get_constraintdef writes after the column list."""
    tail = (index.constraint_definition or "").rpartition(")")[2]
    return tail if tail.strip().startswith("DEFERRABLE") else ""


def _build(layer: Layer, index: Index, number: int) -> sql.Composed:
    """The live index (or its constraint) again, on the new table, under a temporary name."""
    fresh, temporary = sql.Identifier(next_table(layer)), sql.Identifier(_temporary_name(layer, number))
    if index.constraint and index.constraint_definition and not _key_kind(index):
        return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            fresh, temporary, catalog(index.constraint_definition)
        )
    head, _, using = index.definition.partition(" USING ")
    unique = sql.SQL("UNIQUE ") if head.startswith("CREATE UNIQUE") else sql.SQL("")
    return sql.SQL("CREATE {}INDEX {} ON {} USING {}").format(unique, temporary, fresh, catalog(using))


def grants(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(privilege, grantee) granted on ``table`` to others than its owner, as the catalog quotes them."""
    cursor.execute(_GRANTS, {"t": table})
    return [(privilege, grantee) for privilege, grantee in cursor.fetchall()]


def _copy_grants(cursor: Any, layer: Layer) -> None:
    fresh = sql.Identifier(next_table(layer))
    for privilege, grantee in grants(cursor, layer.table):
        cursor.execute(sql.SQL("GRANT {} ON {} TO {}").format(catalog(privilege), fresh, catalog(grantee)))


def _swap(cursor: Any, layer: Layer, indexes: list[Index], retiring: int | None) -> None:
    """Retire or drop the old table and give the new one its names: table, indexes, constraints, sequence."""
    from loaders import retire

    live, fresh = sql.Identifier(layer.table), sql.Identifier(next_table(layer))
    cursor.execute(_SEQUENCE_NAME, {"t": layer.table})
    sequence = catalog(cursor.fetchone()[0])
    cursor.execute(_SEQUENCE_NAME, {"t": next_table(layer)})
    fresh_sequence = catalog(cursor.fetchone()[0])
    if retiring is None:
        cursor.execute(sql.SQL("DROP TABLE {}").format(live))
    else:
        retire.retire(cursor, layer, retiring, indexes)
    cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(fresh, live))
    cursor.execute(sql.SQL("ALTER SEQUENCE {} RENAME TO {}").format(fresh_sequence, sequence))
    for number, index in enumerate(indexes):
        temporary = sql.Identifier(_temporary_name(layer, number))
        if index.constraint:
            rename = sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
                live, temporary, catalog(index.constraint)
            )
        else:
            rename = sql.SQL("ALTER INDEX {} RENAME TO {}").format(temporary, catalog(index.name))
        cursor.execute(rename)
