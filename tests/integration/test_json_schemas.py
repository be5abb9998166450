"""The schemas of docs/json/ (issue 14) and the check every --json output of these tests goes through
(harness/json_schemas.py, via IntegrationTestCase.read_json / parse_json).

Real outputs of inspect --json and push --json validate; the same outputs with a key removed, a
malformed digest, an unknown key, a wrong type or a one-element list are rejected, each with
jsonschema's message."""

from __future__ import annotations

import copy
import json
import os
import unittest

from harness import fixtures, json_schemas, oci_fixtures as of
from harness.base import IntegrationTestCase


def _archive(path):
    return fixtures.write_archive(path, [fixtures.small_spec(["example/schema:1"], label="schema")])[0]


def _two(path):
    return fixtures.write_archive(path, [fixtures.small_spec(["example/one:1"], label="schema-one"),
                                         fixtures.small_spec(["example/two:2"], label="schema-two")])


def _docker25(path):
    return of.write_docker25_tar(path, [fixtures.small_spec(["example/schema25:1"], label="schema25")])


def _sbom_layout(path):
    """An OCI layout holding one artifact: an SBOM on the OCI empty config, as `oras attach` or
    `cosign attach sbom --type spdx` store one (no image config, hence no diff_ids)."""
    os.makedirs(path)
    with open(os.path.join(path, "oci-layout"), "wb") as f:
        f.write(of.OCI_LAYOUT_FILE)
    config, sbom = b"{}", b'{"spdxVersion":"SPDX-2.3","name":"schema"}'
    of.write_blob(path, config)
    of.write_blob(path, sbom)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": of.OCI_MANIFEST, "artifactType": "application/spdx+json",
        "config": of.desc_of(config, "application/vnd.oci.empty.v1+json"),
        "layers": [of.desc_of(sbom, "application/spdx+json")]}).encode()
    of.write_blob(path, manifest)
    of.write_index_json(path, {"schemaVersion": 2, "manifests": [
        of.desc_of(manifest, of.OCI_MANIFEST, annotations={of.REF_NAME: "sbom"})]})


class JsonSchemaTest(IntegrationTestCase):

    def assertRejected(self, args, obj, *fragments):
        """validate refuses obj, and its message has each fragment."""
        with self.assertRaises(AssertionError) as caught:
            json_schemas.validate(args, obj)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def inspect(self, source):
        res = self.oci_push("inspect", source, "--json", timeout=60)
        return res, self.parse_json(res)  # validated against docs/json/inspect.schema.json

    # ------------------------------------------------------------------ the schemas themselves

    def test_every_schema_file_is_a_valid_draft_2020_12_schema(self):
        names = sorted(n for n in os.listdir(json_schemas.DOCS_JSON) if n.endswith(".schema.json"))
        self.assertEqual(sorted(set(json_schemas.SCHEMA_FILES.values())), names)
        for name in names:
            with self.subTest(schema=name):
                schema = json_schemas.load_schema(name)
                self.assertEqual(schema.get("$schema"), "https://json-schema.org/draft/2020-12/schema")
                json_schemas.validator(name)  # check_schema raises on a malformed schema

    def test_the_subcommand_picks_the_schema(self):
        for args, name in ((["inspect", "x.tar", "--json"], "inspect.schema.json"),
                           (["x.tar", "127.0.0.1:5000/a:1", "--json"], "push-result.schema.json"),
                           (["--json", "x.tar", "127.0.0.1:5000/a:1"], "push-result.schema.json"),
                           (["push", "--json", "x.tar"], "push-result.schema.json"),
                           (["pull", "--json", "r/a:1", "dest/"], "push-result.schema.json"),
                           (["copy", "--json", "r/a:1", "r/b:1"], "push-result.schema.json"),
                           (["build", "--json", "-t", "r/a:1", "ctx"], "push-result.schema.json")):
            with self.subTest(args=args):
                self.assertEqual(json_schemas.schema_file(args), name)
        with self.assertRaises(AssertionError):
            json_schemas.schema_file(["verify", "bundle/"])

    # ------------------------------------------------------------------ inspect --json

    def test_real_inspect_outputs_validate(self):
        for name, builder in (("docker-archive", _archive), ("oci-archive", _docker25)):
            with self.subTest(kind=name):
                path, _ = self.fixture(name, builder)
                _res, obj = self.inspect(path)
                self.assertEqual(obj["kind"], name)

    def test_inspect_output_with_a_key_removed_or_a_bad_digest_is_rejected(self):
        path, _ = self.fixture("oci-archive", _docker25)
        res, good = self.inspect(path)
        art = good["artifacts"][0]
        self.assertIn("digest", art["layers"][0], "an OCI source's layers have descriptors")

        def changed(edit):
            obj = copy.deepcopy(good)
            edit(obj)
            return obj

        cases = [
            ("no kind", lambda o: o.pop("kind"), ["'kind' is a required property"]),
            ("no config digest", lambda o: o["artifacts"][0]["config"].pop("digest"),
             ["'digest' is a required property", ".artifacts[0].config"]),
            ("no diffId", lambda o: o["artifacts"][0]["layers"][0].pop("diffId"),
             ["'diffId' is a required property"]),
            ("digest without mediaType", lambda o: o["artifacts"][0]["layers"][0].pop("mediaType"),
             ["'mediaType' is a dependency of 'digest'"]),
            ("short digest", lambda o: o["artifacts"][0].update(digest="sha256:abc"),
             ["'sha256:abc' does not match", ".artifacts[0].digest"]),
            ("upper-case hex", lambda o: o["artifacts"][0]["config"].update(
                digest=o["artifacts"][0]["config"]["digest"].upper()), ["does not match"]),
            ("sha512", lambda o: o["artifacts"][0]["layers"][0].update(diffId="sha512:" + "a" * 128),
             ["does not match"]),
            ("an unknown key", lambda o: o["artifacts"][0].update(extra=1), ["'extra' was unexpected"]),
            ("a size as text", lambda o: o["artifacts"][0]["config"].update(size="852"),
             ["'852' is not of type 'integer'"]),
            ("an unknown kind", lambda o: o.update(kind="tarball"), ["'tarball' is not one of"]),
            ("an unknown compression", lambda o: o["artifacts"][0]["layers"][0].update(compression="xz"),
             ["'xz' is not one of"]),
            # minItems: jsonschema's wording changed across versions ("is too short", "should be non-empty")
            ("no artifacts", lambda o: o.update(artifacts=[]), ["(at .artifacts;", "minItems"]),
        ]
        for what, edit, fragments in cases:
            with self.subTest(what):
                self.assertRejected(res.args, changed(edit), "inspect.schema.json", *fragments)
        # and read_json (what the tests call) fails the test with that message
        bad = copy.deepcopy(res)
        bad.stdout = json.dumps(changed(lambda o: o.pop("kind")))
        with self.assertRaises(AssertionError) as caught:
            self.parse_json(bad)
        self.assertIn("does not match docs/json/inspect.schema.json", str(caught.exception))

    # ------------------------------------------------------------------ push --json

    def test_real_push_outputs_validate_and_mutations_are_rejected(self):
        path, _ = self.fixture("docker-archive", _archive)
        reg = self.start_registry()
        target = f"{reg.host}/schema:1"
        pushed = self.parse_json(self.oci_push("--json", "-t", "extra", path, target))
        self.assertIs(pushed["dryRun"], False)
        dry = self.parse_json(self.oci_push("push", "--dry-run", "--json", path, target))
        self.assertIs(dry["dryRun"], True)
        two_path, _ = self.fixture("two", _two)
        res = self.oci_push("--all", "--json", two_path, f"{reg.host}/team")
        listed = self.read_json(res)
        self.assertIsInstance(listed, list, res.describe())
        self.assertEqual(len(listed), 2, res.describe())

        args = ["--json", path, target]
        for what, edit, fragment in (
                ("no dryRun", lambda o: o.pop("dryRun"), "'dryRun' is a required property"),
                ("a bad layer diffId", lambda o: o["layers"][0].update(diffId=":"), "does not match"),
                ("a bad layer digest", lambda o: o["layers"][1].update(digest="sha256:" + "g" * 64),
                 "does not match '^sha256:[0-9a-f]{64}$'"),
                ("an index media type on an image", lambda o: o.update(mediaType=of.OCI_INDEX),
                 "is not one of"),
                ("foreign false", lambda o: o["layers"][0].update(foreign=False), "True was expected"),
                ("a config with diffId", lambda o: o["config"].update(diffId=o["layers"][0]["diffId"]),
                 "'diffId' was unexpected"),
                ("a reference without digest", lambda o: o.update(reference=o["repository"] + ":1"),
                 "does not match")):
            with self.subTest(what):
                obj = copy.deepcopy(pushed)
                edit(obj)
                self.assertRejected(args, obj, fragment, "push-result.schema.json")
        # one repository is an object, never a list of one
        self.assertRejected(args, [pushed], "push-result.schema.json")
        self.assertRejected(args, [listed[0], dict(listed[1], tags="1")], "[1].tags")

    # ------------------------------------------------------------------ the outputs with less in them

    def test_an_artifact_layer_has_no_diff_id(self):
        """An artifact whose config is no image config (an SBOM on the OCI empty config) has no
        diff_ids: its opaque layers carry no "diffId" (it once printed ":"), and a diffId is still
        required of every other inspect layer."""
        path = os.path.join(self.tmp, "sbom")
        _sbom_layout(path)
        res = self.oci_push("inspect", path, "--json")
        obj = self.parse_json(res)
        layer = obj["artifacts"][0]["layers"][0]
        self.assertEqual(layer["compression"], "opaque", res.describe())
        self.assertNotIn("diffId", layer)
        broken = copy.deepcopy(obj)
        broken["artifacts"][0]["layers"][0]["compression"] = "gzip"
        self.assertRejected(res.args, broken, "'diffId' is a required property")

    def test_copy_from_file_skipped_pair_says_so(self):
        """copy --from-file: a pair whose DST already has SRC's digest is skipped after two HEADs; its
        --json entry says so (skipped, the digest and media type the HEAD gave), with no config or
        layers (it once printed an empty manifest)."""
        path, _ = self.fixture("docker-archive", _archive)
        reg = self.start_registry()
        self.assertExit(self.oci_push(path, f"{reg.host}/src:1"), 0)
        pairs = os.path.join(self.tmp, "pairs.txt")
        with open(pairs, "w") as f:
            f.write(f"{reg.host}/src:1 {reg.host}/dst:1\n")
        copied = self.parse_json(self.oci_push("copy", "--plain-http", "--json", "--from-file", pairs))
        res = self.oci_push("copy", "--plain-http", "--json", "--from-file", pairs)
        self.assertIn("already is", res.stderr, res.describe())
        skipped = self.parse_json(res)
        self.assertEqual(skipped["skipped"], True)
        self.assertEqual((skipped["digest"], skipped["mediaType"]), (copied["digest"], copied["mediaType"]))
        self.assertNotIn("layers", skipped)
        self.assertRejected(res.args, dict(skipped, layers=[]), "push-result.schema.json")

if __name__ == "__main__":
    unittest.main()
