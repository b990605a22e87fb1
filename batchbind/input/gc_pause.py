"""A pause of the cyclic garbage collector, for reading and checking a large spreadsheet.

Reading a large file creates a list per row (100,000 of them, and their texts) that holds no
reference cycle and all stay alive until the rows become columns. Python 3.11's collector would walk
every one of them again and again as they are created, finding nothing to free: that alone cost
as much as reading the file. Pausing it, then moving what was built straight to the oldest
generation, keeps the work the collector does proportional to what could be garbage.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small, acyclic objects.

    On the way out, everything alive is moved to the oldest generation without being walked
    (`gc.freeze` then `gc.unfreeze`): re-enabling the collector with half a million new
    objects in the youngest generation would otherwise walk them all at the next allocation.
    They are still walked by the next full collection, like any long-lived data, and freed
    by reference counting as soon as they are dropped.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
