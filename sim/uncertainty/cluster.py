"""Ray for a study's runs: a local instance or a cluster, tasks streamed back as they finish.

:func:`connect` connects to Ray, once for a study (:func:`session`): to ``address`` (``HOST:6379`` of a cluster
whose head ran ``ray start --head``, or ``ray://HOST:10001``), else to ``RAY_ADDRESS``, else to a Ray
instance it starts on this machine (one worker per core asked for), shut down when the study ends.
:func:`stream` runs a function on each item as a Ray task of one CPU and yields each result, with the
item's index, as soon as it finishes, whatever the order.  A task whose worker died (a killed process,
a lost node) is submitted again, up to :data:`RETRIES` times (Ray's ``max_retries``); an error raised by
the function itself is not retried.  Every machine of a cluster must run the same carepath (and its
dependencies) as the machine that submits the study.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..common.errors import ConfigError

#: times a task whose worker died is submitted again before the study stops
RETRIES = 3


def address_of(address: str | None = None) -> str | None:
    """The cluster to connect to: ``address``, else ``RAY_ADDRESS``; None for a local instance."""
    return address or os.environ.get("RAY_ADDRESS") or None


_SESSION = {"depth": 0, "started": False}


def connect(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to Ray unless connected: to the cluster at :func:`address_of`, or else start a local
    instance of ``num_cpus`` workers (a new one, whatever else runs on this machine), shut down by the
    outermost :func:`session`."""
    import ray

    if ray.is_initialized():
        return
    target = address_of(address)
    quiet = {"logging_level": logging.WARNING}
    if target is None:
        ray.init(address="local", num_cpus=max(1, int(num_cpus or 1)), include_dashboard=False, **quiet)
    else:
        try:
            ray.init(address=target, **quiet)
        except ConnectionError:
            raise ConfigError("--address" if address else "RAY_ADDRESS", target, "the address of a running Ray cluster: "
                              "HOST:6379 of the machine that ran 'ray start --head' (and its token where the cluster "
                              "uses token authentication: RAY_AUTH_MODE=token)") from None
    _SESSION["started"] = True


@contextlib.contextmanager
def session() -> Iterator[None]:
    """A span in which :func:`connect` connects once: Ray started inside it is shut down at the end of the
    outermost span (a connection made before it is left open)."""
    _SESSION["depth"] += 1
    try:
        yield
    finally:
        _SESSION["depth"] -= 1
        if not _SESSION["depth"] and _SESSION["started"]:
            import ray
            _SESSION["started"] = False
            ray.shutdown()


def stream(function: Callable[[Any], Any], items: Iterable[Any], retries: int = RETRIES) -> Iterator[tuple[int, Any]]:
    """``(index, function(item))`` for each item, as each finishes (on a Ray connection already open).

    A worker that died is replaced and its task submitted again (``retries`` times); when it dies more
    often, :class:`RuntimeError` says so, and the results already yielded stand.  Tasks not yet
    finished when the caller stops (an error, Ctrl-C) are cancelled."""
    import ray
    from ray.exceptions import RayTaskError

    task = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=False)(function)
    pending = {task.remote(item): index for index, item in enumerate(items)}
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                index = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except RayTaskError as error:                 # the function's own error: raise it as it is
                    raise error.as_instanceof_cause() from None
                except ray.exceptions.RayError as error:      # a worker or node lost more often than retried
                    raise RuntimeError(f"task {index} failed on the Ray cluster after {retries} retries: "
                                       f"{type(error).__name__}: {error}") from None
                yield index, result
    finally:
        for ref in pending:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
