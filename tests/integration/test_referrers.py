"""oci-push pull --referrers / copy --referrers: what refers to each manifest digest D travels with the image.

Distribution 2.8 (what these tests run) has no OCI 1.1 referrers API (GET /v2/<repo>/referrers/<D> is
a plain-text "404 page not found"), so what refers to D is found by tags: the referrers tag schema's
`sha256-<hex>` (an OCI index listing the referrer manifests, each with "subject" -> D) and cosign's
`sha256-<hex>.sig` / `.att`. The fixtures (harness/referrer_fixtures.py) write them straight into the
registry over HTTP next to a umoci image seeded by skopeo. A bundle names each one like a tag
(`REG/REPO:sha256-<hex>.sig`, `REG/REPO:sha256-<hex>`) and keeps it byte for byte with its blobs, so
`--all` pushes them back with unchanged digests; `copy --referrers` puts the same tags on DST.

Everything is checked with skopeo (`inspect --raw`), blob GETs over HTTP and sha256 of the layout's
files, never with oci-push's reader."""

import json
import os
import unittest

from harness import oci_fixtures as of, referrer_fixtures as rf
from harness.referrers_front import ReferrersFront
from harness.pull_base import PullTestCase, multi_layout, reachable, single_layout

REPO = "team/app"


def base_of(ref: str) -> str:
    """HOST/REPO of HOST/REPO:TAG (the host has a port: split at the last colon)."""
    return ref.rsplit(":", 1)[0]


def blob_bytes(dest: str, digest: str) -> bytes:
    with open(of.blob_path(dest, digest), "rb") as f:
        return f.read()


class ReferrersCase(PullTestCase):
    """Seeding: an image by skopeo, then what refers to it by HTTP; checks of layouts and registries."""

    def seeded_single(self, reg, repo: str = REPO):
        """The umoci image at REG/REPO:1 with a cosign .sig and .att, an SBOM referrer and the
        sha256-<hex> index listing it; (ref, image, Referrers)."""
        path, lay = self.built("single", single_layout)
        img = lay.only
        ref = self.seed(reg, path, "1.0", f"{repo}:1")
        subject = {"mediaType": img.media_type, "digest": img.digest, "size": img.size}
        return ref, img, rf.add_all(reg, repo, subject, base_of(ref))

    def seeded_multi(self, reg, repo: str = REPO):
        """The umoci amd64+arm64 index at REG/REPO:2 with a .sig for the index, a .sig for the amd64
        manifest, and an SBOM referrer (with its sha256-<hex> index) for the arm64 manifest;
        (ref, index, Referrers, arm64's Referrers)."""
        path, lay = self.built("multi", multi_layout)
        idx = lay.only
        ref = self.seed(reg, path, "multi", f"{repo}:2")
        amd, arm = idx.image_for("linux/amd64"), idx.image_for("linux/arm64")
        top = rf.Referrers(idx.digest, sig=rf.cosign_signature(reg, repo, idx.digest, base_of(ref)))
        top.child_sigs[amd.digest] = rf.cosign_signature(reg, repo, amd.digest, base_of(ref))
        arm_subject = {"mediaType": arm.media_type, "digest": arm.digest, "size": arm.size}
        sbom = rf.sbom_referrer(reg, repo, arm_subject, name="app-arm64")
        arm_refs = rf.Referrers(arm.digest, sig=None, sbom=sbom,
                                index=rf.referrers_tag_index(reg, repo, arm.digest, [sbom]))
        return ref, idx, top, arm_refs

    def pull_referrers(self, *args: str):
        res = self.pull("--referrers", *args)
        self.assertExit(res, 0)
        return res

    # ------------------------------------------------------------------ the layout side

    def assertNamedEntries(self, dest: str, ref: str, image, arts: list) -> None:
        """index.json names exactly REF and REG/REPO:<tag> of each tagged artifact, with its digest,
        size and media type."""
        entries = self.entries(dest)
        want = {ref: image} | {f"{base_of(ref)}:{a.ref}": a for a in arts}
        self.assertEqual(sorted(entries), sorted(want), "index.json's names")
        for name, art in want.items():
            got = entries[name]
            self.assertEqual((got["digest"], got["size"]), (art.digest, art.size), name)
            if isinstance(art, rf.Artifact):
                self.assertEqual(got["mediaType"], art.media_type, name)

    def assertStoredAsServed(self, dest: str, ref: str, arts: list, sboms: list) -> None:
        """Each artifact's blob file holds the bytes the registry serves (skopeo inspect --raw) and
        the fixture wrote; a tagged one reads back from the layout by its name too."""
        base = base_of(ref)
        for art in arts + sboms:
            at = f"{base}:{art.ref}" if art in arts else f"{base}@{art.digest}"
            served = self.registry_raw(at)
            self.assertEqual(served, art.raw, f"the registry changed {at}")
            self.assertEqual(blob_bytes(dest, art.digest), served, f"{at}: the stored bytes")
            for d, data in art.blobs.items():
                self.assertEqual(blob_bytes(dest, d), data, f"{at}: blob {d}")
        for art in arts:
            self.assertEqual(self.layout_raw(dest, f"{base}:{art.ref}"), art.raw,
                             f"skopeo inspect --raw oci:{dest}:{base}:{art.ref}")

    # ------------------------------------------------------------------ the registry side

    def assertBlobsAt(self, reg, repo: str, art: rf.Artifact) -> None:
        for d, data in art.blobs.items():
            status, _, body = reg.http("GET", f"/v2/{repo}/blobs/{d}")
            self.assertEqual((status, body == data), (200, True), f"{reg.host}/{repo}: blob {d} of {art.ref}")

    def assertArtifactsAt(self, reg, repo: str, tagged: list, by_digest: list) -> None:
        """Each tagged artifact at REG/REPO:<its tag>, each other one at REG/REPO@<digest>, byte for
        byte (skopeo inspect --raw), with every blob it carries."""
        for art in tagged + by_digest:
            at = f"{reg.host}/{repo}:{art.ref}" if art in tagged else f"{reg.host}/{repo}@{art.digest}"
            self.assertEqual(self.registry_raw(at), art.raw, f"{at} is not the original, byte for byte")
            self.assertBlobsAt(reg, repo, art)


class ReferrerFixtureTest(ReferrersCase):
    """Self-checks of the fixtures and of distribution 2.8's behaviour (no oci-push needed)."""

    def test_registry_keeps_artifacts_and_has_no_referrers_api(self):
        reg = self.start_registry()
        ref, img, refs = self.seeded_single(reg)
        for art in refs.manifests:
            status, headers, body = rf.get_manifest(reg, REPO, art.ref)
            self.assertEqual((status, headers.get("content-type"), body == art.raw),
                             (200, art.media_type, True), art.ref)
        self.assertEqual(refs.sbom.doc["subject"]["digest"], img.digest)
        self.assertEqual(refs.index.doc["manifests"], [refs.sbom.descriptor()])
        self.assertEqual(refs.index.doc["manifests"][0]["artifactType"], rf.SPDX)
        status, _, _ = rf.referrers_api(reg, REPO, img.digest)
        self.assertEqual(status, 404, "distribution 2.8 has no referrers API; the tests rely on the fallback")
        tags = {"1", refs.sig.ref, refs.att.ref, refs.index.ref}
        self.assertEqual(set(self.tags(reg, REPO)), tags)
        self.assertEqual(self.registry_raw(f"{base_of(ref)}:{rf.tag_of(img.digest)}.sig"), refs.sig.raw)


class PullReferrersTest(ReferrersCase):

    def test_single_image_with_referrers(self):
        reg = self.start_registry()
        ref, img, refs = self.seeded_single(reg)
        dest = os.path.join(self.tmp, "bundle")
        self.pull_referrers(ref, f"oci:{dest}")
        self.assertLayoutFile(dest)
        self.assertEqual(self.layout_raw(dest, ref), img.manifest_bytes)
        self.assertNamedEntries(dest, ref, img, refs.tagged)
        self.assertStoredAsServed(dest, ref, refs.tagged, [refs.sbom])
        self.assertEqual(self.blobs(dest), reachable(img) | refs.blob_digests(),
                         "blobs/ must hold the image, each referrer and each referrer's blobs, nothing else")
        for art in (refs.sig, refs.sbom):
            for d in art.layer_digests:
                self.assertTrue(os.path.isfile(of.blob_path(dest, d)), f"layer {d} of {art.ref}")
        self.assertEqual(self.partials(dest), [])

    def test_without_referrers_pulls_none(self):
        reg = self.start_registry()
        ref, img, refs = self.seeded_single(reg)
        dest = os.path.join(self.tmp, "plain")
        mark = reg.mark()
        self.assertExit(self.pull(ref, f"oci:{dest}"), 0)
        self.assertEqual(self.names_in(dest), [ref])
        self.assertEqual(self.blobs(dest), reachable(img), "a pull without --referrers took other blobs")
        asked = [r.path for r in reg.requests(mark) if "sha256-" in r.path or "/referrers/" in r.path]
        self.assertEqual(asked, [], "without --referrers nothing is looked up\n"
                                    f"{reg.describe_requests(mark)}")

    def test_image_without_referrers(self):
        path, lay = self.built("single", single_layout)
        reg = self.start_registry()
        ref = self.seed(reg, path, "1.0", "lonely/app:1")
        dest = os.path.join(self.tmp, "lonely")
        self.pull_referrers(ref, f"oci:{dest}")
        self.assertEqual(self.names_in(dest), [ref], "nothing refers to the image: only its entry")
        self.assertEqual(self.blobs(dest), reachable(lay.only))

    def test_pushed_back_with_all(self):
        reg_a = self.start_registry()
        ref, img, refs = self.seeded_single(reg_a)
        dest = os.path.join(self.tmp, "bundle")
        self.pull_referrers(ref, f"oci:{dest}")
        reg_b = self.start_registry()
        res = self.oci_push(dest, f"{reg_b.host}/mirror", "--all", "--plain-http")
        self.assertExit(res, 0)
        repo = f"mirror/{REPO}"
        self.assertEqual(self.registry_raw(f"{reg_b.host}/{repo}:1"), img.manifest_bytes)
        self.assertArtifactsAt(reg_b, repo, refs.tagged, [refs.sbom])
        self.assertEqual(self.registry_raw(f"{reg_b.host}/{repo}:{rf.tag_of(img.digest)}.sig"), refs.sig.raw)
        self.assertEqual(sorted(self.tags(reg_b, repo)), sorted({"1"} | {a.ref for a in refs.tagged}))

    def test_multi_platform_child_referrers(self):
        reg = self.start_registry()
        ref, idx, top, arm = self.seeded_multi(reg)
        dest = os.path.join(self.tmp, "multi") + "/"
        self.pull_referrers(ref, dest)
        self.assertEqual(self.layout_raw(dest, ref), idx.index_bytes)
        tagged = top.tagged + arm.tagged
        amd_sig = f"{base_of(ref)}:{rf.tag_of(idx.image_for('linux/amd64').digest)}.sig"
        self.assertIn(amd_sig, self.names_in(dest), "the amd64 manifest's .sig")
        self.assertNamedEntries(dest, ref, idx, tagged)
        self.assertStoredAsServed(dest, ref, tagged, [arm.sbom])
        self.assertEqual(self.blobs(dest), reachable(idx) | top.blob_digests() | arm.blob_digests())

    def test_bundle_verifies(self):
        reg = self.start_registry()
        ref, _, _ = self.seeded_single(reg)
        dest = os.path.join(self.tmp, "bundle")
        self.pull_referrers(ref, f"oci:{dest}")
        res = self.oci_push("verify", dest)
        self.assertExit(res, 0, "a bundle with referrers (empty config, SPDX and cosign layers) is whole")


class CopyReferrersTest(ReferrersCase):

    def copy(self, *args: str):
        return self.oci_push("copy", "--plain-http", *args)

    def test_copy_single(self):
        reg_a, reg_b = self.start_registry(), self.start_registry()
        src, img, refs = self.seeded_single(reg_a)
        res = self.copy("--referrers", src, f"{reg_b.host}/mirror/app:1")
        self.assertExit(res, 0)
        self.assertEqual(self.registry_raw(f"{reg_b.host}/mirror/app:1"), img.manifest_bytes)
        self.assertArtifactsAt(reg_b, "mirror/app", refs.tagged, [refs.sbom])
        self.assertEqual(sorted(self.tags(reg_b, "mirror/app")), sorted({"1"} | {a.ref for a in refs.tagged}))

    def test_copy_multi_platform(self):
        reg_a, reg_b = self.start_registry(), self.start_registry()
        src, idx, top, arm = self.seeded_multi(reg_a)
        res = self.copy("--referrers", src, f"{reg_b.host}/{REPO}")
        self.assertExit(res, 0)
        self.assertEqual(self.registry_raw(f"{reg_b.host}/{REPO}:2"), idx.index_bytes)
        self.assertArtifactsAt(reg_b, REPO, top.tagged + arm.tagged, [arm.sbom])
        self.assertEqual(sorted(self.tags(reg_b, REPO)),
                         sorted({"2"} | {a.ref for a in top.tagged + arm.tagged}))

    def test_copy_without_referrers(self):
        reg_a, reg_b = self.start_registry(), self.start_registry()
        src, img, refs = self.seeded_single(reg_a)
        self.assertExit(self.copy(src, f"{reg_b.host}/mirror/app:1"), 0)
        self.assertEqual(self.tags(reg_b, "mirror/app"), ["1"])
        status, _, _ = rf.get_manifest(reg_b, "mirror/app", refs.sbom.digest)
        self.assertEqual(status, 404, "the SBOM must not be copied without --referrers")


class PagedReferrersApiTest(ReferrersCase):
    """A registry with the referrers API that pages its answer (Link: rel="next"): every page is read."""

    def test_every_page_of_the_referrers_api_is_pulled(self):
        reg = self.start_registry()
        path, lay = self.built("single", single_layout)
        img = lay.only
        self.seed(reg, path, "1.0", f"{REPO}:1")
        subject = {"mediaType": img.media_type, "digest": img.digest, "size": img.size}
        sboms = [rf.sbom_referrer(reg, REPO, subject, name=f"part-{i}") for i in range(3)]
        with ReferrersFront(reg, {img.digest: [a.descriptor() for a in sboms]}, per_page=1) as front:
            dest = os.path.join(self.tmp, "bundle")
            self.pull_referrers(f"{front.host}/{REPO}:1", f"oci:{dest}")
            self.assertEqual(front.pages_served, [(img.digest, 1), (img.digest, 2), (img.digest, 3)])
        listed = json.loads(self.layout_raw(dest, f"{front.host}/{REPO}:{rf.tag_of(img.digest)}"))
        self.assertEqual([m["digest"] for m in listed["manifests"]], [a.digest for a in sboms],
                         "the layout's referrers index lists every page's manifests, in order")
        for art in sboms:
            self.assertEqual(blob_bytes(dest, art.digest), art.raw, f"{art.digest}: the stored bytes")
        self.assertEqual(self.blobs(dest), reachable(img) | {d for a in sboms for d in {a.digest} | set(a.blobs)}
                         | {rf.sha(self.layout_raw(dest, f"{front.host}/{REPO}:{rf.tag_of(img.digest)}"))})


if __name__ == "__main__":
    unittest.main()
