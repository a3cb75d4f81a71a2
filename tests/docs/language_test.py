#!/usr/bin/env python3
"""Runs the Deluge examples of docs/language/*.md with `relish run` and compares what they show.

Usage: language_test.py RELISH_BINARY [DOC.md ...]   (default: docs/language/*.md)

Two kinds of example are checked:
  - Inline, in prose and tables: `EXPR` is `VALUE`, `EXPR` → `VALUE`, or `EXPR` → VALUE where
    VALUE is a number, true, false or error. Each runs as the script `info EXPR;` and must print
    VALUE (or, for `error`, fail). A match that is not an evaluation ("`x.floor()` is
    `floor(x)`") is listed in NOT_EXAMPLES below with the reason; a listed one the docs no longer
    have is an error too, so the list cannot go stale.
  - Blocks: `<!-- docs-test -->` right before a ```deluge block runs the block as a script; the
    fenced block right after it (blank lines between) is what it prints: its `info` lines, then a
    runtime error as `error: line N: message` (what `relish run` prints as `FILE:N: message`).
    The conventions of tests/docs/docs_test.py apply to that output (`...`, `<n>`, ...).
The language's own tests are tests/deluge/**/*.test; these only keep the pages' examples true,
and check that every test a page cites (`operators/arithmetic.test`) is there.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docs_test  # noqa: E402  (the output conventions)

ROOT = docs_test.ROOT

# (page, expression): why it is not an example to run.
NOT_EXAMPLES = {
    ("builtins.md", "x.floor()"): "an equivalence of two spellings, not a value",
    ("builtins.md", "t.subString(1, 3)"): "an equivalence of two spellings, not a value",
    ("builtins.md", "'1-Jan-2019'"): "Zoho's Pacific-time example of a date in a list; "
                                     "datetime/functions.test pins it with @timezone",
    ("decisions.md", "1"): "a map key stored as text: map/map.test",
    ("reference.md", "7/2"): "the reference's open question; operators.md gives Relish's answer",
    ("reference.md", "randomNumber(1,3)"): "random: 1 or 2",
    ("reference.md", ".subMonth(1)"): "continues the example before it ('01-Jan-2019'.subMonth(1))",
}

INLINE = re.compile(
    r"`([^`]+)`\s*(?:is|→)\s*(?:`([^`]+)`|(-?\d+(?:\.\d+)?|true|false|error)(?![\w]))")


def inline_examples(doc):
    name = os.path.basename(doc)
    for number, text in enumerate(open(doc, encoding="utf-8"), 1):
        for m in INLINE.finditer(text):
            expr, value = m.group(1), m.group(2) if m.group(2) is not None else m.group(3)
            yield name, number, expr, value


def block_examples(doc):
    lines = open(doc, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == docs_test.MARKER and i + 1 < len(lines) and \
                lines[i + 1].startswith("```deluge"):
            j = i + 2
            script = []
            while j < len(lines) and not lines[j].startswith("```"):
                script.append(lines[j])
                j += 1
            k = j + 1
            while k < len(lines) and not lines[k].strip():
                k += 1
            expected = []
            if k < len(lines) and lines[k].startswith("```"):
                k += 1
                while k < len(lines) and not lines[k].startswith("```"):
                    expected.append((k + 1, lines[k]))
                    k += 1
            yield i + 2, "\n".join(script) + "\n", expected
            i = k
        i += 1


def run(binary, tmp, source):
    path = os.path.join(tmp, "example.dg")
    with open(path, "w") as f:
        f.write(source)
    p = subprocess.run([binary, "run", "example.dg"], cwd=tmp, capture_output=True, text=True,
                       timeout=30, env={**os.environ, "TZ": "UTC"})
    err = re.sub(r"^example\.dg:(\d+): ", r"error: line \1: ", p.stderr, flags=re.M)
    return p.stdout + err, p.returncode


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.realpath(sys.argv[1])
    docs = sys.argv[2:] or sorted(glob.glob(os.path.join(ROOT, "docs", "language", "*.md")))
    failed = checked = 0
    seen = set()
    with tempfile.TemporaryDirectory(prefix="relish-language-docs-") as tmp:
        for doc in docs:
            rel = os.path.relpath(os.path.realpath(doc), ROOT)
            for name, line, expr, value in inline_examples(doc):
                if (name, expr) in NOT_EXAMPLES:
                    seen.add((name, expr))
                    continue
                checked += 1
                output, rc = run(binary, tmp, f"info {expr};\n")
                got = output.rstrip("\n")
                ok = rc != 0 if value == "error" else (rc == 0 and got == value.strip("'"))
                if not ok:
                    failed += 1
                    print(f"FAILED {rel}:{line}: `{expr}` shows `{value}`; `info {expr};` printed"
                          f" (exit code {rc}):\n  | " + "\n  | ".join(got.split("\n")))
            for line, source, expected in block_examples(doc):
                checked += 1
                output, rc = run(binary, tmp, source)
                miss = docs_test.compare(expected, output)
                if miss:
                    failed += 1
                    print(f"FAILED {rel}:{line}: the example's output\n  {rel}:{miss[0] or line}:"
                          f" expected `{miss[1]}`; it printed:")
                    for text in docs_test.trim(output.split("\n")):
                        print("  | " + text)
        # The tests a page cites ("operators/arithmetic.test" in decisions.md) exist.
        for doc in docs:
            rel = os.path.relpath(os.path.realpath(doc), ROOT)
            for number, text in enumerate(open(doc, encoding="utf-8"), 1):
                for cited in re.findall(r"\b([a-z_]+/[a-z_0-9-]+\.test)\b", text):
                    if not os.path.exists(os.path.join(ROOT, "tests", "deluge", cited)):
                        failed += 1
                        print(f"FAILED {rel}:{number}: cites {cited}, which tests/deluge does not have")
    if not sys.argv[2:]:
        for stale in sorted(set(NOT_EXAMPLES) - seen):
            failed += 1
            print(f"FAILED NOT_EXAMPLES lists {stale}, which docs/language/ no longer has")
    print(f"language docs: {checked} examples, {failed} failed")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
