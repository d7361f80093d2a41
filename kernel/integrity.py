"""What a write the database refused broke, read the same way on SQLite and PostgreSQL: which rule,
which fields a client should change (kernel/errors.py makes it a 409)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

# Columns that scope a rule (the station a row belongs to), not fields a client chose.
SCOPE_COLUMNS = frozenset({"station_id"})
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<columns>.+))")
_POSTGRES_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=")
_POSTGRES_UNIQUE_VIOLATION = "23505"
_POSTGRES_FOREIGN_KEY_VIOLATION = "23503"


@dataclass(frozen=True)
class IntegrityViolation:
    """What a write broke, read from the database's error: the same on SQLite and PostgreSQL."""

    kind: str  # "unique", "foreign_key" or "other"
    table: str | None = None
    columns: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


def unique_rules(metadata: MetaData) -> Iterator[tuple[Table, str | None, tuple[str, ...]]]:
    """Every uniqueness rule of a schema: primary keys, unique constraints, unique indexes and unique
    columns, as (table, constraint name, columns)."""
    for table in metadata.tables.values():
        yield table, _name(table.primary_key.name), tuple(c.name for c in table.primary_key.columns)
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                yield table, _name(constraint.name), tuple(c.name for c in constraint.columns)
        for index in table.indexes:
            if index.unique:
                yield table, _name(index.name), tuple(c.name for c in index.columns)


def _name(name: object) -> str | None:
    return None if name is None else str(name)


def _driver_error(exc: IntegrityError) -> Any:
    # asyncpg's own exception (sqlstate, constraint_name, detail) is the cause of SQLAlchemy's adapter error.
    return getattr(exc.orig, "__cause__", None) or exc.orig


def integrity_violation(exc: IntegrityError, metadata: MetaData | None = None) -> IntegrityViolation:
    """The rule an INSERT or UPDATE broke and the fields a client should change: the rule's columns
    less the station's, or the `fields` its constraint or index declares in `info`."""
    driver = _driver_error(exc)
    message = str(exc.orig)
    sqlstate = getattr(driver, "sqlstate", None)
    table: str | None = getattr(driver, "table_name", None)
    constraint: str | None = getattr(driver, "constraint_name", None)
    columns: tuple[str, ...] = ()
    if sqlstate == _POSTGRES_UNIQUE_VIOLATION:
        key = _POSTGRES_KEY.search(getattr(driver, "detail", None) or message)
        columns = tuple(c.strip() for c in key.group("columns").split(",")) if key else ()
    elif sqlstate is None and (found := _SQLITE_UNIQUE.search(message)):
        if found.group("index"):
            constraint = found.group("index")
        else:
            pairs = [part.strip().rsplit(".", 1) for part in found.group("columns").split(",")]
            table = pairs[0][0] if len(pairs[0]) == 2 else None
            columns = tuple(pair[-1] for pair in pairs)
    elif sqlstate == _POSTGRES_FOREIGN_KEY_VIOLATION or "FOREIGN KEY constraint failed" in message:
        return IntegrityViolation(kind="foreign_key", table=table)
    else:
        return IntegrityViolation(kind="other", table=table)
    rule = _find_rule(metadata, table, constraint, columns) if metadata is not None else None
    if rule is not None:
        table, columns, declared = rule
        if declared:
            return IntegrityViolation(kind="unique", table=table, columns=columns, fields=declared)
    fields = tuple(c for c in columns if c not in SCOPE_COLUMNS) or columns
    return IntegrityViolation(kind="unique", table=table, columns=columns, fields=fields)


def _find_rule(
    metadata: MetaData, table: str | None, constraint: str | None, columns: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    for rule_table, name, rule_columns in unique_rules(metadata):
        by_name = constraint is not None and name == constraint
        by_columns = not by_name and rule_table.name == table and set(rule_columns) == set(columns)
        if by_name or by_columns:
            declared = _declared_fields(rule_table, name)
            return rule_table.name, rule_columns, declared
    return None


def _declared_fields(table: Table, name: str | None) -> tuple[str, ...]:
    """The fields a rule names to clients, when not its columns: `info={"fields": [...]}` on its
    constraint or index, or on its one column (a key the server derives from what the client sent)."""
    for item in [*table.constraints, *table.indexes]:
        if _name(getattr(item, "name", None)) == name:
            columns = list(getattr(item, "columns", ()))
            declared = item.info.get("fields") or (
                columns[0].info.get("fields") if len(columns) == 1 else None
            )
            return tuple(declared or ())
    return ()
