#!/usr/bin/env python3
"""Secrets typed at a terminal are never echoed: each command that reads one runs on a real
pseudo-terminal, and what the terminal shows is checked for the secret. The input is typed only
after the prompt appears, as a person would (typed earlier, the terminal would echo it before
the command could turn echo off). The server is unreachable: reading comes first."""
import os
import pty
import sys

relish = os.path.realpath(sys.argv[1])
remote = ["--url", "http://127.0.0.1:1", "--token", "rl_not_a_token"]
failed = False


def run(args, prompts_and_lines):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["XDG_CONFIG_HOME"] = "/nonexistent-relish-test"
        os.execv(relish, [relish] + args)
    seen = b""

    def read_until(text):
        nonlocal seen
        while text.encode() not in seen:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            seen += chunk
        return True

    for prompt, line in prompts_and_lines:
        if not read_until(prompt):
            return seen, False
        os.write(fd, line.encode() + b"\n")
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.waitpid(pid, 0)
    return seen, True


def check(name, args, prompts_and_lines, secrets):
    global failed
    seen, prompted = run(args, prompts_and_lines)
    text = seen.decode(errors="replace")
    if not prompted:
        print(f"FAILED: {name}: no prompt; the terminal showed {text!r}")
        failed = True
    for s in secrets:
        if s in text:
            print(f"FAILED: {name}: the terminal showed the secret {s!r}: {text!r}")
            failed = True


check("connections credentials", ["connections", "credentials", "stripe"] + remote,
      [("then an empty line:", "api_key=sk_live_typed_secret"), ("(1 read)", "")],
      ["sk_live_typed_secret"])
check("password", ["password"] + remote,
      [("Current password: ", "old typed secret 1"), ("New password: ", "new typed secret 2"),
       ("New password again: ", "new typed secret 2")],
      ["old typed secret 1", "new typed secret 2"])
check("login", ["login", "--email", "a@example.com"] + remote[:2],
      [("Password: ", "login typed secret 3")], ["login typed secret 3"])
check("users create", ["users", "create", "b@example.com"] + remote,
      [("Password for b@example.com: ", "user typed secret 4")], ["user typed secret 4"])
print("FAILED" if failed else "ok")
sys.exit(1 if failed else 0)
