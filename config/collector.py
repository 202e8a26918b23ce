"""Python's cyclic garbage collector, set for a long-running server or worker process.

At its defaults (a collection every 700 new container objects) the collector ran about 1.5
times per request, and every so often a full collection walked the ~127,000 objects Django,
the offense catalog and the fonts leave alive for the process's whole life. Measured on the
load test's mix (bench/bench_cpu.py's requests, thread CPU time): 2–6 % of a request's CPU,
with a full collection (~0.2 s) landing inside one unlucky request; in the PDF worker, 24–31 ms
of a 150–200 ms render, WeasyPrint allocating many small objects.

`settle()`, once the process has loaded what it keeps (config/wsgi.py, config/celery.py):
- `gc.freeze()` moves every object alive at that moment out of the collector's sight, so no
  collection walks them again (they are still freed by reference counting if released);
- a collection every THRESHOLD[0] new objects instead of 700: garbage in cycles waits a little
  longer to be freed, the memory it holds meanwhile is a few megabytes at most.
The one cost: a frozen object dropped later inside a reference cycle is never collected. What
is frozen is what lives as long as the process, except an offense catalog replaced by a newer
version (CatalogRefreshMiddleware): at most one catalog's memory per install, per process.
Measured the same way: the collector's CPU per request fell from 2–6 % to about 0.7 %, and per
render from 24–31 ms to 4–6 ms.
"""

import gc

THRESHOLD = (20_000, 20, 20)


def settle():
    """Collect once, freeze what survives, and collect less often from now on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLD)
