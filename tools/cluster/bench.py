"""`cluster.py --bench`: the cluster under load (docs/BENCHMARKS.md).

wrk through nginx (TLS) against the album listing and the public feed, both
servers serving; then studio jobs per second with two workers and with one.
Everything shares this machine's cores: nginx, two servers, PostgreSQL,
moto, wrk and the workers."""

import json
import os
import re
import shutil
import subprocess
import time

JOBS = int(os.environ.get("CLUSTER_BENCH_JOBS", "16"))
SECONDS = int(os.environ.get("CLUSTER_BENCH_SECONDS", "10"))


def commits(cl):
    return int(cl.sql(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{cl.db}'")[0])


def wrk(cl, url, token):
    before = commits(cl)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{SECONDS}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    # PostgreSQL transactions per request: where the time of a read goes.
    per = (commits(cl) - before) / max(total, 1)
    return {"rps": rps, "p99": p99, "non_2xx": int(errors.group(1)) if errors else 0, "pg_commits_per_request": round(per, 2)}


def jobs_per_second(c, token, photo_ids):
    asks = [{"kind": "cutout", "photo": photo_ids[i % len(photo_ids)], "background": {"color": f"#{i:06x}"}}
            for i in range(JOBS)]
    t0 = time.monotonic()
    ids = [c.json("POST", "/api/v1/jobs", token, body=a)["id"] for a in asks]
    while True:
        views = [c.json("GET", f"/api/v1/jobs/{j}", token) for j in ids]
        if all(v["state"] in ("done", "failed") for v in views):
            break
        time.sleep(0.2)
    took = time.monotonic() - t0
    done = sum(v["state"] == "done" for v in views)
    return {"jobs": len(ids), "done": done, "seconds": round(took, 1), "jobs_per_s": round(done / took, 2)}


def run_bench(cl, c, token):
    if not shutil.which("wrk"):
        raise SystemExit("cluster bench: wrk is needed (apt-get install wrk)")
    print("== bench: wrk through nginx (TLS), both servers serving", flush=True)
    # The test photos, as bench/jobs.py uses them (re-uploads answer with
    # the photo already there).
    photos = sorted({c.call("POST", "/api/v1/photos", token, form=(p.name, p.read_bytes()))[1]["photo"]["id"]
                     for p in sorted((cl.assets / "testdata").iterdir())})
    album = c.json("POST", "/api/v1/albums", token, body={"name": "bench"})["id"]
    c.json("POST", f"/api/v1/albums/{album}/photos", token, body={"photo_ids": photos})
    results = {"load": {}, "jobs": {}}
    for name, path in [("album listing", f"/api/v1/albums/{album}/photos?limit=50"),
                       ("albums", "/api/v1/albums"),
                       ("public feed", "/api/v1/works/feed?limit=20")]:
        results["load"][name] = r = wrk(cl, cl.proxy_url + path, token)
        print(f"  {name}: {r['rps']:.0f} req/s, p99 {r['p99']}, non-2xx {r['non_2xx']}, "
              f"{r['pg_commits_per_request']} PostgreSQL commits per request", flush=True)
    # The same listing straight to one server (plain HTTP, no proxy): what
    # nginx and TLS cost, and what one server on PostgreSQL + S3 does.
    direct = f"http://127.0.0.1:{cl.servers[0].port}/api/v1/albums/{album}/photos?limit=50"
    results["load"]["album listing, one server, no proxy"] = r = wrk(cl, direct, token)
    print(f"  album listing, one server without nginx: {r['rps']:.0f} req/s, p99 {r['p99']}", flush=True)
    print(f"== bench: {JOBS} cutout jobs, two workers then one", flush=True)
    live = [w for w in cl.workers if w.proc.poll() is None]
    while len(live) < 2:
        w = cl.start_node(f"worker-{len(cl.workers) + 1}", "xuancai-worker.service", {})
        cl.workers.append(w)
        live.append(w)
        time.sleep(2)
    results["jobs"]["2 workers"] = r = jobs_per_second(c, token, photos)
    print(f"  2 workers: {r}", flush=True)
    live[-1].proc.terminate()
    live[-1].proc.wait()
    results["jobs"]["1 worker"] = r = jobs_per_second(c, token, photos)
    print(f"  1 worker: {r}", flush=True)
    out = cl.root / "bench-out"
    out.mkdir(exist_ok=True)
    (out / "cluster.json").write_text(json.dumps(results, indent=2))
    print(f"  written to {out / 'cluster.json'}", flush=True)
