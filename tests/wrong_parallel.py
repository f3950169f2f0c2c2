"""Parallel maps for the parallel-map checker: the stub, correct ones, realistic wrong ones.

Each wrong map is a mistake students make with process pools, with the rest
done right, so that the fault shows in its own checks only.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

from .three_ways import right, wrong


def stub(fn, items, processes, context):
    raise NotImplementedError()


def executor_map(fn, items, processes, context):
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        return list(pool.map(fn, items))


def pool_map(fn, items, processes, context):
    with context.Pool(processes) as pool:
        return pool.map(fn, items)


def submit_all(fn, items, processes, context):
    """Futures, collected in order."""
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [pool.submit(fn, item) for item in items]
        return [future.result() for future in futures]


def counts_first(fn, items, processes, context):
    """A chunk size from the number of items, which uses up a generator of items."""
    chunksize = max(1, len(list(items)) // (4 * processes))
    with context.Pool(processes) as pool:
        return pool.map(fn, items, chunksize)


def threads(fn, items, processes, context):
    """ "A pool is a pool": threads share this process and its GIL."""
    with ThreadPoolExecutor(max_workers=processes) as pool:
        return list(pool.map(fn, items))


def one_at_a_time(fn, items, processes, context):
    """Each task's result awaited before the next is submitted."""
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        return [pool.submit(fn, item).result() for item in items]


def as_they_finish(fn, items, processes, context):
    """Results collected as the tasks finish."""
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        return [future.result() for future in as_completed(pool.submit(fn, x) for x in items)]


def unordered(fn, items, processes, context):
    with context.Pool(processes) as pool:
        return list(pool.imap_unordered(fn, items))


def a_process_per_item(fn, items, processes, context):
    """ "More processes, more speed.\""""
    items = list(items)
    with ProcessPoolExecutor(max_workers=max(1, len(items)), mp_context=context) as pool:
        return list(pool.map(fn, items))


def ignores_context(fn, items, processes, context):
    """The default start method, whatever context says."""
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return list(pool.map(fn, items))


def swallows_errors(fn, items, processes, context):
    """A failed item becomes None, "so that one bad item does not spoil the rest"."""
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [pool.submit(fn, item) for item in items]
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception:
                results.append(None)
        return results


def wraps_errors(fn, items, processes, context):
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        try:
            return list(pool.map(fn, items))
        except Exception as exc:
            raise RuntimeError(f"a task failed: {exc}") from exc


def never_closed(fn, items, processes, context):
    """A Pool that is never closed: its workers live until the garbage collector ends them."""
    pool = context.Pool(processes)
    return pool.map(fn, items)


def shutdown_not_in_finally(fn, items, processes, context):
    """shutdown() after the results, skipped when fn raises."""
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=context)
    results = list(pool.map(fn, items))
    pool.shutdown()
    return results


STUBS = [right(stub)]
REFERENCES = [right(executor_map), right(pool_map), right(submit_all, slow=True)]
CORPUS = [
    wrong(counts_first, {"results"}, "for a generator"),
    wrong(threads, {"processes"}, "ran in this process"),
    wrong(one_at_a_time, {"parallel"}, "one at a time"),
    wrong(as_they_finish, {"order"}, "out of order"),
    wrong(unordered, {"order"}, "out of order"),
    wrong(a_process_per_item, {"bounded"}, "more than processes=2"),
    wrong(ignores_context, {"context"}, "not started from context"),
    wrong(swallows_errors, {"exception"}, "swallowed"),
    wrong(wraps_errors, {"exception"}, "RuntimeError"),
    wrong(never_closed, {"no-leak"}, "left open"),
    wrong(shutdown_not_in_finally, {"no-leak"}, "still running"),
]
