"""A small client of Xuancai's API for the scripts that drive a dev server
(the contract check, the job benchmark): one call, and the sign-in of a
`serve --dev` user (the code read from the dev SMS outbox)."""

import json
import urllib.request
import uuid


def encode(token=None, body=None, form=None, headers=None):
    """(request body, headers): `body` as JSON, or `form` = (file name,
    bytes) as the multipart `file`; the bearer token."""
    h = dict(headers or {})
    data = None
    if token:
        h["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        h["content-type"] = "application/json"
    if form is not None:
        name, raw = form
        boundary = uuid.uuid4().hex
        data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n".encode()
                + raw + f"\r\n--{boundary}--\r\n".encode())
        h["content-type"] = f"multipart/form-data; boundary={boundary}"
    return data, h


def call(base, method, path, token=None, body=None, form=None, timeout=120):
    """`body`: JSON; `form`: (file name, bytes) sent as the multipart `file`."""
    data, headers = encode(token, body, form)
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


def sign_in(base, data_dir, phone="13800138000"):
    """Agree to the documents in force, ask for a code, sign in: the token."""
    docs = call(base, "GET", "/api/v1/documents")
    agree = {d["kind"]: d["current"]["version"] for d in docs["documents"]
             if d["kind"] in ("user_agreement", "privacy_policy")}
    body = {"phone": phone, "agree": agree, "sensitive": ["phone"]}
    call(base, "POST", "/api/v1/auth/code", body=body)
    code = (data_dir / "sms-outbox.log").read_text().strip().splitlines()[-1].split()[1]
    return call(base, "POST", "/api/v1/auth/login", body=dict(body, code=code))["token"]
