"""A registry speaking HTTPS with a certificate from a CA the test generates (openssl): refused by
default with a clear message, trusted with --ca-file or SSL_CERT_FILE, unverified only with
--insecure; a certificate for another name is refused even with its CA trusted."""

import os
import subprocess

from harness import fixtures
from harness.base import IntegrationTestCase


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d):
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=oci-push test CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    return os.path.join(d, "ca.pem")


def make_cert(d, name, san):
    """A server certificate for `san` (e.g. "IP:127.0.0.1"), signed by the CA in d."""
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", cwd=d)
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)
    return os.path.join(d, f"{name}.pem"), os.path.join(d, f"{name}.key")


class TlsTest(IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = os.path.join(cls.fixture_dir, "pki")
        os.makedirs(cls.pki)
        cls.ca = make_ca(cls.pki)
        cls.good = make_cert(cls.pki, "loopback", "IP:127.0.0.1")
        cls.wrong = make_cert(cls.pki, "elsewhere", "DNS:registry.example.com,IP:10.11.12.13")

    def setUp(self):
        super().setUp()
        self.path, self.img = self.fixture(
            "tls", lambda p: fixtures.write_archive(p, [fixtures.small_spec(["example/tls:1"])])[0])

    def test_unknown_ca_is_refused_with_a_clear_message(self):
        reg = self.start_registry(tls=self.good)
        mark = reg.mark()
        res = self.oci_push(self.path, f"{reg.host}/app:1")
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn("certificate", line)
        self.assertIn("--ca-file", line)
        self.assertNoManifest(reg, "app", ["1"], since=mark)

    def test_ca_file_is_trusted(self):
        reg = self.start_registry(tls=self.good)
        res = self.oci_push(self.path, f"{reg.host}/app:1", "--ca-file", self.ca, "-v")
        self.assertPushed(res, reg.host, "app")
        self.assertIn(f"> GET https://{reg.host}/v2/", res.stderr)
        self.assertNotIn(f"http://{reg.host}", res.stderr, "fell back to plain HTTP")
        self.verify(reg, "app", "1", self.img)

    def test_concurrent_small_requests_share_one_http2_connection(self):
        # 24 small layers: 16 HEADs at once, then POST + PUT each, all without a streamed body. The
        # registry offers HTTP/2 (ALPN h2); they travel as streams of one connection, not one each.
        path = os.path.join(self.tmp, "many.tar")
        fixtures.write_archive(path, [fixtures.small_spec(["example/many:1"], label="many", layers=24)])
        reg = self.start_registry(tls=self.good)
        mark = reg.mark()
        res = self.oci_push(path, f"{reg.host}/many:1", "--ca-file", self.ca, "-v")
        self.assertPushed(res, reg.host, "many")
        protocols = reg.access_protocols(mark)
        self.assertGreater(len(protocols), 24 * 2)
        self.assertEqual(set(protocols), {"HTTP/2.0"}, "every request over HTTP/2")
        connections = set(reg.remote_addresses(mark))
        self.assertEqual(len(connections), 1, f"requests came over {len(connections)} connections: {connections}")
        self.assertEqual(res.stderr.count("new connection)"), 1, "our -v says the same")
        self.assertIn("(HTTP/2", res.stderr)
        self.verify(reg, "many", "1", fixtures.read_archive(path)[0])

    def test_ssl_cert_file_is_trusted(self):
        reg = self.start_registry(tls=self.good)
        res = self.oci_push(self.path, f"{reg.host}/app:1", env={"SSL_CERT_FILE": self.ca})
        self.assertPushed(res, reg.host, "app")
        self.verify(reg, "app", "1", self.img)

    def test_insecure_only_when_asked(self):
        reg = self.start_registry(tls=self.wrong)
        res = self.oci_push(self.path, f"{reg.host}/app:1", "--insecure")
        self.assertPushed(res, reg.host, "app")
        self.verify(reg, "app", "1", self.img)

    def test_certificate_for_another_name_is_refused(self):
        reg = self.start_registry(tls=self.wrong)
        mark = reg.mark()
        res = self.oci_push(self.path, f"{reg.host}/app:1", "--ca-file", self.ca)
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertRegex(line, r"(?i)certificate|subject|name")
        self.assertIn("127.0.0.1", line)
        self.assertNoManifest(reg, "app", ["1"], since=mark)
