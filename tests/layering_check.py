#!/usr/bin/env python3
"""layering_check.py -- the layers of docs/ARCHITECTURE.md, checked.

usage: layering_check.py SOURCE_DIR

The one source of the allowed edges is CMake: each library folder's
CMakeLists.txt names its target (add_library / add_executable) and the
libraries it links (target_link_libraries, $<TARGET_OBJECTS:...>). This
script fails (exit 1, one line per finding) when
  - docs/ARCHITECTURE.md's layer table does not list exactly those folders,
    targets and links (the document and the build agree);
  - a link goes up or sideways (LIB_FOLDERS is the layer order, bottom
    first) or the links have a cycle, or a folder builds a target without
    being placed in that order;
  - a source file includes a header of another folder whose library its
    target does not link directly (which also catches every upward include:
    an upward link would be a cycle);
  - an include is written with "../" or names a file that does not exist
    (includes are by path from the source root, same-folder ones bare).
tests/ and bench/ may use every library, but their includes obey the same
spelling rules.
"""
import os
import re
import sys

# Folders that hold one library (or program) each, bottom first.
LIB_FOLDERS = ["proto", "geodata", "geodata/render", "server/csv", "server/engine",
               "server/store", "server/ops", "server/fhir", "server/daemon", "client/lib",
               "client/cli"]
# Where library folders live: a CMakeLists.txt with a target below one of
# these that is not in LIB_FOLDERS is a new layer nobody placed (an error).
LIB_ROOTS = ["proto", "geodata", "server", "client"]
# Folders that may use anything (their targets link what they test/measure).
FREE_FOLDERS = ["tests", "bench"]
# Generated headers live in the build tree under gen/<folder>/.
GENERATED = {"proto/version.h"}
SRC_EXT = (".c", ".h")

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def strip_cmake_comments(text):
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
                     for line in text.splitlines())


def cmake_calls(text, name):
    """Argument lists of every NAME(...) call (no nested parentheses in ours
    except generator expressions, which we keep as words)."""
    out = []
    for m in re.finditer(r"\b%s\s*\(" % name, text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append(text[m.end():i - 1].split())
    return out


def read_cmake(src):
    """folder -> (target, set of linked folders, extra bare-include folders)."""
    target_of, links_of, incdirs_of = {}, {}, {}
    raw_links = {}
    for folder in LIB_FOLDERS:
        text = strip_cmake_comments(open(os.path.join(src, folder, "CMakeLists.txt")).read())
        targets = [a[0] for a in cmake_calls(text, "add_library") + cmake_calls(text, "add_executable")]
        # An OBJECT library and the static library built from it are one target.
        main = [t for t in targets if not t.endswith("_obj")]
        target_of[folder] = main[0] if main else targets[0]
        words = set()
        for args in cmake_calls(text, "target_link_libraries"):
            words.update(a for a in args[1:] if a not in ("PUBLIC", "PRIVATE", "INTERFACE"))
        for m in re.finditer(r"\$<TARGET_OBJECTS:(\w+)>", text):
            words.add(m.group(1))
        raw_links[folder] = words
        inc = set()
        for args in cmake_calls(text, "target_include_directories"):
            for a in args:
                m = re.match(r"\$\{PROJECT_SOURCE_DIR\}/(.+)$", a)
                if m:
                    inc.add(m.group(1))
        incdirs_of[folder] = inc
    folder_of = {t: f for f, t in target_of.items()}
    folder_of.update({t + "_obj": f for f, t in target_of.items()})
    for folder, words in raw_links.items():
        links_of[folder] = {folder_of[w] for w in words if w in folder_of} - {folder}
    return target_of, links_of, incdirs_of


def free_incdirs(src):
    """Include folders the tests/ and bench/ targets add (relative words)."""
    out = {}
    for folder in FREE_FOLDERS:
        text = strip_cmake_comments(open(os.path.join(src, folder, "CMakeLists.txt")).read())
        inc = set()
        for args in cmake_calls(text, "target_include_directories"):
            inc.update(os.path.join(folder, a) for a in args[1:]
                       if a not in ("PUBLIC", "PRIVATE", "INTERFACE") and not a.startswith("$"))
        out[folder] = inc
    return out


def read_doc(src, problems):
    """The table of docs/ARCHITECTURE.md: | `folder/` | `target` | `a`, `b` | ..."""
    path = os.path.join(src, "docs", "ARCHITECTURE.md")
    try:
        text = open(path).read()
    except OSError as e:
        problems.append("docs/ARCHITECTURE.md: %s" % e)
        return {}
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        folder = cells[0].strip("`").rstrip("/")
        if folder not in LIB_FOLDERS:
            continue
        target = cells[1].strip("`")
        uses = set(re.findall(r"`([^`]+)`", cells[2]))
        rows[folder] = (target, {u.rstrip("/") for u in uses})
    return rows


def find_cycle(links):
    state = {}

    def visit(f, path):
        if state.get(f) == 1:
            return path[path.index(f):] + [f]
        if state.get(f) == 2:
            return None
        state[f] = 1
        for g in sorted(links.get(f, ())):
            c = visit(g, path + [f])
            if c:
                return c
        state[f] = 2
        return None

    for f in LIB_FOLDERS:
        c = visit(f, [])
        if c:
            return c
    return None


def folder_of_file(rel):
    for folder in sorted(LIB_FOLDERS + FREE_FOLDERS, key=len, reverse=True):
        if rel == folder or rel.startswith(folder + "/"):
            return folder
    return None


def check_includes(src, links_of, incdirs_of, problems):
    for top in LIB_FOLDERS + FREE_FOLDERS:
        for root, dirs, files in os.walk(os.path.join(src, top)):
            dirs[:] = [d for d in dirs if d != "corpus"]
            for name in sorted(files):
                if not name.endswith(SRC_EXT):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, src)
                folder = folder_of_file(rel)
                if folder != top:
                    continue  # a nested library folder is walked on its own
                here = os.path.dirname(path)
                text = open(path, errors="replace").read()
                for m in INCLUDE_RE.finditer(text):
                    inc = m.group(1)
                    line = text.count("\n", 0, m.start()) + 1
                    where = "%s:%d: \"%s\"" % (rel, line, inc)
                    if inc.startswith("../") or "/../" in inc or inc.startswith("./"):
                        problems.append("%s: relative include path (write it from the source root)" % where)
                        continue
                    if "/" not in inc:
                        dirs_ok = [here] + [os.path.join(src, d) for d in incdirs_of.get(folder, ())]
                        if not any(os.path.isfile(os.path.join(d, inc)) for d in dirs_ok):
                            problems.append("%s: bare include of a file not in this folder" % where)
                        continue
                    if not (os.path.isfile(os.path.join(src, inc)) or inc in GENERATED):
                        problems.append("%s: no such header in the source tree" % where)
                        continue
                    owner = folder_of_file(inc)
                    if owner is None:
                        problems.append("%s: header outside every library folder" % where)
                        continue
                    if folder in FREE_FOLDERS or owner == folder:
                        continue
                    if owner in FREE_FOLDERS:
                        problems.append("%s: a library includes a test/bench header" % where)
                    elif owner not in links_of.get(folder, ()):
                        above = LIB_FOLDERS.index(owner) > LIB_FOLDERS.index(folder)
                        problems.append("%s: %s does not link %s%s; see docs/ARCHITECTURE.md"
                                        % (where, folder, owner, " (a layer above)" if above else ""))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src = sys.argv[1]
    problems = []
    target_of, links_of, incdirs_of = read_cmake(src)
    incdirs_of.update(free_incdirs(src))
    doc = read_doc(src, problems)
    for folder in LIB_FOLDERS:
        if folder not in doc:
            problems.append("docs/ARCHITECTURE.md: no row for `%s/`" % folder)
            continue
        target, uses = doc[folder]
        if target != target_of[folder]:
            problems.append("docs/ARCHITECTURE.md: `%s/` is target `%s` in CMake, `%s` in the doc"
                            % (folder, target_of[folder], target))
        if uses != links_of[folder]:
            problems.append("docs/ARCHITECTURE.md: `%s/` links %s in CMake, the doc says %s"
                            % (folder, sorted(links_of[folder]), sorted(uses)))
    for folder in LIB_FOLDERS:
        for g in sorted(links_of[folder]):
            if LIB_FOLDERS.index(g) > LIB_FOLDERS.index(folder):
                problems.append("CMake: %s links %s, which is not below it" % (folder, g))
    for root in LIB_ROOTS:
        for d, _, files in os.walk(os.path.join(src, root)):
            rel = os.path.relpath(d, src)
            if "CMakeLists.txt" in files and rel not in LIB_FOLDERS:
                text = strip_cmake_comments(open(os.path.join(d, "CMakeLists.txt")).read())
                if cmake_calls(text, "add_library") or cmake_calls(text, "add_executable"):
                    problems.append("%s/ builds a target but is no layer: add it to LIB_FOLDERS "
                                    "(tests/layering_check.py) and docs/ARCHITECTURE.md" % rel)
    cycle = find_cycle(links_of)
    if cycle:
        problems.append("CMake links have a cycle: %s" % " -> ".join(cycle))
    check_includes(src, links_of, incdirs_of, problems)
    for p in problems:
        print(p)
    print("layering_check: %d folders, %d problems" % (len(LIB_FOLDERS), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
