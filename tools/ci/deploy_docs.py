"""docs/DEPLOY.md shows the files of deploy/ as they are (issue 23 item 7):
the cluster test runs those files, and this check keeps the page equal to
them, so the documented configuration is the tested one.

    python3 tools/ci/deploy_docs.py      # lint.sh runs it
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def blocks(markdown):
    return [m.group(1).strip() for m in re.finditer(r"^```[a-z]*\n(.*?)^```$", markdown, re.M | re.S)]


def main():
    shown = blocks((ROOT / "docs" / "DEPLOY.md").read_text())
    files = sorted(p for p in (ROOT / "deploy").rglob("*") if p.is_file())
    missing = [p.relative_to(ROOT) for p in files if p.read_text().strip() not in shown]
    if not files:
        sys.exit("deploy_docs: deploy/ is empty")
    if missing:
        sys.exit("deploy_docs: docs/DEPLOY.md does not show these files as they are: "
                 + ", ".join(map(str, missing)) + " (copy each into a fenced block)")
    print(f"deploy_docs: {len(files)} files of deploy/ shown as they are in docs/DEPLOY.md")


if __name__ == "__main__":
    main()
