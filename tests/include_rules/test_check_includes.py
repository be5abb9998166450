"""Self-test of check_includes.py on small trees built in a temporary directory (not the real repository:
ctest's `include_rules` runs the checker on that)."""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

CHECKER = Path(__file__).resolve().parent / "check_includes.py"

TABLE = """\
# Architecture

Some prose, and another table that is not the rule:

| file | what it is for |
|---|---|
| `a.h` | things |

## Include rules

| room | may include |
|---|---|
| `util` | (nothing of ours) |
| `io` | `util` |
| `model` | `util`, `io` |
| http | util |
| `registry` | `util`, `model`, `http` |
| `auth/aws` | `util`, `http` |
| `auth` | `util`, `auth/aws` |
| `main` | `registry`, `util` |

More prose.
"""


class Tree:
    def __init__(self, root):
        self.root = Path(root)

    def write(self, rel, text):
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")

    def clean(self, doc=TABLE):
        """A tree that follows the table: every room includes what it may, and itself."""
        if doc is not None:
            self.write("ARCHITECTURE.md", doc)
        self.write("include/oci_push/util/error.h", "#pragma once\n#include <string>\n")
        self.write("src/util/error.cpp", '#include "oci_push/util/error.h"\n')
        self.write("include/oci_push/io/byte_source.h", '#pragma once\n#include "oci_push/util/error.h"\n')
        self.write("include/oci_push/model/digest.h", """\
            #pragma once
            #include <string>

            #include "oci_push/io/byte_source.h"
            #include "oci_push/util/error.h"
            """)
        self.write("src/model/digest.cpp", """\
            #include "oci_push/model/digest.h"

            // #include "oci_push/registry/client.h" in a comment is no include
            #include "oci_push/util/error.h"
            """)
        self.write("include/oci_push/http/http_client.h", '#pragma once\n#include "oci_push/util/error.h"\n')
        self.write("include/oci_push/registry/client.h", """\
            #pragma once
            #include "oci_push/http/http_client.h"
            #include "oci_push/model/digest.h"
            """)
        self.write("src/registry/client.cpp", '#include "oci_push/registry/client.h"\n')
        self.write("include/oci_push/auth/aws/sigv4.h", '#pragma once\n#include "oci_push/http/http_client.h"\n')
        self.write("src/auth/aws/sigv4.cpp", '#include "oci_push/auth/aws/sigv4.h"\n')
        self.write("include/oci_push/auth/resolver.h", '#pragma once\n#include "oci_push/auth/aws/sigv4.h"\n')
        self.write("src/auth/resolver.cpp", '#include "oci_push/auth/resolver.h"\n#include "oci_push/util/error.h"\n')
        self.write("src/main.cpp", '#include "oci_push/registry/client.h"\n#include "oci_push/util/error.h"\n')
        # Not scanned: tests, fuzz and bench may include anything; other files under src/ are not sources.
        self.write("tests/unit/model/digest_test.cpp", '#include "oci_push/registry/client.h"\n')
        self.write("fuzz/fuzz_digest.cpp", '#include "oci_push/auth/resolver.h"\n')
        self.write("src/model/CMakeLists.txt", "oci_push_room(SOURCES digest.cpp)\n")


def run_checker(root):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    p = subprocess.run([sys.executable, str(CHECKER), "--root", str(root)], capture_output=True, text=True,
                       env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


class CheckIncludesTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="include_rules_")
        self.addCleanup(self._tmp.cleanup)
        self.tree = Tree(self._tmp.name)

    def assertFails(self, *expected_lines):
        rc, out, err = run_checker(self.tree.root)
        self.assertEqual(rc, 1, f"stdout:\n{out}\nstderr:\n{err}")
        lines = out.splitlines()
        for expected in expected_lines:
            self.assertIn(expected, lines, f"stdout:\n{out}\nstderr:\n{err}")
        return out, err

    def test_clean_tree_passes(self):
        self.tree.clean()
        rc, out, err = run_checker(self.tree.root)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        # 13 sources under src/ and include/oci_push/ (the comment in digest.cpp is no include).
        self.assertEqual(out.strip(), "include rules: 17 includes in 13 files, all allowed")

    def test_wrong_way_include_names_file_line_and_rule(self):
        self.tree.clean()
        self.tree.write("src/model/digest.cpp", """\
            #include "oci_push/model/digest.h"

            #include "oci_push/registry/client.h"
            #include "oci_push/util/error.h"
            """)
        self.tree.write("include/oci_push/util/error.h", '#pragma once\n\n\n#include <oci_push/io/byte_source.h>\n')
        self.tree.write("src/main.cpp", '#include "oci_push/util/error.h"\n#include "oci_push/http/http_client.h"\n')
        out, _ = self.assertFails(
            "src/model/digest.cpp:3: room 'model' may not include 'registry' (ARCHITECTURE.md allows: util, io)",
            # a room that may include nothing, an include in <...>, in a header
            "include/oci_push/util/error.h:4: room 'util' may not include 'io' "
            "(ARCHITECTURE.md allows: nothing of ours)",
            "src/main.cpp:2: room 'main' may not include 'http' (ARCHITECTURE.md allows: registry, util)")
        self.assertEqual(len(out.splitlines()), 3, out)

    def test_sub_room_is_its_own_room(self):
        self.tree.clean()
        # auth may include auth/aws, but auth/aws may not include auth: the longest prefix decides.
        self.tree.write("src/auth/aws/sigv4.cpp",
                        '#include "oci_push/auth/aws/sigv4.h"\n#include "oci_push/auth/resolver.h"\n')
        self.assertFails("src/auth/aws/sigv4.cpp:2: room 'auth/aws' may not include 'auth' "
                         "(ARCHITECTURE.md allows: util, http)")

    def test_include_without_room_fails(self):
        self.tree.clean()
        self.tree.write("src/io/byte_source.cpp", '#include "oci_push/io/byte_source.h"\n#include "oci_push/error.h"\n')
        out, _ = self.assertFails()
        self.assertRegex(out, r'^src/io/byte_source\.cpp:2: "oci_push/error\.h" names no room')

    def test_include_of_unknown_room_fails(self):
        self.tree.clean()
        self.tree.write("src/io/byte_source.cpp",
                        '#include "oci_push/io/byte_source.h"\n#include "oci_push/net/socket.h"\n')
        out, _ = self.assertFails()
        self.assertRegex(out, r"^src/io/byte_source\.cpp:2: \"oci_push/net/socket\.h\" names room 'net', "
                              r"which is not in ARCHITECTURE\.md's include table")

    def test_relative_include_of_our_header_fails(self):
        self.tree.clean()
        self.tree.write("include/oci_push/io/file_source.h", '#pragma once\n#include "byte_source.h"\n')
        out, _ = self.assertFails()
        self.assertRegex(out, r'^include/oci_push/io/file_source\.h:2: "byte_source\.h" is one of our headers')

    def test_unknown_room_directory_fails(self):
        self.tree.clean()
        self.tree.write("src/net/socket.cpp", '#include "oci_push/util/error.h"\n')
        self.tree.write("include/oci_push/net/socket.h", "#pragma once\n")
        self.tree.write("include/oci_push/stray.h", "#pragma once\n")
        self.tree.write("src/auth/aws/detail/x.cpp", "\n")
        self.tree.write("src/helpers.cpp", "\n")
        out, _ = self.assertFails()
        self.assertRegex(out, r"(?m)^src/net/socket\.cpp: directory 'src/net' is not a room")
        self.assertRegex(out, r"(?m)^include/oci_push/net/socket\.h: directory 'include/oci_push/net' is not a room")
        self.assertRegex(out, r"(?m)^include/oci_push/stray\.h: directory 'include/oci_push' is not a room")
        self.assertRegex(out, r"(?m)^src/auth/aws/detail/x\.cpp: directory 'src/auth/aws/detail' is not a room")
        self.assertRegex(out, r"(?m)^src/helpers\.cpp: directory 'src' is not a room .*only src/main\.cpp")
        self.assertEqual(len(out.splitlines()), 5, out)

    def test_main_has_no_headers(self):
        self.tree.clean()
        self.tree.write("src/registry/client.cpp",
                        '#include "oci_push/registry/client.h"\n#include "oci_push/main/x.h"\n')
        out, _ = self.assertFails()
        self.assertRegex(out, r"^src/registry/client\.cpp:2: \"oci_push/main/x\.h\": 'main' \(src/main\.cpp\) "
                              r"has no headers")

    def test_missing_table_fails(self):
        self.tree.clean(doc="# Architecture\n\n| file | what it is for |\n|---|---|\n| `a.h` | things |\n")
        rc, out, err = run_checker(self.tree.root)
        self.assertEqual(rc, 1)
        self.assertIn("no table with the header row '| room | may include |'", err)

    def test_missing_architecture_md_fails(self):
        self.tree.clean(doc=None)
        rc, _, err = run_checker(self.tree.root)
        self.assertEqual(rc, 1)
        self.assertIn("ARCHITECTURE.md: not found", err)

    def test_table_naming_an_undefined_room_fails(self):
        self.tree.clean(doc=TABLE.replace("| `io` | `util` |", "| `io` | `util`, `codec` |"))
        rc, _, err = run_checker(self.tree.root)
        self.assertEqual(rc, 1)
        self.assertIn("room 'io' may include codec, which the table has no row for", err)

    def test_table_inside_a_code_block_is_not_the_table(self):
        fenced = TABLE.replace("| room | may include |", "```\n| room | may include |", 1).replace(
            "| `main` | `registry`, `util` |\n", "| `main` | `registry`, `util` |\n```\n")
        self.tree.clean(doc=fenced)
        rc, _, err = run_checker(self.tree.root)
        self.assertEqual(rc, 1)
        self.assertIn("no table with the header row", err)

    def test_em_dash_means_nothing(self):
        self.tree.clean(doc=TABLE.replace("| `util` | (nothing of ours) |", "| util | — |"))
        rc, out, err = run_checker(self.tree.root)
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")


if __name__ == "__main__":
    unittest.main()
