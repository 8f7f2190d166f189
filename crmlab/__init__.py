"""crmlab: a Jupyter workbench for teaching and researching CRM."""

__version__ = "0.1.0"
