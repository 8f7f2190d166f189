"""Interactive explorers for the notebooks, built on ipywidgets.

Each explorer lives in a module of its own topic and is a thin layer over a pure
function that computes what the explorer shows, so the numbers can be tested without
a browser and reused outside Jupyter.
"""
