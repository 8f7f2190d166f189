"""crmlab: a Jupyter workbench for teaching and researching Customer Relationship Management.

>>> import crmlab as crm
>>> w = crm.make_world("tiny", seed=42)
>>> sorted(w.tables)[:3]
['campaigns', 'collections', 'complaints']
"""

from ._version import __version__
from .datasets import list_datasets, load_dataset
from .world import PRESETS, World, WorldConfig, make_world

__all__ = ["PRESETS", "World", "WorldConfig", "__version__", "list_datasets", "load_dataset",
           "make_world"]
