#!/usr/bin/python3
"""Checks the shape of the code: no source file over 400 lines, no function over 60.

Every .cpp and .h under src/ and include/ is scanned; tests/, fuzz/ and bench/ are not. Failures, one
line each (exit status 1):
  FILE: N lines (limit 400)
  FILE:LINE: function NAME is N lines (limit 60)
A function's lines run from the line of its opening brace to that of its closing brace, both counted;
LINE is where its name is. NAME is qualified by the class it is defined in or for ("Class::method").
Lambdas count towards the function around them, and are reported themselves ("<lambda in NAME>") only
when they are over the limit too.

The functions are found by a heuristic, not a compiler: comments, string and character literals (raw
strings and digit separators too) and preprocessor lines are blanked first; then each brace at namespace
or class scope is classified by the text before it (namespace, class, enum, function definition with its
constructor initialisers, lambda, or an initialiser), and inside function bodies only lambdas are looked
for. Enough for this codebase; a construct it misreads would show as a wrong or missing report.

Exceptions live in tests/code_shape/allowed.txt, one a line, each with its reason after '#':
  src/x.cpp:function_name  # why it may be longer    (NAME as reported, or its last part after '::')
  src/x.cpp  # why the file may be longer
Blank lines and lines that are only a comment are ignored. An entry without a reason, or one that
allows nothing any more (the function is short now, or gone), is a failure too, so the list stays true.

Usage: check_code_shape.py [--root DIR] [--allowlist FILE]
  (defaults: the repository holding this script, and DIR/tests/code_shape/allowed.txt)
Standard library only; run with Debian's /usr/bin/python3.
"""

import argparse
import os
import re
import sys
from pathlib import Path

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
SCANNED = ("src", "include")
SUFFIXES = {".cpp", ".h"}
ALLOWLIST = Path("tests/code_shape/allowed.txt")

IDENT_CHAR = re.compile(r"[A-Za-z0-9_]")
RAW_PREFIXES = ("R", "u8R", "uR", "UR", "LR")
NOT_FUNCTION_NAMES = {
    "if", "for", "while", "switch", "catch", "return", "sizeof", "alignof", "alignas", "decltype",
    "noexcept", "static_assert", "defined", "else", "do", "new", "delete", "throw", "requires", "co_return",
    "co_await", "co_yield", "typeid",
}
TRAILING_QUALIFIERS = re.compile(
    r"(?:\s*(?:\bconst\b|\bvolatile\b|\boverride\b|\bfinal\b|\bnoexcept\b(?:\s*\(\))?|\bmutable\b|"
    r"\bconstexpr\b|\btry\b|&&|&))+\s*$")
FUNCTION_NAME = re.compile(
    r"(?P<name>(?:(?:[A-Za-z_]\w*)\s*(?:<[^<>;{}]*>)?\s*::\s*)*"
    r"(?:~\s*[A-Za-z_]\w*|operator\s*(?:\(\)|\[\]|[^\s\w(]+|[A-Za-z_][\w:]*\s*[*&]*)|[A-Za-z_]\w*))"
    r"\s*(?:<[^<>;{}]*>)?\s*\(\)$")
CLASS_HEAD = re.compile(r"\b(class|struct|union)\b(?:\s*alignas\s*\(\))?\s*(?P<name>[A-Za-z_][\w:]*)?")


class Problem(Exception):
    """A file or allowlist the checker cannot read; the message says where."""


# ---- blanking comments, literals and preprocessor lines ---------------------------------------------

def _token_start(text, i):
    """Start of the identifier or number token that ends just before index i."""
    j = i
    while j > 0 and (IDENT_CHAR.match(text[j - 1]) or text[j - 1] in "'."):
        j -= 1
    return j


def blank_code(text):
    """`text` with comments, string and character literals and preprocessor lines replaced by spaces;
    newlines are kept, so line numbers and lengths stay as they were."""
    out = list(text)
    n = len(text)
    i = 0

    def blank(a, b):
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            j = i
            while j < n and text[j] != "\n":
                # A backslash at the end continues a // comment onto the next line.
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 1
                j += 1
            blank(i, j)
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif c == '"':
            start = _token_start(text, i)
            prefix = text[start:i]
            if prefix in RAW_PREFIXES:
                m = re.compile(r'"([^ ()\\\t\n]{0,16})\(').match(text, i)
                if m:
                    end = text.find(")" + m.group(1) + '"', m.end())
                    end = n if end < 0 else end + len(m.group(1)) + 2
                    blank(start, end)
                    i = end
                    continue
            j = i + 1
            while j < n and text[j] != '"' and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i, j + 1)
            i = j + 1
        elif c == "'":
            start = _token_start(text, i)
            if start < i and text[start].isdigit():  # a digit separator: 30'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != "'" and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i, j + 1)
            i = j + 1
        else:
            i += 1

    code = "".join(out)
    lines = code.split("\n")
    continued = False
    for k, line in enumerate(lines):
        if continued or line.lstrip().startswith("#"):
            continued = line.rstrip().endswith("\\")
            lines[k] = " " * len(line)
        else:
            continued = False
    return "\n".join(lines)


# ---- braces ------------------------------------------------------------------------------------------

def match_braces(code):
    """{index of '{': index of its '}'}; unbalanced braces are a Problem."""
    pairs = {}
    stack = []
    for i, c in enumerate(code):
        if c == "{":
            stack.append(i)
        elif c == "}":
            if not stack:
                raise Problem(f"line {code.count(chr(10), 0, i) + 1}: a '}}' closes nothing")
            pairs[stack.pop()] = i
    if stack:
        raise Problem(f"line {code.count(chr(10), 0, stack[-1]) + 1}: a '{{' is never closed")
    return pairs


def drop_attributes_and_templates(head):
    """`head` without [[attributes]] and template <...> parameter lists (they may hold "class" and braces)."""
    head = re.sub(r"\[\[.*?\]\]", " ", head, flags=re.S)
    out = []
    i = 0
    for m in re.finditer(r"\btemplate\s*<", head):
        if m.start() < i:
            continue
        out.append(head[i:m.start()])
        depth = 0
        j = m.end() - 1
        while j < len(head):
            if head[j] == "<":
                depth += 1
            elif head[j] == ">":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
    out.append(head[i:])
    return " ".join(out)


def skeleton(head):
    """`head` with the insides of (), [] and {} groups dropped: "f(int a) : b_{a}" -> "f() : b_{}".
    None when a parenthesis is left open (the brace after it is inside an expression)."""
    out = []
    closing = []
    for c in drop_attributes_and_templates(head):
        if c in "([{":
            if not closing:
                out.append(c)
            closing.append({"(": ")", "[": "]", "{": "}"}[c])
        elif c in ")]}":
            if closing and closing[-1] == c:
                closing.pop()
                if not closing:
                    out.append(c)
            elif not closing:
                out.append(c)
        elif not closing:
            out.append(c)
    if ")" in closing:
        return None
    return re.sub(r"\s+", " ", "".join(out)).strip()


def last_unclosed_paren(text):
    """Index of the innermost '(' that `text` leaves open; -1 when none is."""
    stack = []
    for i, c in enumerate(text):
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            stack.pop()
    return stack[-1] if stack else -1


def strip_function_tail(s):
    """The signature without what may follow its parameters: qualifiers, a trailing return type,
    constructor initialisers."""
    # Constructor initialisers: "X::X() : a_(), b_{}" (the first ')' followed by a single ':').
    m = re.match(r"^(.*?\))\s*(?:(?:const|noexcept|try)\s*)*:(?!:)\s*(?:[\w:<>]+\s*(?:\(\)|\{\})\s*,?\s*)+$", s)
    if m:
        s = m.group(1)
    s = re.sub(r"\)\s*((?:(?:const|noexcept|mutable|constexpr|&&|&)\s*)*)->[^;]*$", ")", s)
    s = re.sub(r"\brequires\b.*$", "", s).rstrip()
    return TRAILING_QUALIFIERS.sub("", s)


def is_lambda_tail(s):
    """Whether a skeleton ends like a lambda's introducer: "[&]", "[]()", "x = [this]() mutable"."""
    if re.search(r"\boperator\s*\[\]\s*\(\)$", s):
        return False
    return re.search(r"(?:^|[^\w\])\s]|\breturn|\bco_return)\s*\[\]\s*(?:\(\))?$", s) is not None


def classify(head):
    """What a brace at namespace or class scope opens, from the text since the previous declaration:
    ('namespace', None), ('class', name or None), ('function', name), ('lambda', None), ('enum', None) or
    ('init', None)."""
    s = skeleton(head)
    if s is None:
        return "init", None
    if re.search(r"\bnamespace\b", s) or re.search(r"\bextern\s*$", s):
        return "namespace", None
    tail = strip_function_tail(s)
    if is_lambda_tail(tail):
        return "lambda", None
    m = FUNCTION_NAME.search(tail)
    if m and not re.search(r"=\s*$", tail[:m.start()]):
        name = re.sub(r" ?([^\w ]) ?", r"\1", re.sub(r"\s+", " ", m.group("name")))
        if name.split("::")[-1] not in NOT_FUNCTION_NAMES:
            return "function", name
    if re.search(r"\benum\b", s):
        return "enum", None
    m = CLASS_HEAD.search(s)
    if m and "=" not in s[:m.start()]:
        return "class", (m.group("name") or "").split("::")[-1] or None
    return "init", None


def lambda_opens_at(code, brace):
    """Whether the '{' at index `brace` (inside a function) opens a lambda's body."""
    window = code[max(0, brace - 400):brace]
    # Only this expression: from the last statement boundary, and inside the call it is an argument of.
    window = window[max(window.rfind(";"), window.rfind("{"), window.rfind("}")) + 1:]
    window = window[last_unclosed_paren(window) + 1:]
    s = skeleton(window)
    return s is not None and is_lambda_tail(strip_function_tail(s))


# ---- the scan ------------------------------------------------------------------------------------------

class Scanner:
    def __init__(self, code):
        self.code = code
        self.pairs = match_braces(code)
        self.line_starts = [0] + [i + 1 for i, c in enumerate(code) if c == "\n"]
        self.found = []  # (name, line of the name, lines)

    def line_of(self, index):
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def record(self, name, name_index, open_index, close_index):
        lines = self.line_of(close_index) - self.line_of(open_index) + 1
        self.found.append((name, self.line_of(name_index), lines))

    def name_index(self, head_start, brace, name):
        """Where the function's name is written (before its parameters), for the report's line."""
        last = name.split("::")[-1].lstrip("~")
        m = re.compile(r"(?<![\w~])~?" + re.escape(last) + r"\s*[(<]").search(self.code, head_start, brace)
        return m.start() if m else brace

    def scope(self, begin, end, prefix):
        """Declarations between `begin` and `end` (a file, namespace or class body)."""
        i = begin
        head_start = begin
        while i < end:
            c = self.code[i]
            if c == ";":
                head_start = i + 1
            elif c == "{":
                close = self.pairs[i]
                kind, name = ("lambda", None) if lambda_opens_at(self.code, i) else classify(self.code[head_start:i])
                if kind == "namespace":
                    self.scope(i + 1, close, "")
                    head_start = close + 1
                elif kind == "class":
                    self.scope(i + 1, close, (prefix + name + "::") if name else prefix)
                    head_start = close + 1
                elif kind == "function":
                    full = name if "::" in name or not prefix else prefix + name
                    self.record(full, self.name_index(head_start, i, name), i, close)
                    self.body(i + 1, close, full)
                    head_start = close + 1
                elif kind == "lambda":
                    self.record("<lambda>", i, i, close)
                    self.body(i + 1, close, "<lambda>")
                elif kind == "enum":
                    head_start = close + 1
                else:  # an initialiser: the declaration goes on after it
                    self.body(i + 1, close, None)
                i = close
            i += 1

    def body(self, begin, end, owner):
        """Inside a function (or an initialiser): only lambdas are looked for."""
        i = begin
        while i < end:
            if self.code[i] == "{":
                close = self.pairs[i]
                if lambda_opens_at(self.code, i):
                    name = f"<lambda in {owner}>" if owner else "<lambda>"
                    self.record(name, i, i, close)
            i += 1


def scan(text):
    """[(function name, line of its name, its lines)] of one source file. Raises Problem."""
    s = Scanner(blank_code(text))
    s.scope(0, len(s.code), "")
    return s.found


# ---- the tree, the allowlist, the report ---------------------------------------------------------------

def source_files(root):
    out = []
    for top in SCANNED:
        base = root / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                p = Path(dirpath) / name
                if p.suffix in SUFFIXES:
                    out.append(p.relative_to(root).as_posix())
    return sorted(out)


def read_allowlist(path, shown):
    """{(file, function name or None): line number}; a Problem for an entry without a reason."""
    allowed = {}
    if not path.is_file():
        return allowed
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        entry, hash_, reason = line.partition("#")
        entry = entry.strip()
        if not entry:
            continue
        if not hash_ or not reason.strip():
            raise Problem(f"{shown}:{lineno}: '{entry}' has no reason; write it after '#'")
        file, colon, function = entry.partition(":")
        allowed[(file.strip(), function.strip() if colon else None)] = lineno
    return allowed


def _allows(allowed, file, name):
    for key in ((file, name), (file, name.split("::")[-1])):
        if key in allowed:
            return key
    return None


def check(root, allowlist_path):
    """(failures, files scanned, functions found). Raises Problem for an unusable allowlist."""
    try:
        shown = allowlist_path.resolve().relative_to(root).as_posix()
    except ValueError:
        shown = str(allowlist_path)
    allowed = read_allowlist(allowlist_path, shown)
    used = set()
    failures = []
    files = source_files(root)
    n_functions = 0
    for rel in files:
        text = (root / rel).read_text(encoding="utf-8", errors="replace")
        n_lines = len(text.splitlines())
        if n_lines > MAX_FILE_LINES:
            if (rel, None) in allowed:
                used.add((rel, None))
            else:
                failures.append((rel, 0, f"{rel}: {n_lines} lines (limit {MAX_FILE_LINES})"))
        try:
            found = scan(text)
        except Problem as e:
            failures.append((rel, 0, f"{rel}: cannot read its functions: {e}"))
            continue
        n_functions += sum(1 for name, _, _ in found if not name.startswith("<lambda"))
        for name, line, lines in found:
            if lines <= MAX_FUNCTION_LINES:
                continue
            key = _allows(allowed, rel, name)
            if key:
                used.add(key)
                continue
            failures.append((rel, line, f"{rel}:{line}: function {name} is {lines} lines (limit {MAX_FUNCTION_LINES})"))
    for key, lineno in sorted(allowed.items(), key=lambda kv: kv[1]):
        if key not in used:
            what = key[0] if key[1] is None else f"{key[0]}:{key[1]}"
            failures.append(("~", lineno, f"{shown}:{lineno}: {what} is within the limits (or gone); "
                                          f"remove the line"))
    failures.sort(key=lambda f: (f[0], f[1]))
    return [f[2] for f in failures], len(files), n_functions


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2],
                    help="the repository root (default: the one holding this script)")
    ap.add_argument("--allowlist", type=Path, default=None,
                    help=f"the exceptions (default: ROOT/{ALLOWLIST.as_posix()})")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    allowlist = args.allowlist if args.allowlist is not None else root / ALLOWLIST
    try:
        failures, n_files, n_functions = check(root, allowlist)
    except Problem as e:
        print(f"code shape: {e}", file=sys.stderr)
        return 1
    if failures:
        for f in failures:
            print(f)
        print(f"code shape: {len(failures)} problem(s) in {n_files} files ({n_functions} functions); limits: "
              f"{MAX_FILE_LINES} lines a file, {MAX_FUNCTION_LINES} a function", file=sys.stderr)
        return 1
    print(f"code shape: {n_files} files, {n_functions} functions, all within {MAX_FILE_LINES} lines a file "
          f"and {MAX_FUNCTION_LINES} a function")
    return 0


if __name__ == "__main__":
    sys.exit(main())
