"""Interactive explorers for the notebooks, built on ipywidgets.

Each explorer lives in a module of its own topic and is a thin layer over a pure
function that computes what the explorer shows, so the numbers can be tested without
a browser and reused outside Jupyter.

Explorers, with what they let a student vary and the notebook that uses them:

- ``linkage_explorer``: the match threshold of record linkage (01)
- ``targeting_explorer``: list size and contact cost of campaign policies (02)
- ``clv_explorer``: the BG/NBD parameters r, alpha, a and b (03)
- ``segmentation_explorer``: the method and the number of segments (04)
- ``capacity_explorer``: spare repair capacity moved to storm provinces (05)
- ``collections_explorer``: the suspension and write-off days (06)
- ``scorecard_explorer``: the year and segment of the six-principles scorecard (08)

And :class:`Quiz` (with :class:`Choice` and :class:`Number`), the self-check quiz at
the end of every notebook.
"""

from .billing import collections_explorer, collections_view
from .clv import bgnbd_profile, clv_explorer
from .linkage import linkage_explorer
from .quiz import Choice, Number, Quiz
from .scorecard import scorecard_explorer, scorecard_view
from .segmentation import segment_confusion, segmentation_explorer
from .service import capacity_explorer, capacity_view
from .targeting import targeting_explorer

__all__ = ["Choice", "Number", "Quiz", "bgnbd_profile", "capacity_explorer", "capacity_view",
           "clv_explorer", "collections_explorer", "collections_view", "linkage_explorer",
           "scorecard_explorer", "scorecard_view", "segment_confusion", "segmentation_explorer",
           "targeting_explorer"]
