"""An HTTP(S) client of the API for the cluster test: a fresh connection per
call (so nginx balances every call), a chosen source address on loopback
(127.0.0.2, …: the client's address nginx sees), server-sent events followed
in a thread, and an upload that can be stopped half way."""

import http.client
import importlib.util
import json
import pathlib
import ssl
import threading
import urllib.parse

# The API client of tools/api (the same request encoding), loaded by path:
# both directories have a `client` module.
_spec = importlib.util.spec_from_file_location(
    "api_client", pathlib.Path(__file__).resolve().parent.parent / "api" / "client.py")
api_client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_client)


class Client:
    def __init__(self, base, cafile=None):
        u = urllib.parse.urlsplit(base)
        self.tls = u.scheme == "https"
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=str(cafile)) if self.tls else None

    def connect(self, source="127.0.0.1", timeout=120):
        src = (source, 0)
        if self.tls:
            return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout, source_address=src)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout, source_address=src)

    @staticmethod
    def encode(token, body, form, headers):
        return api_client.encode(token, body, form, headers)

    def call(self, method, path, token=None, body=None, form=None, headers=None, source="127.0.0.1", raw=False):
        """(status, parsed JSON or raw bytes)."""
        data, h = self.encode(token, body, form, headers)
        conn = self.connect(source)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            payload = r.read()
        finally:
            conn.close()
        if raw:
            return r.status, payload
        try:
            return r.status, json.loads(payload or b"null")
        except ValueError:
            return r.status, payload

    def json(self, method, path, token=None, body=None, expect=None):
        """The JSON answer; `expect`: the status (default: any 2xx)."""
        status, v = self.call(method, path, token, body=body)
        if status != expect if expect else not 200 <= status < 300:
            raise SystemExit(f"cluster test: FAILED: {method} {path}: {status} (expected {expect}): {v}")
        return v

    def sign_in(self, phone, sms):
        """Agree to the documents in force, get a code by SMS, sign in:
        (token, user id)."""
        docs = self.json("GET", "/api/v1/documents")
        agree = {d["kind"]: d["current"]["version"] for d in docs["documents"]
                 if d["kind"] in ("user_agreement", "privacy_policy")}
        body = {"phone": phone, "agree": agree, "sensitive": ["phone"]}
        self.json("POST", "/api/v1/auth/code", body=body)
        token = self.json("POST", "/api/v1/auth/login", body=dict(body, code=sms.last_code(phone)))["token"]
        me = self.json("GET", "/api/v1/me", token)
        return token, me["user_id"]

    def follow_events(self, path, token):
        s = Events(self, path, token)
        s.start()
        return s

    def start_upload(self, token, path, extra=b""):
        return HalfUpload(self, token, path, extra)


class Events(threading.Thread):
    """A job's event stream read to its end: how many events, the last state."""

    def __init__(self, client, path, token):
        super().__init__(daemon=True)
        self.client, self.path, self.token = client, path, token
        self.seen, self.final = 0, None

    def run(self):
        conn = self.client.connect(timeout=300)
        try:
            conn.request("GET", self.path, headers={"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"})
            r = conn.getresponse()
            if r.status != 200:
                self.final = f"status {r.status}"
                return
            for line in r:
                line = line.decode().strip()
                if not line.startswith("data:"):
                    continue
                self.seen += 1
                try:
                    state = json.loads(line[5:]).get("state")
                except ValueError:
                    continue
                if state in ("done", "failed"):
                    self.final = state
                    return
        except OSError as e:
            self.final = f"error {e}"
        finally:
            conn.close()


class HalfUpload:
    """An upload whose headers and first half are sent now; `finish` sends
    the rest and returns the status (or the error's name)."""

    def __init__(self, client, token, path, extra):
        data, headers = Client.encode(token, None, (path.name, path.read_bytes() + extra), None)
        self.rest = data[len(data) // 2:]
        self.conn = client.connect()
        self.conn.putrequest("POST", "/api/v1/photos")
        for k, v in headers.items():
            self.conn.putheader(k, v)
        self.conn.putheader("Content-Length", str(len(data)))
        self.conn.endheaders()
        self.conn.send(data[: len(data) // 2])

    def finish(self):
        try:
            self.conn.send(self.rest)
            r = self.conn.getresponse()
            r.read()
            return r.status
        except (OSError, http.client.HTTPException) as e:
            return type(e).__name__
        finally:
            self.conn.close()
