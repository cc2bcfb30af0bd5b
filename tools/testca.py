"""A throwaway C2PA signing chain for tests (issue 21 item 8): a root CA and
a signing certificate it issued, made with the openssl command line, shaped
as the C2PA certificate profile asks (the signer: key usage
digitalSignature, extended key usage emailProtection, not a CA, with
subject and authority key identifiers; the root: a CA that may sign
certificates). EC P-256 keys, PKCS#8 PEM.

    ca, chain, key = make_chain(Path(tmp))
"""

import subprocess
from pathlib import Path


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=cwd)


def make_chain(dir: Path, days: int = 2):
    """Writes ca.pem, chain.pem (the signing certificate) and key.pem (its
    key) into `dir`; returns their paths (ca, chain, key)."""
    dir.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *ec, "-days", str(days), "-keyout", "ca.key", "-out", "ca.pem",
             "-subj", "/CN=Xuancai Test Root CA/O=Xuancai Tests",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=hash", cwd=dir)
    _openssl("req", *ec, "-keyout", "key.pem", "-out", "signer.csr",
             "-subj", "/CN=Xuancai Test Signer/O=Xuancai Tests", cwd=dir)
    (dir / "signer.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=emailProtection\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n")
    _openssl("x509", "-req", "-in", "signer.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", str(days), "-sha256", "-extfile", "signer.ext", "-out", "chain.pem", cwd=dir)
    return dir / "ca.pem", dir / "chain.pem", dir / "key.pem"


if __name__ == "__main__":
    import sys

    for p in make_chain(Path(sys.argv[1])):
        print(p)
