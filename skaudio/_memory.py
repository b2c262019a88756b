"""Let the C library keep the memory torch frees, for faster CPU training.

On Linux, glibc's ``malloc`` serves blocks above a threshold with fresh
``mmap`` calls and gives freed memory back to the system early. A training
step frees and allocates the same activation and gradient buffers again and
again; when glibc's own adjustment of those thresholds does not catch up,
every step touches pages the system must map anew: thousands of page faults
per step, up to a quarter of LV-18's epoch here. PyTorch's
CPU allocator has no cache of its own; its performance guide recommends
another allocator (jemalloc, tcmalloc) through ``LD_PRELOAD``. Setting
glibc's two thresholds does the same for these buffers without a new library
or an environment set before Python starts.
"""

import ctypes
import sys

__all__ = ["keep_freed_memory"]

# mallopt parameters, from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 256 << 20
_MMAP_THRESHOLD_OLDER_GLIBC = 32 << 20  # the most older glibc accepts on 64-bit
_TRIM_THRESHOLD = 512 << 20


def keep_freed_memory():
    """Make glibc reuse freed memory instead of mapping it anew: faster CPU training.

    Serves blocks of up to 256 MiB from the heap (glibc's default: above
    128 KiB, adjusting as it goes) and keeps up to 512 MiB of freed heap
    memory mapped (default: 128 KiB). The effect is process-wide and stays
    until the process ends; it changes no result, only how often the
    system maps memory (the process keeps up to 512 MiB it no longer uses).
    ``skaudio``'s command line calls it; in Python, call it once before
    training. On FSDD (one thread) an LV-18 epoch took 9.0 instead of
    12.4 s; the log-Mel CNN's and mfcc-seq-aug's epochs changed by less
    than 5 %, glibc having adjusted by itself there
    (``benchmarks/results/efficiency.md``).

    Returns
    -------
    applied : bool
        True when both settings took effect; False where they do not apply
        (not Linux, or a C library without glibc's ``mallopt``).

    Examples
    --------
    >>> import skaudio
    >>> skaudio.keep_freed_memory() in (True, False)
    True
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library of this process
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mmap = mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) or mallopt(
        _M_MMAP_THRESHOLD, _MMAP_THRESHOLD_OLDER_GLIBC
    )
    return bool(mmap and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
