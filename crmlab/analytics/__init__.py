"""Customer analytics over plain DataFrames.

Nothing here imports the world generator: every function takes tables (a crmlab
world's or a user's own) and returns DataFrames or statsmodels-style results.

Conventions
-----------
Every module follows the same rules, so that what you learn from one call carries to
the next.

**Column arguments** are keyword-only and end in ``_col``; the stem says the column's
role, with the same stem in every module:

==================  ===================================================================
``customer_col``    the customer id (default ``"customer_id"``)
``time_col``        when an event happened, datetime64 (default ``"timestamp"``)
``value_col``       the number being summarised: money, or the measure compared
                    (default ``"amount"`` for logs)
``id_col``          a record's own key when it is not a customer id (a system's
                    account number in record linkage)
``group_col``       a label column that splits rows into groups (reserved: no function
                    takes one yet)
``label_col``       text that names a row in a figure
``start_col``,      the two ends of an interval
``end_col``
``<field>_col``     a named field, e.g. ``phone_col``, ``email_col``,
                    ``first_name_col`` in record linkage
==================  ===================================================================

A function that reads a crmlab world's tables by their own names (``customer_id``,
``signup_date``, ...) documents the columns it needs instead of taking ``*_col``
arguments; functions over a generic log (RFM, cohorts, CLV summaries) take them.

**Tables.** A function takes each table it reads as a DataFrame argument named after
the world table it usually comes from (``customers``, ``transactions``,
``complaints``, ``invoices``, ``payments``, ``weather``, ...), so the call shows what it
reads: ``complaint_panel(w.complaints, w.customers, w.weather)``. Only a *whole-world
summary* — one that reads five or more of a world's tables, or any of them if present
(:func:`~crmlab.analytics.segmentation.customer_features`,
:func:`~crmlab.analytics.profitability.customer_profit`,
:func:`~crmlab.analytics.scorecard.principle_scorecard` and
:func:`~crmlab.analytics.scorecard.scorecard_over_time`) — takes one mapping
``tables`` (``World.tables``, or any ``{name: DataFrame}``) and lists the names and
columns it reads in its docstring. No function takes both. (``World.silos``, the
separate systems' extracts, is one input of its own and is passed as ``silos``.)

**Randomness** is one argument, ``random_state``: an int seed (the same numbers every
time), a numpy ``Generator`` (draws continue its stream), or None (fresh entropy), as
in scikit-learn; :func:`crmlab.analytics._validation.check_random_state` turns it into
a Generator.

**Inputs** are checked by one checker (:mod:`crmlab.analytics._validation`): a wrong
kind raises ``TypeError``, a missing column or impossible value ``ValueError``, and the
message names the argument, what is wrong and what is allowed.

**Results** are crmlab's own objects or plain pandas / statsmodels ones; crmlab never
sets attributes on another library's objects (figures' data are read with
:func:`crmlab.viz.plotted_data`, model terms with statsmodels'
``result.model.exog_names``).

**Old spellings** keep working for one release with a ``DeprecationWarning`` that
names the new one (:mod:`crmlab.analytics._deprecation`).

Renamed in this release (old -> new)
------------------------------------
* ``seed`` -> ``random_state`` in ``segmentation.latent_class``,
  ``segmentation.segment``, ``targeting.select_top``, ``targeting.evaluate_policies``
  and the widgets ``segment_confusion`` and ``policy_profit_table``;
* ``column`` -> ``value_col`` in ``loyalty.gap_within_groups``;
* ``key``, ``first``, ``last``, ``full_name``, ``phone``, ``email``, ``address`` ->
  ``id_col``, ``first_name_col``, ``last_name_col``, ``full_name_col``, ``phone_col``,
  ``email_col``, ``address_col`` in ``linkage.standardize`` (and the keys of
  ``linkage.SILO_LAYOUT``);
* ``covariates`` of ``service.fit_churn_hazard`` is keyword-only;
* the ``frequency`` column of ``rfm.rfm_table`` (a count of *all* purchases) is now
  ``purchases``, so that it is not mistaken for CLV's ``frequency`` (*repeat*
  purchases); its score ``F`` keeps its name (``warehouse.queries.rfm_sql`` too);
* ``ax.crmlab_data``, ``fig.crmlab_data`` and ``ax.crmlab_curves`` of the
  ``crmlab.viz`` plots -> ``viz.plotted_data(ax)`` and ``viz.plotted_data(ax,
  "curves")`` (no warning is possible for these: nothing is set on matplotlib's
  objects any more);
* ``fit_churn_hazard(...).covariate_names`` -> statsmodels' ``.model.exog_names``;
* ``service.fit_churn_hazard`` fits ``(start, stop]`` intervals from
  ``service.churn_intervals`` (covariates as of each moment: "has complained so far");
  a one-row-per-customer ``complaint_experience`` table is refused, because its
  whole-tenure flags make complainers look loyal (immortal-time bias);
* the linkage and targeting explorers' ``.crmlab_result`` -> ``.result``.

New: ``random_state`` in ``segmentation.run_experiment`` (the first random start)
and ``segment_targeting.run_profit_experiment``; both default to the old behaviour.
"""

__all__ = ["billing", "capacity", "clv", "cohorts", "concentration", "dbmarketing",
           "engagement", "linkage", "loyalty", "profitability", "referrals", "rfm",
           "scorecard", "segment_targeting", "segmentation", "service", "studies",
           "targeting"]
