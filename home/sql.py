"""Hot-path writes as plain SQL whose text is built once from the models' metadata.

Building and compiling an ORM `update()` or `create()` costs about ten times more than running
it: some 170 µs of Python against 20 µs in the database, for statements whose shape never
changes. A scenario choice makes one of each on every step, so the player (and the dashboard
version it moves on) writes through these helpers instead. They take table and column names
from `_meta`, quote them as the connection does, convert every value as the ORM would
(`get_db_prep_save`), and run on the same connection and transaction as the ORM.

They send no model signals and fill no `auto_now` fields: use them only for models without
save receivers, where the ORM's own `update()` (which sends none either) would do.
"""

import functools
from dataclasses import dataclass

from django.db import connections, router


@dataclass(frozen=True)
class Formula:
    """A value the database computes from the row, for `update_where`.

    `{column}` in the template names the column being set; `params` fill its `%s` as they are
    (already database values). `Formula("{column} + 1")` counts one more.
    """

    template: str
    params: tuple = ()


@functools.cache
def _update_sql(model, alias: str, sets_shape: tuple, where_names: tuple) -> tuple[str, tuple]:
    """`sets_shape`: (field name, formula template or None) for each column set."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    names = [name for name, _ in sets_shape]
    fields = tuple(model._meta.get_field(name) for name in (*names, *where_names))
    sets = ", ".join(
        f"{quote(f.column)} = "
        + (template.format(column=quote(f.column)) if template is not None else "%s")
        for f, (_, template) in zip(fields[: len(sets_shape)], sets_shape, strict=True)
    )
    wheres = " AND ".join(f"{quote(f.column)} = %s" for f in fields[len(sets_shape) :])
    table = quote(model._meta.db_table)
    return f"UPDATE {table} SET {sets} WHERE {wheres}", fields  # noqa: S608  # nosec B608 # model names


@functools.cache
def _insert_sql(model, alias: str, names: tuple) -> tuple[str, tuple, bool]:
    """The statement, its fields, and whether it returns the new primary key itself."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in names)
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608 # model names
    returning = connection.features.can_return_columns_from_insert  # PostgreSQL, SQLite 3.35+
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields, returning


def _params(fields, values, connection) -> list:
    """The statement's parameters: each value converted as the ORM would, or a formula's own."""
    params = []
    for field, value in zip(fields, values, strict=True):
        if isinstance(value, Formula):
            params.extend(value.params)
        else:
            params.append(field.get_db_prep_save(value, connection))
    return params


def update_where(model, values: dict, where: dict) -> int:
    """`model.objects.filter(**where).update(**values)` for equality filters; rows changed.

    A value may be a `Formula`, computed by the database from the row.
    """
    alias = router.db_for_write(model)
    connection = connections[alias]
    shape = tuple(
        (name, value.template if isinstance(value, Formula) else None)
        for name, value in values.items()
    )
    sql, fields = _update_sql(model, alias, shape, tuple(where))
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(fields, [*values.values(), *where.values()], connection))
        return cursor.rowcount


def insert_row(model, values: dict):
    """Insert one row of `model` with these field values; returns its new primary key."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields, returning = _insert_sql(model, alias, tuple(values))
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(fields, values.values(), connection))
        return cursor.fetchone()[0] if returning else cursor.lastrowid


def insert_instance(instance):
    """Insert an unsaved model instance (all its fields but the id); it is then as if saved."""
    model = type(instance)
    values = {
        f.name: getattr(instance, f.attname)
        for f in model._meta.concrete_fields
        if not f.primary_key
    }
    instance.pk = insert_row(model, values)
    instance._state.adding = False
    instance._state.db = router.db_for_write(model)
    return instance
