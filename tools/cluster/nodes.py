"""The cluster test's processes: a fresh PostgreSQL database, moto, an SMS
gateway, the xuancai nodes (started from deploy/systemd/*.service with
deploy/xuancai.toml) and nginx (deploy/nginx/xuancai.conf)."""

import datetime
import http.server
import json
import os
import pathlib
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import testca  # noqa: E402  (tools/testca.py)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
PG_URL = os.environ.get("XUANCAI_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, proc=None, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"cluster test: {what} exited ({proc.returncode}) before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"cluster test: {what} did not listen on {port}")


class SmsGateway(threading.Thread):
    """The operator's SMS gateway as `sms_http_url` speaks to it: records
    what it was asked to send."""

    def __init__(self):
        super().__init__(daemon=True)
        sent = self.sent = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                sent.append(json.loads(body))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def run(self):
        self.server.serve_forever()

    def last_code(self, phone):
        for m in reversed(self.sent):
            if m["phone"].endswith(phone):
                return m["code"]
        raise SystemExit(f"cluster test: no SMS was sent to {phone}")


class Node:
    """One xuancai process, its command taken from a systemd unit."""

    def __init__(self, name, argv, env, log):
        self.name, self.log = name, log
        self.port = None
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "wb"))

    def kill9(self):
        self.proc.send_signal(9)
        self.proc.wait()

    def log_lines(self):
        return ANSI.sub("", self.log.read_text(errors="replace")).splitlines()

    @staticmethod
    def stamp(line):
        """The time of a log line (tracing's RFC 3339 prefix)."""
        return datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00"))


def unit_command(unit, binary, config, assets):
    """`ExecStart` of a deploy/systemd unit with this machine's paths, and
    its `Environment=` lines."""
    text = unit.read_text()
    start = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
    argv = [binary if a == "/usr/local/bin/xuancai" else str(config) if a == "/etc/xuancai/xuancai.toml" else a
            for a in shlex.split(start)]
    env = dict(kv.split("=", 1) for kv in re.findall(r"^Environment=(\S+)$", text, re.M))
    if "XUANCAI_ASSETS_DIR" in env:
        env["XUANCAI_ASSETS_DIR"] = str(assets)
    return argv, env


def nginx_config(deploy_conf, upstreams, port, cert, key):
    """deploy/nginx/xuancai.conf with this machine's addresses: every
    replacement must match, so a changed file fails here, not in production."""
    text = deploy_conf.read_text()
    servers = iter(upstreams)
    text, n = re.subn(r"server 10\.0\.0\.\d+:8080", lambda _: f"server 127.0.0.1:{next(servers)}", text)
    assert n == len(upstreams), f"{deploy_conf}: {n} upstream servers, expected {len(upstreams)}"
    for old, new in [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
        ("server_name photos.example.cn;", "server_name localhost;"),
        ("/etc/nginx/tls/fullchain.pem", str(cert)),
        ("/etc/nginx/tls/privkey.pem", str(key)),
    ]:
        assert old in text, f"{deploy_conf}: no `{old}`"
        text = text.replace(old, new)
    return text


class Cluster:
    def __init__(self, root, tmp):
        self.root, self.tmp = root, tmp
        self.binary = os.environ.get("XUANCAI_BIN") or str(root / "target" / "ci" / "xuancai")
        self.assets = pathlib.Path(subprocess.check_output(
            [sys.executable if os.path.exists(sys.executable) else "python3",
             str(root / "tools" / "assets" / "fetch.py"), "--print-dir"], text=True).strip())
        self.servers, self.workers, self.extra = [], [], []
        self.procs = []
        self.db = f"xuancai_cluster_{secrets.token_hex(4)}"
        self.bucket = f"xuancai-cluster-{secrets.token_hex(4)}"
        self.metrics_token = secrets.token_hex(16)
        self.sms = SmsGateway()
        self.s3 = None

    @property
    def all_nodes(self):
        return self.servers + self.workers + self.extra

    # -- the parts -------------------------------------------------------
    def psql(self, db, sql):
        url = PG_URL.rsplit("/", 1)[0] + f"/{db}"
        return subprocess.run(["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def sql(self, query):
        return [r for r in self.psql(self.db, query).splitlines() if r]

    def start_parts(self):
        self.psql(PG_URL.rsplit("/", 1)[1], f"CREATE DATABASE {self.db}")
        moto = free_port()
        self.procs.append(subprocess.Popen([str(self.assets / "venv" / "bin" / "moto_server"), "-H", "127.0.0.1",
                                            "-p", str(moto)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(moto, "moto", self.procs[-1])
        self.s3_endpoint = f"http://127.0.0.1:{moto}"
        import boto3  # the asset venv's (moto brings it)
        self.s3 = boto3.client("s3", endpoint_url=self.s3_endpoint, region_name="cn-north-1",
                               aws_access_key_id="testing", aws_secret_access_key="testing")
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        self.sms.start()
        key = self.tmp / "master.key"
        key.write_text(secrets.token_hex(32) + "\n")
        self.cert, self.key = self.tmp / "cert.pem", self.tmp / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", str(self.key), "-out", str(self.cert)], check=True, capture_output=True)
        # The C2PA signing chain the servers refuse to start without (issue 21
        # item 8), from a throwaway CA.
        _, self.c2pa_chain, self.c2pa_key = testca.make_chain(self.tmp / "c2pa")
        self.config = self.root / "deploy" / "xuancai.toml"
        self.env = dict(
            os.environ,
            XUANCAI_DATABASE_URL=PG_URL.rsplit("/", 1)[0] + f"/{self.db}",
            XUANCAI_BLOB_URL=f"s3://{self.bucket}",
            AWS_ENDPOINT_URL=self.s3_endpoint,
            AWS_REGION="cn-north-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            XUANCAI_MASTER_KEY_FILE=str(key),
            XUANCAI_AIGC_SIGNING_CERT=str(self.c2pa_chain),
            XUANCAI_AIGC_SIGNING_KEY=str(self.c2pa_key),
            XUANCAI_METRICS_TOKEN=self.metrics_token,
            XUANCAI_SMS_HTTP_URL=self.sms.url,
            XUANCAI_SECURITY__TRUSTED_PROXIES="127.0.0.1/32",
            XUANCAI_SECURITY__INTERNAL_HOSTS="127.0.0.1",
            # Short timings, so that the test is short.
            XUANCAI_JOB_INTERVAL_SECS="1",
            XUANCAI_UPLOAD_GRACE_SECS="2",
            XUANCAI_STUDIO_LEASE_SECS="3",
            XUANCAI_MAINTENANCE_LEASE_SECS="3",
            XUANCAI_STUDIO_MAX_PENDING="50",
            XUANCAI_SENDS_PER_PHONE_MINUTE="20",
            XUANCAI_CONTACT__COMPLAINTS_PER_IP_DAY="3",
            XUANCAI_LOG="info,xuancai_app::maintenance=debug",
            # Each maintenance run holds the lease a quarter of a second: with
            # five nodes ticking every second, runs would overlap without it.
            XUANCAI_FAULT="slow-maintenance",
        )
        for k in ("XUANCAI_CONFIG", "XUANCAI_DEV", "XUANCAI_DATA_DIR"):
            self.env.pop(k, None)

    def start_node(self, name, unit, extra_env):
        argv, env = unit_command(self.root / "deploy" / "systemd" / unit, self.binary, self.config, self.assets)
        node = Node(name, argv, dict(self.env, **env, **extra_env), self.tmp / f"{name}.log")
        return node

    def start_server(self, name, fault=None):
        port = free_port()
        extra = {"XUANCAI_LISTEN": f"127.0.0.1:{port}"}
        if fault:
            extra["XUANCAI_FAULT"] = fault
        node = self.start_node(name, "xuancai-server.service", extra)
        node.port = port
        (self.extra if fault else self.servers).append(node)
        wait_port(port, name, node.proc)
        return node

    def start_single(self):
        """The one-machine shape (deploy/single/xuancai.toml with
        deploy/systemd/xuancai.service): SQLite, local files, TLS in the
        binary. Only paths, the port and the SMS gateway are this machine's."""
        port = free_port()
        data = self.tmp / "single"
        key = self.tmp / "single.key"
        key.write_text(secrets.token_hex(32) + "\n")
        argv, unit_env = unit_command(self.root / "deploy" / "systemd" / "xuancai.service", self.binary,
                                      self.root / "deploy" / "single" / "xuancai.toml", self.assets)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XUANCAI_", "AWS_"))}
        env.update(unit_env, XUANCAI_LISTEN=f"127.0.0.1:{port}", XUANCAI_DATA_DIR=str(data),
                   XUANCAI_MASTER_KEY_FILE=str(key), XUANCAI_TLS_CERT=str(self.cert), XUANCAI_TLS_KEY=str(self.key),
                   XUANCAI_AIGC_SIGNING_CERT=str(self.c2pa_chain), XUANCAI_AIGC_SIGNING_KEY=str(self.c2pa_key),
                   XUANCAI_SMS_HTTP_URL=self.sms.url, XUANCAI_SECURITY__INTERNAL_HOSTS="127.0.0.1")
        node = Node("single", argv, env, self.tmp / "single.log")
        node.port = port
        wait_port(port, "the single-machine server", node.proc)
        return node

    def start(self):
        print(f"== starting PostgreSQL database {self.db}, moto, the SMS gateway", flush=True)
        self.start_parts()
        print("== starting 2 servers and 2 workers (deploy/systemd units, deploy/xuancai.toml)", flush=True)
        for i in (1, 2):
            self.start_server(f"server-{i}")
        for i in (1, 2):
            # One studio thread each: two workers share this machine's 2 cores.
            w = self.start_node(f"worker-{i}", "xuancai-worker.service", {"XUANCAI_STUDIO_THREADS": "1"})
            self.workers.append(w)
        for w in self.workers:
            for _ in range(600):
                if "worker running" in w.log.read_text(errors="replace"):
                    break
                if w.proc.poll() is not None:
                    raise SystemExit(f"cluster test: {w.name} exited: {w.log.read_text()[-2000:]}")
                time.sleep(0.1)
        self.start_nginx()

    def start_nginx(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            print("== installing nginx (Debian)", flush=True)
            sudo = [] if os.geteuid() == 0 else ["sudo"]
            install = sudo + ["apt-get", "install", "-y", "--no-install-recommends", "nginx-light"]
            if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
                subprocess.run(sudo + ["apt-get", "update"], check=True, stdout=subprocess.DEVNULL)
                subprocess.run(install, check=True, stdout=subprocess.DEVNULL)
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        port = free_port()
        site = nginx_config(self.root / "deploy" / "nginx" / "xuancai.conf", [s.port for s in self.servers], port,
                            self.cert, self.key)
        (self.tmp / "xuancai.conf").write_text(site)
        temp = self.tmp / "nginx-temp"
        temp.mkdir()
        os.chmod(self.tmp, 0o755)
        os.chmod(temp, 0o777)
        # One nginx worker: round robin then alternates strictly between the
        # two servers, which the half-sent uploads rely on.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.tmp / "nginx.conf").write_text(f"""{user}worker_processes 1;
pid {self.tmp}/nginx.pid;
error_log {self.tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {self.tmp}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.tmp}/xuancai.conf;
}}
""")
        self.nginx = subprocess.Popen([nginx, "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=open(self.tmp / "nginx.out", "wb"))
        self.procs.append(self.nginx)
        wait_port(port, "nginx", self.nginx)
        self.proxy_url = f"https://localhost:{port}"
        print(f"== nginx on {self.proxy_url} in front of 127.0.0.1:{self.servers[0].port} and "
              f"127.0.0.1:{self.servers[1].port}", flush=True)

    # -- what the checks read ---------------------------------------------
    def blob_photo_ids(self, user):
        ids, token = set(), None
        while True:
            kw = {"Bucket": self.bucket, "Prefix": f"u/{user}/p/"}
            if token:
                kw["ContinuationToken"] = token
            page = self.s3.list_objects_v2(**kw)
            ids |= {o["Key"].split("/")[3] for o in page.get("Contents", [])}
            if not page.get("IsTruncated"):
                return ids
            token = page["NextContinuationToken"]

    def bench(self, client, token):
        from bench import run_bench
        run_bench(self, client, token)

    # -- the end ------------------------------------------------------------
    def stop(self, show_logs=False):
        for n in self.all_nodes:
            if n.proc.poll() is None:
                n.proc.terminate()
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in [n.proc for n in self.all_nodes] + self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        self.sms.server.shutdown()
        if show_logs:
            for n in self.all_nodes:
                print(f"---- {n.name} (last lines)\n" + "\n".join(n.log_lines()[-25:]), flush=True)
            err = self.tmp / "nginx-error.log"
            if err.exists():
                print("---- nginx error log (last lines)\n" + "\n".join(err.read_text().splitlines()[-15:]))
        if show_logs:
            print(f"the database {self.db} is kept (drop it with: psql {PG_URL} -c 'DROP DATABASE {self.db}')")
            return
        try:
            self.psql(PG_URL.rsplit("/", 1)[1], f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        except subprocess.CalledProcessError as e:
            print(f"dropping {self.db}: {e.stderr}", flush=True)
