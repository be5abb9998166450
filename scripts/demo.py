#!/usr/bin/python3
"""The README's first command: start a real docker-registry on a free loopback port, write a sample
docker-save tarball, push it with oci-push, show the digest, and check it with skopeo."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness.fixtures import write_basic  # noqa: E402
from harness.registry import Registry  # noqa: E402

BINARY = os.path.join(ROOT, "build", "oci-push")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="oci-push-demo-") as work:
        tarball = os.path.join(work, "sample.tar")
        write_basic(tarball, repo_tags=("demo/app:1.0",))
        print(f"sample image: {tarball} ({os.path.getsize(tarball) // (1 << 20)} MiB, docker save layout)")
        with Registry(os.path.join(work, "registry")) as registry:
            target = f"{registry.host}/demo/app:1.0"
            print(f"registry: docker-registry on http://{registry.host}\n$ oci-push {tarball} {target}")
            pushed = subprocess.run([BINARY, tarball, target], stdout=subprocess.PIPE, text=True, check=True)
            reference = pushed.stdout.strip()
            print(f"pushed: {reference}")
            digest = reference.split("@", 1)[1]
            inspect = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                                      f"docker://{target}"], stdout=subprocess.PIPE, text=True, check=True)
            print(f"skopeo sees {target} at {inspect.stdout.strip()}")
            if inspect.stdout.strip() != digest:
                print("MISMATCH between oci-push and skopeo", file=sys.stderr)
                return 1
            print(f"digest: {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
