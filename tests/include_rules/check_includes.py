#!/usr/bin/python3
"""Checks that each room includes only the rooms ARCHITECTURE.md allows.

The rule lives in one place: the markdown table in ARCHITECTURE.md whose header row is
`| room | may include |`. Each row names a room (src/<room>/ and include/oci_push/<room>/, e.g. `auth/aws`)
and the rooms whose headers its files, .cpp and .h, may include; "(nothing of ours)" or "—" means none.
A room may always include itself. The row `main` is src/main.cpp, the binary's main (it has no headers).

Every .cpp and .h under src/ and include/oci_push/ is scanned; tests/, fuzz/ and bench/ may include anything
and are not. Failures, one line each (exit status 1):
  - an include of another room's header that the table does not allow;
  - an include of oci_push/<file>.h that names no room, or one naming a room that is not in the table;
  - one of our headers included by a relative or bare name (it would dodge the rule);
  - a source file in a directory that is not a room in the table;
  - no such table in ARCHITECTURE.md (or one that names rooms it does not define).

Usage: check_includes.py [--root DIR]   (default: the repository holding this script)
Standard library only; run with Debian's /usr/bin/python3.
"""

import argparse
import os
import re
import sys
from pathlib import Path

DOC = "ARCHITECTURE.md"
HEADER = ("room", "may include")
NONE_MARKERS = {"(nothing of ours)", "nothing of ours", "—", "–", "-", "none", ""}
MAIN_ROOM = "main"  # the row for the binary's main, which is no directory
MAIN_FILE = "src/main.cpp"
SOURCE_SUFFIXES = {".cpp", ".cc", ".cxx", ".h", ".hpp", ".hh", ".ipp", ".inc"}
SCANNED = ("src", "include/oci_push")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
ROOM_NAME_RE = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


class TableError(Exception):
    pass


def _cells(line):
    """The cells of a markdown table row, stripped, or None when the line is not a row."""
    s = line.strip()
    if not s.startswith("|"):
        return None
    s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _plain(cell):
    return cell.replace("`", "").replace("*", "").strip()


def parse_table(text):
    """{room: the rooms it may include, in the row's order} from the `| room | may include |` table.

    Raises TableError naming what is wrong."""
    lines = text.splitlines()
    found = []
    in_fence = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        cells = _cells(line)
        if cells and len(cells) >= 2 and tuple(_plain(c).lower() for c in cells[:2]) == HEADER:
            found.append(i)
    if not found:
        raise TableError(f"{DOC}: no table with the header row '| room | may include |'")
    if len(found) > 1:
        where = ", ".join(str(i + 1) for i in found)
        raise TableError(f"{DOC}: more than one '| room | may include |' table (lines {where}); keep one")
    start = found[0]
    sep = _cells(lines[start + 1]) if start + 1 < len(lines) else None
    if not sep or not all(re.fullmatch(r":?-+:?", c) for c in sep):
        raise TableError(f"{DOC}:{start + 2}: the '| room | may include |' header is not followed by a |---|---| row")

    table = {}
    rows_at = {}
    for i in range(start + 2, len(lines)):
        cells = _cells(lines[i])
        if cells is None:
            break
        lineno = i + 1
        if len(cells) < 2:
            raise TableError(f"{DOC}:{lineno}: include table row without a 'may include' cell")
        room = _plain(cells[0])
        if not ROOM_NAME_RE.match(room):
            raise TableError(f"{DOC}:{lineno}: '{room}' is not a room name (lower case, '/' for a sub-room)")
        if room in table:
            raise TableError(f"{DOC}:{lineno}: room '{room}' has two rows (first at line {rows_at[room]})")
        allowed_cell = _plain(cells[1])
        allowed = []
        if allowed_cell.lower() not in NONE_MARKERS:
            for item in allowed_cell.split(","):
                item = item.strip()
                if not ROOM_NAME_RE.match(item):
                    raise TableError(f"{DOC}:{lineno}: '{item}' in room '{room}''s row is not a room name")
                if item not in allowed:
                    allowed.append(item)
        table[room] = allowed
        rows_at[room] = lineno
    if not table:
        raise TableError(f"{DOC}:{start + 1}: the include table has no rows")
    for room, allowed in table.items():
        unknown = sorted(a for a in allowed if a not in table)
        if unknown:
            raise TableError(f"{DOC}:{rows_at[room]}: room '{room}' may include {', '.join(unknown)}, "
                             f"which the table has no row for")
    return table


def _allowed_text(table, room):
    return ", ".join(table[room]) if table[room] else "nothing of ours"


def _rooms_with_dirs(table):
    return [r for r in table if r != MAIN_ROOM]


def room_of_file(rel_dir, table):
    """The room of a file in `rel_dir` (its directory below src/ or include/oci_push/, '' for the top),
    or None when that directory is not a room."""
    if rel_dir == "":
        return None
    return rel_dir if rel_dir in table and rel_dir != MAIN_ROOM else None


def room_of_include(path, table):
    """For `oci_push/<path>`: ('ok', room) by the longest room prefix, ('noroom', None) for a bare file,
    ('unknown', first_dir) for a directory that is no room."""
    parts = path.split("/")
    if len(parts) == 1:
        return "noroom", None
    dirs = parts[:-1]
    for n in range(len(dirs), 0, -1):
        candidate = "/".join(dirs[:n])
        if candidate in table and candidate != MAIN_ROOM:
            return "ok", candidate
    return "unknown", "/".join(dirs)


def source_files(root):
    """(relative path, scanned top, directory below that top) for each source file, sorted."""
    out = []
    for top in SCANNED:
        base = root / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                p = Path(dirpath) / name
                if p.suffix not in SOURCE_SUFFIXES:
                    continue
                rel_dir = Path(dirpath).relative_to(base).as_posix()
                out.append((p.relative_to(root).as_posix(), top, "" if rel_dir == "." else rel_dir))
    return sorted(out)


def _is_our_header(root, including_file, written):
    """Whether a quoted include not spelled oci_push/... still finds one of our headers (a relative or bare
    name, resolved as the compiler would: next to the including file, then in include/)."""
    for base in (including_file.parent, root / "include"):
        try:
            target = (base / written).resolve()
        except OSError:
            continue
        if target.is_file():
            for top in ("src", "include"):
                try:
                    target.relative_to((root / top).resolve())
                    return True
                except ValueError:
                    pass
    return False


def check(root):
    """(violations, number of includes checked, number of files scanned). Raises TableError."""
    doc = root / DOC
    if not doc.is_file():
        raise TableError(f"{DOC}: not found under {root}")
    table = parse_table(doc.read_text(encoding="utf-8"))
    rooms = ", ".join(_rooms_with_dirs(table))
    violations = []
    n_includes = 0
    files = source_files(root)
    for rel, top, rel_dir in files:
        if rel == MAIN_FILE:
            room = MAIN_ROOM if MAIN_ROOM in table else None
            if room is None:
                violations.append(f"{rel}: {DOC}'s include table has no '{MAIN_ROOM}' row for it")
                continue
        else:
            room = room_of_file(rel_dir, table)
            if room is None:
                where = f"{top}/{rel_dir}" if rel_dir else top
                why = f" (only {MAIN_FILE} lies directly in src/)" if where == "src" else ""
                violations.append(f"{rel}: directory '{where}' is not a room in {DOC}'s include table{why} "
                                  f"(rooms: {rooms})")
                continue
        path = root / rel
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            violations.append(f"{rel}: cannot read: {e}")
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            delim, written = m.group(1), m.group(2).strip()
            if not written.startswith("oci_push/"):
                if delim == '"' and _is_our_header(root, path, written):
                    violations.append(f'{rel}:{lineno}: "{written}" is one of our headers by a relative name; '
                                      f'write "oci_push/<room>/<file>.h"')
                continue
            n_includes += 1
            kind, target = room_of_include(written[len("oci_push/"):], table)
            if kind == "noroom":
                violations.append(f'{rel}:{lineno}: "{written}" names no room; our headers are '
                                  f'oci_push/<room>/<file>.h (rooms: {rooms})')
            elif kind == "unknown" and target == MAIN_ROOM:
                violations.append(f"{rel}:{lineno}: \"{written}\": '{MAIN_ROOM}' (src/main.cpp) has no headers")
            elif kind == "unknown":
                violations.append(f"{rel}:{lineno}: \"{written}\" names room '{target}', which is not in "
                                  f"{DOC}'s include table (rooms: {rooms})")
            elif target != room and target not in table[room]:
                violations.append(f"{rel}:{lineno}: room '{room}' may not include '{target}' "
                                  f"({DOC} allows: {_allowed_text(table, room)})")
    return violations, n_includes, len(files)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2],
                    help="the repository root (default: the one holding this script)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    try:
        violations, n_includes, n_files = check(root)
    except TableError as e:
        print(f"include rules: {e}", file=sys.stderr)
        return 1
    if violations:
        for v in violations:
            print(v)
        print(f"include rules: {len(violations)} violation(s) in {n_includes} includes in {n_files} files "
              f"(the rule: the '| room | may include |' table in {DOC})", file=sys.stderr)
        return 1
    print(f"include rules: {n_includes} includes in {n_files} files, all allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
