"""Every AWS credential source, in the AWS CLI's order, served on loopback by the stand-in through
the SDKs' own overrides; each ends in a GetAuthorizationToken whose signature botocore checks."""

import hashlib
import json
import os
import socket
import time
import unittest

from harness.aws_standin import AwsStandIn
from harness.base import IntegrationTestCase

PASSWORD = "ecr-password-for-credential-sources"
BASE_KEY, BASE_SECRET = "AKIDSTANDINBASE0001", "base/secret/key/0123456789abcdefghijklm"
ENV_KEY, ENV_SECRET, ENV_TOKEN = "ASIASTANDINENVTOKEN", "env/secret/key/0123456789abcdefghijklm", "env-session-token"
ROLE = "arn:aws:iam::123456789012:role/pusher"


class CredentialSourcesTest(IntegrationTestCase):
    def setUp(self):
        super().setUp()
        self.aws = AwsStandIn(PASSWORD).start()
        self.addCleanup(self.aws.stop)
        self.aws.add_key(BASE_KEY, BASE_SECRET)
        self.aws.add_key(ENV_KEY, ENV_SECRET, ENV_TOKEN)
        self.env = {"AWS_ENDPOINT_URL_ECR": self.aws.url, "AWS_ENDPOINT_URL_STS": self.aws.url,
                    "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "eu-west-1",
                    "AWS_ECR_DISABLE_CACHE": "true"}

    def write(self, name, text, mode=0o600):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def login(self, **extra):
        env = dict(self.env)
        env.update(extra)
        res = self.oci_push("ecr", "get-login-password", env=env)
        self.assertExit(res, 0, f"refusals: {self.aws.refusals}")
        self.assertEqual(res.stdout, PASSWORD + "\n")
        ecr = [c for c in self.aws.calls if c.api == "ecr:GetAuthorizationToken"]
        self.assertEqual(len(ecr), 1)
        return ecr[0].access_key_id

    def apis(self):
        return [c.api for c in self.aws.calls]

    def test_environment_with_session_token(self):
        key = self.login(AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY=ENV_SECRET, AWS_SESSION_TOKEN=ENV_TOKEN)
        self.assertEqual(key, ENV_KEY)

    def test_session_token_is_required_when_the_key_has_one(self):
        env = dict(self.env, AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY=ENV_SECRET)
        res = self.oci_push("ecr", "get-login-password", env=env)
        self.assertExit(res, 1)
        self.assertIn("UnrecognizedClientException", self.error_line(res))

    def test_profile_in_the_shared_files_with_its_region(self):
        creds = self.write("credentials", f"[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n"
                                          f"[dev]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n")
        config = self.write("config", "[profile dev]\nregion = ap-south-1\n")
        env = {k: v for k, v in self.env.items() if k != "AWS_REGION"}
        self.env = env
        key = self.login(AWS_PROFILE="dev", AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE=config)
        self.assertEqual(key, BASE_KEY)
        self.assertEqual(self.aws.calls[0].region, "ap-south-1")

    def test_environment_wins_over_the_profile(self):
        creds = self.write("credentials", f"[default]\naws_access_key_id = {BASE_KEY}\n"
                                          f"aws_secret_access_key = {BASE_SECRET}\n")
        key = self.login(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_ACCESS_KEY_ID=ENV_KEY,
                         AWS_SECRET_ACCESS_KEY=ENV_SECRET, AWS_SESSION_TOKEN=ENV_TOKEN)
        self.assertEqual(key, ENV_KEY)

    def test_assume_role_with_source_profile(self):
        creds = self.write("credentials", f"[base]\naws_access_key_id = {BASE_KEY}\n"
                                          f"aws_secret_access_key = {BASE_SECRET}\n")
        config = self.write("config", f"[profile pusher]\nrole_arn = {ROLE}\nsource_profile = base\n"
                                      "role_session_name = ci-run\n")
        key = self.login(AWS_PROFILE="pusher", AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE=config)
        self.assertEqual(self.apis(), ["sts:AssumeRole", "ecr:GetAuthorizationToken"])
        sts = self.aws.calls[0]
        self.assertEqual(sts.access_key_id, BASE_KEY)
        self.assertEqual((sts.body["RoleArn"], sts.body["RoleSessionName"]), (ROLE, "ci-run"))
        self.assertTrue(key.startswith("ASIASTANDIN"), key)

    def test_credential_process(self):
        script = self.write("creds.sh", "#!/bin/sh\n"
                                        f"echo '{{\"Version\": 1, \"AccessKeyId\": \"{ENV_KEY}\", "
                                        f"\"SecretAccessKey\": \"{ENV_SECRET}\", \"SessionToken\": \"{ENV_TOKEN}\", "
                                        "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n", mode=0o700)
        config = self.write("config", f"[profile proc]\ncredential_process = \"{script}\" --flag\n")
        key = self.login(AWS_PROFILE="proc", AWS_CONFIG_FILE=config,
                         AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.tmp, "none"))
        self.assertEqual(key, ENV_KEY)

    def test_failing_credential_process_is_one_line(self):
        script = self.write("fail.sh", "#!/bin/sh\necho 'sso session expired' >&2\nexit 3\n", mode=0o700)
        config = self.write("config", f"[default]\ncredential_process = {script}\n")
        res = self.oci_push("ecr", "get-login-password", env=dict(self.env, AWS_CONFIG_FILE=config))
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn("exit status 3", line)
        self.assertIn("sso session expired", line)

    def test_web_identity(self):
        self.aws.web_identity_token = "eyJ-github-oidc-token"
        token_file = self.write("oidc-token", "eyJ-github-oidc-token\n")
        key = self.login(AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN=ROLE,
                         AWS_ROLE_SESSION_NAME="gha")
        self.assertEqual(self.apis(), ["sts:AssumeRoleWithWebIdentity", "ecr:GetAuthorizationToken"])
        self.assertEqual(self.aws.calls[0].body["RoleSessionName"], "gha")
        self.assertTrue(key.startswith("ASIASTANDIN"), key)

    def test_container_credentials_with_token_file(self):
        self.aws.container_token = "pod-identity-token"
        token_file = self.write("container-token", "pod-identity-token\n")
        key = self.login(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.aws.url + "/container/creds",
                         AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file)
        self.assertEqual(self.apis(), ["container", "ecr:GetAuthorizationToken"])
        self.assertTrue(key.startswith("ASIASTANDIN"), key)

    def test_container_credentials_with_token_variable(self):
        self.aws.container_token = "ecs-token"
        self.login(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.aws.url + "/container/creds",
                   AWS_CONTAINER_AUTHORIZATION_TOKEN="ecs-token")
        self.assertEqual(self.apis(), ["container", "ecr:GetAuthorizationToken"])

    def test_imdsv2(self):
        self.env.pop("AWS_EC2_METADATA_DISABLED")
        key = self.login(AWS_EC2_METADATA_SERVICE_ENDPOINT=self.aws.url + "/")
        self.assertEqual(self.apis(), ["imds:token", "imds:credentials", "ecr:GetAuthorizationToken"])
        self.assertTrue(key.startswith("ASIASTANDIN"), key)

    def sso_profile(self, expires_at="2099-01-01T00:00:00Z"):
        """A config with an sso-session profile, and the token cache `aws sso login` would write:
        ~/.aws/sso/cache/<sha1 of the session name>.json (the name computed here, by hashlib)."""
        config = self.write("config", "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
                                      "sso_role_name = Pusher\n[sso-session corp]\nsso_region = eu-west-1\n"
                                      "sso_start_url = https://corp.awsapps.com/start\n")
        cache_dir = os.path.join(self.home, ".aws", "sso", "cache")
        os.makedirs(cache_dir, exist_ok=True)
        with open(os.path.join(cache_dir, hashlib.sha1(b"corp").hexdigest() + ".json"), "w") as f:
            json.dump({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                       "accessToken": "cached-sso-access-token", "expiresAt": expires_at}, f)
        self.aws.sso_token = "cached-sso-access-token"
        self.aws.sso_role = ("111122223333", "Pusher")
        return dict(AWS_CONFIG_FILE=config, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=self.aws.url)

    def test_sso_profile_uses_the_cached_login(self):
        key = self.login(**self.sso_profile())
        self.assertEqual(self.apis(), ["sso:GetRoleCredentials", "ecr:GetAuthorizationToken"])
        self.assertTrue(key.startswith("ASIASTANDIN"), key)

    def test_sso_profile_with_an_expired_login_says_how_to_log_in(self):
        env = dict(self.env, **self.sso_profile(expires_at="2020-01-01T00:00:00Z"))
        res = self.oci_push("ecr", "get-login-password", env=env)
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn("has expired", line)
        self.assertIn("aws sso login --profile dev", line)
        self.assertEqual(self.aws.calls, [])

    def test_silent_instance_metadata_is_given_up_after_the_cli_timeout(self):
        """Off EC2 the metadata address often drops packets. A listener that never accepts stands
        in for it (the kernel completes the handshake, nothing ever answers): the chain gives up
        after the AWS CLI's 1 s, not after a connect or stall timeout, and says where it looked."""
        self.env.pop("AWS_EC2_METADATA_DISABLED")
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
            start = time.monotonic()
            res = self.oci_push("ecr", "get-login-password",
                                env=dict(self.env, AWS_EC2_METADATA_SERVICE_ENDPOINT=endpoint))
            elapsed = time.monotonic() - start
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn("no AWS credentials found", line)
        self.assertIn("EC2 instance metadata", line)
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertLess(elapsed, 6.0)
        self.assertEqual(self.aws.calls, [])

    def test_no_credentials_anywhere_names_the_places_looked_at(self):
        res = self.oci_push("ecr", "get-login-password", env=self.env)
        self.assertExit(res, 1)
        line = self.error_line(res)
        for place in ("AWS_ACCESS_KEY_ID", "profile \"default\"", "AWS_WEB_IDENTITY_TOKEN_FILE",
                      "container credentials", "EC2 instance metadata"):
            self.assertIn(place, line)
        self.assertEqual(self.aws.calls, [])

    def test_unknown_profile_is_an_error(self):
        res = self.oci_push("ecr", "get-login-password", env=dict(self.env, AWS_PROFILE="nope"))
        self.assertExit(res, 1)
        self.assertIn("AWS profile \"nope\"", self.error_line(res))


if __name__ == "__main__":
    unittest.main()
