"""A registry with the OCI 1.1 referrers API, paged: a front (harness/blob_proxy.py) that forwards
everything to a real docker-registry (distribution 2.8 has no referrers API) except
`GET /v2/<repo>/referrers/<digest>`, which it answers itself from the descriptors it was given, `per_page`
of them a page, each page but the last with `Link: </v2/<repo>/referrers/<digest>?page=N>; rel="next"`
(as the distribution spec's pagination says).

    with ReferrersFront(reg, {subject_digest: [descriptor, ...]}, per_page=1) as front:
        oci_push("pull", "--referrers", f"{front.host}/app:1", dest)
        front.pages_served          # [(subject digest, page number), ...]
"""

from __future__ import annotations

import json
import re
import urllib.parse

from .blob_proxy import BlobProxy, Seen, send_plain

REFERRERS = re.compile(r"/v2/(?P<repo>.+)/referrers/(?P<digest>sha256:[0-9a-f]{64})")
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


class ReferrersFront(BlobProxy):

    def __init__(self, reg, referrers: dict[str, list[dict]], per_page: int = 1):
        super().__init__(reg.port)
        self.referrers = referrers
        self.per_page = per_page
        self.pages_served: list[tuple[str, int]] = []

    def intercept(self, h, entry: Seen) -> bool:
        m = REFERRERS.fullmatch(entry.path)
        if not m or h.command != "GET":
            return False
        listed = self.referrers.get(m["digest"], [])
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
        page = int(query.get("page", ["1"])[0])
        first = (page - 1) * self.per_page
        body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                           "manifests": listed[first:first + self.per_page]}).encode()
        headers = {}
        if first + self.per_page < len(listed):
            headers["Link"] = f'<{entry.path}?page={page + 1}>; rel="next"'
        with self.lock:
            self.pages_served.append((m["digest"], page))
        entry.status = 200
        send_plain(h, 200, body, headers, OCI_INDEX)
        entry.sent = len(body)
        return True
