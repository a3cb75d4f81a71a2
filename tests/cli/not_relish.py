#!/usr/bin/env python3
"""Every `relish` command that talks to a server, pointed at a JSON server that is not Relish.

The commands are enumerated from the binary's own help (`relish --help`, recursively): every
leaf command with a --url option is run against answers of the wrong shape (a list, a number
where a list belongs, another API's object, text, an empty body, an HTML error page, JSON nested
a hundred thousand deep, a redirect, an error with a message). Each must end with exit code 1
and one line on stderr saying what it got, never with an abort (exit 134) or a stack trace:

    relish: not a Relish server at URL: METHOD PATH: what was wrong

Usage: not_relish.py RELISH_BINARY
"""
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading

RELISH = os.path.realpath(sys.argv[1])

# What the server answers, by the first segment of the request's path (the test puts it at the
# end of --url): status, content type, body.
DEEP = b"[" * 100000 + b"]" * 100000
SCENARIOS = {
    "array": (200, "application/json", b"[1, 2, 3]"),
    "number": (200, "application/json", b'{"connections": 5}'),
    "code": (200, "application/json", b'{"code": 7}'),
    "nested": (200, "application/json", b'{"connections": [{"link_name": 5}]}'),
    "text": (200, "text/plain", b"hello"),
    "empty": (200, None, b""),
    "html500": (500, "text/html; charset=utf-8",
                b"<html><body><h1>Internal Server Error</h1></body></html>"),
    "code-error": (400, "application/json", b'{"code": 7}'),
    "deep": (200, "application/json", DEEP),
    "redirect": (302, None, b""),
    "message": (404, "application/json", b'{"message": "no such thing here"}'),
    "escape": (400, "application/json", b'{"code": "not_found", "message": "bad \\u001b[31mred"}'),
}

# What every command must say for a scenario, after "relish: not a Relish server at URL: METHOD
# PATH: " (None: the whole line is given, or depends on the command).
WHAT = {
    "array": "the answer is a list, not an object",
    "text": "HTTP 200 with a body of type text/plain that is not JSON",
    "empty": "HTTP 200 with an empty body",
    "html500": "HTTP 500 with a body of type text/html that is not JSON",
    "code-error": "HTTP 400 with JSON that is not a Relish error",
    "deep": "HTTP 200 with JSON nested deeper than 512 levels",
    "redirect": "HTTP 302, a redirect to http://elsewhere.example/ (is --url the server's address?)",
}
# The server's own message, whatever the command.
WHOLE = {
    "message": "relish: no such thing here\n",
    "escape": "relish: bad \\x1b[31mred\n",
}
# Exact lines for the commands the issue names, on the answers whose fault depends on the command.
SPECIFIC = {
    ("connections list", "number"): "'connections' is a number, not a list",
    ("connections list", "nested"): "'connections[0].link_name' is a number, not a string",
    ("connections list", "code"): "the answer has no 'connections'",
    ("services list", "number"): "the answer has no 'services'",
    ("runs list", "code"): "the answer has no 'runs'",
    ("rules list", "code"): "the answer has no 'rules'",
    ("topping list", "code"): "the answer has no 'toppings'",
    ("login", "code"): "the answer has no 'token'",
    ("keys rotate", "code"): "the answer has no 'resealed'",
}

last_request = None


class NotRelish(http.server.BaseHTTPRequestHandler):
    def answer(self):
        global last_request
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        scenario, _, rest = self.path.lstrip("/").partition("/")
        last_request = f"{self.command} /{rest.split('?')[0]}"
        status, content_type, body = SCENARIOS[scenario]
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if scenario == "redirect":
            self.send_header("Location", "http://elsewhere.example/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer

    def log_message(self, *args):
        pass


def help_of(path):
    out = subprocess.run([RELISH, *path, "--help"], capture_output=True, text=True, check=True)
    return out.stdout


def section(text, name):
    """The lines of a help section ("Subcommands:", "Positionals:", "Options:")."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            inside = line == name
            continue
        # Deeper indented: a long entry's description, wrapped to its own line.
        if inside and line.startswith("  ") and not line.startswith("   ") and line.strip():
            lines.append(line.strip())
    return lines


def commands(path=()):
    """Every leaf command under `path`, with its help text."""
    text = help_of(path)
    subs = section(text, "Subcommands:")
    if not subs:
        yield path, text
        return
    for line in subs:
        yield from commands(path + (line.split()[0].rstrip(","),))  # "activate, enable"


def main():
    work = tempfile.mkdtemp()
    yaml_file = os.path.join(work, "service.yaml")
    with open(yaml_file, "w") as f:
        f.write("id: x\n")
    topping = os.path.join(work, "topping")
    os.makedirs(topping)
    with open(os.path.join(topping, "topping.yaml"), "w") as f:
        f.write("namespace: x\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotRelish)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    env = {k: v for k, v in os.environ.items() if not k.startswith("RELISH_")}
    env["XDG_CONFIG_HOME"] = os.path.join(work, "config")

    remote = []
    for path, text in commands():
        options = section(text, "Options:")
        if not any(o.startswith("--url ") for o in options):
            continue  # works on the data directory, not a server
        args = list(path)
        for p in section(text, "Positionals:"):
            name = p.split()[0]
            args.append({"file": yaml_file, "dir": topping, "role": "admin"}.get(name, "x1"))
        for o in options:
            if "REQUIRED" in o.split():
                args += [o.split()[0].split(",")[-1], "x1"]
        if path == ("logout",):
            args += ["--token", "x1"]  # without one, logout has nothing to ask the server
        remote.append((" ".join(path), args))

    names = [n for n, _ in remote]
    for must in ["login", "services list", "connections list", "connections create", "keys rotate",
                 "topping list", "topping push", "rules list", "rules show", "runs list",
                 "runs show"]:
        assert must in names, f"{must} missing from the commands found: {names}"

    failures = []
    runs = 0
    for name, args in remote:
        for scenario in SCENARIOS:
            # --json prints the answer as it came, after the same checks of its fields.
            json_too = scenario in ("array", "number", "code", "nested")
            for extra in ([], ["--json"]) if json_too else ([],):
                global last_request
                last_request = None
                url = f"{base}/{scenario}"
                r = subprocess.run([RELISH, *args, "--url", url, *extra], input="key=value\nkey=value\n",  # `password` reads two lines
                                  
                                   capture_output=True, text=True, env=env, timeout=60)
                runs += 1
                what = f"relish {name} {' '.join(extra)} against {scenario}"
                if last_request is None:
                    failures.append(f"{what}: never asked the server ({r.stderr.strip()})")
                    continue
                prefix = f"relish: not a Relish server at {url}: {last_request}: "
                if scenario in WHOLE:
                    want = WHOLE[scenario]
                elif (name, scenario) in SPECIFIC:
                    want = prefix + SPECIFIC[(name, scenario)] + "\n"
                elif scenario in WHAT:
                    want = prefix + WHAT[scenario] + "\n"
                else:
                    want = None
                if r.returncode != 1:
                    failures.append(f"{what}: exit {r.returncode}, stderr {r.stderr!r}")
                elif r.stdout:
                    failures.append(f"{what}: printed {r.stdout!r}")
                elif want is not None and r.stderr != want:
                    failures.append(f"{what}: expected {want!r}, got {r.stderr!r}")
                elif want is None and not (r.stderr.startswith(prefix) and
                                           r.stderr.count("\n") == 1):
                    failures.append(f"{what}: expected one line starting {prefix!r}, "
                                    f"got {r.stderr!r}")
    server.shutdown()
    if failures:
        print("\n".join(failures))
        print(f"FAILED: {len(failures)} of {runs} runs")
        sys.exit(1)
    print(f"ok: {len(remote)} commands, {runs} runs")


if __name__ == "__main__":
    main()
