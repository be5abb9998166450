"""oci-push reads every common local image format (issue 3) and pushes it to a real registry.

Sources: OCI image layouts written by umoci, oci-archives written by skopeo, Docker 25+
`docker save` tarballs, docker-save tarballs with gzip/zstd layers inside, whole tarballs
compressed with gzip/zstd/xz, standard input, non-distributable layers. What lands is checked
with skopeo and oci-image-tool (harness/oci_verify.py), against the source as read back by
harness/oci_fixtures.py. test_oci_fixtures.py proves these fixtures and checks with skopeo.
"""

import json
import os
import subprocess
import threading
import unittest

from harness import cli, fixtures, oci_fixtures as of, oci_verify, verify
from harness.oci_base import OciTestCase


def _layout(workdir, path):
    return of.build_umoci_layout(workdir, path, [of.UmociImage("1.0")])


def _two(workdir, path):
    return of.build_umoci_layout(workdir, path, [of.UmociImage("1.0", seed="two-a"),
                                                 of.UmociImage("2.0", seed="two-b")])


def _archive(workdir, path):
    src = os.path.join(workdir, "layout")
    of.build_umoci_layout(workdir, src, [of.UmociImage("1.0", seed="arc")])
    of.skopeo_to_oci_archive(workdir, src, "1.0", path)
    return of.read_oci_archive(path, os.path.join(workdir, "readback"))


def _d25(workdir, path):
    return of.write_docker25_tar(path, [fixtures.small_spec(["app:1.0"], label="d25", layers=3)])


def _uncompressed_layout(workdir, path):
    """An OCI layout with uncompressed layers: the OCI part of a Docker 25 tar, unpacked."""
    tar = os.path.join(workdir, "d25.tar")
    of.write_docker25_tar(tar, [fixtures.small_spec(["plain:1.0"], label="plainoci")])
    of.extract_archive(tar, path)
    for n in ("manifest.json", "repositories"):
        os.unlink(os.path.join(path, n))
    return of.read_layout(path)


def _plain_save(workdir, path):
    # one layer of 2 MiB: streamed layers larger than the read buffers (1 MiB and up once
    # crashed the stdin path)
    return fixtures.write_archive(path, [fixtures.ImageSpec(["example/plain:1.0"], [
        fixtures.LayerSpec("plain-0", 40 * fixtures.KiB, 2),
        fixtures.LayerSpec("plain-big", 2 * fixtures.MiB, 3),
        fixtures.LayerSpec("plain-2", 100 * fixtures.KiB, 2)], label="plain")])[0]


def _gzip_layers(workdir, path):
    return of.write_compressed_layers_archive(
        path, fixtures.small_spec(["example/gz:1.0"], label="gzl", layers=3), "gzip")


def _zstd_layers(workdir, path):
    return of.write_compressed_layers_archive(
        path, fixtures.small_spec(["example/zst:1.0"], label="zstl", layers=3), "zstd")


class OciLayoutTest(OciTestCase):

    def test_layout_dir_pushes_the_source_manifest(self):
        path, lay = self.built("layout", _layout)
        img = lay.only
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/app:1.0")
        digest = self.assertPushed(res, reg.host, "app")
        self.assertEqual(digest, img.digest,
                         "gzip layers, no --format: the source manifest must be pushed as is")
        self.verify_image(reg, "app", "1.0", img, same_manifest=True)
        self.assertEqual(self.tags(reg, "app"), ["1.0"])

    def test_layout_without_tag_takes_the_ref_name(self):
        path, lay = self.built("layout", _layout)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/app")
        self.assertEqual(self.assertPushed(res, reg.host, "app"), lay.only.digest)
        self.assertEqual(self.tags(reg, "app"), ["1.0"])

    def test_oci_transport_selects_a_ref(self):
        path, lay = self.built("two", _two)
        reg = self.start_registry()
        for ref in ("2.0", "1.0"):
            with self.subTest(ref=ref):
                img = lay.by_name(ref)
                res = self.oci_push(f"oci:{path}:{ref}", f"{reg.host}/two:{ref}")
                self.assertEqual(self.assertPushed(res, reg.host, "two"), img.digest)
                self.verify_image(reg, "two", ref, img, same_manifest=True)
        self.assertEqual(sorted(self.tags(reg, "two")), ["1.0", "2.0"])

    def test_oci_transport_forces_the_kind(self):
        # a directory that is a layout, named like a tarball
        path, lay = self.built("layout", _layout)
        odd = of.copy_layout(path, os.path.join(self.tmp, "image.tar"))
        reg = self.start_registry()
        for src in (f"oci:{odd}", odd):
            with self.subTest(src=src):
                res = self.oci_push(src, f"{reg.host}/forced:1.0")
                self.assertEqual(self.assertPushed(res, reg.host, "forced"), lay.only.digest)

    def test_uncompressed_layers_are_gzipped(self):
        path, lay = self.built("plain-oci", _uncompressed_layout)
        img = lay.only
        self.assertEqual({layer.compression for layer in img.layers}, {"none"})
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/plain:1.0")
        digest = self.assertPushed(res, reg.host, "plain")
        self.assertNotEqual(digest, img.digest, "layers were compressed: a new manifest")
        raw = self.verify_image(reg, "plain", "1.0", img, same_manifest=False,
                                media_type=of.OCI_MANIFEST)
        self.assertEqual(oci_verify.sha(raw), digest)

    def test_format_docker_converts(self):
        path, lay = self.built("layout", _layout)
        img = lay.only
        reg = self.start_registry()
        res = self.oci_push("--format", "docker", path, f"{reg.host}/conv:docker")
        digest = self.assertPushed(res, reg.host, "conv")
        self.assertNotEqual(digest, img.digest)
        # the gzip layers pass through (same digests); types are Docker's; config unchanged
        self.verify_image(reg, "conv", "docker", img, same_manifest=False,
                          media_type=of.DOCKER_MANIFEST)

    def test_format_oci_on_oci_source_keeps_the_manifest(self):
        path, lay = self.built("layout", _layout)
        reg = self.start_registry()
        res = self.oci_push("--format", "oci", path, f"{reg.host}/same:1.0")
        digest = self.assertPushed(res, reg.host, "same")
        # umoci writes no "mediaType" in its manifests; a tool may add it, nothing else
        self.verify_image(reg, "same", "1.0", lay.only, same_manifest=digest == lay.only.digest,
                          media_type=of.OCI_MANIFEST)


class OciArchiveTest(OciTestCase):

    def test_archive_detected_by_content(self):
        path, lay = self.built("skopeo.oci", _archive)   # no .tar in the name
        img = lay.only
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/arc:1.0")
        self.assertEqual(self.assertPushed(res, reg.host, "arc"), img.digest)
        self.verify_image(reg, "arc", "1.0", img, same_manifest=True)

    def test_archive_transport_with_ref(self):
        path, lay = self.built("skopeo.oci", _archive)
        reg = self.start_registry()
        res = self.oci_push(f"oci-archive:{path}:1.0", f"{reg.host}/arc")
        self.assertEqual(self.assertPushed(res, reg.host, "arc"), lay.only.digest)
        self.assertEqual(self.tags(reg, "arc"), ["1.0"])

    def test_compressed_archives_and_stdin(self):
        """.tar.gz/.tar.zst/.tar.xz of an oci-archive (skopeo writes index.json after the
        blobs, so a one-pass reader sees the layers before it knows the image) and the same
        on standard input: the same manifest lands each time."""
        path, lay = self.built("skopeo.oci", _archive)
        img = lay.only
        reg = self.start_registry()
        for kind in ("gzip", "zstd", "xz"):
            comp = of.compress_file(path, os.path.join(self.tmp, f"arc.{kind}"), kind)
            with self.subTest(kind=kind, via="file"):
                res = self.oci_push(comp, f"{reg.host}/arc:{kind}")
                self.assertEqual(self.assertPushed(res, reg.host, "arc"), img.digest)
                self.verify_image(reg, "arc", kind, img, same_manifest=True)
            with self.subTest(kind=kind, via="stdin"):
                with open(comp, "rb") as f:
                    res = self.oci_push("-", f"{reg.host}/stdin:{kind}", stdin=f.read())
                self.assertEqual(self.assertPushed(res, reg.host, "stdin"), img.digest)
        with self.subTest(kind="none", via="stdin"):
            with open(path, "rb") as f:
                res = self.oci_push("-", f"{reg.host}/stdin:plain", stdin=f.read())
            self.assertEqual(self.assertPushed(res, reg.host, "stdin"), img.digest)
            self.verify_image(reg, "stdin", "plain", img, same_manifest=True)


class Docker25Test(OciTestCase):

    def test_read_as_oci(self):
        path, imgs = self.built("d25.tar", _d25)
        d25 = imgs[0]
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/app:1.0")
        digest = self.assertPushed(res, reg.host, "app")
        # OCI manifest (the source's format), the config byte for byte, layers gzipped
        raw = self.verify_image(reg, "app", "1.0", d25.image, same_manifest=False,
                                media_type=of.OCI_MANIFEST)
        self.assertEqual(oci_verify.sha(raw), digest)
        # the same from the harness's docker-save point of view
        self.verify(reg, "app", "1.0", d25.fixture, verify.OCI_MANIFEST)

    def test_format_docker(self):
        path, imgs = self.built("d25.tar", _d25)
        reg = self.start_registry()
        res = self.oci_push("--format", "docker", path, f"{reg.host}/app:docker")
        self.assertPushed(res, reg.host, "app")
        self.verify_image(reg, "app", "docker", imgs[0].image, same_manifest=False,
                          media_type=of.DOCKER_MANIFEST)

    def test_tag_from_repotags(self):
        path, imgs = self.built("d25.tar", _d25)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/app")
        self.assertPushed(res, reg.host, "app")
        self.assertEqual(self.tags(reg, "app"), ["1.0"])

    def test_compressed_and_stdin(self):
        path, imgs = self.built("d25.tar", _d25)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/app:plain")
        ref_digest = self.assertPushed(res, reg.host, "app")
        for kind in ("gzip", "xz"):
            comp = of.compress_file(path, os.path.join(self.tmp, f"d25.{kind}"), kind)
            with self.subTest(kind=kind):
                with open(comp, "rb") as f:
                    res = self.oci_push("-", f"{reg.host}/app:{kind}", stdin=f.read())
                self.assertEqual(self.assertPushed(res, reg.host, "app"), ref_digest,
                                 "the same image read as a stream must give the same manifest")
                self.verify_image(reg, "app", kind, imgs[0].image, same_manifest=False,
                                  media_type=of.OCI_MANIFEST)


class DockerSaveCompressedTest(OciTestCase):

    def test_gzip_layers_pass_through(self):
        path, arc = self.built("gz-layers.tar", _gzip_layers)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/gz:1.0")
        self.assertPushed(res, reg.host, "gz")
        self.verify_image(reg, "gz", "1.0", arc.as_image(of.DOCKER_MANIFEST),
                          same_manifest=False, media_type=of.DOCKER_MANIFEST)
        self.verify(reg, "gz", "1.0", arc.fixture, verify.DOCKER_MANIFEST)

    def test_gzip_layers_format_oci(self):
        path, arc = self.built("gz-layers.tar", _gzip_layers)
        reg = self.start_registry()
        res = self.oci_push("--format", "oci", path, f"{reg.host}/gz:oci")
        self.assertPushed(res, reg.host, "gz")
        self.verify_image(reg, "gz", "oci", arc.as_image(of.OCI_MANIFEST),
                          same_manifest=False, media_type=of.OCI_MANIFEST)

    def test_zstd_layers_pass_through(self):
        path, arc = self.built("zstd-layers.tar", _zstd_layers)
        reg = self.start_registry()
        # explicit OCI: the layers must be application/vnd.oci.image.layer.v1.tar+zstd
        res = self.oci_push("--format", "oci", path, f"{reg.host}/zst:oci")
        self.assertPushed(res, reg.host, "zst")
        self.verify_image(reg, "zst", "oci", arc.as_image(of.OCI_MANIFEST),
                          same_manifest=False, media_type=of.OCI_MANIFEST)
        # default format: Docker schema 2 has no standard zstd layer type, so the format
        # chosen is left open; the layers must still be the zstd blobs, byte for byte
        res = self.oci_push(path, f"{reg.host}/zst:default")
        digest = self.assertPushed(res, reg.host, "zst")
        raw = verify.inspect_raw(self.tmp, reg.host, "zst", "default")
        self.assertEqual(oci_verify.sha(raw), digest)
        m = json.loads(raw)
        self.assertEqual([d["digest"] for d in m["layers"]], arc.blob_digests)
        for d in m["layers"]:
            self.assertTrue(d["mediaType"].endswith("zstd"), f"zstd layer typed {d['mediaType']}")
        self.assertEqual(m["config"]["digest"], arc.fixture.config_digest)
        oci_verify.check_layers_over_http(reg, "zst", raw, arc.as_image(of.OCI_MANIFEST))


class CompressedTarballTest(OciTestCase):

    def test_whole_tarball_compressed_file_and_stdin(self):
        """A classic docker-save tarball compressed whole (detected by content: the files
        are named .bin) gives the same manifest as the plain tarball, from a file and
        from standard input."""
        path, img = self.built("plain.tar", _plain_save)
        reg = self.start_registry()
        res = self.oci_push(path, f"{reg.host}/plain:tar")
        ref_digest = self.assertPushed(res, reg.host, "plain")
        self.verify(reg, "plain", "tar", img)
        for kind in ("gzip", "zstd", "xz"):
            comp = of.compress_file(path, os.path.join(self.tmp, f"image-{kind}.bin"), kind)
            with self.subTest(kind=kind, via="file"):
                res = self.oci_push(comp, f"{reg.host}/plain:{kind}")
                self.assertEqual(self.assertPushed(res, reg.host, "plain"), ref_digest)
                self.verify(reg, "plain", kind, img)
            with self.subTest(kind=kind, via="stdin"):
                with open(comp, "rb") as f:
                    res = self.oci_push("-", f"{reg.host}/plain:stdin-{kind}", stdin=f.read())
                self.assertEqual(self.assertPushed(res, reg.host, "plain"), ref_digest)
        with self.subTest(kind="none", via="stdin"):
            with open(path, "rb") as f:
                res = self.oci_push("-", f"{reg.host}/plain:stdin", stdin=f.read())
            self.assertEqual(self.assertPushed(res, reg.host, "plain"), ref_digest)

    def test_docker_archive_transport_on_compressed_tarball(self):
        path, img = self.built("plain.tar", _plain_save)
        comp = of.compress_file(path, os.path.join(self.tmp, "plain.tar.zst"), "zstd")
        reg = self.start_registry()
        res = self.oci_push(f"docker-archive:{comp}:example/plain:1.0", f"{reg.host}/sel:1")
        self.assertPushed(res, reg.host, "sel")
        self.verify(reg, "sel", "1", img)


class StreamMemoryTest(OciTestCase):
    """Standard input is read in one pass with bounded memory: peak RSS (GNU time) for a
    zstd-compressed docker-save stream with a 72 MiB layer is not much more than for one
    with a 24 MiB layer."""

    def run_measured(self, args, stdin_path):
        # Peak RSS comes from GNU time, which forks oci-push from its own small process. wait4() on a
        # child forked from this Python process would count the test's own pages (its fixtures) too:
        # ru_maxrss includes what the child held between fork and exec.
        env = cli.clean_env(self.home)
        rss_file = os.path.join(self.tmp, "maxrss.txt")
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file, cli.binary_path(), *args],
                             stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             cwd=self.home)
        out = {}

        def feed():
            with open(stdin_path, "rb") as f:
                while True:
                    chunk = f.read(256 * 1024)
                    if not chunk:
                        break
                    try:
                        p.stdin.write(chunk)
                    except BrokenPipeError:
                        break
            p.stdin.close()

        def drain(name, stream):
            out[name] = stream.read()

        threads = [threading.Thread(target=feed),
                   threading.Thread(target=drain, args=("stdout", p.stdout)),
                   threading.Thread(target=drain, args=("stderr", p.stderr))]
        for t in threads:
            t.start()
        p.wait()
        for t in threads:
            t.join(timeout=120)
        res = cli.Result(list(args), p.returncode, out.get("stdout", b"").decode(),
                         out.get("stderr", b"").decode())
        with open(rss_file) as f:
            max_rss_kib = int(f.read().split()[-1])
        return res, max_rss_kib * 1024

    def test_stream_memory_is_bounded(self):
        reg = self.start_registry()
        rss = {}
        # Both layers are larger than an upload chunk (8 MiB), whose buffer is the one cost that does
        # grow with a small layer's size; past it nothing may.
        for label, size in (("small", 24 * fixtures.MiB), ("big", 72 * fixtures.MiB)):
            spec = fixtures.ImageSpec([f"example/{label}:1"],
                                      [fixtures.LayerSpec(f"mem-{label}", size, 2),
                                       fixtures.LayerSpec(f"mem-{label}-2", 64 * 1024, 1)],
                                      label=f"mem-{label}")
            tar = os.path.join(self.tmp, f"{label}.tar")
            img = fixtures.write_archive(tar, [spec])[0]
            comp = of.compress_file(tar, tar + ".zst", "zstd")
            os.unlink(tar)
            res, rss[label] = self.run_measured(["-q", "-", f"{reg.host}/mem:{label}"], comp)
            self.assertPushed(res, reg.host, "mem")
            self.verify(reg, "mem", label, img)
        growth = rss["big"] - rss["small"]
        self.assertLess(growth, 12 * fixtures.MiB,
                        f"peak RSS grew by {growth / fixtures.MiB:.1f} MiB for 48 MiB more layer "
                        f"(small {rss['small'] / fixtures.MiB:.1f} MiB, big "
                        f"{rss['big'] / fixtures.MiB:.1f} MiB): the stream is buffered")


class ForeignLayerTest(OciTestCase):

    def assertSaysSkipped(self, res, digest):
        err = res.stderr
        self.assertTrue(digest in err or digest[7:19] in err,
                        f"stderr does not name the skipped foreign layer {digest}\n"
                        f"{res.describe()}")

    def test_oci_nondistributable_layer_not_uploaded(self):
        base, _ = self.built("layout", _layout)
        path = of.copy_layout(base, os.path.join(self.tmp, "foreign"))
        desc = of.add_foreign_layer(path, "1.0")
        img = of.read_layout(path).only
        reg = self.start_registry(allow_urls=True)
        mark = reg.mark()
        res = self.oci_push(path, f"{reg.host}/foreign:1.0")
        digest = self.assertPushed(res, reg.host, "foreign")
        self.assertSaysSkipped(res, desc["digest"])
        self.assertEqual(digest, img.digest, "nothing to change: the source manifest as is")
        raw = self.verify_image(reg, "foreign", "1.0", img, same_manifest=True)
        oci_verify.check_layers_over_http(reg, "foreign", raw, img)
        self.assertEqual(oci_verify.uploads_of(reg, "foreign", desc["digest"], mark), 0)

    def test_docker_save_foreign_layer_from_layer_sources(self):
        path = os.path.join(self.tmp, "foreign.tar")
        fa = of.write_foreign_layer_archive(
            path, fixtures.small_spec(["example/win:1.0"], label="win", layers=3))
        img = fa.as_image()
        reg = self.start_registry(allow_urls=True)
        mark = reg.mark()
        res = self.oci_push(path, f"{reg.host}/win:1.0")
        self.assertPushed(res, reg.host, "win")
        self.assertSaysSkipped(res, fa.foreign_desc["digest"])
        raw = self.verify_image(reg, "win", "1.0", img, same_manifest=False,
                                media_type=of.DOCKER_MANIFEST)
        oci_verify.check_layers_over_http(reg, "win", raw, img)
        self.assertEqual(oci_verify.uploads_of(reg, "win", fa.foreign_desc["digest"], mark), 0)


if __name__ == "__main__":
    unittest.main()
