"""A clean Debian 12 root made by debootstrap (minbase), made once and kept under the build directory.

The pristine root is `<build>/clean-root/bookworm`; each test works on a copy, so what one test installs
never reaches the next. Making it (and installing a package's dependencies into a copy) reads the Debian
archive that this machine's apt already uses, as scripts/setup.sh's apt-get does: the only traffic of the
test suite that leaves loopback, and only to the package registry. Needs root (debootstrap, chroot).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess

from harness.cli import run_tool

SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"


def host_mirror() -> str:
    """The first Debian archive URI of this machine's apt sources ($OCI_PUSH_DEBIAN_MIRROR wins)."""
    if os.environ.get("OCI_PUSH_DEBIAN_MIRROR"):
        return os.environ["OCI_PUSH_DEBIAN_MIRROR"]
    for path in ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"):
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        for uri in re.findall(r"^(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s+)?)(\S+)", text, re.M):
            if "security" not in uri:
                return uri
    return DEFAULT_MIRROR


def pristine_root(build_dir: str) -> str:
    """The cached root, made on first use; a lock keeps two test processes from making it at once."""
    if os.geteuid() != 0:
        raise AssertionError("the clean-root package test needs root (debootstrap and chroot)")
    if not shutil.which("debootstrap"):
        raise AssertionError("debootstrap is not installed (scripts/setup.sh installs it)")
    cache = os.path.join(build_dir, "clean-root")
    os.makedirs(cache, exist_ok=True)
    root = os.path.join(cache, SUITE)
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(root, ".complete")):
            partial = root + ".partial"
            shutil.rmtree(partial, ignore_errors=True)
            shutil.rmtree(root, ignore_errors=True)
            run_tool(["debootstrap", "--variant=minbase", SUITE, partial, host_mirror()], timeout=900)
            shutil.copy("/etc/resolv.conf", os.path.join(partial, "etc/resolv.conf"))
            in_root(partial, "apt-get", "update", "-q")
            open(os.path.join(partial, ".complete"), "w").close()
            os.rename(partial, root)
    return root


def working_copy(pristine: str, dest: str) -> str:
    """A copy of the pristine root that a test may change."""
    run_tool(["cp", "-a", pristine, dest])
    return dest


def in_root(root: str, *cmd: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Runs cmd inside the root (chroot), with a plain environment."""
    base = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
            "DEBIAN_FRONTEND": "noninteractive"}
    base.update(env or {})
    return run_tool(["chroot", root, *cmd], timeout=timeout, env=base)


def installed_packages(root: str) -> set[str]:
    out = in_root(root, "dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev}\\n").stdout
    return {line.split()[0] for line in out.splitlines() if line.split()[1:2] == ["ii"]}


def dependency_closure(root: str, package: str) -> set[str]:
    """Every package reachable from package's Depends and Pre-Depends (no Recommends), as apt sees them."""
    out = in_root(root, "apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                  "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", package).stdout
    return {line.strip().split(":")[0] for line in out.splitlines() if line and not line.startswith(" ")}
