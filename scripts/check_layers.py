#!/usr/bin/env python3
"""Checks the #include graph of src/ against the layering in docs/architecture.md.

- event/ is pure: it includes only event/ and util/.
- store/ never includes net/, api/ or app/; api/ never includes a store driver (store/sql/,
  store/sqlite/, store/postgres/); nothing but app/ includes app/.
- util/ includes only util/; feed/ (the change feed) includes nothing of Myelin.
- No cycles between top-level folders.
Prints each violation with the file and line, and exits 1 if there is any.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

# folder -> folders it may include (besides itself); None: no restriction from this table.
ALLOWED = {
    "util": set(),
    "feed": set(),  # forward-declares what it points at, so every service may include it
    "event": {"util"},
}
FORBIDDEN = {  # folder -> include path prefixes it must not use
    "store": ("net/", "api/", "app/"),
    "api": ("store/sql/", "store/sqlite/", "store/postgres/"),
}


def folder_of(rel: str) -> str:
    return rel.split("/", 1)[0] if "/" in rel else ""


def main() -> int:
    errors = []
    edges = {}  # folder -> {folder: (file, line)}
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".cpp", ".hpp", ".h"):
            continue
        rel = path.relative_to(SRC).as_posix()
        src = folder_of(rel)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(1)
            if not (SRC / inc).exists():
                continue  # a generated or third-party header
            dst = folder_of(inc)
            where = f"src/{rel}:{n}"
            if src in ALLOWED and dst not in ALLOWED[src] | {src}:
                errors.append(f"{where}: {src}/ may include only {sorted(ALLOWED[src] | {src})}, not {inc}")
            for prefix in FORBIDDEN.get(src, ()):
                if inc.startswith(prefix):
                    errors.append(f"{where}: {src}/ must not include {prefix} ({inc})")
            if dst == "app" and src != "app" and src != "":
                errors.append(f"{where}: only app/ and main.cpp include app/ ({inc})")
            if dst and src and dst != src:
                edges.setdefault(src, {}).setdefault(dst, where)

    # Cycles between folders: a depth-first search reports each back edge's cycle once.
    state, stack, seen_cycles = {}, [], set()

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, {})):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    hops = ", ".join(f"{a}->{b} ({edges[a][b]})" for a, b in zip(cycle, cycle[1:]))
                    errors.append(f"folder cycle {' -> '.join(cycle)}: {hops}")
            elif state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if state.get(node) is None:
            visit(node)

    for e in errors:
        print(e)
    if errors:
        print(f"check_layers: {len(errors)} violation(s)", file=sys.stderr)
        return 1
    print(f"check_layers: {sum(len(v) for v in edges.values())} folder edges, no violations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
