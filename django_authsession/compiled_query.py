"""The database path's one query (the session by token, its user joined), compiled once.

The ORM compiles a queryset to SQL on every evaluation; for this query, which every request
without a cookie cache runs, compilation costs most of the time spent in Python. So the
queryset is compiled once per database connection, with a marker where the token goes, and each
request only runs the SQL and builds the rows as ``ModelIterable`` builds them (``from_db``,
``select_related`` populators, the backend's converters). The SQL is the ORM's own, so fields
added to ``Session`` by a migration, a custom ``AUTH_USER_MODEL`` or another database vendor
flow through without an edit. Internal: use ``sessions.resolve_from_db``.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

__all__ = ["CompiledQuery"]

# Django 6.1 threads a fetch mode through the populators and from_db; 5.2 and 6.0 have none.
_FETCH_MODE = "fetch_mode" in inspect.signature(get_related_populators).parameters

# A value no token can be (tokens are [A-Za-z0-9]; digests hex): marks the parameter to replace.
_MARKER = "\x00authsession-compiled-query-parameter\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    marker_index: int
    compiler: SQLCompiler
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    extra: dict[str, Any]


class CompiledQuery:
    """``build(value, using)`` is a queryset filtered on one value; ``first(value, using)`` runs
    its SQL, compiled once per connection, and returns the first instance or ``None``."""

    def __init__(self, build: Callable[[Any, str], QuerySet[Any]]) -> None:
        self.build = build
        self._by_connection: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def queryset(self, value: Any, using: str) -> QuerySet[Any]:
        return self.build(value, using)

    def _compile(self, using: str, connection: BaseDatabaseWrapper) -> _Compiled:
        queryset = self.build(_MARKER, using)
        compiler = queryset.query.get_compiler(using=using, connection=connection)
        sql, params = compiler.as_sql()
        params = tuple(params)
        indices = [i for i, p in enumerate(params) if p == _MARKER]
        if len(indices) != 1:
            raise RuntimeError("the query must take its value as exactly one parameter")
        fetch: list[Any] = [getattr(queryset, "_fetch_mode", None)] if _FETCH_MODE else []
        klass_info = compiler.klass_info
        assert klass_info is not None
        select = compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=params,
            marker_index=indices[0],
            compiler=compiler,
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, using, *fetch),
            extra={"fetch_mode": fetch[0]} if fetch else {},
        )

    def compiled(self, using: str) -> _Compiled:
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._by_connection[connection] = self._compile(using, connection)
        return compiled

    def sql(self, value: Any, using: str) -> tuple[str, tuple[Any, ...]]:
        """The SQL and parameters ``first`` runs for ``value``."""
        compiled = self.compiled(using)
        params = list(compiled.params)
        params[compiled.marker_index] = value
        return compiled.sql, tuple(params)

    def first(self, value: Any, using: str) -> Any:
        compiled = self.compiled(using)
        sql, params = self.sql(value, using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        (row,) = compiled.compiler.results_iter([[row]])
        obj = compiled.model.from_db(
            using, compiled.init_list, row[compiled.start : compiled.end], **compiled.extra
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        return obj
