"""The cluster test (issue 23 item 1; `make cluster-test`, run by `make test`).

On loopback only: PostgreSQL (the machine's, a fresh database), an S3 server
(moto), an SMS gateway (a small HTTP receiver: the protocol of
`sms_http_url`), two `xuancai serve` and two `xuancai worker` processes
started from deploy/systemd/*.service with deploy/xuancai.toml, and nginx
(Debian's) running deploy/nginx/xuancai.conf with a throwaway certificate,
balancing over the two servers and ending TLS. Through the proxy it signs in,
uploads, queues cutout, sticker and pack jobs, follows their events,
publishes, exports; it kills a worker holding a job and a server with an
upload half sent, crashes a third server between an upload's blobs and its
row, and checks what must survive:

- every job ends once: done, or failed with a reason; none completes twice
  (the workers' logs say which worker completed what);
- a killed upload leaves no row, and the blobs of a crashed one are
  collected by the surviving nodes;
- sessions keep working through the surviving server;
- per-address limits apply to the client's address behind the proxy, not
  to the proxy's or a forged `X-Forwarded-For`, and are shared by both
  servers;
- maintenance (run every second by all four nodes at once) is held by one
  node at a time: the nodes' lease intervals never overlap.

    python tools/cluster/cluster.py            # XUANCAI_BIN: the binary (target/ci/xuancai)
    python tools/cluster/cluster.py --bench    # then wrk through nginx (docs/BENCHMARKS.md)

Needs boto3 (the asset venv's, with moto). Prints what it checked and the
time it took; exits non-zero on the first broken promise.
"""

import argparse
import io
import pathlib
import re
import shutil
import signal
import sys
import tempfile
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from nodes import Cluster  # noqa: E402
from client import Client  # noqa: E402

PHONE = "13800138001"
OPERATOR = "13700137000"


def check(cond, what):
    if not cond:
        raise SystemExit(f"cluster test: FAILED: {what}")
    print(f"  ok  {what}", flush=True)


def wait_for(what, fn, timeout=60.0, every=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(every)
    raise SystemExit(f"cluster test: FAILED: timed out waiting for {what}")


def upload(c, token, path, extra=b""):
    return c.call("POST", "/api/v1/photos", token, form=(path.name, path.read_bytes() + extra))


def photo_ids(c, token):
    ids, cursor = set(), None
    while True:
        q = "/api/v1/photos?limit=200" + (f"&cursor={cursor}" if cursor else "")
        page = c.json("GET", q, token)
        ids |= {p["id"] for p in page["items"]}
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


def jobs_phase(cl, c, token, photos):
    """Queue studio jobs, follow two of them, kill a worker holding one."""
    print("== studio jobs: 2 workers, one killed while it holds a job", flush=True)
    portrait = [p for n, p in photos.items() if n.startswith("faceapi")]
    asks = [{"kind": "cutout", "photo": p} for p in photos.values()]
    asks += [
        {"kind": "cutout", "photo": portrait[0], "model": "portrait"},
        {"kind": "sticker", "photo": portrait[1], "template": "greeting", "caption": "你好", "model": "portrait"},
        {"kind": "pack", "photos": portrait[:2], "platform": "telegram", "name": "集群测试"},
    ]
    jobs = [c.json("POST", "/api/v1/jobs", token, body=a, expect=202)["id"] for a in asks]
    streams = [c.follow_events(f"/api/v1/jobs/{j}/events", token) for j in jobs[:2]]
    victim = cl.workers[0]

    def held():
        rows = cl.sql("SELECT locked_by FROM jobs WHERE state = 'running'")
        return any(r.startswith(f"{victim.proc.pid}-") for r in rows)

    # Worker 1 first finishes a job of its own (both workers are seen at
    # work), then is killed in the middle of its next.
    wait_for("worker 1 to finish a job", lambda: any("job done" in line for line in victim.log_lines()),
             timeout=180, every=0.1)
    wait_for("a job held by worker 1", held, timeout=120, every=0.02)
    held_job = cl.sql(
        f"SELECT encode(id, 'hex') FROM jobs WHERE state = 'running' AND locked_by LIKE '{victim.proc.pid}-%'"
    )
    victim.kill9()
    print(f"  killed worker 1 (pid {victim.proc.pid}) holding job {held_job}", flush=True)

    def finished():
        views = [c.json("GET", f"/api/v1/jobs/{j}", token) for j in jobs]
        return views if all(v["state"] in ("done", "failed") for v in views) else None

    views = wait_for("every job to end", finished, timeout=300, every=0.5)
    for v in views:
        if v["state"] == "failed":
            check(bool((v.get("error") or {}).get("code")), f"job {v['id']} ({v['kind']}) failed with a reason")
    done = [v for v in views if v["state"] == "done"]
    check(len(done) == len(views), f"all {len(views)} jobs done ({[v['state'] for v in views]})")
    retried = [v for v in views if v["attempts"] >= 2]
    check(len(retried) >= 1, f"the killed worker's job was taken again ({len(retried)} job(s) with 2+ attempts)")
    completions = {}
    for w in cl.workers:
        for line in w.log_lines():
            m = re.search(r"job\{id=(\S+) .*job done", line)
            if m:
                completions.setdefault(m.group(1), []).append(w.name)
    for v in done:
        got = completions.get(v["id"], [])
        check(len(got) == 1, f"job {v['id']} ({v['kind']}) completed once, by {got}")
    check(set(completions) <= {v["id"] for v in views}, "no completion of a job that was not asked")
    by = {w.name: sum(1 for names in completions.values() if w.name in names) for w in cl.workers}
    print(f"  completions by worker: {by}", flush=True)
    for s in streams:
        s.join(timeout=30)
        check(s.final in ("done", "failed"), f"events followed through nginx to the end ({s.path}: {s.seen} events, last {s.final})")
    return done


def limits_phase(c):
    print("== per-address limits behind the proxy (complaints_per_ip_day = 3)", flush=True)
    body = {"topic": "other", "message": "集群测试的投诉，请忽略。", "reply_to": "test@example.cn"}
    a = [c.call("POST", "/api/v1/complaints", body=body, source="127.0.0.2",
                headers={"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(5)]
    check(a[:3] == [201] * 3 and a[3:] == [429, 429],
          f"127.0.0.2 (a forged X-Forwarded-For each time, both servers in turn): {a}")
    b = c.call("POST", "/api/v1/complaints", body=body, source="127.0.0.3")[0]
    check(b == 201, f"127.0.0.3 is another client: {b}")


def half_upload_phase(cl, c, token, photo):
    """Four uploads half sent through nginx (one nginx worker, round robin:
    two on each server), then server 1 is killed; the rest is sent."""
    print("== a server killed with uploads half sent", flush=True)
    alive = [s.name for s in cl.servers if s.proc.poll() is None]
    check(len(alive) == 2, f"both servers still run after everything before ({alive})")
    before = photo_ids(c, token)
    pending = [c.start_upload(token, photo, extra=f"half {i}".encode()) for i in range(4)]
    time.sleep(1.0)
    cl.servers[0].kill9()
    outcomes = [u.finish() for u in pending]
    ok = [o for o in outcomes if o == 201]
    check(len(ok) < len(outcomes), f"uploads on the killed server failed: {outcomes}")
    after = photo_ids(c, token)
    check(len(after - before) == len(ok), f"one row per finished upload and none for the killed ones ({len(after - before)} new)")
    statuses = [c.call("GET", "/api/v1/me", token)[0] for _ in range(20)]
    check(statuses == [200] * 20, "the session keeps working through the surviving server (20 calls)")


def crash_phase(cl, c, token, photo, user):
    """A server aborted between an upload's blobs and its row (XUANCAI_FAULT):
    the blobs are collected by the others once the grace has passed."""
    print("== a server crashed between an upload's blobs and its row", flush=True)
    node = cl.start_server("server-3", fault="after-blobs")
    direct = Client(f"http://127.0.0.1:{node.port}")
    try:
        direct.call("POST", "/api/v1/photos", token, form=(photo.name, photo.read_bytes() + b"crash"))
        raise SystemExit("cluster test: FAILED: the faulted server answered the upload")
    except (ConnectionError, OSError):
        pass
    node.proc.wait(timeout=30)
    check(node.proc.returncode != 0, f"server 3 aborted ({node.proc.returncode})")
    listed = photo_ids(c, token)
    orphans = cl.blob_photo_ids(user) - listed
    check(len(orphans) == 1, f"the crashed upload left its blobs and no row: {sorted(orphans)}")
    # As if server 3 had died in the middle of a maintenance run: the lease
    # row names it for another three seconds (maintenance_lease_secs), and
    # nobody renews it. The others wait it out, then collect.
    until = int(time.time() * 1000) + 3000
    cl.sql(f"INSERT INTO leases (name, holder, until) VALUES ('maintenance', 'server-3 (dead)', {until}) "
           f"ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until RETURNING name")
    t0 = time.monotonic()
    wait_for("the orphaned blobs to be collected", lambda: not (cl.blob_photo_ids(user) & orphans), timeout=60, every=0.5)
    took = time.monotonic() - t0
    check(cl.blob_photo_ids(user) == photo_ids(c, token),
          f"the crashed upload's blobs collected by the others {took:.1f} s after the dead node's lease was taken "
          "(3 s lease); the bucket holds exactly the photos that have rows")


def maintenance_phase(cl):
    print("== maintenance: one node at a time", flush=True)
    spans = []
    for n in cl.all_nodes:
        taken = None
        for line in n.log_lines():
            if "maintenance: lease taken" in line:
                taken = n.stamp(line)
            elif "maintenance: lease given back" in line and taken is not None:
                spans.append((taken, n.stamp(line), n.name))
                taken = None
    spans.sort()
    holders = {s[2] for s in spans}
    check(len(spans) >= 10 and len(holders) >= 2, f"{len(spans)} runs by {len(holders)} nodes ({sorted(holders)})")
    overlaps = [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
    check(not overlaps, f"no two runs overlap ({overlaps[:3]})")


def ops_phase(cl, c):
    print("== metrics and readiness", flush=True)
    s = cl.servers[1]
    check(c.call("GET", "/metrics")[0] == 404, "/metrics is not served through the proxy")
    direct = Client(f"http://127.0.0.1:{s.port}")
    status, body = direct.call("GET", "/metrics", headers={"Authorization": f"Bearer {cl.metrics_token}"}, raw=True)
    check(status == 200 and b"xuancai_http_requests_total" in body, "/metrics answers the token on the private address")
    status, body = direct.call("GET", "/ready", raw=True)
    check(status == 200, f"/ready on the surviving server: {body[:200]!r}")


def single_phase(cl):
    """docs/DEPLOY.md's one-machine configuration starts as written and
    serves HTTPS itself (issue 23 items 3 and 7)."""
    print("== the one-machine configuration (deploy/single, TLS in the binary)", flush=True)
    node = cl.start_single()
    try:
        c = Client(f"https://localhost:{node.port}", cafile=cl.cert)
        status, body = c.call("GET", "/ready", raw=True)
        check(status == 200, f"it starts from the documented file and answers /ready over TLS ({body[:60]!r})")
        token, _ = c.sign_in("13800138002", cl.sms)
        me = c.json("GET", "/api/v1/me", token)
        check(bool(me.get("user_id")), "a sign-in through the SMS gateway works on it")
    finally:
        node.proc.terminate()
        node.proc.wait(timeout=15)


def story(cl, bench):
    single_phase(cl)
    c = Client(cl.proxy_url, cafile=cl.cert)
    token, user = c.sign_in(PHONE, cl.sms)
    c.json("PUT", "/api/v1/me/consents/faces", token, body={"granted": True})
    print("== sign in, upload, jobs, publish, export through nginx (TLS)", flush=True)
    testdata = sorted((cl.assets / "testdata").iterdir())
    picked = [p for p in testdata if p.name in ("coffee.png", "chelsea.png", "faceapi-sample1.jpg", "faceapi-sample2.jpg")]
    photos = {p.name: upload(c, token, p)[1]["photo"]["id"] for p in picked}
    check(len(photos) == 4 and len(set(photos.values())) == 4, "four photos uploaded through nginx")
    limits_phase(c)
    done = jobs_phase(cl, c, token, photos)
    # Issue 22 item 5: a result joins the library only when saved.
    cut = next(v for v in done if v["kind"] == "cutout")
    result = c.json("POST", cut["result"]["urls"]["save"], token, expect=201)["photo"]["id"]
    check(result in set(photo_ids(c, token)), "the saved cutout is in the library")
    work = c.json("POST", "/api/v1/works", token, body={"photo": result, "title": "集群", "visibility": "public"}, expect=201)
    feed = c.json("GET", "/api/v1/works/feed?limit=20")
    check(any(w["id"] == work["id"] for w in feed["items"]), "the published work is in the public feed")
    c.json("POST", "/api/v1/me/verify", token, expect=202)
    code = cl.sms.last_code(PHONE)
    req = c.json("POST", "/api/v1/me/requests", token, body={"kind": "export", "code": code}, expect=201)

    def export_done():
        items = c.json("GET", "/api/v1/me/requests", token)["items"]
        return next((r for r in items if r["id"] == req["id"] and r["status"] == "done"), None)

    wait_for("the export", export_done, timeout=120, every=0.5)
    status, zipped = c.call("GET", f"/api/v1/me/requests/{req['id']}/download", token, raw=True)
    names = zipfile.ZipFile(io.BytesIO(zipped)).namelist() if status == 200 else []
    ids = {i for i in photo_ids(c, token)}
    held = {i for i in ids if any(i in n for n in names)}
    check(status == 200 and held == ids, f"the export holds every photo ({len(held)} of {len(ids)}; {len(names)} files)")
    if bench:
        cl.bench(c, token)
    ops_phase(cl, c)
    half_upload_phase(cl, c, token, testdata[0])
    crash_phase(cl, c, token, testdata[1], user)
    maintenance_phase(cl)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", action="store_true", help="also run wrk through nginx (docs/BENCHMARKS.md)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = ap.parse_args()
    started = time.monotonic()
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit("cluster test: FAILED: over 15 minutes")))
    signal.alarm(900)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="xuancai-cluster-"))
    cl = Cluster(ROOT, tmp)
    ok = False
    try:
        cl.start()
        story(cl, args.bench)
        ok = True
    finally:
        cl.stop(show_logs=not ok)
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs kept in {tmp}", flush=True)
    print(f"== cluster test passed in {time.monotonic() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
