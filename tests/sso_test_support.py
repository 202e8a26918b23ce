"""Start the loopback identity provider (tests/sso_provider) as a second process.

`running_provider(redirect_uris, users)` yields a `Provider` once its discovery document answers,
and stops the process afterwards. Each start has its own SQLite file and its own RSA key, so a
token from one run never verifies in another.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "considered"
CLIENT_SECRET = "considered-client-secret-for-tests"  # noqa: S105
OTHER_CLIENT_ID = "another-county-app"
PROVIDER_PASSWORD = "county-password-1"  # noqa: S105


@dataclass
class Provider:
    port: int

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self):
        return f"{self.origin}/o"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rsa_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@contextmanager
def running_provider(redirect_uris, users):
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        fixture = {
            "users": users,
            "clients": [
                {
                    "client_id": client_id,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": redirect_uris,
                }
                for client_id in (CLIENT_ID, OTHER_CLIENT_ID)
            ],
        }
        env = {
            **os.environ,
            "PROVIDER_DB": str(Path(directory) / "provider.sqlite3"),
            "PROVIDER_RSA_KEY": _rsa_key_pem(),
            "PROVIDER_FIXTURE": json.dumps(fixture),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.pop("DATABASE_URL", None)
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.sso_provider", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        provider = Provider(port)
        try:
            _wait_for(provider, process)
            yield provider
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_for(provider, process, timeout=120):
    deadline = time.monotonic() + timeout
    url = f"{provider.issuer}/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The loopback identity provider stopped ({process.returncode}).")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("The loopback identity provider did not start within two minutes.")


def provider_user(username, email, groups=(), *, mfa=False, is_active=True):
    groups = list(groups) + (["signed-in-with-mfa"] if mfa else [])
    return {
        "username": username,
        "password": PROVIDER_PASSWORD,
        "email": email,
        "groups": groups,
        "is_active": is_active,
    }
