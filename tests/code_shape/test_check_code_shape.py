"""Self-test of check_code_shape.py on small trees built in a temporary directory (not the real repository:
running the checker itself checks that)."""

import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

CHECKER = Path(__file__).resolve().parent / "check_code_shape.py"


def function(name, lines, signature=None):
    """A definition of `name` whose body, braces included, is `lines` lines long."""
    body = "".join(f"  x += {i};\n" for i in range(lines - 2))
    return f"{signature or 'void ' + name + '(int& x)'} {{\n{body}}}\n"


class CodeShapeTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name)

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, rel, text):
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def allow(self, text):
        self.write("tests/code_shape/allowed.txt", textwrap.dedent(text))

    def run_checker(self):
        r = subprocess.run([sys.executable, str(CHECKER), "--root", str(self.root)], capture_output=True, text=True)
        return r.returncode, r.stdout.splitlines(), r.stderr

    def assert_passes(self):
        rc, out, err = self.run_checker()
        self.assertEqual(rc, 0, f"{out}\n{err}")
        self.assertEqual(len(out), 1, out)
        self.assertIn("all within 400 lines a file and 60 a function", out[0])

    def assert_fails_with(self, *expected):
        rc, out, err = self.run_checker()
        self.assertEqual(rc, 1, f"{out}\n{err}")
        self.assertEqual(out, list(expected), err)

    def test_a_61_line_function_fails(self):
        self.write("src/util/a.cpp", "namespace x {\n\n" + function("long_one", 61) + "\n}  // namespace x\n")
        self.assert_fails_with("src/util/a.cpp:3: function long_one is 61 lines (limit 60)")

    def test_a_60_line_function_passes(self):
        self.write("src/util/a.cpp", "namespace x {\n\n" + function("just_fits", 60) + "\n}  // namespace x\n")
        self.assert_passes()

    def test_a_401_line_file_fails_and_400_lines_pass(self):
        self.write("src/util/fits.cpp", "int x;\n" * 400)
        self.assert_passes()
        self.write("include/oci_push/util/big.h", "#pragma once\n" + "int y;\n" * 400)
        self.assert_fails_with("include/oci_push/util/big.h: 401 lines (limit 400)")

    def test_allowlisted_function_and_file_pass(self):
        self.write("src/util/a.cpp", function("long_one", 61) + "int x;\n" * 340)
        self.write("src/util/b.cpp", "struct S {\n" + textwrap.indent(function("member", 70), "  ") + "};\n")
        self.allow("""\
            # exceptions
            src/util/a.cpp:long_one  # a table that reads best in one piece
            src/util/a.cpp  # generated
            src/util/b.cpp:S::member  # the name as reported
            """)
        self.assert_passes()

    def test_an_allowlist_entry_may_name_the_function_without_its_class(self):
        self.write("src/util/a.cpp", function("C::method", 61, "void C::method(int& x) const"))
        self.allow("src/util/a.cpp:method  # why\n")
        self.assert_passes()

    def test_an_entry_without_a_reason_fails(self):
        self.write("src/util/a.cpp", function("long_one", 61))
        self.allow("src/util/a.cpp:long_one\n")
        rc, out, err = self.run_checker()
        self.assertEqual(rc, 1)
        self.assertIn("allowed.txt:1: 'src/util/a.cpp:long_one' has no reason", err)

    def test_an_entry_that_allows_nothing_fails(self):
        self.write("src/util/a.cpp", function("short_now", 10))
        self.allow("# header\nsrc/util/a.cpp:short_now  # it was long\n")
        rc, out, _ = self.run_checker()
        self.assertEqual(rc, 1)
        self.assertEqual(len(out), 1, out)
        self.assertTrue(out[0].endswith("allowed.txt:2: src/util/a.cpp:short_now is within the limits (or gone); "
                                        "remove the line"), out)

    def test_members_outside_and_inside_classes_and_constructors(self):
        self.write("src/http/c.cpp", "".join([
            "template <typename T>\nstd::optional<T> Client::fetch(const Request& r, int& x) const {\n",
            "".join(f"  x += {i};\n" for i in range(60)), "}\n\n",
            "Client::Client(Options o, int& x)\n    : options_(std::move(o)),\n      pool_{4, 8} {\n",
            "".join(f"  x += {i};\n" for i in range(59)), "}\n\n",
            "class Inner : public Base<int> {\n public:\n  int a_ = 0;\n",
            textwrap.indent(function("~Inner", 62, "~Inner() override"), "  "),
            textwrap.indent(function("operator()", 63, "bool operator()(int& x) const noexcept"), "  "),
            "};\n",
        ]))
        self.assert_fails_with(
            "src/http/c.cpp:2: function Client::fetch is 62 lines (limit 60)",
            "src/http/c.cpp:65: function Client::Client is 61 lines (limit 60)",
            "src/http/c.cpp:132: function Inner::~Inner is 62 lines (limit 60)",
            "src/http/c.cpp:194: function Inner::operator() is 63 lines (limit 60)")

    def test_short_lambdas_count_only_towards_their_function(self):
        lambda_ = "  auto f = [&](int y) -> int {\n    return y + 1;\n  };\n"
        self.write("src/util/a.cpp", "void g(int& x) {\n" + lambda_ + "".join(f"  x += {i};\n" for i in range(54))
                   + "}\n")
        self.assert_passes()

    def test_a_long_lambda_is_reported_too(self):
        body = "".join(f"    x += {i};\n" for i in range(60))
        self.write("src/util/a.cpp", "void g(int& x) {\n  run([&] {\n" + body + "  });\n}\n")
        self.assert_fails_with(
            "src/util/a.cpp:1: function g is 64 lines (limit 60)",
            "src/util/a.cpp:2: function <lambda in g> is 62 lines (limit 60)")

    def test_braces_in_comments_strings_and_preprocessor_lines_are_not_code(self):
        self.write("src/util/a.cpp", "".join([
            '#define OPEN {\n',
            'const char* k = R"x(}}} "{" )x";\n',
            "void f(int& x) {\n",
            "  // }\n  /* } */\n  char c = '}';\n  const char* s = \"}\\\"}\";\n  x = 1'000'000;\n",
            "}\n",
            "void h(int& x) {\n",
            "".join(f"  x += {i};\n" for i in range(60)),
            "}\n",
        ]))
        self.assert_fails_with("src/util/a.cpp:10: function h is 62 lines (limit 60)")

    def test_only_src_and_include_are_scanned(self):
        self.write("tests/unit/a_test.cpp", function("long_test", 100) + "int x;\n" * 400)
        self.write("src/util/a.txt", "x\n" * 500)
        self.write("src/util/a.cpp", function("fine", 3))
        self.assert_passes()


if __name__ == "__main__":
    unittest.main()
