"""Tests of scripts/make_docs.py against the real binary ($OCI_PUSH, else build/oci-push).

The generator is run into a temporary directory, then checked with parsers of its own here (not the
generator's), so a generator that drops an option fails:
  - every option line of `oci-push --help` and of each `oci-push SUB --help` (each -s and --long, and its
    argument name) is a tag in the OPTIONS section of that page, and a page with one deleted is caught;
  - every page has the sections the issue asks for and the exit statuses its help states;
  - every page renders with `man --warnings -l` and `groff -man -ww -z` with nothing on stderr;
  - the completion script, sourced in bash and called as bash-completion calls it, completes the
    subcommands, each subcommand's options, --compression and --format values, platforms and paths;
  - an option added to --help shows up in the page and the completion with no other change.

Run: OCI_PUSH=build/oci-push /usr/bin/python3 -m unittest discover -s tests/docs -v
Needs bash; the rendering tests need man (man-db) and groff (groff-base), which scripts/setup.sh installs.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "make_docs.py"
BINARY = os.environ.get("OCI_PUSH") or str(REPO / "build" / "oci-push")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
REQUIRED_SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES",
                     "SEE ALSO"]


def setUpModule():
    if not os.access(BINARY, os.X_OK):
        raise unittest.SkipTest("no oci-push binary at %s (set OCI_PUSH)" % BINARY)


def run_help(*args):
    p = subprocess.run([BINARY, *args, "--help"], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=60)
    if p.returncode != 0:
        raise AssertionError("%s %s --help exited %d: %s" % (BINARY, " ".join(args), p.returncode, p.stderr))
    return p.stdout


def generate(out, binary=BINARY, env=None):
    p = subprocess.run([PYTHON, str(SCRIPT), "--binary", binary, "--out", str(out)], capture_output=True,
                       text=True, env=env, timeout=300)
    if p.returncode != 0:
        raise AssertionError("make_docs.py exited %d: %s" % (p.returncode, p.stderr))
    return p


# ---- independent parsers -------------------------------------------------------------------------------

def subcommands_of(top_help):
    """The first word of each line under "Subcommands:" in the top-level help."""
    lines = top_help.splitlines()
    start = lines.index("Subcommands:") + 1
    names = []
    for line in lines[start:]:
        if not line.strip():
            break
        names.append(line.split()[0])
    return names


def option_key(spec):
    """(sorted option words, argument) of an option's spec text, like `-t, --tag TAG`."""
    tokens = spec.replace(",", " ").split()
    words = tuple(sorted(t for t in tokens if t.startswith("-")))
    arg = " ".join(t for t in tokens if not t.startswith("-"))
    return words, arg


def help_options(text):
    """Every option line of a --help: indented by 2 to 6 spaces and starting with '-'."""
    keys = []
    for line in text.splitlines():
        m = re.match(r"^ {2,6}(-\S.*?)(?: {2,}|$)", line)
        if m:
            keys.append(option_key(m.group(1)))
    return keys


def plain(roff):
    """roff text with the escapes the pages use removed."""
    text = re.sub(r"\\f[BIRP]", "", roff)
    return text.replace("\\%", "").replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")


def sections(page):
    """{title: body} of a page's roff source."""
    out, title = {}, None
    for line in page.splitlines():
        m = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
        if m:
            title = m.group(1)
            out[title] = []
        elif title:
            out[title].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def tp_tags(body):
    lines = body.splitlines()
    return [plain(lines[i + 1]) for i, line in enumerate(lines[:-1]) if line.strip() == ".TP"]


def missing_options(help_text, page):
    """The options of help_text that are no tag of the page's OPTIONS section, as `words arg` strings."""
    tags = {option_key(tag) for tag in tp_tags(sections(page).get("OPTIONS", ""))}
    return [" ".join(w) + (" " + a if a else "") for w, a in help_options(help_text) if (w, a) not in tags]


def delete_option(page, long_option):
    """The page without the .TP entry whose tag names long_option."""
    lines = page.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == ".TP" and i + 1 < len(lines) and long_option in plain(lines[i + 1]).split():
            j = i + 1
            while j < len(lines) and not re.match(r"^\.(TP|SS|SH|PP)\b", lines[j]):
                j += 1
            return "".join(lines[:i] + lines[j:])
    raise AssertionError("no entry for %s" % long_option)


def exit_codes_of(help_text):
    """The statuses after "Exit status:" in a help, or None when it states none."""
    joined = " ".join(help_text.split())
    if "Exit status:" not in joined:
        return None
    rest = joined.split("Exit status:", 1)[1]
    return re.findall(r"(?:^|[,;]) (\d+) ", " " + rest.strip())


class Generated(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name) / "docs"
        env = dict(os.environ)
        env.pop("SOURCE_DATE_EPOCH", None)
        generate(cls.out, env=env)
        cls.top_help = run_help()
        cls.subs = subcommands_of(cls.top_help)
        cls.helps = {"": cls.top_help}
        cls.helps.update({s: run_help(s) for s in cls.subs})

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def page_path(self, sub):
        return self.out / "man" / (("oci-push-%s" % sub if sub else "oci-push") + ".1")

    def page(self, sub):
        return self.page_path(sub).read_text()


class ManPages(Generated):
    def test_one_page_per_subcommand(self):
        issue_14 = ["push", "pull", "copy", "build", "verify", "inspect", "login", "ecr", "ecr-public"]
        self.assertEqual([], [s for s in issue_14 if s not in self.subs])  # a new one gets its page all the same
        expected = {"oci-push.1"} | {"oci-push-%s.1" % s for s in self.subs}
        self.assertEqual(expected, {p.name for p in (self.out / "man").iterdir()})

    def test_every_help_option_is_in_options(self):
        for sub, text in self.helps.items():
            with self.subTest(page=sub or "oci-push"):
                self.assertGreater(len(help_options(text)), 1)
                self.assertEqual([], missing_options(text, self.page(sub)))

    def test_a_deleted_option_is_caught(self):
        page, push_help = self.page("push"), self.helps["push"]
        self.assertEqual([], missing_options(push_help, page))
        cut = delete_option(page, "--compression")
        self.assertNotIn("compression CODEC", plain(sections(cut)["OPTIONS"]))
        self.assertEqual(["--compression CODEC"], missing_options(push_help, cut))
        # an option that DESCRIPTION still mentions is missing all the same: OPTIONS is what counts
        cut = delete_option(page, "--registry")
        self.assertIn("--registry", plain(sections(cut)["DESCRIPTION"]))
        self.assertEqual(["--registry HOST"], missing_options(push_help, cut))
        # a lost short form or argument name is caught too
        no_short = page.replace("\\fB\\-t\\fR, \\fB\\-\\-tag\\fR", "\\fB\\-\\-tag\\fR")
        self.assertEqual(["--tag -t TAG"], missing_options(push_help, no_short))
        no_arg = page.replace("\\fB\\-\\-compression\\fR \\fICODEC\\fR", "\\fB\\-\\-compression\\fR")
        self.assertEqual(["--compression CODEC"], missing_options(push_help, no_arg))
        top = delete_option(self.page(""), "--version")
        self.assertEqual(["--version"], missing_options(self.helps[""], top))

    def test_sections(self):
        for sub in self.helps:
            with self.subTest(page=sub or "oci-push"):
                page = self.page(sub)
                found = list(sections(page))
                for title in REQUIRED_SECTIONS:
                    self.assertIn(title, found)
                self.assertRegex(page, r'(?m)^\.TH "%s" 1 "" "oci-push \S+"' %
                                 re.escape(self.page_path(sub).stem.upper()))
                name = plain(sections(page)["NAME"]).strip()
                self.assertTrue(name.startswith(self.page_path(sub).stem + " - "), name)

    def test_exit_status(self):
        for sub, text in self.helps.items():
            with self.subTest(page=sub or "oci-push"):
                codes = [t.strip() for t in tp_tags(sections(self.page(sub))["EXIT STATUS"])]
                stated = exit_codes_of(text) if sub else None
                for code in stated or ["0", "1", "2"]:
                    self.assertIn(code, codes)
                if stated:
                    self.assertEqual(stated, codes)
        self.assertEqual(["0", "1", "2", "130"], exit_codes_of(self.helps["push"]))
        self.assertEqual(["0", "1", "2"], exit_codes_of(self.helps["verify"]))

    def test_environment_and_files(self):
        env = lambda sub: plain(sections(self.page(sub))["ENVIRONMENT"])  # noqa: E731
        for var in ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_CACHE_HOME", "SSL_CERT_FILE", "AWS_PROFILE",
                    "AWS_ACCESS_KEY_ID", "AWS_REGION"):
            self.assertIn(var, env("push"))
        self.assertIn("SOURCE_DATE_EPOCH", env("build"))
        self.assertNotIn("SOURCE_DATE_EPOCH", env("push"))
        self.assertNotIn("AWS_PROFILE", env("login"))  # login has no ECR options
        files = plain(sections(self.page("push"))["FILES"])
        for path in ("~/.docker/config.json", "~/.aws/config", "~/.aws/credentials", "$XDG_CACHE_HOME/oci-push"):
            self.assertIn(path, files)

    def test_examples(self):
        for sub in self.helps:
            blocks = re.findall(r"(?ms)^\.EX\n(.*?)^\.EE", sections(self.page(sub))["EXAMPLES"])
            command = "oci-push " + (sub + " " if sub not in ("", "push") else "")
            self.assertTrue(any(command in plain(b) for b in blocks), (sub, blocks))

    def test_deterministic_and_dated_by_source_date_epoch(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
            generate(Path(a), env=env)
            generate(Path(b), env=env)
            for f in sorted(Path(a).rglob("*")):
                if f.is_file():
                    self.assertEqual(f.read_bytes(), (Path(b) / f.relative_to(a)).read_bytes(), f.name)
            self.assertIn('.TH "OCI-PUSH" 1 "2023-11-14"', (Path(a) / "man" / "oci-push.1").read_text())

    def test_pages_render_without_warnings(self):
        missing = [tool for tool in ("man", "groff") if not shutil.which(tool)]
        if missing:
            self.fail("no %s here (Debian packages man-db, groff-base: scripts/setup.sh installs them)" % " and ".join(missing))
        for sub in self.helps:
            path = self.page_path(sub)
            for width in ("80", "100"):
                with self.subTest(page=path.name, width=width):
                    env = dict(os.environ, MANWIDTH=width, LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat")
                    p = subprocess.run(["man", "--warnings", "-l", str(path)], capture_output=True, text=True,
                                       env=env, timeout=60)
                    self.assertEqual(0, p.returncode, p.stderr)
                    self.assertEqual("", p.stderr)
                    shown = set(re.findall(r"--?[A-Za-z0-9][\w-]*", p.stdout))
                    absent = [w for words, _ in help_options(self.helps[sub]) for w in words if w not in shown]
                    self.assertEqual([], absent, "options not in the rendered page")
            p = subprocess.run(["groff", "-man", "-ww", "-z", str(path)], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual((0, ""), (p.returncode, p.stderr), path.name)


COMPLETE = textwrap.dedent(r'''
    source "$1" || exit 1
    shift
    spec=$(complete -p oci-push) || exit 1
    fn=${spec##*-F }; fn=${fn%% *}
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE=$TEST_LINE; COMP_POINT=${#COMP_LINE}
    COMP_TYPE=9 COMP_KEY=9
    "$fn" oci-push "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\n' "${COMPREPLY[@]}"
''')


class Completion(Generated):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cwd = Path(cls.tmp.name) / "work"
        (cls.cwd / "ctx").mkdir(parents=True)
        for name in ("image.tar", "Dockerfile", "config.json"):
            (cls.cwd / name).write_text("x")

    def complete(self, *words, line=None):
        """COMPREPLY for words (the last one is the word being completed, "" for a new one)."""
        script = self.out / "completion" / "oci-push.bash"
        env = dict(os.environ, TEST_LINE=line if line is not None else " ".join(words))
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", COMPLETE, "bash", str(script), *words],
                           capture_output=True, text=True, cwd=self.cwd, env=env, timeout=60)
        self.assertEqual((0, ""), (p.returncode, p.stderr), words)
        return [w for w in p.stdout.split("\n") if w]

    def test_subcommands(self):
        self.assertIn("build", self.complete("oci-push", "bu"))
        files = {"ctx", "image.tar", "Dockerfile", "config.json"}  # the bare form's SOURCE
        self.assertEqual(set(self.subs) | {"help"} | files, set(self.complete("oci-push", "")))
        self.assertEqual(["ecr", "ecr-public"], sorted(self.complete("oci-push", "ec")))
        self.assertEqual(["pull", "push"], sorted(self.complete("oci-push", "help", "pu")))

    def test_options_of_each_subcommand(self):
        self.assertIn("--compression", self.complete("oci-push", "push", "--comp"))
        self.assertIn("--platform", self.complete("oci-push", "pull", "--platform"))
        for sub in self.subs:
            with self.subTest(sub=sub):
                offered = set(self.complete("oci-push", sub, "-"))
                for words, _ in help_options(self.helps[sub]):
                    self.assertTrue(set(words) <= offered, (words, sub))
        self.assertIn("--version", self.complete("oci-push", "--v"))
        self.assertIn("--tag", self.complete("oci-push", "image.tar", "--ta"))  # the bare form is push

    def test_values(self):
        values = self.complete("oci-push", "push", "--compression", "")
        for v in ("gzip", "gzip:0", "gzip:3", "zstd", "zstd:1", "zstd:19", "none"):
            self.assertIn(v, values)
        self.assertNotIn("gzip:4", values)
        self.assertIn("zstd", self.complete("oci-push", "build", "--compression", "z"))
        self.assertEqual(["docker", "oci"], sorted(self.complete("oci-push", "push", "--format", "")))
        self.assertIn("linux/arm64", self.complete("oci-push", "pull", "--platform", ""))
        self.assertIn("linux/arm/v7", self.complete("oci-push", "copy", "--platform", "linux/arm"))
        self.assertEqual([], self.complete("oci-push", "push", "--jobs", ""))

    def test_values_after_colon_and_equals(self):
        # bash splits words at ":" and "=": what it replaces is the part after them
        after_colon = self.complete("oci-push", "push", "--compression", "zstd", ":", "",
                                    line="oci-push push --compression zstd:")
        self.assertIn("19", after_colon)
        self.assertNotIn("zstd:19", after_colon)
        after_eq = self.complete("oci-push", "push", "--compression", "=", "zs",
                                 line="oci-push push --compression=zs")
        self.assertIn("zstd", after_eq)
        self.assertEqual(["docker", "oci"], sorted(self.complete("oci-push", "push", "--format", "=", "",
                                                                 line="oci-push push --format=")))

    def test_paths(self):
        files = {"ctx", "image.tar", "Dockerfile", "config.json"}
        self.assertEqual(files, set(self.complete("oci-push", "push", "")))  # SOURCE
        self.assertEqual(["image.tar"], self.complete("oci-push", "push", "im"))
        self.assertEqual([], self.complete("oci-push", "push", "image.tar", ""))  # TARGET: a registry
        self.assertEqual(["ctx"], self.complete("oci-push", "build", ""))  # CONTEXT: directories
        self.assertEqual(["ctx"], self.complete("oci-push", "build", "--file", "Dockerfile", "-t", "r/a", ""))
        self.assertEqual(["Dockerfile"], self.complete("oci-push", "build", "--file", "D"))
        self.assertEqual(["Dockerfile"], self.complete("oci-push", "build", "-f", "D"))
        for opt in ("--digest-file", "--ca-file"):
            self.assertEqual(["config.json"], self.complete("oci-push", "push", opt, "co"))
        self.assertEqual(files, set(self.complete("oci-push", "pull", "r/a:1", "")))  # DEST (or more REFs)
        self.assertEqual(files, set(self.complete("oci-push", "pull", "r/a", ":", "1", "",
                                                  line="oci-push pull r/a:1 ")))  # as bash splits it
        self.assertEqual(files, set(self.complete("oci-push", "verify", "")))
        self.assertEqual(["image.tar"], self.complete("oci-push", "inspect", "--json", "i"))
        self.assertEqual(["get-login-password"], self.complete("oci-push", "ecr", ""))


FAKE = textwrap.dedent('''\
    #!%s
    import subprocess, sys
    p = subprocess.run([%r] + sys.argv[1:], capture_output=True, text=True)
    lines = p.stdout.splitlines(keepends=True)
    if sys.argv[1:] in (["push", "--help"], ["--help"]):
        for i, line in enumerate(lines):
            if line.startswith("  -h, --help ") and line.rstrip().endswith(" Show this help"):
                column = line.index("Show this help")
                lines.insert(i + 1, "      --sbom-file PATH".ljust(column) + "Attach the SBOM in PATH\\n")
                break
    sys.stdout.write("".join(lines))
    sys.stderr.write(p.stderr)
    sys.exit(p.returncode)
''')


class NewOption(unittest.TestCase):
    def test_an_option_added_to_help_needs_no_other_change(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Path(tmp) / "oci-push"
            fake.write_text(FAKE % (PYTHON, os.path.abspath(BINARY)))
            fake.chmod(0o755)
            generate(Path(tmp) / "docs", binary=str(fake))
            page = (Path(tmp) / "docs" / "man" / "oci-push-push.1").read_text()
            self.assertIn((("--sbom-file",), "PATH"), {option_key(t) for t in tp_tags(sections(page)["OPTIONS"])})
            script = (Path(tmp) / "docs" / "completion" / "oci-push.bash").read_text()
            self.assertRegex(script, r"_oci_push_opts_push='[^']*--sbom-file")
            self.assertIn("'push --sbom-file') echo 'file'", script)

    def test_unparsable_help_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Path(tmp) / "oci-push"
            fake.write_text("#!/bin/sh\necho 'nothing useful'\n")
            fake.chmod(0o755)
            p = subprocess.run([PYTHON, str(SCRIPT), "--binary", str(fake), "--out", tmp], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(1, p.returncode)
            self.assertRegex(p.stderr, r"^make_docs\.py: error: ")


if __name__ == "__main__":
    unittest.main()
