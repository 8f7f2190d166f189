"""Customer analytics over plain DataFrames.

Nothing here imports the world generator: every function takes tables (a crmlab
world's or a user's own) and returns DataFrames or statsmodels-style results.
"""
