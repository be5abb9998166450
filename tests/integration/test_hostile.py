"""Hostile input: tarballs and registry answers built to hurt oci-push.

Every case must end with exit 1, exactly one `oci-push: error: ` line (the last of stderr, and with
-q the only line), nothing written to the registry, and a bounded peak RSS: measured with
/usr/bin/time -f %M around the binary itself (a Python-forked child's ru_maxrss would include the
test process's own pages), compared with the binary's own baseline (`--version`), so that the bound
holds in a sanitizer build too.

The "registry" is a tiny stdlib HTTP server on loopback that answers with endless bodies, absurd
Content-Length headers, malformed or deeply nested JSON. The tarballs are written here with tarfile:
entries with "..", absolute paths, a manifest.json symlinked out of the archive, an entry claiming
more bytes than the file holds, duplicate entries, 100000 nested arrays.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import threading
import unittest

from harness import cli, fixtures
from harness.base import ERROR_PREFIX, IntegrationTestCase
from harness.loopback_http import LoopbackServer, send

MiB = 1 << 20
RSS_HEADROOM_KIB = 64 * 1024  # above the binary's own baseline: far below any layer or endless body
DEEP = "[" * 100000 + "]" * 100000
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DENIED = json.dumps({"errors": [{"code": "DENIED", "message": "hostile test registry"}]}).encode()


def _endless(h, status: int, content_type: str, chunk: bytes = b"[" * 65536) -> None:
    """Close-delimited body that never ends: written until the client hangs up."""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    try:
        for _ in range(1 << 20):  # 64 GiB: "forever" for the client, finite for a broken one
            h.wfile.write(chunk)
    except OSError:
        pass


def _absurd_length(h, status: int, content_type: str) -> None:
    """Content-Length near 2^63, 64 KiB of it sent, then the connection closed."""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str((1 << 63) - 1))
    h.end_headers()
    h.close_connection = True
    try:
        h.wfile.write(b"{" * 65536)
    except OSError:
        pass


class HostileRegistry:
    """A registry stand-in. `script` maps (method, path suffix) to an answer function; GET /v2/
    answers 200 {} unless scripted, HEAD and GET of a manifest 404; anything else (an upload) is refused
    with 400 DENIED (not retried)."""

    def __init__(self, script: dict):
        self.script = script
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        handlers = {m: (lambda method: lambda h: self._answer(method, h))(m)
                    for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")}
        self.server = LoopbackServer(handlers)
        self.host = self.server.url.removeprefix("http://")

    def _answer(self, method: str, h) -> None:
        path = h.path.split("?")[0]
        with self._lock:
            self.requests.append((method, path))
        length = int(h.headers.get("Content-Length") or 0)
        if length:
            h.rfile.read(length)
        for (m, suffix), fn in self.script.items():
            if m == method and path.endswith(suffix):
                fn(h)
                return
        if method == "GET" and path == "/v2/":
            send(h, 200, b"{}", "application/json")
        elif method == "HEAD" or (method == "GET" and "/manifests/" in path):
            h.send_response(404)
            h.send_header("Content-Length", "0")
            h.end_headers()
        else:
            send(h, 400, DENIED, "application/json")

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] in ("POST", "PUT", "PATCH")]

    def stop(self) -> None:
        self.server.stop()


def _tar(path: str, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> None:
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        for info, data in members:
            info.mtime = 0
            tf.addfile(info, io.BytesIO(data) if data is not None else None)


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _symlink(name: str, target: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info, None


def _image_parts() -> tuple[bytes, bytes, str]:
    """A one-layer image: (layer tar, config JSON, the config's entry name)."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("hello.txt")
        info.size = 6
        tf.addfile(info, io.BytesIO(b"hello\n"))
    layer_bytes = layer.getvalue()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [fixtures.sha256_digest(layer_bytes)]}}).encode()
    return layer_bytes, config, fixtures.sha256_hex(config) + ".json"


def _manifest_json(config: str, layers: list[str]) -> bytes:
    return json.dumps([{"Config": config, "RepoTags": ["hostile/app:1"], "Layers": layers}]).encode()


class HostileTest(IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.baseline_kib = cls._peak_rss_kib(["--version"])[1]

    @staticmethod
    def _peak_rss_kib(args: list[str], home: str | None = None) -> tuple[cli.Result, int]:
        """Runs the binary under /usr/bin/time; returns its result and its own peak RSS in KiB."""
        home = home or os.path.join(os.environ.get("TMPDIR", "/tmp"), "oci-push-hostile-home")
        env = cli.clean_env(home)
        rss_file = os.path.join(env["TMPDIR"], "rss")
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, cli.binary_path(), *args],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=180, cwd=home, env=env)
        with open(rss_file) as f:
            rss = int(f.read().split()[-1])
        return cli.Result(list(args), p.returncode, p.stdout.decode("utf-8", "replace"),
                          p.stderr.decode("utf-8", "replace")), rss

    def registry(self, script: dict | None = None) -> HostileRegistry:
        reg = HostileRegistry(script or {})
        self.addCleanup(reg.stop)
        return reg

    def good_tar(self) -> str:
        return self.fixture("good", lambda p: fixtures.write_archive(
            p, [fixtures.small_spec(["hostile/good:1"], label="hostile")])[0])[0]

    def check_refused(self, source: str, reg: HostileRegistry, names: tuple[str, ...],
                      writes_allowed: bool = False) -> str:
        """Push source to reg, as is and with -q: exit 1, one error line naming one of `names`,
        nothing written (unless writes_allowed: the stand-in refuses them), peak RSS within
        RSS_HEADROOM_KIB of the baseline. Returns the line."""
        line = ""
        for quiet in (False, True):
            with self.subTest(quiet=quiet):
                args = (["-q"] if quiet else []) + ["--plain-http", source, f"{reg.host}/app:1"]
                res, rss = self._peak_rss_kib(args, self.home)
                self.assertExit(res, 1)
                self.assertEqual(res.stdout, "", res.describe())
                line = self.error_line(res)
                if quiet:
                    self.assertEqual(res.stderr_lines, [line], res.describe())
                self.assertTrue(any(n in line for n in names), f"error names none of {names}\n{res.describe()}")
                if not writes_allowed:
                    self.assertEqual(reg.writes(), [], f"hostile input, yet the registry was written to\n{res.describe()}")
                self.assertLess(rss, self.baseline_kib + RSS_HEADROOM_KIB,
                                f"peak RSS {rss} KiB, baseline {self.baseline_kib} KiB\n{res.describe()}")
        return line

    # ------------------------------------------------------------------ hostile tarballs

    def hostile_tar(self, name: str, members) -> str:
        path = os.path.join(self.tmp, name + ".tar")
        _tar(path, members)
        return path

    def test_entry_with_dotdot(self):
        layer, config, config_name = _image_parts()
        src = self.hostile_tar("dotdot", [_file("manifest.json", _manifest_json(config_name, ["l/layer.tar"])),
                                          _file(config_name, config), _file("../l/layer.tar", layer)])
        self.check_refused(src, self.registry(), ("..",))

    def test_manifest_names_absolute_and_dotdot_paths(self):
        """Paths in manifest.json are looked up inside the archive only: /etc/hostname and
        ../../etc/hostname never reach the host's files."""
        layer, config, config_name = _image_parts()
        for i, bad in enumerate(("/etc/hostname", "../../../../etc/hostname")):
            for as_config in (False, True):
                with self.subTest(path=bad, as_config=as_config):
                    mj = _manifest_json(bad, ["l/layer.tar"]) if as_config else _manifest_json(config_name, [bad])
                    src = self.hostile_tar(f"abs{i}{as_config}", [_file("manifest.json", mj),
                                                                  _file(config_name, config), _file("l/layer.tar", layer)])
                    self.check_refused(src, self.registry(), ("etc/hostname",))

    def test_absolute_entry_names_stay_inside_the_archive(self):
        """An entry named /manifest.json is the archive's manifest.json (as docker reads it), and a
        layer entry /etc/hostname is the archive's etc/hostname: here a layer that does not match
        the config's diff_id, so the push is refused, never uploading the host's file."""
        layer, config, config_name = _image_parts()
        src = self.hostile_tar("absentries", [_file("/manifest.json", _manifest_json(config_name, ["/etc/hostname"])),
                                              _file("/" + config_name, config), _file("/etc/hostname", layer + b"x")])
        reg = self.registry()
        self.check_refused(src, reg, ("etc/hostname",))

    def test_manifest_json_symlinked_out_of_the_archive(self):
        for i, target in enumerate(("/etc/passwd", "../../../../../etc/passwd")):
            with self.subTest(target=target):
                src = self.hostile_tar(f"symlink{i}", [_symlink("manifest.json", target)])
                self.check_refused(src, self.registry(), ("manifest.json", "etc/passwd"))

    def test_entry_larger_than_the_file(self):
        layer, config, config_name = _image_parts()
        path = self.hostile_tar("truncated", [_file("manifest.json", _manifest_json(config_name, ["l/layer.tar"])),
                                              _file(config_name, config)])
        # Append a header claiming 8 GiB, then end the file 1 KiB into its data.
        info = tarfile.TarInfo("l/layer.tar")
        info.size = 8 << 30
        info.mtime = 0
        with open(path, "r+b") as f:
            data = f.read()
            end = len(data.rstrip(b"\0"))
            end += (-end) % 512
            f.seek(end)
            f.write(info.tobuf(tarfile.GNU_FORMAT) + b"x" * 1024)
            f.truncate()
        self.check_refused(path, self.registry(), ("l/layer.tar", "truncated"))

    def test_duplicate_entries(self):
        layer, config, config_name = _image_parts()
        src = self.hostile_tar("dup", [_file("manifest.json", _manifest_json(config_name, ["l/layer.tar"])),
                                       _file(config_name, config), _file("l/layer.tar", layer),
                                       _file("manifest.json", b"[]")])
        self.check_refused(src, self.registry(), ("manifest.json",))

    def test_deeply_nested_manifest_json(self):
        src = self.hostile_tar("deep", [_file("manifest.json", DEEP.encode())])
        self.check_refused(src, self.registry(), ("manifest.json",))

    def test_deeply_nested_config(self):
        layer, _, _ = _image_parts()
        config = ('{"os":"linux","rootfs":{"type":"layers","diff_ids":[]},"x":' + DEEP + "}").encode()
        name = fixtures.sha256_hex(config) + ".json"
        src = self.hostile_tar("deepconfig", [_file("manifest.json", _manifest_json(name, ["l/layer.tar"])),
                                              _file(name, config), _file("l/layer.tar", layer)])
        self.check_refused(src, self.registry(), (name,))

    # ------------------------------------------------------------------ hostile registry answers

    def test_endless_ping_body(self):
        reg = self.registry({("GET", "/v2/"): lambda h: _endless(h, 200, "application/json")})
        self.check_refused(self.good_tar(), reg, (reg.host,))

    def test_absurd_content_length_on_ping(self):
        reg = self.registry({("GET", "/v2/"): lambda h: _absurd_length(h, 200, "application/json")})
        self.check_refused(self.good_tar(), reg, (reg.host,))

    def test_endless_error_body(self):
        reg = self.registry({("GET", "/v2/"): lambda h: _endless(h, 400, "application/json", b"x" * 65536)})
        self.check_refused(self.good_tar(), reg, (reg.host,))

    def test_endless_manifest(self):
        reg = self.registry({("GET", "/manifests/1"): lambda h: _endless(h, 200, OCI_MANIFEST)})
        self.check_refused(self.good_tar(), reg, (reg.host,))

    def test_absurd_content_length_on_manifest(self):
        reg = self.registry({("GET", "/manifests/1"): lambda h: _absurd_length(h, 200, OCI_MANIFEST)})
        self.check_refused(self.good_tar(), reg, (reg.host,))

    def test_malformed_and_deep_manifest_json(self):
        """The target tag's current manifest only tells what may be skipped: a malformed or deeply
        nested one is ignored (no crash, no memory blow-up), and the push goes on until the stand-in
        refuses the upload."""
        for body in (b"{not json", DEEP.encode(), b'{"schemaVersion":2,"config":' + DEEP.encode() + b"}"):
            with self.subTest(body=body[:20]):
                reg = self.registry({("GET", "/manifests/1"): lambda h, b=body: send(h, 200, b, OCI_MANIFEST)})
                self.check_refused(self.good_tar(), reg, ("DENIED",), writes_allowed=True)

    def _bearer(self, token_answer) -> HostileRegistry:
        holder = {}

        def challenge(h):
            h.send_response(401)
            h.send_header("WWW-Authenticate", f'Bearer realm="http://{holder["host"]}/token",service="hostile"')
            h.send_header("Content-Length", "0")
            h.end_headers()

        reg = self.registry({("GET", "/v2/"): challenge, ("GET", "/token"): token_answer})
        holder["host"] = reg.host
        return reg

    def test_token_server_answers(self):
        cases = {
            "malformed": lambda h: send(h, 200, b'{"token": ', "application/json"),
            "deep": lambda h: send(h, 200, DEEP.encode(), "application/json"),
            "endless": lambda h: _endless(h, 200, "application/json", b'{"token":"' + b"A" * 65526),
            "absurd-length": lambda h: _absurd_length(h, 200, "application/json"),
        }
        for name, answer in cases.items():
            with self.subTest(case=name):
                reg = self._bearer(answer)
                self.check_refused(self.good_tar(), reg, ("token",))


if __name__ == "__main__":
    unittest.main()
