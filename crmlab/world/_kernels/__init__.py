"""Private fast paths of the world generators.

Each kernel gives exactly the result of a plain reference (numpy or pandas' public
API) faster, and each has a property test against that reference at sizes that reach
every branch (``tests/world/test_kernels_*.py``):

* :mod:`.random`: seeded streams per component and block, weighted choices;
* :mod:`.frames`: frames from column arrays and back, categoricals, timestamps;
* :mod:`.events`: event owners and the customer-then-day event order;
* :mod:`.strings`: Arrow string columns, ids and string gathers.

The generators import kernels from this package, not from its modules.
"""

from .events import ROWS_PER_SLICE, repeat_index, sort_events, stable_argsort
from .frames import categorical, column_arrays, column_kind, days_to_timestamps, frame, numpy_data
from .random import (
    COMPONENTS,
    choose_columns,
    choose_mixed,
    choose_rows,
    choose_weighted,
    rng_for,
)
from .strings import (
    arrow_strings,
    block_serials,
    event_ids,
    fixed_strings,
    fixed_width,
    format_ids,
    glue_chars,
    join_strings,
    number_strings,
    serial_digits,
    string_array,
    strings,
    take,
    take_rows,
    take_strings,
)

__all__ = [
    "COMPONENTS", "ROWS_PER_SLICE", "arrow_strings", "block_serials", "categorical",
    "choose_columns", "choose_mixed", "choose_rows", "choose_weighted", "column_arrays",
    "column_kind", "days_to_timestamps", "event_ids", "fixed_strings", "fixed_width",
    "format_ids", "frame", "glue_chars", "join_strings", "number_strings", "numpy_data",
    "repeat_index", "rng_for", "serial_digits", "sort_events", "stable_argsort",
    "string_array", "strings", "take", "take_rows", "take_strings",
]
