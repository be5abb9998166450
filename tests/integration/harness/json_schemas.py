"""The JSON Schemas of oci-push's --json outputs (docs/json/*.schema.json, described in docs/json.md),
and the check that every --json output the integration tests read goes through.

    validate(res.args, obj)     # AssertionError naming what does not match; returns obj
    loads(args, stdout)         # json.loads, then validate

The schema is picked as oci-push picks the subcommand: the first argument when it names one
(inspect -> inspect.schema.json; push, pull, copy, build -> push-result.schema.json), else the bare
form `oci-push SOURCE [TARGET]` (a path or an option first), which is push. push-result takes one
object or, for several repositories, a list of them.

Needs Debian's python3-jsonschema (scripts/setup.sh): 4.10 (Debian 12) and later validate draft 2020-12.
It is imported on the first validation, so tests that read no --json do not need it.
"""

from __future__ import annotations

import json
import os

DOCS_JSON = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "..", "..", "..", "docs", "json"))

# The subcommands whose --json has a schema, and the file of each.
SCHEMA_FILES = {
    "push": "push-result.schema.json",
    "pull": "push-result.schema.json",
    "copy": "push-result.schema.json",
    "build": "push-result.schema.json",
    "inspect": "inspect.schema.json",
}
# The other words oci-push takes as a subcommand (src/cli/subcommands.cpp): none prints JSON.
NO_JSON = ("verify", "login", "ecr", "ecr-public", "help")

_validators: dict = {}


def subcommand_of(args) -> str:
    """The subcommand oci-push runs for these arguments (those after the binary's name)."""
    first = args[0] if args else ""
    if first in SCHEMA_FILES or first in NO_JSON:
        return first
    return "push"  # oci-push SOURCE [TARGET] [OPTIONS], or options first


def schema_file(args) -> str:
    command = subcommand_of(args)
    if command not in SCHEMA_FILES:
        raise AssertionError(f"oci-push {command} prints no --json: there is no schema for it in {DOCS_JSON}")
    return SCHEMA_FILES[command]


def load_schema(name: str) -> dict:
    """A schema file of docs/json/ as a dict (e.g. "inspect.schema.json")."""
    with open(os.path.join(DOCS_JSON, name)) as f:
        return json.load(f)


def _jsonschema():
    try:
        import jsonschema
    except ImportError as e:
        raise AssertionError(
            "--json outputs are checked against docs/json/ with the jsonschema module, which this python "
            "lacks: install Debian's python3-jsonschema (scripts/setup.sh)") from e
    return jsonschema


def validator(name: str):
    """A draft 2020-12 validator of docs/json/NAME, the schema itself checked first; cached."""
    if name not in _validators:
        jsonschema = _jsonschema()
        schema = load_schema(name)
        jsonschema.Draft202012Validator.check_schema(schema)
        _validators[name] = jsonschema.Draft202012Validator(schema)
    return _validators[name]


def _where(path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "the top level"


def validate(args, obj):
    """obj, the parsed --json output of `oci-push ARGS...`, matches its schema; returns obj. Raises
    AssertionError with the most relevant jsonschema message, where it is, and the keyword that failed."""
    name = schema_file(list(args))
    v = validator(name)
    from jsonschema.exceptions import best_match
    error = best_match(v.iter_errors(obj))
    if error is not None:
        keyword = "/".join(str(p) for p in error.absolute_schema_path)
        raise AssertionError(f"--json output of oci-push {' '.join(args)} does not match docs/json/{name}: "
                             f"{error.message} (at {_where(error.absolute_path)}; schema {keyword})")
    return obj


def loads(args, stdout: str | bytes):
    """json.loads(stdout), validated as the --json output of `oci-push ARGS...`."""
    try:
        obj = json.loads(stdout)
    except ValueError as e:
        raise AssertionError(f"--json output of oci-push {' '.join(args)} does not parse: {e}\n"
                             f"{stdout[:2000]!r}") from e
    return validate(args, obj)
