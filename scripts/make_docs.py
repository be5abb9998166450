#!/usr/bin/python3
"""Makes oci-push's man pages and bash completion from the binary's own --help output.

One source of truth: the option tables are the ones `oci-push --help` and `oci-push SUB --help` print
(cxxopts tables in src/cli/), parsed here; nothing about options is written twice. The subcommands are
the ones the top-level help lists under "Subcommands:". What --help does not say (environment, files,
examples, exit statuses where a help has no "Exit status:" footer, see-also) is prose kept below as data.

Usage: make_docs.py --binary PATH --out DIR
Writes DIR/man/oci-push.1, DIR/man/oci-push-SUB.1 for each subcommand (stale oci-push*.1 pages there are
removed) and DIR/completion/oci-push.bash. Output is deterministic: the version comes from
`oci-push --version`, the date from SOURCE_DATE_EPOCH (YYYY-MM-DD, UTC) when it is set, else no date.
Exit status 1, with one line on stderr, when the binary fails or its help cannot be parsed.
Standard library only; run with Debian's /usr/bin/python3.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROG = "oci-push"

# ---------------------------------------------------------------------------------------------------------
# Static prose: what --help does not say. Keyed by page ("" is the top-level page oci-push(1)).

REGISTRY_PAGES = {"", "push", "pull", "copy", "build", "login"}  # read stored registry credentials
ECR_PAGES = {"", "push", "pull", "copy", "build", "ecr", "ecr-public"}  # log in to Amazon ECR themselves
TLS_PAGES = REGISTRY_PAGES | ECR_PAGES
DIGEST_CACHE_PAGES = {"", "push", "build"}

# (variable, what it does, the pages that list it), in the order a page lists them.
ENVIRONMENT = [
    ("DOCKER_CONFIG", "Directory of docker's config.json (default ~/.docker): auths, credHelpers, credsStore. "
     "`oci-push login` stores credentials there.", REGISTRY_PAGES),
    ("REGISTRY_AUTH_FILE", "A containers-auth.json file, read for credentials before docker's config.json.",
     REGISTRY_PAGES - {"login"}),
    ("XDG_RUNTIME_DIR", "$XDG_RUNTIME_DIR/containers/auth.json (podman's) is read for credentials after "
     "docker's config.json.", REGISTRY_PAGES - {"login"}),
    ("PATH", "Where the docker-credential-NAME helpers that config.json names (credHelpers, credsStore) are "
     "looked up.", REGISTRY_PAGES),
    ("HOME", "Base of the ~/ paths under FILES.", TLS_PAGES),
    ("XDG_CACHE_HOME", "Base of the caches: $XDG_CACHE_HOME/oci-push (default ~/.cache/oci-push).",
     ECR_PAGES | DIGEST_CACHE_PAGES),
    ("SSL_CERT_FILE", "CA certificates to trust, as --ca-file.", TLS_PAGES),
    ("SOURCE_DATE_EPOCH", "Seconds since 1970: every mtime, the config's created and the history entries "
     "of the layers build writes (0 when unset; not a whole number: an error).", {"", "build"}),
    ("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
     "Static AWS credentials for Amazon ECR, tried first, as the AWS CLI does.", ECR_PAGES),
    ("AWS_PROFILE", "The AWS profile (default: default) in ~/.aws/credentials and ~/.aws/config: static keys, "
     "role_arn with source_profile or credential_source, web_identity_token_file, credential_process, "
     "IAM Identity Center (SSO).", ECR_PAGES),
    ("AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE", "Other places for ~/.aws/credentials and ~/.aws/config.",
     ECR_PAGES),
    ("AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN",
     "Web identity credentials (GitHub Actions OIDC, EKS IRSA), exchanged with STS AssumeRoleWithWebIdentity.",
     ECR_PAGES),
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI, "
     "AWS_CONTAINER_AUTHORIZATION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
     "Container credentials (ECS, EKS Pod Identity).", ECR_PAGES),
    ("AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED",
     "The EC2 instance metadata service (IMDSv2) and whether to ask it (off with true).", ECR_PAGES),
    ("AWS_METADATA_SERVICE_TIMEOUT, AWS_METADATA_SERVICE_NUM_ATTEMPTS",
     "Seconds one metadata request may take (default 1), and tries of the first one (default 1).", ECR_PAGES),
    ("AWS_REGION, AWS_DEFAULT_REGION", "The region when the registry's name does not say it (after "
     "--ecr-region or --region), before the profile's.", ECR_PAGES),
    ("AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO, "
     "AWS_ENDPOINT_URL", "Other endpoints for the AWS APIs (per service, then for all).", ECR_PAGES),
    ("AWS_ECR_DISABLE_CACHE", "true: do not read or write the ECR token cache.", ECR_PAGES),
]

# (path, what it is, the pages that list it).
FILES = [
    ("~/.docker/config.json", "docker's credentials ($DOCKER_CONFIG/config.json when set); login writes "
     "it (mode 0600) unless a credential helper takes the credentials.", REGISTRY_PAGES),
    ("$XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json",
     "podman's credentials, read after docker's.", REGISTRY_PAGES - {"login"}),
    ("~/.aws/config, ~/.aws/credentials", "AWS profiles, as the AWS CLI reads them.", ECR_PAGES),
    ("~/.aws/sso/cache/", "Tokens `aws sso login` cached, used by IAM Identity Center profiles.", ECR_PAGES),
    ("$XDG_CACHE_HOME/oci-push/", "The local digest cache (default ~/.cache/oci-push): layers' compressed "
     "digests and where they were pushed, files already hashed; uploads/ holds big blobs' upload sessions, "
     "continued by the next run. --no-cache turns it off.", DIGEST_CACHE_PAGES),
    ("$XDG_CACHE_HOME/oci-push/ecr-tokens.json", "Cached ECR authorization tokens (mode 0600), reused for "
     "half their 12 hours.", ECR_PAGES),
    ("CONTEXT/Dockerfile, .dockerignore, DOCKERFILE.dockerignore", "The default Dockerfile and the ignore "
     "files of the build context.", {"build"}),
    ("DEST.partial, DEST.partial.done, blobs/sha256/HEX.partial", "A tarball being written and its journal; "
     "a blob being fetched into a layout. The next run continues them.", {"pull"}),
]

# (what it does, command line), taken from README.md.
EXAMPLES = {
    "": [
        ("Push a docker save tarball, with one more tag:",
         "oci-push image.tar registry.example.com/team/app:1.4 -t latest"),
        ("Pull two images into one OCI layout, check it with no registry, push every image back:",
         "oci-push pull 127.0.0.1:5000/team/app:1.0 \\\n  127.0.0.1:5000/team/tool:2 bundle/\n"
         "oci-push verify bundle/\n"
         "oci-push bundle/ registry.internal:5000/mirror --all"),
        ("Copy an image registry to registry:",
         "oci-push copy registry-a:5000/team/app:1.0 registry-b:5000/team/app"),
        ("Build a RUN-less Dockerfile, reproducibly:",
         "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) \\\n  oci-push build -t 127.0.0.1:5000/app:1.4 ."),
    ],
    "push": [
        ("Push a tarball, with one more tag:", "oci-push image.tar registry.example.com/team/app:1.4 -t latest"),
        ("Print a JSON summary:", "oci-push image.tar 127.0.0.1:5000/app:dev --json"),
        ("Push one image of a tarball holding several:",
         "oci-push bundle.tar 127.0.0.1:5000/app:1 --image app:1"),
        ("Log in with a password on standard input:",
         'echo "$PASSWORD" |\n'
         "  oci-push image.tar registry.example.com/app:1 --username ci --password-stdin"),
        ("Push every image of a bundle back, with the same digests:",
         "oci-push bundle/ registry.internal:5000/mirror --all"),
        ("Push to Amazon ECR, creating the repository:",
         "oci-push image.tar 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.4 \\\n"
         "  --create-repository"),
    ],
    "pull": [
        ("Pull two images (every platform) into one OCI layout, blobs once:",
         "oci-push pull 127.0.0.1:5000/team/app:1.0 \\\n  127.0.0.1:5000/team/tool:2 bundle/"),
        ("On the far side of an air gap: check the bundle, then push every image back:",
         "oci-push verify bundle/\noci-push bundle/ registry.internal:5000/mirror --all"),
    ],
    "copy": [
        ("Copy an image registry to registry, byte for byte:",
         "oci-push copy registry-a:5000/team/app:1.0 registry-b:5000/team/app"),
    ],
    "build": [
        ("Build a RUN-less Dockerfile and push it, with mtimes from the last commit:",
         "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) \\\n  oci-push build -t 127.0.0.1:5000/app:1.4 ."),
        ("The same engine by flags (each --add is one layer):",
         "oci-push build --from 127.0.0.1:5000/base:1 \\\n"
         "  --add dist:/opt/app --chown 10:20 --entrypoint '[\"/opt/app/run\"]' \\\n"
         "  --env MODE=prod -t 127.0.0.1:5000/app:1.4 ."),
    ],
    "verify": [
        ("Check a bundle pulled on the other side of an air gap, with no registry:", "oci-push verify bundle/"),
    ],
    "inspect": [
        ("List the images, platforms and layers of a tarball:", "oci-push inspect image.tar"),
        ("The same as JSON:", "oci-push inspect --json bundle/"),
    ],
    "login": [
        ("Check a token and store it as docker login does:",
         'echo "$TOKEN" | oci-push login ghcr.io --username ci-bot --password-stdin'),
    ],
    "ecr": [
        ("Log docker in to Amazon ECR:",
         "oci-push ecr get-login-password --region eu-west-1 |\n"
         "  docker login --username AWS --password-stdin \\\n"
         "  123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
    ],
    "ecr-public": [
        ("Log docker in to ECR Public:",
         "oci-push ecr-public get-login-password |\n"
         "  docker login --username AWS --password-stdin public.ecr.aws"),
    ],
}

# More description for the pages whose --help has no prose after the option table (from README.md).
EXTRA_DESCRIPTION = {
    "": [
        "The subcommands are listed below, each with its own page. A first word that is not a subcommand is "
        "push's SOURCE when it is an existing path or holds `/`, `.` or `:` (the bare form is short for "
        "`oci-push push`); any other plain word is an unknown subcommand (exit status 2), as is an unknown "
        "option. `oci-push help SUBCOMMAND` is `oci-push SUBCOMMAND --help`.",
        "The connection options (credentials, ECR, TLS, --plain-http, retries, timeouts) are one table "
        "that the subcommands which talk to a registry share.",
    ],
    "inspect": [
        "Lists what a local source holds (images, names, platforms, config, layers with digest, size, media "
        "type and compression) without contacting any registry. SOURCE is what push reads: a docker save "
        "tarball, an OCI layout directory, an oci-archive, or one of them forced with a transport prefix.",
    ],
    "login": [
        "Checks the credentials against the registry, then stores them in the credential helper config.json "
        "names, else in config.json (mode 0600), as `docker login` does.",
    ],
    "ecr": [
        "The password is that of GetAuthorizationToken, signed with the AWS credentials the AWS CLI would "
        "use (see ENVIRONMENT and FILES), in the region --region names, else AWS_REGION, AWS_DEFAULT_REGION, "
        "the profile's. The user name is AWS. push, pull, copy and build need none of this: they log in to "
        "ECR themselves.",
    ],
    "ecr-public": [
        "The password is that of ECR Public's GetAuthorizationToken (in us-east-1), signed with the AWS "
        "credentials the AWS CLI would use (see ENVIRONMENT and FILES). The user name is AWS. push, pull, "
        "copy and build need none of this: they log in to ECR Public themselves.",
    ],
}

# Exit statuses for the pages whose --help states none (src/main.cpp: 1 any error, 2 a usage error,
# 130 SIGINT/SIGTERM during a transfer). A help's "Exit status:" footer wins over this.
DEFAULT_EXIT = [("0", "success"), ("1", "failure"), ("2", "usage error"), ("130", "interrupted")]
EXIT_BY_PAGE = {"inspect": DEFAULT_EXIT[:3]}
EXIT_DETAIL = {
    "1": "One line `oci-push: error: ...` on stderr says what failed and where.",
    "2": "For instance an unknown option or subcommand, or a malformed reference.",
    "130": "By SIGINT or SIGTERM; transfers in flight are aborted.",
}

SEE_ALSO_EXTRA = {
    "": ["docker-login(1)", "skopeo(1)"],
    "push": ["docker-save(1)", "skopeo-copy(1)"],
    "pull": ["skopeo-copy(1)", "docker-load(1)"],
    "copy": ["skopeo-copy(1)"],
    "login": ["docker-login(1)"],
    "ecr": ["aws(1)", "docker-login(1)"],
    "ecr-public": ["aws(1)", "docker-login(1)"],
}
SEE_ALSO_SUBS = {
    "push": ["pull", "build", "inspect", "login"], "pull": ["push", "verify", "copy"],
    "copy": ["pull", "push"], "build": ["push"], "verify": ["pull", "push"], "inspect": ["push", "verify"],
    "login": ["push", "ecr"], "ecr": ["ecr-public", "login"], "ecr-public": ["ecr", "login"],
}

# Completion of option arguments and operands, by the argument name --help prints (--file DOCKERFILE,
# --digest-file PATH, SOURCE...). An option whose description lists its values ("Manifest format: docker
# or oci", "gzip[:0-3] ..., zstd[:1-19], none") completes those values instead.
FILE_ARGS = {"PATH", "FILE", "DOCKERFILE", "LIST", "OLD-BUNDLE", "DEST", "BASE", "SOURCE", "BUNDLE"}
DIR_ARGS = {"CONTEXT", "DIR"}
NO_COMPLETION_OPTIONS = {"--volume", "--workdir"}  # paths inside the image, not here
PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm64/v8", "linux/arm/v7", "linux/arm/v6", "linux/386",
             "linux/ppc64le", "linux/s390x", "linux/riscv64", "windows/amd64"]


class HelpError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------
# Parsing --help.

@dataclass
class Option:
    shorts: list
    longs: list
    arg: str
    desc: str

    def words(self):
        return self.shorts + self.longs


@dataclass
class Help:
    summary: str = ""
    usage: list = field(default_factory=list)
    groups: list = field(default_factory=list)  # [(title or "", [Option])]
    footer: list = field(default_factory=list)  # lines after the option tables
    subcommands: list = field(default_factory=list)  # top level: [(name, synopsis, summary)]
    embedded: tuple = None  # top level: (subcommand name, Help) it prints after its own options

    def options(self):
        return [o for _, opts in self.groups for o in opts]


OPTION_LINE_RE = re.compile(r"^ {1,7}-")
SPEC_RE = re.compile(r"^(?:(-[A-Za-z0-9])(?:, |$| ))?(--[A-Za-z0-9][\w-]*)?(?:[ =](\S.*))?$")
GROUP_RE = re.compile(r"^ *([A-Z][\w -]*):$")
GAP_RE = re.compile(r" {2,}")


def parse_spec(spec, line):
    m = SPEC_RE.match(spec)
    if not m or not (m.group(1) or m.group(2)):
        raise HelpError("cannot parse the option line: " + line.strip())
    return Option([m.group(1)] if m.group(1) else [], [m.group(2)] if m.group(2) else [],
                  (m.group(3) or "").strip(), "")


def parse_option_tables(lines, i):
    """Reads option tables from lines[i]; returns (groups, index of the first line after them)."""
    groups = [("", [])]
    last = None
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if OPTION_LINE_RE.match(line):
            spec, desc = _split_spec(line.strip())
            last = parse_spec(spec, line)
            last.desc = desc
            groups[-1][1].append(last)
        elif line.startswith(" " * 8) and last is not None:
            last.desc = (last.desc + " " + line.strip()).strip()
        elif GROUP_RE.match(line) and line.startswith(" "):
            groups.append((GROUP_RE.match(line).group(1).strip(), []))
            last = None
        elif not line.startswith(" "):
            break
        else:
            raise HelpError("cannot parse the help line: " + line.strip())
        i += 1
    return [g for g in groups if g[1]], i


def _split_spec(text):
    parts = GAP_RE.split(text, 1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def parse_usage(lines, i):
    usage = []
    while i < len(lines) and lines[i].startswith(" ") and lines[i].strip():
        usage.append(GAP_RE.split(lines[i].strip(), 1)[0])
        i += 1
    return usage, i


def parse_sub_help(text):
    lines = [ln.rstrip() for ln in text.splitlines()]
    h = Help()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        raise HelpError("empty help")
    h.summary = lines[i].strip()
    i += 1
    while i < len(lines) and lines[i].strip() != "Usage:":
        i += 1
    if i >= len(lines):
        raise HelpError("no Usage: line in the help")
    h.usage, i = parse_usage(lines, i + 1)
    h.groups, i = parse_option_tables(lines, i)
    if not h.groups:
        raise HelpError("no option table in the help")
    h.footer = lines[i:]
    while h.footer and not h.footer[-1].strip():
        h.footer.pop()
    return h


EMBEDDED_RE = re.compile(r"^The (\S+) subcommand \(.*--help\):$")


def parse_top_help(text):
    lines = [ln.rstrip() for ln in text.splitlines()]
    h = Help()
    h.summary = re.sub(r"^%s:\s*" % re.escape(PROG), "", lines[0].strip())
    i = 1
    while i < len(lines):
        line = lines[i]
        if line == "Usage:":
            h.usage, i = parse_usage(lines, i + 1)
            continue
        if line == "Subcommands:":
            i += 1
            while i < len(lines) and lines[i].startswith(" ") and lines[i].strip():
                parts = GAP_RE.split(lines[i].strip(), 1)
                if len(parts) != 2:
                    raise HelpError("cannot parse the subcommand line: " + lines[i].strip())
                h.subcommands.append((parts[0].split()[0], parts[0], parts[1]))
                i += 1
            continue
        m = GROUP_RE.match(line)
        if m and not line.startswith(" "):
            groups, i = parse_option_tables(lines, i + 1)
            h.groups.append((m.group(1), [o for _, opts in groups for o in opts]))
            continue
        m = EMBEDDED_RE.match(line)
        if m:
            h.embedded = (m.group(1), parse_sub_help("\n".join(lines[i + 1:])))
            break
        i += 1
    if not h.subcommands:
        raise HelpError("no Subcommands: list in the top-level help")
    return h


OPERAND_RE = re.compile(r"^([A-Z][A-Z0-9_-]*)( {2,})(\S.*)$")
SECOND_OPERAND_RE = re.compile(r"(?<=\.) ([A-Z][A-Z0-9_-]*) {2,}(?=\S)")
LABEL_RE = re.compile(r"^(?:[A-Z][a-z]+(?: [A-Za-z]+)?|--[a-z][\w-]*(?: [A-Z]+)?):\s")
EXIT_RE = re.compile(r"\bExit status:\s*(.*)$")


def parse_footer(lines):
    """The prose after the option tables: [("operand", NAME, text) | ("para", "", text)], exit codes."""
    blocks = []
    for line in lines:
        if not line.strip():
            blocks.append(None)
            continue
        current = blocks[-1] if blocks else None
        m = OPERAND_RE.match(line)
        if m:  # "SRC    text. DST  text": two operands on one line
            name, text, pos = m.group(1), m.group(3), 0
            for later in SECOND_OPERAND_RE.finditer(text):
                blocks.append(["operand", name, text[pos: later.start()].strip()])
                name, pos = later.group(1), later.end()
            blocks.append(["operand", name, text[pos:]])
        elif line.startswith(" ") and current:
            current[2] += " " + line.strip()
        elif current and current[0] == "para" and not LABEL_RE.match(line):
            current[2] += " " + line.strip()
        else:
            blocks.append(["para", "", line.strip()])
    blocks = [b for b in blocks if b]
    codes = []
    for b in blocks:
        m = EXIT_RE.search(b[2])
        if m:
            codes = parse_exit_codes(m.group(1))
            b[2] = b[2][: m.start()].strip()
    return [tuple(b) for b in blocks if b[2]], codes


def parse_exit_codes(text):
    codes = []
    for item in re.split(r"[,;]\s+(?=\d+\s)", text.strip().rstrip(".")):
        m = re.match(r"^(\d+)\s+(.*)$", item.strip())
        if not m:
            raise HelpError("cannot parse the exit status: " + text)
        codes.append((m.group(1), m.group(2).strip()))
    return codes


def run_binary(binary, *args):
    env = dict(os.environ, LC_ALL="C")
    try:
        p = subprocess.run([binary, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                           timeout=60)
    except OSError as e:
        raise HelpError("cannot run %s: %s" % (binary, e))
    if p.returncode != 0:
        raise HelpError("%s %s exited %d: %s" % (binary, " ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


# ---------------------------------------------------------------------------------------------------------
# roff.

def esc(text):
    """Text escaped for roff (a backslash, a minus), not yet at the start of a line."""
    return text.replace("\\", "\\e").replace("-", "\\-")


INLINE_OPT_RE = re.compile(r"(?<![\w/$.-])(--[a-z][\w-]*|-[a-zA-Z](?![\w-]))")


def inline(text):
    """Prose: `code` and --options in bold, the rest escaped."""
    out = []
    for n, part in enumerate(text.split("`")):
        if n % 2:
            out.append("\\fB\\%" + esc(part) + "\\fR")
        else:
            pieces = INLINE_OPT_RE.split(part)
            out.append("".join(("\\fB\\%" + esc(p) + "\\fR") if k % 2 else esc(p) for k, p in enumerate(pieces)))
    return "".join(out)


def line(text, keep_indent=False):
    """A text line: one starting with a control character (or, filled, a space) would not be text."""
    text = text.rstrip() if keep_indent else text.strip()
    return "\\&" + text if text[:1] in (".", "'") else text


SYN_TOKEN_RE = re.compile(r"(--?[a-z][\w-]*|[a-z][\w-]*|[A-Z][A-Z0-9_/-]*)")


def synopsis(text):
    out = []
    for k, tok in enumerate(SYN_TOKEN_RE.split(text)):
        if not tok:
            continue
        if k % 2 == 0:
            out.append(esc(tok))
        elif tok[0].isupper():
            out.append("\\fI" + esc(tok) + "\\fR")
        else:
            out.append("\\fB" + esc(tok) + "\\fR")
    return "".join(out)


def option_tag(o):
    tag = ", ".join("\\fB" + esc(w) + "\\fR" for w in o.words())
    return tag + (" \\fI" + esc(o.arg) + "\\fR" if o.arg else "")


def page_name(sub):
    return PROG if not sub else "%s-%s" % (PROG, sub)


def ref(sub):
    return "\\fB\\%" + esc(page_name(sub)) + "\\fR(1)"


def other_ref(page):
    name, section = page.rstrip(")").split("(")
    return "\\fB\\%" + esc(name) + "\\fR(" + section + ")"


class Page:
    def __init__(self, sub, version, date):
        self.out = ['.\\" Generated by scripts/make_docs.py from `%s --help`; do not edit.' % PROG,
                    '.TH "%s" 1 "%s" "%s %s" "oci-push manual"' % (page_name(sub).upper(), date, PROG, version),
                    ".nh", ".ad l"]

    def sh(self, title):
        self.out.append('.SH "%s"' % title)

    def ss(self, title):
        self.out.append('.SS "%s"' % esc(title))

    def para(self, roff_text):
        self.out += [".PP", line(roff_text)]

    def tp(self, tag, body):
        self.out += [".TP", line(tag)]
        if body:
            self.out.append(line(body))

    def example(self, text):
        self.out += [".PP", ".RS 4", ".EX"]
        self.out += [line(esc(ln), True) if ln.strip() else "\\&" for ln in text.splitlines()]
        self.out += [".EE", ".RE"]

    def text(self):
        return "\n".join(self.out) + "\n"


def cap(text):
    return text[:1].upper() + text[1:]


def add_options(page, groups):
    for title, opts in groups:
        if title:
            page.ss(title)
        for o in opts:
            if not o.desc:
                print("make_docs.py: warning: %s has no description" % " ".join(o.words()), file=sys.stderr)
            page.tp(option_tag(o), inline(o.desc))


def add_common(page, sub):
    page.sh("ENVIRONMENT")
    envs = [(v, d) for v, d, pages in ENVIRONMENT if sub in pages]
    if not envs:
        page.para("None: %s reads only the files it is given." % esc("%s %s" % (PROG, sub)))
    for var, desc in envs:
        page.tp(", ".join("\\fB" + esc(v) + "\\fR" for v in var.split(", ")), inline(desc))
    files = [(p, d) for p, d, pages in FILES if sub in pages]
    if files:
        page.sh("FILES")
        for path, desc in files:
            page.tp(", ".join("\\fI" + esc(p) + "\\fR" for p in path.split(", ")), inline(desc))
    if EXAMPLES.get(sub):
        page.sh("EXAMPLES")
        for what, cmd in EXAMPLES[sub]:
            page.para(inline(what))
            page.example(cmd)


def add_exit_status(page, codes):
    page.sh("EXIT STATUS")
    for code, meaning in codes:
        detail = EXIT_DETAIL.get(code, "") if code != "0" else ""
        page.tp("\\fB%s\\fR" % code, inline(cap(meaning) + "." + (" " + detail if detail else "")))


def see_also(page, refs):
    page.sh("SEE ALSO")
    page.out.append(line(",\n".join(refs)))


def name_and_synopsis(page, name, summary, usage):
    """NAME ("oci-push-build \\- ...") and SYNOPSIS (each usage line of --help), as every page begins."""
    page.sh("NAME")
    page.out.append(line("%s \\- %s" % (esc(name), esc(summary))))
    page.sh("SYNOPSIS")
    for n, u in enumerate(usage):
        if n:
            page.out.append(".br")
        page.out.append(line(synopsis(u)))


def sub_page(sub, synopsis_line, summary, h, version, date, all_subs):
    page = Page(sub, version, date)
    name_and_synopsis(page, page_name(sub), summary[:1].lower() + summary[1:] if summary[1:2].islower() else summary,
                      h.usage)
    page.sh("DESCRIPTION")
    page.para(inline(h.summary))
    blocks, codes = parse_footer(h.footer)
    for text in EXTRA_DESCRIPTION.get(sub, []):
        page.para(inline(text))
    for kind, name, text in blocks:
        if kind == "operand":
            page.tp("\\fI" + esc(name) + "\\fR", inline(text))
        else:
            page.para(inline(text))
    page.sh("OPTIONS")
    add_options(page, h.groups)
    add_exit_status(page, codes or EXIT_BY_PAGE.get(sub, DEFAULT_EXIT))
    add_common(page, sub)
    subs = [s for s in SEE_ALSO_SUBS.get(sub, []) if s in all_subs and s != sub]
    see_also(page, [ref("")] + [ref(s) for s in subs] + [other_ref(p) for p in SEE_ALSO_EXTRA.get(sub, [])])
    return page.text()


def top_page(top, version, date):
    page = Page("", version, date)
    name_and_synopsis(page, PROG, top.summary.rstrip("."), top.usage)
    page.sh("DESCRIPTION")
    page.para(inline(cap(top.summary)))
    for text in EXTRA_DESCRIPTION[""]:
        page.para(inline(text))
    page.sh("SUBCOMMANDS")
    for name, syn, summary in top.subcommands:
        page.tp(synopsis(syn), inline(summary) + "; see " + ref(name) + ".")
    page.sh("OPTIONS")
    add_options(page, [(t, o) for t, o in top.groups])
    if top.embedded:
        name, push = top.embedded
        titled = [("Options of %s (%s %s, or the bare form)" % (name, PROG, name) if not t else
                   "%s (%s)" % (t, name), o) for t, o in push.groups]
        add_options(page, titled)
        page.para("As in " + ref(name) + ".")
    add_exit_status(page, EXIT_BY_PAGE.get("", DEFAULT_EXIT))
    add_common(page, "")
    see_also(page, [ref(s) for s, _, _ in top.subcommands] + [other_ref(p) for p in SEE_ALSO_EXTRA[""]])
    return page.text()


# ---------------------------------------------------------------------------------------------------------
# bash completion.

def enum_values(desc):
    """Values an option's description lists ("...: a, b or c", "x[:1-3]"), or None."""
    text = re.sub(r"\([^()]*\)", "", desc)
    if ": " not in text:
        return None
    items = [s.strip() for s in re.split(r",|\bor\b", text.split(": ", 1)[1].strip().rstrip("."))]
    values = []
    for item in items:
        m = re.match(r"^([a-z][a-z0-9]*)(?:\[:(\d+)-(\d+)\])?$", item)
        if not m:
            return None
        values.append(m.group(1))
        if m.group(2):
            values += ["%s:%d" % (m.group(1), n) for n in range(int(m.group(2)), int(m.group(3)) + 1)]
    return values if len(values) >= 2 else None


def arg_kind(o):
    """How an option's argument completes: "file", "dir", "words:V1 V2...", or None."""
    if not o.arg or set(o.longs) & NO_COMPLETION_OPTIONS:
        return None
    values = enum_values(o.desc)
    if values:
        return "words:" + " ".join(values)
    if o.arg.startswith("OS/ARCH"):
        return "words:" + " ".join(PLATFORMS)
    if o.arg in FILE_ARGS:
        return "file"
    if o.arg in DIR_ARGS:
        return "dir"
    return None


def operand_kinds(synopsis_line):
    """Completion of each operand of `name OPERANDS`, and whether the last one repeats."""
    kinds = []
    words = synopsis_line.split()[1:]
    repeat_at = None
    for w in words:
        name = w.strip("[]").rstrip(".")
        if w.endswith("...") or w.endswith("...]"):
            repeat_at = len(kinds)
        if name in FILE_ARGS:
            kinds.append("file")
        elif name in DIR_ARGS:
            kinds.append("dir")
        elif re.match(r"^[a-z][\w-]*$", name):
            kinds.append("words:" + name)
        else:
            kinds.append("")
    if repeat_at is not None:  # REF... DEST: after the first REF, any word may be DEST
        tail = kinds[repeat_at:]
        merged = "file" if "file" in tail else ("dir" if "dir" in tail else tail[-1])
        kinds = kinds[:repeat_at + 1] + [merged]
        return kinds, True
    return kinds, False


def bash_ident(sub):
    return sub.replace("-", "_")


COMPLETION_BODY = r'''
# Words bash split at COMP_WORDBREAKS (":", "=") glued back into the words the shell will see, using
# COMP_LINE to tell which pieces touched; sets _oci_push_w (words up to the cursor) and _oci_push_c.
_oci_push_words() {
    local i w pos=0 start spaced line=${COMP_LINE-} point=${COMP_POINT-}
    _oci_push_w=() _oci_push_c=-1
    [[ -n $point ]] || point=${#line}
    for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        spaced=1
        if [[ -n $line ]]; then
            start=$pos
            while ((pos < ${#line})) && [[ ${line:pos:1} == [[:space:]] ]]; do ((pos++)); done
            ((pos == start && i > 0)) && spaced=0
            ((i == COMP_CWORD && point >= pos && point - pos < ${#w})) && w=${w:0:point-pos}
            ((pos += ${#w}))
        fi
        if ((spaced || _oci_push_c < 0)); then
            _oci_push_w[++_oci_push_c]=$w
        else
            _oci_push_w[_oci_push_c]+=$w
        fi
    done
    ((i <= COMP_CWORD)) && _oci_push_w[++_oci_push_c]=""
}

# Adds to COMPREPLY what completes $2 for a kind: file, dir, words:V1 V2 ...
_oci_push_complete_kind() {
    local kind=$1 cur=$2 IFS=$' \t\n'
    case $kind in
        file) compopt -o filenames 2>/dev/null; IFS=$'\n'; COMPREPLY+=($(compgen -f -- "$cur")) ;;
        dir) compopt -o filenames 2>/dev/null; IFS=$'\n'; COMPREPLY+=($(compgen -d -- "$cur")) ;;
        words:*) COMPREPLY+=($(compgen -W "${kind#words:}" -- "$cur")) ;;
    esac
}

_oci_push() {
    local cur prev sub first=2 i w n kind opts argopts prefix=
    COMPREPLY=()
    _oci_push_words
    local -a words=("${_oci_push_w[@]}")
    local cword=$_oci_push_c
    cur=${words[cword]}
    prev=${words[cword-1]}
    if ((cword == 1)); then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$_oci_push_global_opts $_oci_push_opts_push" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_oci_push_subcommands help" -- "$cur"))
            _oci_push_complete_kind file "$cur"  # the bare form: oci-push SOURCE [TARGET]
        fi
        _oci_push_trim "$cur"
        return 0
    fi
    sub=${words[1]}
    if [[ $sub == help ]]; then
        ((cword == 2)) && COMPREPLY=($(compgen -W "$_oci_push_subcommands" -- "$cur"))
        return 0
    fi
    if [[ " $_oci_push_subcommands " != *" $sub "* ]]; then
        sub=push first=1
    fi
    w=_oci_push_opts_${sub//-/_};    opts=${!w}
    w=_oci_push_argopts_${sub//-/_}; argopts=${!w}
    if [[ $cur == --*=* ]]; then
        prefix=${cur%%=*}=
        kind=$(_oci_push_arg_kind "$sub" "${cur%%=*}")
        _oci_push_complete_kind "$kind" "${cur#*=}"
        COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
        _oci_push_trim "$cur"
        return 0
    fi
    if ((cword > first)) && [[ " $argopts " == *" $prev "* ]]; then
        _oci_push_complete_kind "$(_oci_push_arg_kind "$sub" "$prev")" "$cur"
        _oci_push_trim "$cur"
        return 0
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return 0
    fi
    # An operand: count the operands before it, skipping options and their arguments.
    n=0
    for ((i = first; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -* ]]; then
            [[ $w != *=* && " $argopts " == *" $w "* ]] && ((i++))
        else
            ((n++))
        fi
    done
    kind=$(_oci_push_operand_kind "$sub" "$n")
    _oci_push_complete_kind "$kind" "$cur"
    _oci_push_trim "$cur"
    return 0
}

# What bash replaces is only the part of the word after its last ":" or "=" (COMP_WORDBREAKS): drop
# that much from each candidate, as bash-completion's __ltrim_colon_completions does.
_oci_push_trim() {
    local cur=$1 strip= i pat=
    [[ ${COMP_WORDBREAKS-} == *:* ]] && pat+=:
    [[ ${COMP_WORDBREAKS-} == *=* ]] && pat+==
    [[ -n $pat ]] || return 0
    case $cur in
        *[$pat]*) strip=${cur%"${cur##*[$pat]}"} ;;
    esac
    [[ -n $strip ]] || return 0
    for i in "${!COMPREPLY[@]}"; do
        COMPREPLY[i]=${COMPREPLY[i]#"$strip"}
    done
}

complete -F _oci_push oci-push
'''


def completion_script(top, subs, version):
    out = ["# bash completion for %s %s" % (PROG, version),
           "# Generated by scripts/make_docs.py from `%s --help` and `%s SUB --help`; do not edit." % (PROG, PROG),
           "# Source it, or install it as /usr/share/bash-completion/completions/%s." % PROG, ""]
    out.append("_oci_push_subcommands='%s'" % " ".join(s for s, _, _ in top.subcommands))
    out.append("_oci_push_global_opts='%s'" % " ".join(w for o in top.options() for w in o.words()))
    arg_cases, operand_cases = [], []
    for name, syn, _ in top.subcommands:
        h = subs[name]
        ident = bash_ident(name)
        out.append("_oci_push_opts_%s='%s'" % (ident, " ".join(w for o in h.options() for w in o.words())))
        out.append("_oci_push_argopts_%s='%s'" % (ident, " ".join(w for o in h.options() if o.arg
                                                                  for w in o.words())))
        for o in h.options():
            kind = arg_kind(o)
            if kind:
                pattern = "|".join("'%s %s'" % (name, w) for w in o.words())
                arg_cases.append("        %s) echo '%s' ;;" % (pattern, kind))
        kinds, repeats = operand_kinds(syn)
        operand_cases.append("        %s) k=(%s) r=%d ;;" % (name, " ".join("'%s'" % k for k in kinds),
                                                              int(repeats)))
    out += ["", "# How the argument of option $2 of subcommand $1 completes (from the argument names and the",
            "# values the descriptions list): file, dir, words:V1 V2 ..., or nothing.",
            "_oci_push_arg_kind() {", '    case "$1 $2" in'] + arg_cases + ["    esac", "}", ""]
    out += ["# How operand $2 (from 0) of subcommand $1 completes; r=1: the last kind goes on for ever.",
            "_oci_push_operand_kind() {", "    local -a k=()", "    local r=0", '    case $1 in'] + operand_cases
    out += ["    esac",
            '    if (($2 < ${#k[@]})); then echo "${k[$2]}"; elif ((r && ${#k[@]})); then echo "${k[-1]}"; fi',
            "}"]
    return "\n".join(out) + "\n" + COMPLETION_BODY


# ---------------------------------------------------------------------------------------------------------

def th_date():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or epoch == "":
        return ""
    if not epoch.isdigit():
        raise HelpError("SOURCE_DATE_EPOCH=%s: not a whole number of seconds since 1970" % epoch)
    return time.strftime("%Y-%m-%d", time.gmtime(int(epoch)))


def generate(binary, out_dir):
    version_line = run_binary(binary, "--version").strip()
    version = version_line.split()[-1] if version_line else ""
    date = th_date()
    top = parse_top_help(run_binary(binary, "--help"))
    subs = {name: parse_sub_help(run_binary(binary, name, "--help")) for name, _, _ in top.subcommands}
    names = [n for n, _, _ in top.subcommands]
    pages = {PROG + ".1": top_page(top, version, date)}
    for name, syn, summary in top.subcommands:
        pages[page_name(name) + ".1"] = sub_page(name, syn, summary, subs[name], version, date, names)
    man_dir = Path(out_dir) / "man"
    comp_dir = Path(out_dir) / "completion"
    man_dir.mkdir(parents=True, exist_ok=True)
    comp_dir.mkdir(parents=True, exist_ok=True)
    for stale in man_dir.glob(PROG + "*.1"):
        if stale.name not in pages:
            stale.unlink()
    written = []
    for fname, text in pages.items():
        _write(man_dir / fname, text)
        written.append(man_dir / fname)
    _write(comp_dir / (PROG + ".bash"), completion_script(top, subs, version))
    written.append(comp_dir / (PROG + ".bash"))
    return written


def _write(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True, help="the oci-push binary whose --help is read")
    ap.add_argument("--out", required=True, help="output directory (man/ and completion/ are made in it)")
    args = ap.parse_args(argv)
    try:
        generate(args.binary, args.out)
    except HelpError as e:
        print("make_docs.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
