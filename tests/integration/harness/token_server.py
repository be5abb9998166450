"""A token server for docker-registry's token auth mode, on 127.0.0.1 and a free port.

It signs JWTs (RS256, python3-jwt) with a key it generates with openssl; the registry trusts the
matching self-signed certificate (rootcertbundle) and finds it through the token's x5c header.

  GET  /token?service=S&scope=...   Basic USER:PASSWORD -> every action asked for; anonymous (when
                                    allowed) -> pull only; a refresh_token comes with each answer.
  POST /token (OAuth2 form)         grant_type=refresh_token&refresh_token=R -> an access_token.
Every request is recorded in .calls as (method, scopes, how it authenticated).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import time
import urllib.parse

import jwt

from .loopback_http import LoopbackServer, send

SERVICE = "test-registry"
ISSUER = "oci-push-test-issuer"


class TokenServer:
    def __init__(self, workdir: str, users: dict[str, str], allow_anonymous: bool = False,
                 expires_in: int = 300):
        self.workdir = workdir
        self.users = users
        self.allow_anonymous = allow_anonymous
        self.expires_in = expires_in
        self.calls: list[tuple[str, list[str], str]] = []
        self.refresh_tokens: dict[str, str] = {}   # refresh token -> user
        self.key_path = os.path.join(workdir, "token-key.pem")
        self.cert_path = os.path.join(workdir, "token-cert.pem")
        os.makedirs(workdir, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key_path,
                        "-out", self.cert_path, "-days", "2", "-subj", "/CN=oci-push test token issuer"],
                       check=True, capture_output=True, timeout=60)
        with open(self.key_path, "rb") as f:
            self.key = f.read()
        der = subprocess.run(["openssl", "x509", "-in", self.cert_path, "-outform", "DER"],
                             check=True, capture_output=True, timeout=30).stdout
        self.x5c = base64.b64encode(der).decode()
        self._server: LoopbackServer | None = None

    @property
    def realm(self) -> str:
        return self._server.url + "/token"

    def registry_config(self) -> dict:
        return {"realm": self.realm, "service": SERVICE, "issuer": ISSUER, "rootcertbundle": self.cert_path}

    def start(self) -> "TokenServer":
        self._server = LoopbackServer({"GET": self._get, "POST": self._post})
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None

    # ------------------------------------------------------------------ tokens

    def _token(self, user: str, scopes: list[str], authenticated: bool) -> str:
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            asked = parts[2].split(",")
            granted = asked if authenticated else [a for a in asked if a == "pull"]
            access.append({"type": "repository", "name": parts[1], "actions": granted})
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": user, "aud": SERVICE, "iat": now, "nbf": now - 5,
                  "exp": now + self.expires_in, "jti": secrets.token_hex(8), "access": access}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"x5c": [self.x5c]})

    def _answer(self, h, user: str, scopes: list[str], authenticated: bool, access_token_key: str) -> None:
        refresh = secrets.token_hex(16)
        if authenticated:
            self.refresh_tokens[refresh] = user
        body = {access_token_key: self._token(user, scopes, authenticated), "expires_in": self.expires_in,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if authenticated:
            body["refresh_token"] = refresh
        self._send(h, 200, body)

    def _get(self, h) -> None:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
        scopes = q.get("scope", [])
        if q.get("service") != [SERVICE]:
            return self._send(h, 400, {"error": "wrong service"})
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            self.calls.append(("GET", scopes, "basic"))
            if self.users.get(user) != password:
                return self._send(h, 401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
            return self._answer(h, user, scopes, True, "token")
        self.calls.append(("GET", scopes, "anonymous"))
        if not self.allow_anonymous:
            return self._send(h, 401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]})
        self._answer(h, "", scopes, False, "token")

    def _post(self, h) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(h.rfile.read(length).decode()).items()}
        scopes = form.get("scope", "").split()
        self.calls.append(("POST", scopes, form.get("grant_type", "")))
        if form.get("grant_type") != "refresh_token" or form.get("service") != SERVICE or not form.get("client_id"):
            return self._send(h, 400, {"error": "invalid_request"})
        user = self.refresh_tokens.get(form.get("refresh_token", ""))
        if user is None:
            return self._send(h, 401, {"error": "invalid_grant"})
        self._answer(h, user, scopes, True, "access_token")

    @staticmethod
    def _send(h, status: int, obj) -> None:
        send(h, status, json.dumps(obj).encode(), "application/json")
