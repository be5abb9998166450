"""Run the oci-push binary.

The binary is $OCI_PUSH, or ../../build/oci-push relative to tests/integration.
Every run gets a clean environment: HOME and DOCKER_CONFIG point into the test's temp dir, so
the user's real docker/containers config is never read, and proxy variables are dropped.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary_path() -> str:
    p = os.environ.get("OCI_PUSH")
    if p:
        return os.path.abspath(p)
    return os.path.normpath(os.path.join(TESTS_DIR, "..", "..", "build", "oci-push"))


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def stdout_lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def describe(self) -> str:
        return (f"oci-push {' '.join(self.args)}\n  exit: {self.returncode}\n"
                f"  stdout: {self.stdout!r}\n  stderr (last 3000 chars): {self.stderr[-3000:]!r}")


def clean_env(home: str, docker_config: str | None = None, extra: dict | None = None) -> dict:
    """An environment with nothing of the user's: own HOME, DOCKER_CONFIG, XDG dirs."""
    os.makedirs(home, exist_ok=True)
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": home,
        "DOCKER_CONFIG": docker_config or os.path.join(home, ".docker"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_RUNTIME_DIR": os.path.join(home, "run"),
        "TMPDIR": os.path.join(home, "tmp"),
        "LANG": "C.UTF-8",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    for d in (env["XDG_RUNTIME_DIR"], env["TMPDIR"]):
        os.makedirs(d, exist_ok=True)
    # sanitizer settings from the CI environment, if any, are useful and harmless
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    if extra:
        env.update(extra)
    return env


def run(args: list[str], *, home: str, stdin: str | bytes | None = None,
        docker_config: str | None = None, env: dict | None = None,
        timeout: float = 180, cwd: str | None = None) -> Result:
    """Run oci-push with these arguments; stdin (if given) is written to its stdin, else it
    reads from /dev/null. Never raises on exit status; raises AssertionError if the binary
    does not exist and subprocess.TimeoutExpired (with what it printed) on timeout."""
    binary = binary_path()
    if not os.path.isfile(binary):
        raise AssertionError(f"oci-push binary not found at {binary} (set OCI_PUSH)")
    data = stdin.encode() if isinstance(stdin, str) else stdin
    p = subprocess.run([binary, *args], input=data,
                       stdin=None if data is not None else subprocess.DEVNULL,
                       capture_output=True, timeout=timeout, cwd=cwd or home,
                       env=clean_env(home, docker_config, env))
    return Result(list(args), p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


def run_tool(cmd: list[str], timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Another tool (skopeo, umoci, buildah, dpkg, chroot...): text output, stdin closed, AssertionError
    with (the end of) its output unless it exits 0."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p
