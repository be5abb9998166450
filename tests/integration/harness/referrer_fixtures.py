"""Artifacts that refer to an image, written straight into a registry over plain HTTP (http.client, no
tool in between), as cosign and an OCI 1.1 client write them on a registry without the referrers API:

- cosign's tags `sha256-<hex of D>.sig` / `.att`: an OCI image manifest (config
  application/vnd.oci.image.config.v1+json) with one layer: the simple-signing payload
  (application/vnd.dev.cosign.simplesigning.v1+json, with the `dev.cosignproject.cosign/signature`
  annotation) or a DSSE envelope (application/vnd.dsse.envelope.v1+json);
- an OCI 1.1 referrer: a manifest with "artifactType", the empty config (`{}`,
  application/vnd.oci.empty.v1+json), one application/spdx+json layer and "subject" -> D, PUT by digest;
  then the referrers tag schema's fallback: an OCI index tagged `sha256-<hex of D>` listing it.

Blobs go up by monolithic upload (POST /v2/<repo>/blobs/uploads/, then PUT <location>&digest=...),
manifests by PUT /v2/<repo>/manifests/<tag or digest> with their Content-Type. Every artifact keeps its
bytes (`Artifact.raw`), so a test compares what a registry or a layout holds with them byte for byte."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from dataclasses import dataclass, field

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
SPDX = "application/spdx+json"
COSIGN_SIGNATURE_ANN = "dev.cosignproject.cosign/signature"
EMPTY_JSON = b"{}"
SLSA = "https://slsa.dev/provenance/v0.2"


class FixtureError(RuntimeError):
    pass


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tag_of(digest: str) -> str:
    """The referrers tag schema's / cosign's tag stem for a digest: sha256:HEX -> sha256-HEX."""
    algo, hexd = digest.split(":", 1)
    return f"{algo}-{hexd}"


def _json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def desc(data: bytes, media_type: str, **extra) -> dict:
    d = {"mediaType": media_type, "digest": sha(data), "size": len(data)}
    d.update(extra)
    return d


@dataclass
class Artifact:
    """A manifest or index put into a registry: its bytes, where, and the blobs it carries."""
    repo: str
    ref: str                              # the tag, or the digest it was PUT by
    raw: bytes = field(repr=False)
    media_type: str
    blobs: dict = field(default_factory=dict, repr=False)   # digest -> bytes (config, layers)

    @property
    def digest(self) -> str:
        return sha(self.raw)

    @property
    def size(self) -> int:
        return len(self.raw)

    @property
    def doc(self) -> dict:
        return json.loads(self.raw)

    @property
    def layer_digests(self) -> list[str]:
        return [layer["digest"] for layer in self.doc.get("layers") or []]

    def descriptor(self) -> dict:
        d = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.doc.get("artifactType"):
            d["artifactType"] = self.doc["artifactType"]
        return d


# --------------------------------------------------------------------------- raw HTTP


def _path_of(location: str) -> str:
    """A Location header (absolute URL or path) as path?query."""
    u = urllib.parse.urlsplit(location)
    return u.path + (f"?{u.query}" if u.query else "")


def push_blob(reg, repo: str, data: bytes) -> str:
    """Monolithic upload: POST /v2/<repo>/blobs/uploads/ then PUT <location>&digest=D with the bytes."""
    status, headers, body = reg.http("POST", f"/v2/{repo}/blobs/uploads/",
                                     headers={"Content-Length": "0"}, body=b"")
    if status != 202:
        raise FixtureError(f"POST /v2/{repo}/blobs/uploads/ answered {status}: {body[:300]!r}")
    loc = _path_of(headers["location"])
    digest = sha(data)
    put = loc + ("&" if "?" in loc else "?") + "digest=" + urllib.parse.quote(digest, safe="")
    status, headers, body = reg.http("PUT", put, body=data, headers={
        "Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
    if status != 201 or headers.get("docker-content-digest") != digest:
        raise FixtureError(f"PUT blob {digest} answered {status} {headers}: {body[:300]!r}")
    return digest


def put_manifest(reg, repo: str, ref: str, raw: bytes, media_type: str) -> str:
    """PUT /v2/<repo>/manifests/<ref> with Content-Type; returns the digest the registry gives it
    (which must be the sha256 of the bytes: the registry keeps them as sent)."""
    status, headers, body = reg.http("PUT", f"/v2/{repo}/manifests/{ref}", body=raw, headers={
        "Content-Type": media_type, "Content-Length": str(len(raw))})
    if status != 201:
        raise FixtureError(f"PUT /v2/{repo}/manifests/{ref} answered {status}: {body[:500]!r}")
    if headers.get("docker-content-digest") != sha(raw):
        raise FixtureError(f"{repo}:{ref}: the registry digested the manifest as "
                           f"{headers.get('docker-content-digest')}, not {sha(raw)}")
    return sha(raw)


def get_manifest(reg, repo: str, ref: str, accept: str = f"{OCI_MANIFEST}, {OCI_INDEX}"):
    """GET /v2/<repo>/manifests/<ref>: (status, headers, body)."""
    return reg.http("GET", f"/v2/{repo}/manifests/{ref}", headers={"Accept": accept})


def referrers_api(reg, repo: str, digest: str):
    """GET /v2/<repo>/referrers/<digest> (OCI distribution 1.1): (status, headers, body)."""
    return reg.http("GET", f"/v2/{repo}/referrers/{digest}", headers={"Accept": OCI_INDEX})


def _put_artifact(reg, repo: str, ref: str | None, manifest: dict, blobs: list[bytes],
                  media_type: str = OCI_MANIFEST) -> Artifact:
    for b in blobs:
        push_blob(reg, repo, b)
    raw = _json(manifest)
    ref = ref or sha(raw)
    put_manifest(reg, repo, ref, raw, media_type)
    return Artifact(repo, ref, raw, media_type, {sha(b): b for b in blobs})


# --------------------------------------------------------------------------- the artifacts


def _cosign_config(layer: bytes) -> bytes:
    """The config cosign writes for a signature image: an empty image whose one diff_id is the layer."""
    return _json({"architecture": "", "config": {}, "created": "0001-01-01T00:00:00Z",
                  "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
                  "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}})


def _signature_b64(seed: str) -> str:
    """A stand-in for an ECDSA signature (DER starts with 0x30: base64 'ME...')."""
    return base64.b64encode(b"\x30\x45\x02\x21" + hashlib.sha512(seed.encode()).digest()[:60]).decode()


def cosign_signature(reg, repo: str, subject: str, identity: str) -> Artifact:
    """cosign sign's output for the manifest digest `subject`: tag sha256-<hex>.sig."""
    payload = _json({"critical": {"identity": {"docker-reference": identity},
                                  "image": {"docker-manifest-digest": subject},
                                  "type": "cosign container image signature"}, "optional": None})
    config = _cosign_config(payload)
    layer = desc(payload, COSIGN_SIMPLESIGNING,
                 annotations={COSIGN_SIGNATURE_ANN: _signature_b64(subject + identity)})
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": desc(config, OCI_CONFIG),
                "layers": [layer]}
    return _put_artifact(reg, repo, tag_of(subject) + ".sig", manifest, [config, payload])


def cosign_attestation(reg, repo: str, subject: str, identity: str) -> Artifact:
    """cosign attest's output for `subject`: tag sha256-<hex>.att, one DSSE envelope layer."""
    statement = _json({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": SLSA,
                       "subject": [{"name": identity, "digest": {"sha256": subject.split(":", 1)[1]}}],
                       "predicate": {"builder": {"id": "https://example.com/ci"}}})
    envelope = _json({"payloadType": "application/vnd.in-toto+json",
                      "payload": base64.b64encode(statement).decode(),
                      "signatures": [{"keyid": "", "sig": _signature_b64("att" + subject)}]})
    config = _cosign_config(envelope)
    layer = desc(envelope, DSSE_ENVELOPE, annotations={"predicateType": SLSA})
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": desc(config, OCI_CONFIG),
                "layers": [layer]}
    return _put_artifact(reg, repo, tag_of(subject) + ".att", manifest, [config, envelope])


def spdx_document(name: str) -> bytes:
    return _json({"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
                  "name": name, "documentNamespace": f"https://example.com/spdx/{name}",
                  "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: fixture"]},
                  "packages": [{"SPDXID": "SPDXRef-Package-app", "name": "app", "versionInfo": "1.0",
                                "downloadLocation": "NOASSERTION"}]})


def sbom_referrer(reg, repo: str, subject: dict, name: str = "app") -> Artifact:
    """An OCI 1.1 artifact manifest (artifactType application/spdx+json, empty config, one SPDX
    layer, subject -> `subject` (a descriptor)), PUT by its digest: no tag."""
    doc = spdx_document(name)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": SPDX,
                "config": desc(EMPTY_JSON, OCI_EMPTY),
                "layers": [desc(doc, SPDX, annotations={"org.opencontainers.image.title": "sbom.spdx.json"})],
                "subject": subject,
                "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}}
    return _put_artifact(reg, repo, None, manifest, [EMPTY_JSON, doc])


def referrers_tag_index(reg, repo: str, subject: str, referrers: list[Artifact]) -> Artifact:
    """The referrers tag schema's fallback: tag sha256-<hex of subject>, an OCI index listing each
    referrer's descriptor (with its artifactType), as a client writes it where /referrers/ is 404."""
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
             "manifests": [r.descriptor() for r in referrers]}
    return _put_artifact(reg, repo, tag_of(subject), index, [], OCI_INDEX)


@dataclass
class Referrers:
    """Everything put into `repo` that refers to the image `subject` (its top-level digest)."""
    subject: str
    sig: Artifact
    att: Artifact | None = None
    sbom: Artifact | None = None
    index: Artifact | None = None
    child_sigs: dict = field(default_factory=dict)    # child manifest digest -> its .sig

    @property
    def tagged(self) -> list[Artifact]:
        """The artifacts that have a tag (what a bundle names and a push puts back as tags)."""
        return [a for a in (self.sig, self.att, self.index) if a] + list(self.child_sigs.values())

    @property
    def manifests(self) -> list[Artifact]:
        return self.tagged + ([self.sbom] if self.sbom else [])

    def blob_digests(self) -> set[str]:
        """Every digest the artifacts reach: their manifests/index and their blobs."""
        out = set()
        for a in self.manifests:
            out |= {a.digest} | set(a.blobs)
        return out


def add_all(reg, repo: str, subject: dict, identity: str) -> Referrers:
    """For the image whose top-level descriptor is `subject`: a cosign .sig and .att, an SBOM
    referrer and the sha256-<hex> index listing it."""
    d = subject["digest"]
    sbom = sbom_referrer(reg, repo, subject)
    return Referrers(d, sig=cosign_signature(reg, repo, d, identity),
                     att=cosign_attestation(reg, repo, d, identity), sbom=sbom,
                     index=referrers_tag_index(reg, repo, d, [sbom]))
