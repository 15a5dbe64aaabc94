"""Hot-path writes as plain SQL whose text is built once from the models' metadata.

Building and compiling an ORM `update()` or `create()` costs about ten times more than running
it: some 170 µs of Python against 20 µs in the database, for statements whose shape never
changes. A scenario choice makes one of each on every step, so the player writes through these
two helpers instead. They take table and column names from `_meta`, quote them as the connection
does, convert every value as the ORM would (`get_db_prep_save`), and run on the same connection
and transaction as the ORM.

They send no model signals and fill no `auto_now` fields: use them only for models without
save receivers, where the ORM's own `update()` (which sends none either) would do.
"""

import functools

from django.db import connections, router


@functools.cache
def _update_sql(model, vendor: str, set_names: tuple, where_names: tuple) -> tuple[str, tuple]:
    del vendor  # part of the cache key: quoting differs between databases
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in (*set_names, *where_names))
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields[: len(set_names)])
    wheres = " AND ".join(f"{quote(f.column)} = %s" for f in fields[len(set_names) :])
    table = quote(model._meta.db_table)
    return f"UPDATE {table} SET {sets} WHERE {wheres}", fields  # noqa: S608  # nosec B608 # model names


@functools.cache
def _insert_sql(model, vendor: str, names: tuple) -> tuple[str, tuple, bool]:
    """The statement, its fields, and whether it returns the new primary key itself."""
    del vendor
    connection = connections[router.db_for_write(model)]
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
    return [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]


def update_where(model, values: dict, where: dict) -> int:
    """`model.objects.filter(**where).update(**values)` for equality filters; rows changed."""
    connection = connections[router.db_for_write(model)]
    sql, fields = _update_sql(model, connection.vendor, tuple(values), tuple(where))
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(fields, [*values.values(), *where.values()], connection))
        return cursor.rowcount


def insert_row(model, values: dict):
    """Insert one row of `model` with these field values; returns its new primary key."""
    connection = connections[router.db_for_write(model)]
    sql, fields, returning = _insert_sql(model, connection.vendor, tuple(values))
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
