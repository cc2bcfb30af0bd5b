#!/usr/bin/env python3
"""The crate layering, checked from `cargo metadata` (issue 18, ARCHITECTURE.md).

Rules:
  1. No engine, store or application crate reaches an HTTP server stack
     (axum, hyper, tower, tower-http) through its normal dependencies, however
     indirectly.
  2. Only the SQL store crates name sqlx as a dependency of their own.
  3. Only the HTTP crate and the command name axum as a dependency of their own.
  4. Workspace crates depend only on crates of a lower layer (the table below).
  5. Only xuancai-app names the backend crates (SQLite, PostgreSQL): above
     it there is one store type, `xuancai_app::store::Backend`, so the HTTP
     layer and the command are compiled once, not once per database.

Exits 1 and names every broken rule; prints the checked layers otherwise.
`--self-test` breaks each rule on a copy of the graph and fails unless the
check catches it.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HTTP_STACK = {"axum", "axum-core", "hyper", "hyper-util", "tower", "tower-http"}
# Layer of each workspace crate: a crate may depend on crates of lower layers only.
LAYERS = {
    "xuancai-domain": 0,
    "xuancai-imaging": 0,
    "xuancai-web": 0,
    "xuancai-vision": 1,
    "xuancai-aigc": 1,
    "xuancai-stickers": 2,
    "xuancai-store": 1,
    "xuancai-store-sql": 2,
    "xuancai-store-sqlite": 3,
    "xuancai-store-postgres": 3,
    "xuancai-app": 4,
    "xuancai-outbound": 5,
    "xuancai-server": 6,
    "xuancai-cli": 7,
}
NO_HTTP = {
    "xuancai-domain", "xuancai-imaging", "xuancai-vision", "xuancai-stickers", "xuancai-aigc",
    "xuancai-store", "xuancai-store-sql", "xuancai-store-sqlite", "xuancai-store-postgres",
    "xuancai-app", "xuancai-web",
}
MAY_USE_SQLX = {"xuancai-store-sql", "xuancai-store-sqlite", "xuancai-store-postgres"}
# Only the outbound adapters (and the HTTP server and command above them)
# hold an HTTP client.
MAY_USE_REQWEST = {"xuancai-outbound"}
MAY_USE_AXUM = {"xuancai-server", "xuancai-cli"}
BACKENDS = {"xuancai-store-sqlite", "xuancai-store-postgres"}
MAY_NAME_BACKENDS = {"xuancai-app"}


def graph():
    host = next(
        line.split(": ", 1)[1]
        for line in subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout.splitlines()
        if line.startswith("host: ")
    )
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--filter-platform", host],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    meta = json.loads(out)
    names = {p["id"]: p["name"] for p in meta["packages"]}
    members = {names[i] for i in meta["workspace_members"]}
    # Normal (non-dev, non-build) edges of the resolved graph, by name.
    edges = {}
    for node in meta["resolve"]["nodes"]:
        deps = set()
        for d in node["deps"]:
            if any(k["kind"] is None for k in d["dep_kinds"]):
                deps.add(names[d["pkg"]])
        edges[names[node["id"]]] = deps
    # Direct normal dependencies as the manifests declare them.
    direct = {}
    for p in meta["packages"]:
        if p["name"] in members:
            direct[p["name"]] = {d["name"] for d in p["dependencies"] if d["kind"] is None}
    return members, edges, direct


def closure(edges, start):
    seen, todo = set(), [start]
    while todo:
        for d in edges.get(todo.pop(), ()):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def reach(crate):
    """What `crate` reaches through normal dependencies, with the features
    it alone turns on (cargo tree resolves per package; the workspace-wide
    metadata graph would unify features of crates above it)."""
    out = subprocess.run(
        ["cargo", "tree", "-e", "normal", "-p", crate, "--prefix", "none", "-f", "{p}"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()} - {crate}


def check(members, edges, direct, reach=reach):
    errors = []
    for crate in sorted(members):
        if crate not in LAYERS:
            errors.append(f"{crate}: not in the layer table of tools/ci/layering.py (add it, and to ARCHITECTURE.md)")
            continue
        if crate in NO_HTTP:
            bad = sorted(reach(crate) & HTTP_STACK)
            if bad:
                errors.append(f"{crate}: must not depend on an HTTP server stack, but reaches {', '.join(bad)}")
        if "sqlx" in direct.get(crate, ()) and crate not in MAY_USE_SQLX:
            errors.append(f"{crate}: only the store crates may depend on sqlx")
        if "reqwest" in direct.get(crate, ()) and crate not in MAY_USE_REQWEST:
            errors.append(f"{crate}: only xuancai-outbound sends requests (reqwest)")
        if "axum" in direct.get(crate, ()) and crate not in MAY_USE_AXUM:
            errors.append(f"{crate}: only xuancai-server and xuancai-cli may depend on axum")
        if direct.get(crate, set()) & BACKENDS and crate not in MAY_NAME_BACKENDS:
            errors.append(f"{crate}: only xuancai-app may name a store backend (use xuancai_app::store::Backend)")
        for dep in sorted(direct.get(crate, ()) & members):
            if LAYERS.get(dep, 99) >= LAYERS[crate]:
                errors.append(f"{crate} (layer {LAYERS[crate]}) must not depend on {dep} (layer {LAYERS.get(dep)})")
    return errors


def self_test(members, edges, direct):
    """Each rule, broken on purpose, must be caught."""
    import copy
    cases = []
    e = copy.deepcopy(edges); e.setdefault("xuancai-domain", set()).add("axum")
    cases.append(("domain reaches axum", e, direct))
    d = copy.deepcopy(direct); d.setdefault("xuancai-vision", set()).add("sqlx")
    cases.append(("vision names sqlx", edges, d))
    d = copy.deepcopy(direct); d.setdefault("xuancai-store", set()).add("xuancai-server")
    cases.append(("store depends on server", edges, d))
    d = copy.deepcopy(direct); d.setdefault("xuancai-server", set()).add("xuancai-store-sqlite")
    cases.append(("server names a backend", edges, d))
    failed = 0
    for name, e, d in cases:
        caught = check(members, e, d, reach=lambda c, e=e: closure(e, c))
        print(f"  self-test {name}: {'caught' if caught else 'MISSED'}")
        failed += not caught
    return failed


def main():
    members, edges, direct = graph()
    if "--self-test" in sys.argv and self_test(members, edges, direct):
        sys.exit(1)
    errors = check(members, edges, direct)
    for e in errors:
        print(f"layering: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)
    for crate in sorted(members, key=lambda c: (LAYERS[c], c)):
        print(f"  layer {LAYERS[crate]}: {crate}")
    print(f"layering: ok ({len(members)} crates)")


if __name__ == "__main__":
    main()
