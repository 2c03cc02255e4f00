#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that the settings files and the README name every setting the
programs read, and nothing else.

The variables a program reads are the string literals in its configuration
code that look like environment variable names (console/config/ConsoleConfig.cpp,
agent/core/AgentConfig.cpp), so a new setting cannot be added there without
this check seeing it. Each must be
  * in the README, as `NAME` or `NAME=...` in code;
  * a line NAME=... or #NAME=... of its systemd settings file
    (installers/systemd/console.env.example, agent.env.example),
unless it is excused below, with the reason. Every NAME=... line of a
settings file must in turn be a variable its program reads.

Usage: check-settings.py REPO_ROOT
Prints each problem and exits 1 when there is any. No dependencies beyond Python 3.
"""
import os
import re
import sys

PROGRAMS = {
    "metrics-console": ("console/config/ConsoleConfig.cpp", "installers/systemd/console.env.example"),
    "metrics-agent": ("agent/core/AgentConfig.cpp", "installers/systemd/agent.env.example"),
}

# Read from the environment, but set by the system, not by users.
NOT_SETTINGS = {
    "STATE_DIRECTORY": "set by systemd (StateDirectory=): where the service's database goes",
    "XDG_DATA_HOME": "the desktop's data folder: where the database goes when run by hand",
    "INVOCATION_ID": "set by systemd: tells the agent that it runs as a service",
    "JOURNAL_STREAM": "set by systemd: tells the agent that it runs as a service",
    "CREDENTIALS_DIRECTORY": "set by systemd for LoadCredential=",
}

# Settings that have no use in the service's settings file.
NOT_FOR_THE_SERVICE = {
    "metrics-console": {"METRICS_HEADLESS": "the unit always runs the console with --headless"},
    "metrics-agent": {"METRICS_PROC_ROOT": "reads fixture /proc trees, for tests"},
}

NAME_LITERAL = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')
SETTINGS_LINE = re.compile(r"^\s*#?\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=")


def read(root, relative):
    with open(os.path.join(root, relative), encoding="utf-8") as f:
        return f.read()


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = argv[1]
    readme = read(root, "README.md")
    problems = []
    for program, (source, example) in PROGRAMS.items():
        read_names = set(NAME_LITERAL.findall(read(root, source)))
        settings = read_names - NOT_SETTINGS.keys()
        if not settings:
            problems.append(f"{source}: found no variable names; has the configuration moved?")
        in_example = {}
        for number, line in enumerate(read(root, example).splitlines(), 1):
            match = SETTINGS_LINE.match(line)
            if match:
                in_example.setdefault(match.group(1), number)
        for name in sorted(settings):
            if not re.search(r"`" + re.escape(name) + r"(?:=[^`]*)?`", readme):
                problems.append(f"README.md: {program} reads {name} ({source}); name it here")
            excuse = NOT_FOR_THE_SERVICE[program].get(name)
            if name not in in_example and not excuse:
                problems.append(f"{example}: {program} reads {name} ({source}); list it here")
        for name, number in sorted(in_example.items()):
            if name not in settings:
                problems.append(f"{example}:{number}: {program} does not read {name} ({source})")
        for name in NOT_FOR_THE_SERVICE[program]:
            if name not in settings:
                problems.append(f"check-settings.py: {program} no longer reads {name}; unexcuse it")
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("the README and the settings files name every setting the programs read")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
