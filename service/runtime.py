"""Process-wide tuning: for `tiegraph serve`, keep the event loop answering while worker
threads do CPU work (GraphQL operations run off the loop, see `service.api.offloop`); for bulk
conversions, spend less time in the garbage collector.

Measured with a 31,000-item document in a worker while `/healthz` was polled (bench notes in
docs/decisions.md, issue 11): with CPython's defaults the probe's p99 was 141 ms and its
maximum 575 ms, nearly all of it full garbage collections walking the document's hundreds of
thousands of fresh AST objects (a collection stops every thread); with the settings below,
p99 11 ms and maximum 36 ms.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# A thread waiting for the GIL asks for it after this long (CPython's default: 5 ms): the
# loop thread gets its turn sooner while a worker computes.
SWITCH_INTERVAL = 0.001
# Young collections after 50,000 net allocations instead of 700, and fewer full ones: a large
# document then costs a few collections instead of dozens.
GC_THRESHOLDS = (50_000, 50, 100)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (a dependency on Linux and macOS), else
    asyncio's: for the threads that run loops of their own (`service.store.loop_thread`,
    `service.api.offloop`); uvicorn picks uvloop for the app's loop by itself.

    A Neo4j statement from the driver is round trips and socket callbacks on such a loop:
    `RETURN 1` took 0.93-1.24 ms against 1.09-1.69 ms on asyncio's, and 12-20% less CPU
    (bench notes in docs/decisions.md).
    """
    try:
        import uvloop
    except ImportError:  # Windows, or installed without it
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def tune_for_serving() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """`GC_THRESHOLDS` inside the block, the thresholds before it again after it.

    For bulk work that makes millions of short-lived objects while it holds a few big ones:
    `tiegraph neo4j-import` wrote its CSV files of tier L in 30.6-41.6 s with CPython's
    thresholds and in 27.9-29.8 s with these (bench notes in bench/RESULTS.md).
    """
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
