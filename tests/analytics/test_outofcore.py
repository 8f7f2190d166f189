"""Out-of-core summaries: a Dask DataFrame or a Parquet path gives the pandas result."""

from __future__ import annotations

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.analytics import clv, rfm
from crmlab.engine import generate

pytestmark = [
    pytest.mark.timeout(300),
    # dask's Parquet reader still calls reset_index(inplace=True), deprecated in pandas 3.1
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index"),
]

CFG = crm.WorldConfig(n_customers=1_500, block_size=300, start="2023-01-01", end="2024-06-30")


@pytest.fixture(scope="module", autouse=True)
def threaded():
    with dask.config.set(scheduler="threads"):
        yield


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return generate(CFG, 4, out=tmp_path_factory.mktemp("outofcore") / "w", engine="process")


@pytest.fixture(scope="module")
def tx(package):
    return crm.World.load(package).transactions


@pytest.fixture(scope="module")
def scattered(tx, tmp_path_factory):
    """The log shuffled over three files: customers span files, rows out of order."""
    folder = tmp_path_factory.mktemp("scattered")
    rows = tx.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for i, part in enumerate(np.array_split(np.arange(len(rows)), 3)):
        rows.iloc[part].to_parquet(folder / f"chunk-{i}.parquet", index=False)
    return folder


SUMMARIES = [
    {"value_col": "amount", "freq": "W"},
    {"freq": "D", "start": "2023-03-01", "end": "2024-03-31"},
    {"value_col": "amount", "freq": "M", "end": "2024-06-30"},
]


@pytest.mark.parametrize("kwargs", SUMMARIES)
def test_summary_of_a_partitioned_world_table_is_the_pandas_summary(package, tx, kwargs):
    expected = clv.summarize_transactions(tx, **kwargs)
    got = clv.summarize_transactions(package / "transactions", **kwargs)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs["freq"] == expected.attrs["freq"]
    assert len(got) > 500


@pytest.mark.parametrize("kwargs", SUMMARIES)
def test_customers_split_over_partitions_are_brought_together(tx, scattered, kwargs):
    expected = clv.summarize_transactions(tx, **kwargs)
    spread = dd.from_pandas(tx.sample(frac=1.0, random_state=1), npartitions=7, sort=False)
    for source in (spread, scattered, str(scattered)):
        got = clv.summarize_transactions(source, **kwargs)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("end", [None, "2024-01-31"])
def test_rfm_out_of_core_matches_pandas(package, tx, scattered, end):
    expected = rfm.rfm_table(tx, end=end)
    pd.testing.assert_frame_equal(rfm.rfm_table(package / "transactions", end=end), expected,
                                  check_exact=True)
    pd.testing.assert_frame_equal(rfm.rfm_table(scattered, end=end), expected,
                                  check_exact=False, rtol=1e-12)


def test_bgnbd_on_the_dask_summary_equals_the_pandas_fit(package, tx):
    s_pd = clv.summarize_transactions(tx, freq="W")
    s_dd = clv.summarize_transactions(package / "transactions", freq="W")
    a = clv.BetaGeo(s_pd["frequency"], s_pd["recency"], s_pd["T"]).fit()
    b = clv.BetaGeo(s_dd["frequency"], s_dd["recency"], s_dd["T"]).fit()
    pd.testing.assert_series_equal(a.params, b.params, check_exact=True)


def test_unique_rows_counted_in_dask_give_the_same_fit(package):
    """The scalable recipe of docs/scale.md: count unique (x, t_x, T) rows, fit weighted."""
    s = clv.summarize_transactions(package / "transactions", freq="M")
    full = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    counts = (dd.from_pandas(s, npartitions=4).groupby(["frequency", "recency", "T"]).size()
              .compute().rename("n").reset_index())
    assert len(counts) < len(s) / 2 and counts["n"].sum() == len(s)
    weighted = clv.BetaGeo(counts["frequency"], counts["recency"], counts["T"],
                           weights=counts["n"]).fit()
    np.testing.assert_allclose(weighted.params, full.params, rtol=1e-6)
    assert weighted.llf == pytest.approx(full.llf, rel=1e-12)


def test_out_of_core_errors_name_the_problem(package, tx, tmp_path):
    ddf = dd.from_pandas(tx, npartitions=3)
    with pytest.raises(ValueError, match="column 'when' not found in df"):
        clv.summarize_transactions(ddf, time_col="when")
    with pytest.raises(ValueError, match="is before the first transaction"):
        clv.summarize_transactions(ddf, end="2020-01-01")
    with pytest.raises(ValueError, match="is before the first transaction"):
        rfm.rfm_table(ddf, end="2020-01-01")
    with pytest.raises(TypeError, match="must hold datetimes"):
        clv.summarize_transactions(ddf, time_col="amount")
    with pytest.raises(FileNotFoundError, match="no such Parquet file or folder"):
        clv.summarize_transactions(tmp_path / "nothing")
    with pytest.raises(ValueError, match="is a whole data package; pass one table's folder"):
        rfm.rfm_table(package)
    negative = tx.assign(amount=-tx["amount"])
    with pytest.raises(ValueError, match="negative values"):
        rfm.rfm_table(dd.from_pandas(negative, npartitions=2))


# --- summary_counts: the distinct histories, counted on the workers, in a bounded graph ---

MANY = crm.WorldConfig(n_customers=1_500, block_size=50, start="2023-01-01", end="2024-06-30")


@pytest.fixture(scope="module")
def many_parts(tmp_path_factory):
    """A world of 30 files (blocks of 50 customers): more files than tasks below."""
    return generate(MANY, 4, out=tmp_path_factory.mktemp("many") / "w", engine="process")


def _unique_rows(summary: pd.DataFrame) -> pd.DataFrame:
    return (summary.groupby(["frequency", "recency", "T"], sort=True).size()
            .rename("customers").reset_index())


@pytest.mark.parametrize("max_tasks", [None, 2])
@pytest.mark.parametrize("kwargs", [{"freq": "W"}, {"freq": "D", "unit": "W"},
                                    {"freq": "W", "end": "2024-01-31"}])
def test_summary_counts_of_a_folder_are_the_unique_rows_of_the_pandas_summary(
        package, tx, scattered, monkeypatch, max_tasks, kwargs):
    from crmlab.analytics import _outofcore

    if max_tasks is not None:  # several files per task: the task sums its files' counts
        monkeypatch.setattr(_outofcore, "MAX_TASKS", max_tasks)
    expected = _unique_rows(clv.summarize_transactions(tx, **kwargs))
    for source in (package / "transactions", scattered, dd.from_pandas(tx, npartitions=3)):
        got = clv.summary_counts(source, **kwargs)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert got.attrs["unit"] == "W"
    assert expected["customers"].sum() > 500 and len(expected) < expected["customers"].sum()


def test_weighted_fit_on_folder_counts_equals_the_fit_on_the_pandas_summary(package, tx):
    s = clv.summarize_transactions(tx, freq="W")
    u = clv.summary_counts(package / "transactions", freq="W")
    full = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    weighted = clv.BetaGeo(u["frequency"], u["recency"], u["T"], weights=u["customers"]).fit()
    np.testing.assert_allclose(weighted.params, full.params, rtol=1e-6)
    assert weighted.nobs == len(s)


def test_the_counts_graph_does_not_grow_with_the_number_of_files(package, many_parts,
                                                                  monkeypatch):
    """Memory on the client without timing: the graph it builds and what it receives.

    5 and 30 files, at most 4 reading tasks: the same number of tasks, one output
    partition (the tree reduction ends on a worker), and the client learns only how
    many files there are, not the descriptor's list of every file of every table.
    """
    from crmlab.analytics import _outofcore

    monkeypatch.setattr(_outofcore, "MAX_TASKS", 4)
    meta = pd.DataFrame({"purchases": pd.Series(dtype="int64"),
                         "customers": pd.Series(dtype="int64")})

    def count(part):
        n = part.groupby("customer_id").size()
        return n.value_counts().rename("customers").rename_axis("purchases").reset_index()

    sizes = {}
    for folder, files in ((package, 5), (many_parts, 30)):
        log = _outofcore.dask_log(folder / "transactions", ["customer_id", "timestamp"])
        assert log.parts == files  # a number, not a list of paths
        assert [len(g) for g in log.groups()] == ([1, 1, 1, 2] if files == 5 else [7, 8, 7, 8])
        counts = _outofcore.counts_collection(log, "customer_id", count, meta, ["purchases"])
        assert counts.npartitions == 1 and len(counts.__dask_keys__()) == 1
        sizes[files] = len(counts.__dask_graph__())
        got = counts.compute()
        tx = crm.World.load(folder).transactions
        expected = tx.groupby("customer_id").size().value_counts()
        assert dict(zip(got.index, got["customers"], strict=True)) == expected.to_dict()
        # the first and last time: a bounded graph too, one row per task
        ends = log.map_parts(lambda p: p[["timestamp"]].head(1), log.meta[["timestamp"]],
                             combine=lambda d: d.head(1))
        assert ends.npartitions == 4 and len(ends.compute()) == 4
        first, last = _outofcore.time_range(log, "timestamp")
        assert (first, last) == (tx["timestamp"].min(), tx["timestamp"].max())
    assert sizes[5] == sizes[30] <= 4 * 6


def test_a_dask_frame_is_counted_into_one_partition_not_a_shuffle(tx):
    """Dask's default for a groupby on several keys is a shuffle into many partitions,
    gathered and concatenated by the client; the counts are reduced to one instead."""
    from crmlab.analytics import _outofcore

    log = _outofcore.dask_log(dd.from_pandas(tx, npartitions=40, sort=False),
                              ["customer_id", "timestamp"])
    meta = pd.DataFrame({"a": pd.Series(dtype="int64"), "b": pd.Series(dtype="int64"),
                         "n": pd.Series(dtype="int64")})

    def count(part):
        n = part.groupby("customer_id").size()
        return pd.DataFrame({"a": n.to_numpy() % 3, "b": n.to_numpy(), "n": 1}).groupby(
            ["a", "b"]).sum().reset_index()

    counts = _outofcore.counts_collection(log, "customer_id", count, meta, ["a", "b"])
    assert counts.npartitions == 1
    assert int(counts.compute()["n"].sum()) == tx["customer_id"].nunique()


def test_a_folder_that_is_not_a_crmlab_table_is_read_by_dask(scattered, package):
    from crmlab.analytics import _outofcore

    log = _outofcore.dask_log(scattered, ["customer_id", "timestamp"])
    assert log.parts is None and not log.whole_customers
    with pytest.raises(ValueError, match=r"cannot read columns .*\(no column 'when'"):
        _outofcore.dask_log(package / "transactions", ["customer_id", "when"])
