"""Running skaudio's searches and cross-validations on a Dask cluster.

Dask does the scheduling: scikit-learn's searches run on it through joblib's
``dask`` backend, and :func:`skaudio.experiments.run_cv` submits one task per
fold to a ``distributed.Client``. This module only connects to a cluster
and keeps torch from using more threads than Dask gives each worker. It needs
the ``dask`` extra (``pip install skaudio[dask]``).
"""

from contextlib import contextmanager

import dask
import torch
from distributed import Client, LocalCluster, WorkerPlugin

from ._spelling import setting

__all__ = ["TorchThreads", "connect", "worker_environ"]


class TorchThreads(WorkerPlugin):
    """Worker plugin: torch uses as many threads as the worker has Dask threads.

    torch's default is one thread per core, so several workers on one
    machine would each start a thread per core and fight over them. Dask's
    nanny starts workers with ``OMP_NUM_THREADS=1``; this plugin sets
    :func:`torch.set_num_threads` to the worker's own thread count, so that
    ``--nthreads 4`` workers train with four threads each.

    Examples
    --------
    >>> client.register_plugin(TorchThreads())  # doctest: +SKIP
    """

    name = "skaudio-torch-threads"

    def setup(self, worker):
        """Set torch's thread count on ``worker``.

        Parameters
        ----------
        worker : distributed.Worker
            The worker the plugin is attached to.
        """
        torch.set_num_threads(worker.state.nthreads)


@contextmanager
def connect(scheduler):
    """Connect to a Dask cluster, or start a local one, for the block's duration.

    Parameters
    ----------
    scheduler : str
        The address of a running scheduler (``"tcp://host:8786"``), or
        ``"local:N"`` to start a ``distributed.LocalCluster`` of ``N``
        worker processes with one thread each on 127.0.0.1, closed with the
        block.

    Yields
    ------
    client : distributed.Client
        With the :class:`TorchThreads` plugin registered on every worker.

    Examples
    --------
    >>> from skaudio.cluster import connect
    >>> with connect("local:2") as client:  # doctest: +SKIP
    ...     records = run_cv(model, X, y, splits, client=client, ...)
    """
    if not scheduler.startswith("local:"):
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, ValueError) as exc:  # a bad address, or no answer
            raise ValueError(
                f"{setting('scheduler', scheduler)}: cannot connect ({exc})."
            ) from None
        with client:
            client.register_plugin(TorchThreads())
            yield client
        return
    n_workers = scheduler.removeprefix("local:")
    if not n_workers.isdigit() or int(n_workers) < 1:
        raise ValueError(
            f"{setting('scheduler', scheduler)}: 'local:N' needs a number of worker "
            "processes N >= 1, e.g. 'local:2'."
        )
    # Kept for the whole block: a worker the nanny restarts reads it again.
    with dask.config.set({"distributed.nanny.pre-spawn-environ": worker_environ()}):
        cluster = LocalCluster(
            n_workers=int(n_workers),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler's HTTP server (health and metrics) starts even
            # without a dashboard, on port 8787 unless told otherwise: a free
            # port, so that a second cluster does not warn that it is taken.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        try:
            with Client(cluster, timeout="20s") as client:
                client.register_plugin(TorchThreads())
                yield client
        finally:
            cluster.close()


def worker_environ():
    """Environment for Dask worker processes that train torch networks.

    Dask's default (``distributed.nanny.pre-spawn-environ``) without
    ``MALLOC_TRIM_THRESHOLD_``: Dask sets it to 64 KiB so that workers hand
    freed memory back to the system at once, which made every fit of a
    skaudio network about twice as slow here (0.8 s against 1.7 s for the
    same fit), as each training step frees and allocates large tensors.
    :func:`connect` uses it for the clusters it starts; set the same on
    clusters of your own.

    Returns
    -------
    environ : dict
        Variable names mapped to values, e.g. ``{"OMP_NUM_THREADS": 1, ...}``.
    """
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ
