"""Where the tasks run: a Dask client, an existing scheduler or a local cluster started for
the job (``Cluster``); dask itself is imported only here and only when asked for."""
import contextlib
import time

from ..errors import ComputeError, InputError

CONNECT_TIMEOUT = 5.0        # seconds to reach a scheduler

EXTRA = "pip install 'jaccli[dask]'"


def require_dask():
    """The ``distributed`` module, or InputError naming the extra to install."""
    try:
        import distributed
    except ImportError:
        raise InputError("running on a Dask cluster (client=, --workers, --scheduler) needs "
                         f"dask.distributed, which is not installed: {EXTRA}.") from None
    return distributed

class Cluster:
    """Where tasks run: a given ``dask.distributed.Client``, an existing scheduler (connected
    at once, so that an unreachable one fails before any work), or a local cluster of
    ``workers`` single-threaded processes, started only when a job pays for it and stopped
    by ``close``. ``start_seconds``: how long starting or connecting took."""

    def __init__(self, client=None, scheduler=None, workers=None, timeout=CONNECT_TIMEOUT):
        self._client, self._cluster, self.local = client, None, workers is not None
        self.scheduler, self.timeout, self.start_seconds = scheduler, timeout, 0.0
        self._workers = workers
        if client is None:
            import importlib.util
            if importlib.util.find_spec("distributed") is None:   # cheap: no import yet
                require_dask()
        if client is None and scheduler is not None:
            self._connect()

    @classmethod
    def of(cls, client):
        """A Cluster for ``client=``: a Cluster as is, else a dask Client."""
        if isinstance(client, Cluster):
            return client
        distributed = require_dask()
        if not isinstance(client, distributed.Client):
            raise InputError(f"client={client!r} is not a dask.distributed.Client.")
        return cls(client=client)

    @property
    def workers(self):
        """Worker threads: the number asked for, or those the scheduler knows (at least 1)."""
        if self._client is None:
            return self._workers
        return max(1, sum(self._client.nthreads().values()))

    def client(self):
        if self._client is None:
            self._start_local()
        return self._client

    def _connect(self):
        distributed = require_dask()
        t0 = time.perf_counter()
        try:
            self._client = distributed.Client(self.scheduler, timeout=self.timeout,
                                              set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ComputeError(f"cannot reach the Dask scheduler at {self.scheduler} within "
                               f"{self.timeout:g} s ({first_line(e)}); check the address "
                               "and that the scheduler is running.") from None
        self.start_seconds = time.perf_counter() - t0

    def _start_local(self):
        import logging
        distributed = require_dask()
        t0 = time.perf_counter()
        self._cluster = distributed.LocalCluster(
            n_workers=self._workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR)
        self._client = distributed.Client(self._cluster, set_as_default=False)
        self.start_seconds = time.perf_counter() - t0

    def close(self):
        """Stop what this object started (a given Client is the caller's to close)."""
        if self._cluster is not None or self.scheduler is not None:
            with contextlib.suppress(Exception):
                self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
        self._cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
