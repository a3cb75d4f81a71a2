#!/usr/bin/env python3
"""Runs the shell examples of README.md and docs/*.md against a real Relish and compares the
output each one shows.

Usage: docs_test.py RELISH_BINARY [DOC.md ...]
       (default: README.md, docs/*.md and docs/language/*.md; a marked ```deluge block is
       language_test.py's)

Marking an example runnable
  Put the comment `<!-- docs-test -->` on the line right before a fenced block (GitHub does not
  render it). Blocks without it are not run: a block that needs a browser, the internet or a
  second machine stays unmarked, with a sentence saying why where that is not obvious.
  In a marked block a line `$ COMMAND` is a command (a line ending in `\\` continues it on the
  next line); the lines after it, up to the next `$ `, are what it prints (stdout and stderr
  together). Comments after a command (`# ...`) are the shell's.
  Setup a reader need not see (signing in, exporting a token) goes in a comment that starts with
  a line `<!-- docs-test` and ends with a line `-->`: its `$ ` lines and output run like a block.

The session
  Each document gets its own throwaway directory, its own `relish serve` on a free loopback port
  with `./relish-data` as its data directory (started before the document's first marked block),
  and one bash session: every marked block of the document runs in order in that shell, so a
  variable one block exports (RELISH_TOKEN) is there for the next. The session's HOME is the
  throwaway directory (so `~/.config/relish/cli.json` is the CLI's saved login), its working
  directory has `build/relish` and `examples/` (the repository's), `relish` is on PATH, and
  RELISH_URL points at the server. Standard input is /dev/null: a command that reads a password
  says where from (`< relish-data/initial-admin-password`).
  - `<!-- docs-test-serve: FLAGS -->` anywhere in a document adds FLAGS to its server's command
    line (`--set egress_allow_loopback=true` for a service that calls the server itself).
  - `$ build/relish serve ...` (or `relish serve`) is not run again: what it shows is compared
    with what the session's server printed when it started.
  - `$ cat FILE` for a FILE that does not exist yet writes the shown lines to it first (8080 made
    the real port), so a doc that shows a script with `cat` and then runs it works as it reads.

Comparing
  - The port: `8080` in a command (`localhost:8080`, `127.0.0.1:8080`) is the server's real port,
    and the real port in the output reads as 8080. The session's directory reads as `~` (HOME)
    or as nothing (the working directory, so `relish-data/...` stays relative).
  - A line that is just `...` (indented or not) stands for any number of lines, none included;
    `...` inside a line for any text on that line (`run_01a2...`, `{"code":0,...}`).
  - A date-time shown as `2026-12-05 23:40:00` (or with `T`, fractions, `Z`, ` UTC`) matches
    any date-time of that shape. An id shown in full (`org_01m94gqbg693tz2e6t6txtd36f`: a
    prefix, `_` and 20 or more lowercase letters and digits) matches any id with that prefix.
  - Placeholders: `<time>` is any such date-time, `<id>` any run of letters, digits, `_` and
    `-`, `<n>` any whole number, `<token>` any run of non-blank characters.
  - Two or more spaces match two or more spaces, so table columns may be wider than shown.
  - Output shown starting with `{` or `[` for a command that prints one line (a JSON answer) may
    be wrapped over several lines: they are joined, leading blanks dropped, before comparing.
  - Trailing blank lines are not compared.
  - A command that shows no output must print nothing and exit 0. A command that shows output
    is judged by its output alone (an error's `relish: ...` line is output; add
    `; echo "exit $?"` to show an exit code). A command gets 30 s.
Every file a doc names as `src/...`, `tests/...` (and the other top folders) or links to
relatively must exist, in docs/*/ too.
A failure names the document, the line of the command and the first expected line that did not
match, then what the command printed.
"""
import concurrent.futures
import glob
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MARKER = "<!-- docs-test -->"
SERVE = re.compile(r"<!-- docs-test-serve: (.*) -->")
HIDDEN = "<!-- docs-test"
COMMAND_TIMEOUT = 30  # seconds; a hang is a failure, not a stuck ctest

DATETIME = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z| UTC)?"
PLACEHOLDERS = {
    "<time>": DATETIME,
    "<id>": r"[A-Za-z0-9_-]+",
    "<n>": r"\d+",
    "<token>": r"\S+",
}
ID = r"\b[a-z]+_[0-9a-z]{20,}\b"  # Relish's ids: a prefix, `_`, 20 or more characters
TOKEN_RE = re.compile(
    r"(<time>|<id>|<n>|<token>|\.\.\.|\b[a-z]+_[0-9a-z]{20,}\b|"
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z| UTC)?|  +)")


class Block:
    def __init__(self, doc, line):
        self.doc, self.line, self.commands = doc, line, []  # commands: (line, text, [(line, out)])


def parse_body(doc, lines, j, end, block):
    """Reads `$ ` commands and their output from LINES[j:] up to the line END says ends it."""
    while j < len(lines) and not end(lines[j]):
        text = lines[j]
        if text.startswith("$ "):
            start, command = j + 1, text[2:]
            while command.endswith("\\") and j + 1 < len(lines):
                j += 1
                command += "\n" + lines[j]
            block.commands.append((start, command, []))
        elif block.commands:
            block.commands[-1][2].append((j + 1, text))
        elif text.strip():
            sys.exit(f"{doc}:{j + 1}: output before the first `$ ` command of a docs-test block")
        j += 1
    return j


def parse(doc):
    """The marked blocks of DOC, each with its commands and their shown output."""
    blocks = []
    lines = open(doc, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == HIDDEN:
            # Setup a reader does not need to see: commands inside the comment, run like a block.
            block = Block(doc, i + 1)
            i = parse_body(doc, lines, i + 1, lambda text: text.strip() == "-->", block)
            blocks.append(block)
        elif lines[i].strip() == MARKER:
            j = i + 1
            if j >= len(lines) or not lines[j].startswith("```"):
                sys.exit(f"{doc}:{i + 1}: {MARKER} must be right before a fenced block")
            if lines[j].startswith("```deluge"):
                i = j + 1  # a Deluge example: tests/docs/language_test.py runs it
                continue
            block = Block(doc, j + 1)
            i = parse_body(doc, lines, j + 1, lambda text: text.startswith("```"), block)
            blocks.append(block)
        i += 1
    return blocks


def line_regex(expected):
    out = []
    for piece in TOKEN_RE.split(expected):
        if piece == "":
            continue
        if piece in PLACEHOLDERS:
            out.append(PLACEHOLDERS[piece])
        elif piece == "...":
            out.append(r"[^\n]*?")
        elif re.fullmatch(ID, piece):
            out.append(re.escape(piece.split("_")[0]) + r"_[0-9a-z]{20,}")
        elif re.fullmatch(DATETIME, piece):
            out.append(DATETIME)
        elif piece.startswith("  ") and not piece.strip():
            out.append(r" {2,}")
        else:
            out.append(re.escape(piece))
    return "".join(out)


def pattern(expected_lines, prefix=False):
    parts = []
    for text in expected_lines:
        parts.append(r"(?:[^\n]*\n)*?" if text.strip() == "..." else line_regex(text) + r"\n")
    return "".join(parts) + (r"(?:[^\n]*\n)*" if prefix else "")


def trim(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def compare(expected, actual_text):
    """None when ACTUAL_TEXT matches EXPECTED [(line, text)], else (doc line, expected text)."""
    expected = [(n, t) for n, t in expected]
    while expected and not expected[-1][1].strip():
        expected.pop()
    actual = "\n".join(trim(actual_text.split("\n")))
    if expected and expected[0][1].startswith(("{", "[")) and "\n" not in actual:
        # One JSON answer, wrapped in the doc for reading.
        expected = [(expected[0][0], "".join(t.strip() for _, t in expected))]
    actual = actual + "\n" if actual else ""
    texts = [t for _, t in expected]
    if re.fullmatch(pattern(texts), actual):
        return None
    for k in range(1, len(texts) + 1):
        if not re.match(pattern(texts[:k], prefix=True), actual):
            return expected[k - 1]
    return (expected[-1][0] if expected else None, "(end of the output)")


class Session:
    def __init__(self, binary, doc, serve_flags=()):
        self.serve_flags = list(serve_flags)
        self.dir = tempfile.mkdtemp(prefix="relish-docs-")
        self.home = os.path.join(self.dir, "home")
        self.work = os.path.join(self.dir, "work")
        bindir = os.path.join(self.dir, "bin")
        for d in (self.home, self.work, bindir, os.path.join(self.work, "build")):
            os.makedirs(d, exist_ok=True)
        os.symlink(binary, os.path.join(self.work, "build", "relish"))
        os.symlink(binary, os.path.join(bindir, "relish"))
        os.symlink(os.path.join(ROOT, "examples"), os.path.join(self.work, "examples"))
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("RELISH_") and not k.startswith("XDG_")}
        self.env.update(HOME=self.home, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                        LC_ALL="C.UTF-8", TZ="UTC")
        self.port = None  # known once the server listens (it binds port 0: no race for a port)
        self.url = None
        self.server = None
        self.server_out = ""
        self.shell = None
        self.count = 0

    def start(self):
        out = open(os.path.join(self.dir, "server.out"), "w")
        err = open(os.path.join(self.dir, "server.err"), "w")
        self.server = subprocess.Popen(
            ["build/relish", "serve", "--data", "relish-data", "--listen", "127.0.0.1:0"]
            + self.serve_flags,
            cwd=self.work, env=self.env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            text = open(os.path.join(self.dir, "server.out")).read()
            m = re.search(r"Relish is serving .* at http://127\.0\.0\.1:(\d+)/", text)
            if m:
                self.port = int(m.group(1))
                self.url = f"http://127.0.0.1:{self.port}"
                self.server_out = self.unlocalize(text)
                break
            if self.server.poll() is not None:
                break
            time.sleep(0.05)
        if "Relish is serving" not in self.server_out:
            sys.exit("relish serve did not start: " + open(os.path.join(self.dir, "server.err")).read())
        self.env["RELISH_URL"] = self.url
        self.shell = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=self.work, env=self.env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, start_new_session=True)

    def localize(self, command):
        return re.sub(r"\b(localhost|127\.0\.0\.1):8080\b", lambda m: f"{m.group(1)}:{self.port}",
                      command)

    def unlocalize(self, text):
        text = re.sub(rf"(localhost|127\.0\.0\.1)(:|%3A){self.port}(?!\d)", r"\1\g<2>8080", text)
        text = text.replace(self.home, "~").replace(self.work + "/", "").replace(self.work, ".")
        return text

    def run(self, command, expected):
        """Runs COMMAND in the session; returns (output, exit code)."""
        if re.match(r"(build/)?relish serve\b", command):
            return self.server_out, 0
        m = re.fullmatch(r"cat (\S+)", command.strip())
        if m and not os.path.exists(os.path.join(self.work, m.group(1))):
            os.makedirs(os.path.dirname(os.path.join(self.work, m.group(1))), exist_ok=True)
            with open(os.path.join(self.work, m.group(1)), "w") as f:
                f.write(self.localize("\n".join(t for _, t in expected)) + "\n")
        self.count += 1
        script = os.path.join(self.dir, f"cmd{self.count}.sh")
        output = os.path.join(self.dir, f"out{self.count}")
        with open(script, "w") as f:
            f.write(self.localize(command) + "\n")
        self.shell.stdin.write(
            f"source {script} >{output} 2>&1 </dev/null; echo \"docs-test-done $?\"\n".encode())
        self.shell.stdin.flush()
        deadline = time.time() + COMMAND_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([self.shell.stdout], [], [], max(0, deadline - time.time()))
            if not ready:
                return open(output).read() + f"\n(timed out after {COMMAND_TIMEOUT} s)", 124
            chunk = os.read(self.shell.stdout.fileno(), 1)
            if not chunk:
                return open(output).read() + "\n(the shell exited)", 125
            line += chunk
        rc = int(line.split()[-1])
        return self.unlocalize(open(output, errors="replace").read()), rc

    def close(self):
        if self.shell:
            try:
                os.killpg(self.shell.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.shell.wait()
        if self.server:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_doc(binary, doc):
    """Runs DOC's blocks in one session: (commands, failures, the report's lines)."""
    blocks = parse(doc)
    report = []
    if not blocks:
        return 0, 0, report
    name = os.path.relpath(doc, ROOT)
    flags = [f for m in SERVE.finditer(open(doc, encoding="utf-8").read()) for f in m.group(1).split()]
    session = Session(binary, doc, flags)
    failures = commands = 0
    try:
        session.start()
        for block in blocks:
            for line, command, expected in block.commands:
                commands += 1
                output, rc = session.run(command, expected)
                shown = [t for _, t in expected if t.strip()]
                problem = None
                if not shown and (rc != 0 or output.strip()):
                    problem = f"{name}:{line}: shows no output, but it exited {rc} and printed:"
                elif shown:
                    miss = compare(expected, output)
                    if miss:
                        problem = (f"{name}:{miss[0] or line}: expected `{miss[1]}`"
                                   f" (exit code {rc}); it printed:")
                if problem:
                    failures += 1
                    report.append(f"FAILED {name}:{line}: $ {command}\n  {problem}")
                    for text in trim(output.split("\n")):
                        report.append("  | " + text)
                    # Later commands of the document build on this one: they are still run,
                    # and their own failures reported, so one run shows everything.
    finally:
        session.close()
    report.append(f"{name}: {commands} commands, {failures} failed")
    return commands, failures, report


REPO_PATH = re.compile(r"`((?:src|tests|scripts|docs|examples|services|web|bench|fuzz)/[^`\s]*)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def check_paths(docs):
    """Files a doc names (`src/x.cc`, `tests/...`, relative links) exist: the count of those that do not."""
    missing = 0
    for doc in docs:
        name = os.path.relpath(doc, ROOT)
        for number, line in enumerate(open(doc, encoding="utf-8"), 1):
            for m in LINK.finditer(line):
                target = m.group(1)
                if not re.match(r"[a-z]+:", target) and \
                        not os.path.exists(os.path.join(os.path.dirname(doc), target)):
                    missing += 1
                    print(f"FAILED {name}:{number}: the link {target} leads nowhere")
            for m in REPO_PATH.finditer(line):
                target = m.group(1).split(":")[0]
                if re.search(r"[*{}<>\[\]]|\.\.\.|NAME|ID", target):
                    continue  # a pattern, not a file
                if not os.path.exists(os.path.join(ROOT, target)):
                    missing += 1
                    print(f"FAILED {name}:{number}: {target} does not exist")
    return missing


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.realpath(sys.argv[1])
    docs = sys.argv[2:] or [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "docs", "*.md"))) + sorted(
        glob.glob(os.path.join(ROOT, "docs", "language", "*.md")))
    total = 0
    failed = check_paths([os.path.realpath(d) for d in docs] + (
        [] if sys.argv[2:] else sorted(glob.glob(os.path.join(ROOT, "docs", "*", "*.md")))))
    # Two documents at a time: each waits mostly on its server's password hashing (first start,
    # sign-in), and sessions share nothing.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda doc: run_doc(binary, os.path.realpath(doc)), docs)
        for commands, failures, report in results:
            for line in report:
                print(line)
            total += commands
            failed += failures
    print(f"docs_test: {total} commands, {failed} failed")
    if total == 0:
        print("FAILED: no marked examples found")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
