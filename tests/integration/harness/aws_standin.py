"""A strict local stand-in for the AWS APIs oci-push calls, on 127.0.0.1 and a free port.

One HTTP server plays, by path and headers:
  * ECR (JSON 1.1, X-Amz-Target AmazonEC2ContainerRegistry_V20150921.*): GetAuthorizationToken,
    CreateRepository, DescribeRepositories, SetRepositoryPolicy;
  * ECR Public (SpencerFrontendService.GetAuthorizationToken, signing name ecr-public, us-east-1);
  * STS (query API, form body): AssumeRole (signed) and AssumeRoleWithWebIdentity (unsigned);
  * container credentials (GET /container/creds, Authorization checked) and EC2 IMDSv2
    (PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/[ROLE]).

Every signed request is checked by recomputing its SigV4 signature with botocore (an independent
implementation) from the secret the stand-in knows for the access key; a wrong signature, an
unknown key, a wrong session token, a stale X-Amz-Date or an unexpected service/region is refused
the way AWS refuses it (403 InvalidSignatureException / UnrecognizedClientException).
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .loopback_http import LoopbackServer, send

ECR_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
PUBLIC_PREFIX = "SpencerFrontendService."
MAX_SKEW = datetime.timedelta(minutes=5)


@dataclass
class Call:
    api: str                 # "ecr:GetAuthorizationToken", "sts:AssumeRole", "container", "imds:token", ...
    access_key_id: str = ""  # the key that signed it ("" when unsigned)
    region: str = ""
    body: dict = field(default_factory=dict)


class AwsStandIn:
    def __init__(self, registry_password: str, account: str = "123456789012",
                 token_lifetime: float = 12 * 3600):
        self.registry_password = registry_password   # what GetAuthorizationToken hands out
        self.account = account
        self.token_lifetime = token_lifetime
        self.keys: dict[str, tuple[str, str]] = {}    # access key id -> (secret, session token)
        self.web_identity_token = ""
        self.container_token = ""
        self.imds_role = "test-role"
        self.sso_token = ""                            # the access token `aws sso login` would cache
        self.sso_role = ("", "")                       # (account id, role name) it may be exchanged for
        self.repositories: set[str] = set()
        self.policies: dict[str, str] = {}
        self.calls: list[Call] = []
        self.refusals: list[str] = []
        self.throttle_next = 0                        # answer that many ECR calls with 400 ThrottlingException
        self._issued = 0
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    # ------------------------------------------------------------------ setup

    def add_key(self, access_key_id: str, secret: str, session_token: str = "") -> None:
        self.keys[access_key_id] = (secret, session_token)

    def issue_temporary(self) -> tuple[str, str, str]:
        with self._lock:
            self._issued += 1
            n = self._issued
        creds = (f"ASIASTANDIN{n:08d}", f"temp-secret-{n}-x" * 2, f"temp-session-token-{n}")
        self.add_key(*creds)
        return creds

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> "AwsStandIn":
        self._server = LoopbackServer({m: (lambda m: lambda h: self._handle(h, m))(m) for m in ("GET", "PUT", "POST")})
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None

    def count(self, api: str) -> int:
        return sum(1 for c in self.calls if c.api == api)

    # ------------------------------------------------------------------ dispatch

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(h.path).path
        try:
            if path.startswith("/latest/"):
                return self._imds(h, method, path)
            if path.startswith("/container/"):
                return self._container(h)
            if method == "GET" and path == "/federation/credentials":
                return self._sso(h)
            target = h.headers.get("X-Amz-Target", "")
            if method == "POST" and target.startswith((ECR_PREFIX, PUBLIC_PREFIX)):
                return self._ecr(h, body, target)
            if method == "POST" and h.headers.get("Content-Type", "").startswith(
                    "application/x-www-form-urlencoded"):
                return self._sts(h, body)
            self._send(h, 404, {"message": f"stand-in has no {method} {path}"})
        except _Refusal as r:
            self.refusals.append(r.message)
            if r.xml:
                self._send_xml(h, r.status, f"<ErrorResponse><Error><Code>{r.code}</Code>"
                                            f"<Message>{r.message}</Message></Error></ErrorResponse>")
            else:
                self._send(h, r.status, {"__type": r.code, "message": r.message})

    # ------------------------------------------------------------------ SigV4

    def _verify(self, h: BaseHTTPRequestHandler, body: bytes, service: str,
                region: str | None, xml: bool = False) -> tuple[str, str]:
        """Recomputes the signature with botocore; returns (access key id, region)."""
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            raise _Refusal(403, "MissingAuthenticationTokenException", "request is not signed", xml)
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        akid, date, sregion, sservice, term = parts["Credential"].split("/")
        if akid not in self.keys:
            raise _Refusal(403, "UnrecognizedClientException",
                           "The security token included in the request is invalid.", xml)
        if sservice != service or term != "aws4_request" or (region and sregion != region):
            raise _Refusal(403, "InvalidSignatureException",
                           f"Credential should be scoped to {region}/{service}, not {sregion}/{sservice}", xml)
        amz_date = h.headers.get("X-Amz-Date", "")
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        if abs(datetime.datetime.utcnow() - when) > MAX_SKEW or date != amz_date[:8]:
            raise _Refusal(403, "InvalidSignatureException", "Signature expired or date mismatch", xml)
        secret, token = self.keys[akid]
        if token and h.headers.get("X-Amz-Security-Token") != token:
            raise _Refusal(403, "UnrecognizedClientException", "The security token is invalid.", xml)
        signed = parts["SignedHeaders"].split(";")
        if "host" not in signed or "x-amz-date" not in signed:
            raise _Refusal(403, "InvalidSignatureException", "host and x-amz-date must be signed", xml)
        headers = {name: h.headers.get(name, "") for name in signed}
        request = AWSRequest(method=h.command, url=f"http://{h.headers['Host']}{h.path}",
                             data=body, headers=headers)
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(akid, secret, token or None), service, sregion)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if signer.signed_headers(signer.headers_to_sign(request)) != parts["SignedHeaders"] or \
                expected != parts["Signature"]:
            raise _Refusal(403, "InvalidSignatureException",
                           "The request signature we calculated does not match the signature you provided.",
                           xml)
        return akid, sregion

    # ------------------------------------------------------------------ APIs

    def _ecr(self, h, body: bytes, target: str) -> None:
        public = target.startswith(PUBLIC_PREFIX)
        action = target.split(".", 1)[1]
        service = "ecr-public" if public else "ecr"
        if h.headers.get("Content-Type") != "application/x-amz-json-1.1":
            raise _Refusal(400, "SerializationException", "Content-Type must be application/x-amz-json-1.1")
        akid, region = self._verify(h, body, service, "us-east-1" if public else None)
        req = json.loads(body or b"{}")
        self.calls.append(Call(f"{service}:{action}", akid, region, req))
        if self.throttle_next > 0:
            self.throttle_next -= 1
            raise _Refusal(400, "ThrottlingException", "Rate exceeded")
        if action == "GetAuthorizationToken":
            token = base64.b64encode(f"AWS:{self.registry_password}".encode()).decode()
            data = {"authorizationToken": token, "expiresAt": time.time() + self.token_lifetime}
            if public:
                return self._send(h, 200, {"authorizationData": data})
            data["proxyEndpoint"] = f"https://{self.account}.dkr.ecr.{region}.amazonaws.com"
            return self._send(h, 200, {"authorizationData": [data]})
        name = req.get("repositoryName") or (req.get("repositoryNames") or [""])[0]
        if action == "DescribeRepositories":
            if name not in self.repositories:
                raise _Refusal(400, "RepositoryNotFoundException",
                               f"The repository with name '{name}' does not exist in the registry "
                               f"with id '{self.account}'")
            return self._send(h, 200, {"repositories": [{"repositoryName": name}]})
        if action == "CreateRepository":
            if name in self.repositories:
                raise _Refusal(400, "RepositoryAlreadyExistsException", f"The repository {name} exists")
            self.repositories.add(name)
            return self._send(h, 200, {"repository": {"repositoryName": name}})
        if action == "SetRepositoryPolicy":
            if name not in self.repositories:
                raise _Refusal(400, "RepositoryNotFoundException", f"no repository {name}")
            json.loads(req["policyText"])
            self.policies[name] = req["policyText"]
            return self._send(h, 200, {"repositoryName": name, "policyText": req["policyText"]})
        raise _Refusal(400, "UnknownOperationException", action)

    def _sts(self, h, body: bytes) -> None:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
        action = form.get("Action")
        if form.get("Version") != "2011-06-15":
            raise _Refusal(400, "InvalidAction", "Version must be 2011-06-15", xml=True)
        if action == "AssumeRole":
            akid, region = self._verify(h, body, "sts", None, xml=True)
        elif action == "AssumeRoleWithWebIdentity":
            akid, region = "", ""
            if form.get("WebIdentityToken") != self.web_identity_token or not self.web_identity_token:
                raise _Refusal(400, "InvalidIdentityToken", "the web identity token is not valid", xml=True)
        else:
            raise _Refusal(400, "InvalidAction", f"unknown action {action}", xml=True)
        if not form.get("RoleArn", "").startswith("arn:aws:iam::") or not form.get("RoleSessionName"):
            raise _Refusal(400, "ValidationError", "RoleArn and RoleSessionName are required", xml=True)
        self.calls.append(Call(f"sts:{action}", akid, region, form))
        key, secret, token = self.issue_temporary()
        expires = (datetime.datetime.utcnow() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._send_xml(h, 200, f"""<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{action}Result><Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>
  <SessionToken>{token}</SessionToken><Expiration>{expires}</Expiration></Credentials></{action}Result>
</{action}Response>""")

    def _container(self, h) -> None:
        if not self.container_token or h.headers.get("Authorization") != self.container_token:
            self.calls.append(Call("container:refused"))
            return self._send(h, 401, {"message": "bad authorization token"})
        self.calls.append(Call("container"))
        key, secret, token = self.issue_temporary()
        self._send(h, 200, {"AccessKeyId": key, "SecretAccessKey": secret, "Token": token,
                            "Expiration": "2099-01-01T00:00:00Z", "RoleArn": "arn:aws:iam::1:role/task"})

    def _sso(self, h) -> None:
        """IAM Identity Center's GetRoleCredentials: the cached token in x-amz-sso_bearer_token,
        the account and role in the query."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
        asked = (query.get("account_id", [""])[0], query.get("role_name", [""])[0])
        if not self.sso_token or h.headers.get("x-amz-sso_bearer_token") != self.sso_token:
            self.calls.append(Call("sso:refused"))
            return self._send(h, 401, {"__type": "UnauthorizedException",
                                       "message": "Session token not found or invalid"})
        if asked != self.sso_role:
            self.calls.append(Call("sso:forbidden"))
            return self._send(h, 403, {"__type": "ForbiddenException", "message": "No access"})
        self.calls.append(Call("sso:GetRoleCredentials"))
        key, secret, token = self.issue_temporary()
        self._send(h, 200, {"roleCredentials": {"accessKeyId": key, "secretAccessKey": secret,
                                                "sessionToken": token, "expiration": 4070908800000}})

    def _imds(self, h, method: str, path: str) -> None:
        if path == "/latest/api/token":
            if method != "PUT" or not h.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self._send(h, 400, {})
            self.calls.append(Call("imds:token"))
            return self._send_text(h, 200, "imds-session-token")
        if h.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
            self.calls.append(Call("imds:refused"))
            return self._send(h, 401, {})
        prefix = "/latest/meta-data/iam/security-credentials/"
        if path == prefix:
            return self._send_text(h, 200, self.imds_role)
        if path == prefix + self.imds_role:
            self.calls.append(Call("imds:credentials"))
            key, secret, token = self.issue_temporary()
            return self._send(h, 200, {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": key,
                                       "SecretAccessKey": secret, "Token": token,
                                       "Expiration": "2099-01-01T00:00:00Z"})
        self._send(h, 404, {})

    # ------------------------------------------------------------------ answers

    @staticmethod
    def _send(h, status: int, obj) -> None:
        send(h, status, json.dumps(obj).encode(), "application/x-amz-json-1.1")

    @staticmethod
    def _send_xml(h, status: int, text: str) -> None:
        send(h, status, text.encode(), "text/xml")

    @staticmethod
    def _send_text(h, status: int, text: str) -> None:
        send(h, status, text.encode(), "text/plain")


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, xml: bool = False):
        super().__init__(message)
        self.status, self.code, self.message, self.xml = status, code, message, xml
