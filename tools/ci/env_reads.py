#!/usr/bin/env python3
"""The server reads its environment in one place (issue 18 item 4).

Every setting of `xuancai serve` — file key, `XUANCAI_…` variable, the S3
client's `AWS_…` variables, the asset dir, fault injection — goes through
`xuancai_app::settings` (figment, in layers) and is documented in
docs/CONFIG.md. This check fails when a source file of the server's crates
reads an environment variable anywhere else. The engine crates' own
conveniences for the CLI's tools (`AssetDir::from_env`) are outside it.

`--self-test` plants a read in a copy of a file and fails unless caught.
"""

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CRATES = [
    "xuancai-app", "xuancai-server", "xuancai-outbound", "xuancai-store",
    "xuancai-store-sql", "xuancai-store-sqlite", "xuancai-store-postgres",
]
ALLOWED = {Path("crates/xuancai-app/src/settings.rs")}
READ = re.compile(r"\benv::(var|var_os|vars|vars_os)\s*\(")


def reads(root):
    found = []
    for crate in CRATES:
        for path in sorted((root / "crates" / crate / "src").rglob("*.rs")):
            rel = path.relative_to(root)
            if rel in ALLOWED or path.name.endswith("_tests.rs"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("//", 1)[0]
                if READ.search(code):
                    found.append(f"{rel}:{n}: {line.strip()}")
    return found


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "crates" / "xuancai-app" / "src"
        src.mkdir(parents=True)
        (src / "startup.rs").write_text('let f = std::env::var("XUANCAI_FAULT").ok();\n', encoding="utf-8")
        (src / "settings.rs").write_text("let v = std::env::vars();\n", encoding="utf-8")
        caught = reads(root)
        ok = len(caught) == 1 and "startup.rs" in caught[0]
        print(f"  self-test a planted env read: {'caught' if ok else 'MISSED'}")
        return ok


def main():
    if "--self-test" in sys.argv and not self_test():
        return 1
    found = reads(ROOT)
    for f in found:
        print(f"{f}\n    read it through xuancai_app::settings (a key of Settings) and document it in docs/CONFIG.md")
    if found:
        return 1
    print(f"  the server's crates read the environment only in {', '.join(map(str, ALLOWED))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
