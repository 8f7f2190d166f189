"""Parts of grading that need no notebook run: answers, inbox, outputs, CSV, policy, cgroups."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_output

from crmlab.exercises import answers, checks, grading, inbox, report, sandbox
from crmlab.exercises.catalog import ASSIGNMENTS, params
from crmlab.exercises.policy import LatePolicy, parse_time


def test_limits_are_validated():
    assert sandbox.Limits(cell_timeout=5).cell_timeout == 5
    with pytest.raises(ValueError, match="Limits.memory_bytes"):
        sandbox.Limits(memory_bytes=0)
    with pytest.raises(ValueError, match="at least 256 MiB"):
        sandbox.Limits(memory_bytes=100 * 2**20)
    with pytest.raises(ValueError, match="Limits.cell_timeout"):
        sandbox.Limits(cell_timeout=True)
    with pytest.raises(ValueError, match="Limits.cpus"):
        sandbox.Limits(cpus=0)
    assert sandbox.Limits(cpus=0.5).cpus == 0.5


# ------------------------------------------------------------------------------ answers
def test_answers_round_trip_every_type():
    frame = pd.DataFrame({"x": [1.5, np.nan], "n": [1, 2], "s": ["a", "b"]},
                         index=pd.Index(["C1", "C2"], name="customer_id"))
    value = {"f": 0.25, "i": 3, "b": True, "s": "text", "none": None, "nan": float("nan"),
             "list": [1, 2.5], "dict": {1: "a", "k": [1]}, "series": pd.Series({"C1": 0.5}),
             "frame": frame, "array": np.arange(4.0).reshape(2, 2),
             "time": pd.Timestamp("2025-12-31"), "np": np.float32(0.5)}
    back = answers.loads(answers.dumps(value))
    assert back["f"] == 0.25 and back["i"] == 3 and back["b"] is True and back["none"] is None
    assert np.isnan(back["nan"]) and back["list"] == [1, 2.5] and back["dict"] == {1: "a",
                                                                                 "k": [1]}
    assert back["series"].to_dict() == {"C1": 0.5} and back["time"] == pd.Timestamp("2025-12-31")
    pd.testing.assert_frame_equal(back["frame"], frame, check_dtype=False,
                                  check_column_type=False, check_index_type=False)
    assert back["array"].tolist() == [[0.0, 1.0], [2.0, 3.0]] and back["np"] == 0.5


@pytest.mark.parametrize("text, message", [
    ('{"q": {"$pickle": "gASV"}}', "unknown type"),
    ("[1, 2]", "JSON object"),
    ("{not json", "not valid JSON"),
    ('{"q": {"$float": "1e9"}}', "nan"),
    ('{"q": {"$series": {"index": [1], "values": [1, 2]}}}', "as many index"),
    ('{"q": {"a": 1, "b": 2}}', "exactly one"),
    ('{"q": ' + "[" * 50 + "]" * 50 + "}", "deeply"),
])
def test_answers_outside_the_format_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        answers.loads(text)


def test_answers_refuse_objects_and_huge_files(monkeypatch):
    with pytest.raises(TypeError, match="cannot record a function"):
        answers.encode(lambda: 1)
    monkeypatch.setattr(answers, "MAX_ANSWER_BYTES", 10)
    with pytest.raises(ValueError, match="larger than"):
        answers.loads('{"question": 1}')


def test_submit_writes_only_when_grading(tmp_path, monkeypatch):
    monkeypatch.delenv(answers.ANSWERS_ENV, raising=False)
    answers.submit("q1", 1.0)  # at home: nothing written, no error
    target = tmp_path / "a" / "answers.json"
    monkeypatch.setenv(answers.ANSWERS_ENV, str(target))
    answers.submit("q1", 1.0)
    answers.submit("q2", pd.Series({"C1": 2.0}))
    answers.submit("q1", 3.0)  # the last answer to a question wins
    back = answers.loads(target.read_text())
    assert back["q1"] == 3.0 and back["q2"].to_dict() == {"C1": 2.0}
    with pytest.raises(TypeError, match="question"):
        answers.submit("", 1)


# ---------------------------------------------------------------------- checks, params
def test_checks_compare_outside_the_kernel_and_never_show_the_value():
    seed, a = 11, "rfm_concentration"
    from crmlab.analytics import concentration

    share = concentration.top_share(checks.expected_revenue(seed, a), params(a, seed)["top"])
    v = checks.grade_answers(a, seed, answers.dumps({"q2_top_share": share, "q2_gini": 2.0,
                                                     "q3_champions": "many"}))
    assert v["q2_top_share"]["score"] == 1.0 and v["q2_top_share"]["message"].startswith(
        "Correct")
    assert v["q2_gini"]["score"] == 0.0 and "not within" in v["q2_gini"]["message"]
    assert "expected a number" in v["q3_champions"]["message"]
    assert "no answer was recorded" in v["q1_rfm"]["message"]
    assert f"{share:.4g}" not in v["q2_gini"]["message"]  # the expected value is never told
    assert "q3_explain" not in v  # graded by hand
    other = checks.grade_answers(a, seed + 1, answers.dumps({"q2_top_share": share}))
    assert other["q2_top_share"]["score"] == 0.0  # another world, another answer
    broken = checks.grade_answers(a, seed, b'{"q2_gini": {"$pickle": "x"}}')
    assert all(x["score"] == 0 and "could not be read" in x["message"] for x in broken.values())


def test_persian_assignments_answer_in_persian():
    v = checks.grade_answers("rfm_concentration_fa", 3, None)
    assert "پاسخی ثبت نشد" in v["q2_gini"]["message"]
    assert "انتظار می‌رفت" in v["q2_gini"]["message"]


def test_every_assignment_has_parameters_that_vary_between_students():
    for name, spec in ASSIGNMENTS.items():
        drawn = [params(name, seed) for seed in range(40)]
        assert drawn[0] == params(name, 0)  # a function of the seed
        assert params(name, 5) == params(f"{spec.base}_fa" if spec.language == "en" else
                                         spec.base, 5)  # the same in both languages
        # copied constants are wrong for most classmates
        same = np.mean([a == b for i, a in enumerate(drawn) for b in drawn[i + 1:]])
        assert same < 0.4, (name, same)


def test_segment_call_spells_the_seed_in_one_place():
    import inspect

    source = inspect.getsource(checks)
    assert source.count("segmentation.segment(") == 1


# -------------------------------------------------------------------------------- inbox
def test_inbox_refuses_links_and_special_files(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    target = tmp_path / "secret"
    target.write_text("s3cret")
    for sid in ("ok", "link", "fifo", "hard", "big", "dir"):
        (box / sid).mkdir()
    (box / "ok" / "hw.ipynb").write_text("{}")
    (box / "link" / "hw.ipynb").symlink_to(target)
    os.mkfifo(box / "fifo" / "hw.ipynb")
    os.link(target, box / "hard" / "hw.ipynb")
    (box / "dir" / "hw.ipynb").mkdir()
    (box / "folderlink").symlink_to(box / "ok")
    (box / "ok" / "timestamp.txt").write_text("2026-01-02 03:04:05.000000 UTC\n")
    assert inbox.read_submission(box, "ok", ["hw"]).files == {"hw": b"{}"}
    assert inbox.read_submission(box, "ok", ["hw"]).timestamp == dt.datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    reasons = {sid: inbox.read_submission(box, sid, ["hw"]).problems
               for sid in ("link", "fifo", "hard", "dir", "folderlink")}
    assert "symbolic link" in reasons["link"][0] and "FIFO" in reasons["fifo"][0]
    assert "hard link" in reasons["hard"][0] and "a folder" in reasons["dir"][0]
    assert "folder is a symbolic link" in reasons["folderlink"][0]
    assert all("s3cret" not in " ".join(r) for r in reasons.values())
    assert inbox.read_submission(box, "nobody", ["hw"]).missing == ["hw"]


def test_dry_run_reports_without_grading(tmp_path):
    box = tmp_path / "inbox"
    (box / "a").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), box / "a" / "hw.ipynb")
    (box / "b").mkdir()
    (box / "b" / "hw.ipynb").write_text("{ not json")
    (box / "=cmd").mkdir()
    rows = {r["student_id"]: r for r in inbox.check_folder(box, ["a", "b", "c"], ["hw"])}
    assert rows["a"]["status"] == "ok" and rows["b"]["status"] == "invalid"
    assert rows["c"]["status"] == "missing" and rows["=cmd"]["status"] == "not on roster"


def test_read_beneath_never_follows_links(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    (tmp_path / "l").symlink_to(tmp_path / "d")
    (tmp_path / "d" / "fl").symlink_to(tmp_path / "d" / "f")
    assert sandbox.read_beneath(tmp_path, "d/f", 10) == b"x"
    assert sandbox.read_beneath(tmp_path, "l/f", 10) is None
    assert sandbox.read_beneath(tmp_path, "d/fl", 10) is None
    assert sandbox.read_beneath(tmp_path, "d/f", 0) is None
    with pytest.raises(ValueError):
        sandbox.read_beneath(tmp_path, "../etc/passwd", 10)


# ------------------------------------------------------------------------------ outputs
def test_outputs_are_reduced_to_safe_types():
    outs = [new_output("display_data", data={"text/html": "<script>x</script>",
                                             "application/javascript": "x",
                                             "image/svg+xml": "<svg/>", "text/plain": "t"}),
            new_output("display_data", data={"image/png": 'AA"><script>'}),
            new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
            new_output("stream", name="stdout", text="hi"),
            {"output_type": "weird"}]
    safe = grading._safe_outputs(outs)
    assert [o["output_type"] for o in safe] == ["display_data", "display_data", "stream"]
    assert safe[0]["data"] == {"text/plain": "t"} and safe[1]["data"] == {
        "image/png": "iVBORw0KGgo="}


def test_test_cell_output_is_the_verdict_and_kernel_text_never_counts():
    from nbgrader.utils import determine_grade

    cell = new_code_cell("submit('q', x)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 3, "grade_id": "q",
                                 "locked": True, "schema_version": 3}
    forged = [new_output("execute_result", data={"text/plain": "1e9"}, execution_count=1)]
    for verdict, points in (({"score": 1.0, "message": "ok"}, 3), ({"score": 0.0,
                                                                    "message": "no"}, 0)):
        cell.outputs = [grading._verdict_output(verdict, fa=False), *grading._as_text(forged)]
        assert determine_grade(cell)[0] == points


# --------------------------------------------------------------------------- CSV, policy
def test_csv_cells_are_escaped_against_formulas(tmp_path):
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert report.csv_cell(text) == "'" + text
    assert report.csv_cell("ok") == "ok" and report.csv_cell(-1.0) == -1.0


def test_late_policy():
    rule = LatePolicy(parse_time("2026-03-01T23:59+03:30"), per_day=10, max_percent=25,
                      grace_minutes=5)
    due = rule.due
    assert rule.penalty(10.0, due + dt.timedelta(minutes=4)) == (0.0, 0)
    assert rule.penalty(10.0, due + dt.timedelta(hours=30)) == (2.0, 2)
    assert rule.penalty(10.0, due + dt.timedelta(days=9, hours=1)) == (2.5, 10)
    assert rule.penalty(10.0, None) == (0.0, 0)
    with pytest.raises(ValueError, match="not a time"):
        parse_time("tomorrow")
    with pytest.raises(ValueError, match="per_day"):
        LatePolicy(due, per_day=-1)


# -------------------------------------------------------------------------------- cgroups
def test_cgroup_roots_are_found_or_refused(monkeypatch):
    roots = sandbox._cgroup_roots()
    if os.geteuid() != 0:
        assert roots is None
        return
    if roots is None:
        pytest.skip("no writable cgroup hierarchy on this machine (the fallback applies)")
    assert all(p.name == "crmlab-grading" and p.is_dir() for p in roots.values())


@pytest.mark.skipif(os.geteuid() != 0, reason="uids are only claimed when running as root")
def test_concurrent_runs_claim_different_uids():
    with sandbox.GradingRun(level="limits-only") as a, \
            sandbox.GradingRun(level="limits-only") as b:
        ua, ub = a.claim_uid(), b.claim_uid()
        assert ua != ub and min(ua, ub) >= sandbox.BASE_UID
        lock = sandbox._uid_lock_path(ua)
        assert lock.exists() and stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_stale_runs_are_removed(tmp_path):
    base = tmp_path / "runs"
    (base / "dead").mkdir(parents=True)
    (base / "dead" / ".lock").write_text("")
    (base / "mpl").mkdir()
    assert sandbox.clean_stale_runs(base) == 1
    assert not (base / "dead").exists() and (base / "mpl").exists()


def test_root_without_bubblewrap_refuses(monkeypatch):
    with pytest.raises(RuntimeError, match="apt-get install bubblewrap"):
        sandbox.GradingRun(level="root-without-bwrap")


def test_grades_subset_keeps_the_others(make_course):
    course = make_course()
    rows = [{"student_id": s, "assignment": "a", "score": 1.0, "max_score": 2.0, "reason": "",
             "late_penalty": 0.0, "submitted_at": ""} for s in ("x", "y")]
    report.update_grades(course, "a", rows, replace_all=True)
    report.update_grades(course, "a", [{**rows[0], "score": 2.0}], replace_all=False)
    table = report.read_grades(course).set_index("student_id")["score"].to_dict()
    assert table == {"x": 2.0, "y": 1.0}
    report.update_grades(course, "a", [{**rows[1], "score": 0.0}], replace_all=True)
    assert report.read_grades(course)["student_id"].tolist() == ["y"]


def test_exports_for_canvas_and_moodle(make_course, tmp_path):
    course = make_course(students=["s1", "s2"])
    roster = course.roster_path.read_text().splitlines()
    course.roster_path.write_text("student_id,email,name\ns1,s1@x.org,=evil\ns2,,Bob\n")
    assert roster[0] == "student_id"
    report.update_grades(course, "rfm_concentration", [
        {"student_id": "s1", "assignment": "rfm_concentration", "score": 7.0, "max_score": 12.0,
         "reason": "", "late_penalty": 0.0, "submitted_at": ""}], replace_all=True)
    canvas = report.export(course, "canvas", out=tmp_path / "c.csv").read_text().splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,rfm_concentration"
    assert canvas[1].startswith("Points Possible,") and canvas[1].endswith(",12")
    assert canvas[2] == "'=evil,,s1,s1@x.org,,7" and canvas[3] == "Bob,,s2,,,"
    moodle = report.export(course, "moodle", out=tmp_path / "m.csv").read_text().splitlines()
    assert moodle[0] == "ID number,Email address,First name,Last name,rfm_concentration"
    assert moodle[1] == "s1,s1@x.org,,,7"
    with pytest.raises(ValueError, match="unknown export format"):
        report.export(course, "blackboard")



def test_python_is_mounted_over_the_sandboxs_own_tmp(monkeypatch):
    """A virtual environment under /tmp (a CI checkout) stays visible in the sandbox: its
    read-only mount comes after the empty tmpfs on /tmp, which would otherwise hide it,
    while Python elsewhere keeps its place before the tmpfs folders."""
    from types import SimpleNamespace

    under_tmp = "/tmp/ci.checkout/main/.venv/lib/python3.11/site-packages"
    elsewhere = "/opt/python3.11"
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [elsewhere, under_tmp])
    fake = SimpleNamespace(run=SimpleNamespace(limits=sandbox.Limits()),
                           kernel_dir_host=Path("/nowhere/kernel"),
                           _mount_roots=sandbox.Sandbox._mount_roots)
    args = sandbox.Sandbox._bwrap_args(fake, 3)
    pairs = list(zip(args, args[1:], strict=False))
    tmpfs = pairs.index(("--tmpfs", "/tmp"))

    def mount(root):
        return max(i for i, (a, b) in enumerate(pairs) if a == "--ro-bind" and b == root)

    assert mount(under_tmp) > tmpfs > mount(elsewhere)
