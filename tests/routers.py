"""Database routers for the read-replica tests: reads to a replica, writes to ``default``."""

from __future__ import annotations

from typing import Any


class _ReplicaRouter:
    replica = "replica"

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return self.replica

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True


class MirrorReplicaRouter(_ReplicaRouter):
    """Reads on ``replica``, the test mirror of ``default`` (replication with no lag)."""


class LaggingReplicaRouter(_ReplicaRouter):
    """Reads on ``lagging_replica``, a database of its own that holds only what a test copies
    into it: a replica that has not caught up with the primary."""

    replica = "lagging_replica"
