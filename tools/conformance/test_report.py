"""The conformance report counts only tests that passed and declare the ID
in their name (issue 20): a failed or skipped test, a mention elsewhere, or
a missing results file proves nothing."""

import pathlib
import subprocess
import sys

REPORT = pathlib.Path(__file__).with_name("report.py")


def run(tmp: pathlib.Path, rust: str, browser: str, require: str):
    spec = tmp / "spec.md"
    spec.write_text("- CON-1 a\n- CON-3 b\n- MIN-1 c\n- MIN-2 d\n- MIN-3 e\n- R-4 f\n", encoding="utf-8")
    (tmp / "rust.xml").write_text(rust, encoding="utf-8")
    (tmp / "browser.xml").write_text(browser, encoding="utf-8")
    out = tmp / "report.md"
    p = subprocess.run(
        [sys.executable, str(REPORT), "--spec", str(spec), "--rust", str(tmp / "rust.xml"),
         "--browser", str(tmp / "browser.xml"), "--out", str(out), "--require", require],
        capture_output=True, text=True,
    )
    return p.returncode, out.read_text(encoding="utf-8") if out.exists() else "", p.stderr


RUST = """<testsuites><testsuite name="x">
<testcase classname="xuancai-server::api" name="privacy::con1_passes"/>
<testcase classname="xuancai-server::api" name="privacy::con3_fails"><failure message="boom"/></testcase>
<testcase classname="xuancai-server::api" name="privacy::r4_skipped"><skipped/></testcase>
<testcase classname="con3_in_the_suite_name" name="privacy::mentions_nothing"/>
<testcase classname="xuancai-server::api" name="privacy::min1_to_min3_range"/>
</testsuite></testsuites>"""


def test_only_passing_declaring_tests_prove(tmp_path):
    rc, md, err = run(tmp_path, RUST, "<testsuites/>", "CON-1 MIN-2")
    assert rc == 0, err
    assert "4 of 6 requirements are proven" in md  # CON-1 and the range MIN-1..MIN-3
    assert "| CON-3 | `rust:xuancai-server::api::privacy::con3_fails` failed |" in md
    assert "| R-4 | `rust:xuancai-server::api::privacy::r4_skipped` skipped |" in md


def test_a_required_id_without_a_passing_test_fails_the_run(tmp_path):
    rc, _, err = run(tmp_path, RUST, "<testsuites/>", "CON-1 CON-3 R-4")
    assert rc == 1
    assert "CON-3 R-4" in err


def test_browser_results_count_and_a_missing_file_is_an_error(tmp_path):
    browser = '<testsuites><testcase name="r4_withdraw_in_the_browser" classname="test"/></testsuites>'
    rc, md, _ = run(tmp_path, RUST, browser, "R-4")
    assert rc == 0 and "`browser:test::r4_withdraw_in_the_browser` passed" in md
    spec = tmp_path / "spec.md"
    p = subprocess.run(
        [sys.executable, str(REPORT), "--spec", str(spec), "--rust", str(tmp_path / "nope.xml"),
         "--browser", str(tmp_path / "browser.xml"), "--out", str(tmp_path / "r.md")],
        capture_output=True, text=True,
    )
    assert p.returncode != 0 and "no test results" in (p.stderr + p.stdout)
