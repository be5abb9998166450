"""docs/ci.md's CI recipes, run as they are written (issue 14: "CI recipes that cannot rot").

Every ```sh block of docs/ci.md whose first line is `# recipe: NAME` is extracted and run with
`bash -euo pipefail` in a fresh workspace, with the oci-push under test first on PATH, against a real
registry (htpasswd user AWS, as ECR's) and the strict AWS stand-in (harness/aws_standin.py), with the
variables the CI platform would set. Each test then checks what its recipe promises: exit 0, the image and
its tags in the registry (skopeo), the credential path the stand-in saw, the digest the recipe hands on
equal to the registry's, and no secret in the recipe's output or in the files it leaves in the workspace.

OCI_PUSH_CI_DOC=PATH runs the recipes of another file (to show that a broken recipe fails these tests).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse
from dataclasses import dataclass

from harness import cli, fixtures, json_schemas, verify
from harness.aws_standin import AwsStandIn
from harness.base import IntegrationTestCase
from harness.loopback_http import LoopbackServer, send

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOC = os.environ.get("OCI_PUSH_CI_DOC") or os.path.join(REPO_ROOT, "docs", "ci.md")
RECIPES = ("github-actions", "gitlab", "codebuild", "shell")

PASSWORD = "ecr-registry-password-for-ci-recipes-0123456789"
CREDS = ("AWS", PASSWORD)
ACCOUNT = "123456789012"
REGION = "eu-west-1"
REPOSITORY = "team/app"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-push"
STATIC_KEY, STATIC_SECRET = "AKIDSTANDINCIRECIPE1", "ci/recipe/secret/key/0123456789abcdefghij"
OIDC_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiJ9.c2lnbmF0dXJl"
OIDC_REQUEST_TOKEN = "gha-id-token-request-token-7f3a9c"
CONTAINER_TOKEN = "codebuild-container-authorization-token-51c2"
COMMIT_TIME = 1700000000
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")


# --------------------------------------------------------------------------- the doc


@dataclass
class Block:
    info: str     # the fence's info string: "sh", "yaml", ...
    body: str
    line: int     # 1-based line of the opening fence
    section: str  # the "## " heading it is under


@dataclass
class Recipe:
    name: str
    script: str   # the block's text, run as it is
    saved_as: str  # the path the CI config calls it by
    line: int
    config: Block  # the CI config (```yaml) the recipe's section shows before it


class RecipeError(AssertionError):
    pass


def fenced_blocks(text: str) -> list[Block]:
    blocks, section, open_at, info, body = [], "", None, "", []
    for n, line in enumerate(text.splitlines(), 1):
        if open_at is None:
            if line.startswith("## "):
                section = line[3:].strip()
            m = re.match(r"^```(\S*)\s*$", line)
            if m:
                open_at, info, body = n, m.group(1), []
        elif line.rstrip() == "```":
            blocks.append(Block(info, "\n".join(body) + "\n", open_at, section))
            open_at = None
        else:
            body.append(line)
    if open_at is not None:
        raise RecipeError(f"line {open_at}: fenced block never closed")
    return blocks


def extract_recipes(text: str) -> dict[str, Recipe]:
    """The tagged blocks, by name; RecipeError when one of RECIPES is missing, a name is tagged twice
    or unknown, a tag is on a block that is not ```sh, a recipe does not say where it is saved, or its
    section's CI config does not call it by that path."""
    blocks = fenced_blocks(text)
    recipes: dict[str, Recipe] = {}
    for i, b in enumerate(blocks):
        first = b.body.split("\n", 1)[0]
        m = re.fullmatch(r"# recipe: (\S+)\s*", first)
        if not m:
            if "# recipe:" in b.body:
                raise RecipeError(f"line {b.line}: '# recipe:' must be the block's first line")
            continue
        name = m.group(1)
        if b.info not in ("sh", "bash"):
            raise RecipeError(f"line {b.line}: recipe {name} is in a ```{b.info} block, not ```sh")
        if name in recipes:
            raise RecipeError(f"recipe {name} is tagged twice: lines {recipes[name].line} and {b.line}")
        if name not in RECIPES:
            raise RecipeError(f"line {b.line}: unknown recipe {name} (the test runs {', '.join(RECIPES)})")
        saved = re.search(r"^# saved as (\S+)\s*$", b.body, re.M)
        if not saved:
            raise RecipeError(f"line {b.line}: recipe {name} has no '# saved as PATH' line")
        configs = [c for c in blocks[:i] if c.info == "yaml" and c.section == b.section]
        if not configs:
            raise RecipeError(f"line {b.line}: recipe {name} has no ```yaml CI config in its section")
        if saved.group(1) not in configs[-1].body:
            raise RecipeError(f"line {configs[-1].line}: the CI config of recipe {name} does not run "
                              f"{saved.group(1)}")
        recipes[name] = Recipe(name, b.body, saved.group(1), b.line, configs[-1])
    missing = [n for n in RECIPES if n not in recipes]
    if missing:
        raise RecipeError(f"{DOC}: no recipe tagged {', '.join(missing)}")
    return recipes


def load_recipes() -> dict[str, Recipe]:
    with open(DOC, encoding="utf-8") as f:
        return extract_recipes(f.read())


class RecipeDocTest(unittest.TestCase):
    """The doc holds the four recipes, once each, each called by its CI config."""

    def test_every_recipe_is_tagged_once(self):
        recipes = load_recipes()
        self.assertEqual(sorted(recipes), sorted(RECIPES))
        for r in recipes.values():
            self.assertIn("set -euo pipefail", r.script, r.name)
            self.assertIn("oci-push ", r.script, r.name)

    def test_the_extractor_refuses_missing_duplicate_and_misplaced_tags(self):
        with open(DOC, encoding="utf-8") as f:
            text = f.read()
        cases = {
            "missing": text.replace("# recipe: codebuild\n", "# codebuild\n"),
            "twice": text.replace("# recipe: gitlab\n", "# recipe: shell\n"),
            "unknown": text.replace("# recipe: shell\n", "# recipe: jenkins\n"),
            "not first": text.replace("# recipe: shell\n", "#\n# recipe: shell\n"),
            "not sh": text.replace("```sh\n# recipe: shell\n", "```text\n# recipe: shell\n"),
            "config does not call it": text.replace("bash ci/codebuild-push.sh", "bash ci/other.sh"),
        }
        for what, broken in cases.items():
            self.assertNotEqual(broken, text, f"{what}: the doc changed, this case tests nothing")
            with self.subTest(what), self.assertRaises(RecipeError):
                extract_recipes(broken)

    def test_recipes_pass_shellcheck(self):
        if not shutil.which("shellcheck"):
            self.fail("shellcheck is not installed (scripts/setup.sh installs it)")
        for r in load_recipes().values():
            with self.subTest(r.name), tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, os.path.basename(r.saved_as))
                with open(path, "w") as f:
                    f.write(r.script)
                p = subprocess.run(["shellcheck", "--shell=bash", path], capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, f"{DOC} line {r.line}: recipe {r.name}:\n{p.stdout}")

    def test_ci_configs_are_yaml(self):
        try:
            import yaml
        except ImportError:
            self.fail("python3-yaml is not installed (scripts/setup.sh installs it)")
        for r in load_recipes().values():
            with self.subTest(r.name):
                try:
                    cfg = yaml.safe_load(r.config.body)
                except yaml.YAMLError as e:
                    self.fail(f"{DOC} line {r.config.line}: the {r.name} config is not YAML: {e}")
                self.assertIsInstance(cfg, dict, r.name)
                self.assertIn(r.saved_as, json.dumps(cfg), r.name)


# --------------------------------------------------------------------------- GitHub's OIDC token service


class GithubOidcStandIn:
    """ACTIONS_ID_TOKEN_REQUEST_URL: GET with `Authorization: bearer REQUEST_TOKEN`, the audience in the
    query; answers {"count": N, "value": JWT} as the Actions service does."""

    def __init__(self, request_token: str, jwt: str):
        self.request_token, self.jwt = request_token, jwt
        self.asks: list[tuple[str, bool]] = []   # (audience, answered)
        self._server = LoopbackServer({"GET": self._get})

    @property
    def request_url(self) -> str:
        return f"{self._server.url}/_apis/oidc/token?api-version=2.0"

    def _get(self, h) -> None:
        parts = urllib.parse.urlsplit(h.path)
        query = urllib.parse.parse_qs(parts.query)
        audience = query.get("audience", [""])[0]
        scheme, _, token = h.headers.get("Authorization", "").partition(" ")
        ok = (parts.path == "/_apis/oidc/token" and query.get("api-version") == ["2.0"]
              and scheme.lower() == "bearer" and token == self.request_token)
        self.asks.append((audience, ok))
        if not ok:
            return send(h, 401, b'{"message":"bad request token"}', "application/json")
        send(h, 200, json.dumps({"count": 1, "value": self.jwt}).encode(), "application/json")

    def stop(self) -> None:
        self._server.stop()


# --------------------------------------------------------------------------- running the recipes


class RecipeRunTest(IntegrationTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recipes = load_recipes()

    def setUp(self):
        super().setUp()
        self.reg = self.start_registry(auth=CREDS)
        self.aws = AwsStandIn(PASSWORD, account=ACCOUNT).start()
        self.addCleanup(self.aws.stop)
        self.work = os.path.join(self.tmp, "workspace")
        os.makedirs(self.work)
        # only oci-push itself, under its own name, before the system's PATH
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        binary = cli.binary_path()
        self.assertTrue(os.path.isfile(binary), f"oci-push binary not found at {binary} (set OCI_PUSH)")
        os.symlink(binary, os.path.join(self.bin, "oci-push"))
        self.inputs: set[str] = set()
        self.secrets = [PASSWORD, STATIC_SECRET, OIDC_JWT, OIDC_REQUEST_TOKEN, CONTAINER_TOKEN]

    # ------------------------------------------------------------------ helpers

    def platform_env(self, **extra) -> dict:
        """What the CI config and the test's stand-ins give every recipe."""
        env = {
            "ECR_REGISTRY": self.reg.host,
            "ECR_REPOSITORY": REPOSITORY,
            "AWS_REGION": REGION,
            "AWS_ACCOUNT_ID": ACCOUNT,
            "AWS_ENDPOINT_URL": self.aws.url,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        env.update(extra)
        return env

    def run_recipe(self, name: str, env: dict, script: str | None = None) -> cli.Result:
        path = os.path.join(self.tmp, name + ".sh")
        with open(path, "w") as f:
            f.write(script if script is not None else self.recipes[name].script)
        full = cli.clean_env(self.home, extra=env)
        full["PATH"] = self.bin + os.pathsep + full["PATH"]
        p = subprocess.run(["bash", "-euo", "pipefail", path], cwd=self.work, env=full,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
        return cli.Result([f"recipe {name} ({DOC} line {self.recipes[name].line})"], p.returncode,
                          p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))

    def assertRecipeOk(self, res: cli.Result) -> None:
        """Exit 0, and the stand-in refused nothing but a CreateRepository of the repository that was
        there already (build pushes once per -t, each with --create-repository, which takes
        RepositoryAlreadyExistsException as success)."""
        self.assertExit(res, 0, f"stand-in refusals: {self.aws.refusals}")
        refused = [r for r in self.aws.refusals if r != f"The repository {REPOSITORY} exists"]
        self.assertEqual(refused, [], res.describe())

    def assertNoSecretLeaks(self, res: cli.Result) -> None:
        """Neither the recipe's output nor any file it wrote in the workspace holds a secret: the
        registry password, a key's secret, a session token, an OIDC token or request token."""
        secrets = list(self.secrets)
        for secret, session in self.aws.keys.values():
            secrets += [s for s in (secret, session) if s]
        for s in secrets:
            self.assertNotIn(s, res.stdout, f"a secret is on stdout\n{res.describe()}")
            self.assertNotIn(s, res.stderr, f"a secret is on stderr\n{res.describe()}")
        for root, _, files in os.walk(self.work):
            for fname in files:
                path = os.path.join(root, fname)
                if path in self.inputs or "/.git/" in path + "/":
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                for s in secrets:
                    self.assertNotIn(s.encode(), data, f"{path} (left in the workspace) holds a secret")

    def registry_digest(self, tag: str) -> str:
        raw = verify.inspect_raw(self.tmp, self.reg.host, REPOSITORY, tag, creds=CREDS)
        return "sha256:" + hashlib.sha256(raw).hexdigest()

    def assertTags(self, tags: list[str]) -> str:
        """The repository holds exactly these tags, all on one manifest; returns its digest."""
        self.assertEqual(sorted(verify.list_tags(self.tmp, self.reg.host, REPOSITORY, CREDS) or []),
                         sorted(tags))
        digests = {t: self.registry_digest(t) for t in tags}
        self.assertEqual(len(set(digests.values())), 1, digests)
        return digests[tags[0]]

    def ecr_token_calls(self, key_prefix: str):
        calls = [c for c in self.aws.calls if c.api == "ecr:GetAuthorizationToken"]
        self.assertGreaterEqual(len(calls), 1, [c.api for c in self.aws.calls])
        for c in calls:
            self.assertTrue(c.access_key_id.startswith(key_prefix), c.access_key_id)
            self.assertEqual(c.region, REGION)
            self.assertEqual(c.body, {"registryIds": [ACCOUNT]})
        self.assertIn(REPOSITORY, self.aws.repositories)   # --create-repository, in the account
        return calls

    def read_file(self, name: str) -> str:
        path = os.path.join(self.work, name)
        self.assertTrue(os.path.isfile(path), f"the recipe wrote no {name}")
        with open(path) as f:
            return f.read()

    def write(self, rel: str, text: str) -> str:
        path = os.path.join(self.work, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        self.inputs.add(path)
        return path

    def image_tar(self) -> fixtures.ImageFixture:
        path = os.path.join(self.work, "image.tar")
        img = fixtures.write_archive(path, [fixtures.small_spec(["app:1"], label="ci")])[0]
        self.inputs.add(path)
        return img

    def build_context(self, dockerfile: str) -> None:
        self.write("Dockerfile", dockerfile)
        self.write("app/hello.txt", "hello from CI\n")
        self.write("app/config/settings.json", '{"mode": "ci"}\n')

    def git_commit(self) -> str:
        """A checkout as actions/checkout leaves it: one commit, dated COMMIT_TIME."""
        env = cli.clean_env(self.home, extra={
            "GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.com",
            "GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.com",
            "GIT_AUTHOR_DATE": f"@{COMMIT_TIME} +0000", "GIT_COMMITTER_DATE": f"@{COMMIT_TIME} +0000"})
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "app"]):
            subprocess.run(cmd, cwd=self.work, env=env, check=True, capture_output=True)
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.work, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def config_of(self, tag: str) -> dict:
        return json.loads(verify.inspect_config_raw(self.tmp, self.reg.host, REPOSITORY, tag, creds=CREDS))

    def web_identity_call(self, session_prefix: str):
        calls = [c for c in self.aws.calls if c.api == "sts:AssumeRoleWithWebIdentity"]
        self.assertEqual(len(calls), 1, [c.api for c in self.aws.calls])
        self.assertEqual(calls[0].body["RoleArn"], ROLE)
        self.assertEqual(calls[0].body["WebIdentityToken"], OIDC_JWT)
        self.assertTrue(calls[0].body["RoleSessionName"].startswith(session_prefix), calls[0].body)
        return calls[0]

    # ------------------------------------------------------------------ the recipes

    def test_github_actions_oidc_build_and_push(self):
        self.build_context("FROM scratch\nCOPY app/ /app/\nENTRYPOINT [\"/app/run\"]\n")
        sha = self.git_commit()
        self.aws.web_identity_token = OIDC_JWT
        oidc = GithubOidcStandIn(OIDC_REQUEST_TOKEN, OIDC_JWT)
        self.addCleanup(oidc.stop)
        runner_temp = os.path.join(self.tmp, "runner-temp")
        os.makedirs(runner_temp)
        output, summary = os.path.join(runner_temp, "output"), os.path.join(runner_temp, "summary")
        res = self.run_recipe("github-actions", self.platform_env(
            AWS_ROLE_ARN=ROLE,
            ACTIONS_ID_TOKEN_REQUEST_URL=oidc.request_url, ACTIONS_ID_TOKEN_REQUEST_TOKEN=OIDC_REQUEST_TOKEN,
            GITHUB_SHA=sha, GITHUB_RUN_ID="4242", GITHUB_OUTPUT=output, GITHUB_STEP_SUMMARY=summary,
            RUNNER_TEMP=runner_temp, GITHUB_ACTIONS="true", CI="true"))
        self.assertRecipeOk(res)

        # one OIDC token, for STS, exchanged once; every ECR call signed with the role's keys
        self.assertEqual(oidc.asks, [("sts.amazonaws.com", True)])
        self.web_identity_call("github-4242")
        self.ecr_token_calls("ASIASTANDIN")

        digest = self.assertTags([sha, "latest"])
        with open(output) as f:
            self.assertEqual(f.read(), f"digest={digest}\n")
        with open(summary) as f:
            self.assertIn(f"{self.reg.host}/{REPOSITORY}@{digest}", f.read())
        self.assertEqual(set(self.read_file("digest.txt").split()), {digest})

        # built from the checkout, dated by the commit
        config = self.config_of(sha)
        self.assertEqual(config["created"], "2023-11-14T22:13:20Z")
        self.assertEqual(config["config"]["Entrypoint"], ["/app/run"])
        self.assertEqual(len(config["rootfs"]["diff_ids"]), 1)
        token_file = os.path.join(runner_temp, "aws-web-identity-token")
        self.assertEqual(os.stat(token_file).st_mode & 0o077, 0, "the OIDC token file is readable by others")
        self.assertNoSecretLeaks(res)

    def gitlab_run(self, **credentials) -> tuple[cli.Result, fixtures.ImageFixture, str]:
        img = self.image_tar()
        tmpdir = os.path.join(self.home, "tmp")
        res = self.run_recipe("gitlab", self.platform_env(
            AWS_ROLE_ARN=ROLE, IMAGE_TAR="image.tar", CI_COMMIT_SHORT_SHA="1a2b3c4d",
            CI_COMMIT_REF_SLUG="main", CI_PIPELINE_ID="777", CI_PROJECT_DIR=self.work, GITLAB_CI="true",
            CI="true", **credentials))
        return res, img, tmpdir

    def assertGitlabPushed(self, res: cli.Result, img: fixtures.ImageFixture) -> None:
        self.assertRecipeOk(res)
        digest = self.assertTags(["1a2b3c4d", "main"])
        self.assertEqual(self.verify(self.reg, REPOSITORY, "1a2b3c4d", img, creds=CREDS).digest, digest)
        pushed = json_schemas.loads(["push"], self.read_file("push.json"))
        self.assertEqual((pushed["digest"], pushed["repository"]), (digest, f"{self.reg.host}/{REPOSITORY}"))
        self.assertEqual(sorted(pushed["tags"]), ["1a2b3c4d", "main"])
        self.assertEqual(self.read_file("image.env"),
                         f"IMAGE_DIGEST={digest}\nIMAGE_REF={self.reg.host}/{REPOSITORY}@{digest}\n")
        self.assertNoSecretLeaks(res)

    def test_gitlab_id_token_tarball_push(self):
        self.aws.web_identity_token = OIDC_JWT
        res, img, tmpdir = self.gitlab_run(AWS_OIDC_TOKEN=OIDC_JWT)
        self.assertGitlabPushed(res, img)
        self.web_identity_call("gitlab-777")
        self.ecr_token_calls("ASIASTANDIN")
        # the token file is gone once the script is
        for root, _, files in os.walk(tmpdir):
            for fname in files:
                with open(os.path.join(root, fname), "rb") as f:
                    self.assertNotIn(OIDC_JWT.encode(), f.read(), f"{root}/{fname} still holds the token")

    def test_gitlab_static_keys_tarball_push(self):
        self.aws.add_key(STATIC_KEY, STATIC_SECRET)
        res, img, _ = self.gitlab_run(AWS_ACCESS_KEY_ID=STATIC_KEY, AWS_SECRET_ACCESS_KEY=STATIC_SECRET)
        self.assertGitlabPushed(res, img)
        self.assertEqual(self.aws.count("sts:AssumeRoleWithWebIdentity"), 0)
        self.ecr_token_calls(STATIC_KEY)

    def test_codebuild_container_credentials_build_and_push(self):
        self.build_context("FROM scratch\nCOPY app/ /app/\nCMD [\"/app/hello.txt\"]\n")
        self.aws.container_token = CONTAINER_TOKEN
        revision = "0123456789abcdef0123456789abcdef01234567"
        res = self.run_recipe("codebuild", self.platform_env(
            AWS_CONTAINER_CREDENTIALS_FULL_URI=self.aws.url + "/container/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN, AWS_DEFAULT_REGION=REGION,
            CODEBUILD_RESOLVED_SOURCE_VERSION=revision, CODEBUILD_BUILD_ID="app:5d1e", CODEBUILD_CI="true",
            CONTAINER_NAME="app"))
        self.assertRecipeOk(res)
        self.assertGreaterEqual(self.aws.count("container"), 1)
        self.assertEqual(self.aws.count("container:refused"), 0)
        self.assertEqual(self.aws.count("sts:AssumeRoleWithWebIdentity") + self.aws.count("sts:AssumeRole"), 0)
        self.ecr_token_calls("ASIASTANDIN")

        digest = self.assertTags([revision[:12]])
        built = json_schemas.loads(["build"], self.read_file("build.json"))
        self.assertEqual(built["digest"], digest)
        self.assertEqual(json.loads(self.read_file("imagedefinitions.json")),
                         [{"name": "app", "imageUri": f"{self.reg.host}/{REPOSITORY}@{digest}"}])
        config = self.config_of(revision[:12])
        self.assertEqual(config["config"]["Labels"]["org.opencontainers.image.revision"], revision)
        self.assertEqual(config["config"]["Cmd"], ["/app/hello.txt"])
        self.assertNoSecretLeaks(res)

    def shell_env(self) -> dict:
        self.aws.add_key(STATIC_KEY, STATIC_SECRET)
        aws_dir = os.path.join(self.home, ".aws")
        os.makedirs(aws_dir, exist_ok=True)
        with open(os.path.join(aws_dir, "credentials"), "w") as f:
            f.write(f"[default]\naws_access_key_id = AKIDNOTTHEONE\naws_secret_access_key = nope\n"
                    f"[ci-push]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = {STATIC_SECRET}\n")
        return self.platform_env(AWS_PROFILE="ci-push", IMAGE_TAR="image.tar", VERSION="1.4.2")

    def test_shell_runner_profile_tarball_push(self):
        img = self.image_tar()
        res = self.run_recipe("shell", self.shell_env())
        self.assertRecipeOk(res)
        self.assertEqual(self.aws.count("sts:AssumeRole") + self.aws.count("sts:AssumeRoleWithWebIdentity"), 0)
        self.ecr_token_calls(STATIC_KEY)

        digest = self.assertTags(["1.4.2", "latest"])
        self.assertEqual(self.verify(self.reg, REPOSITORY, "1.4.2", img, creds=CREDS).digest, digest)
        ref = f"{self.reg.host}/{REPOSITORY}@{digest}"
        self.assertEqual(self.read_file("image-ref.txt"), ref + "\n")
        self.assertEqual(json_schemas.loads(["push"], self.read_file("push.json"))["reference"], ref)
        self.assertEqual(res.stdout_lines[-1], f"push-image: pushed {ref}")
        self.assertIn(img.config_digest.split(":")[1][:12], res.stdout)   # inspect's listing, in the log
        self.assertNoSecretLeaks(res)

    def test_a_broken_recipe_fails(self):
        """The runner does not swallow failures: the shell recipe with a mistyped option exits 2 with
        its own message, nothing is tagged, and a rerun of the fixed recipe pushes."""
        img = self.image_tar()
        env = self.shell_env()
        script = self.recipes["shell"].script
        broken = script.replace("--create-repository", "--create-repostory")
        self.assertNotEqual(broken, script)
        res = self.run_recipe("shell", env, script=broken)
        self.assertExit(res, 2)
        self.assertIn("this script needs fixing", res.stderr)
        self.assertNoManifest(self.reg, REPOSITORY, tags=["1.4.2", "latest"], creds=CREDS)
        self.assertRecipeOk(self.run_recipe("shell", env))
        self.assertTags(["1.4.2", "latest"])
        self.assertEqual(self.verify(self.reg, REPOSITORY, "latest", img, creds=CREDS).digest,
                         self.registry_digest("1.4.2"))


if __name__ == "__main__":
    unittest.main()
