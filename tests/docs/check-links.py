#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that the project's Markdown documents point at things that exist.

For README.md and docs/*.md (or the Markdown files named after the root):
  * every relative link or image ([text](path), [label]: path, href=, src=)
    names a file or folder of the repository (tracked, or new and not
    ignored: a build product is not in the repository);
  * every #anchor, to the same document or another Markdown file, names a
    heading there, by GitHub's rule: lowercase, punctuation dropped, each
    space a '-', and -1, -2, ... on repeated headings;
  * a Markdown file named in prose (outside code and links) is a link, so a
    reader can follow it and this check can see that it exists;
  * in README.md, a repository path in code (`installers/run.sh`,
    `tests/fuzz/corpus/decode/`) exists; a test named by its executable
    (`tests/common/tst_codec`) counts when its source file does. docs/ names
    folders that are still planned, so this part is README's alone.

Usage: check-links.py REPO_ROOT [FILE.md ...]
Prints FILE:LINE: problem for each one and exits 1 when there is any.
No dependencies beyond Python 3.
"""
import os
import re
import subprocess
import sys
import urllib.parse

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# A code span: a run of backticks, text without a blank line, the same run.
CODE_SPAN = re.compile(r"(`+)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
LINK = re.compile(
    r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"  # [text], one level of nested brackets
    r"\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"  # (target
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)",  # optional "title")
    re.S,
)
REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+).*$", re.M)
HTML_TARGET = re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
HTML_ANCHOR = re.compile(r"<a\s[^>]*\b(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)
HTML_TAG = re.compile(r"<[^>\n]+>")
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.I)
ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
MARKDOWN_NAME = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-][\w.-]*\.md)(?![\w/-])")
PATH_TOKEN_SPLIT = re.compile(r"[\s\"'`()\[\]{},;=|<>]+")


def blank(text, start, end):
    """text with [start, end) replaced by spaces, newlines kept (line numbers stay)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


class Document:
    """A Markdown file split into what the checks need, line numbers kept."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        self.code_lines = []  # (line number, text) of fenced code
        prose_lines = []
        fence = None
        for number, line in enumerate(lines, 1):
            match = FENCE.match(line)
            if fence is None and match:
                fence = match.group(1)
                prose_lines.append("")
            elif fence is not None:
                marker = match.group(1) if match else ""
                closing = marker[:1] == fence[0] and len(marker) >= len(fence)
                if closing and not line.strip().strip(fence[0]):
                    fence = None
                else:
                    self.code_lines.append((number, line))
                prose_lines.append("")
            else:
                prose_lines.append(line)
        text = "\n".join(prose_lines)
        self.code_spans = []  # (line number, content)
        for match in reversed(list(CODE_SPAN.finditer(text))):
            self.code_spans.append((self.line_of(text, match.start()), match.group(2)))
            text = blank(text, match.start(), match.end())
        self.prose = text  # code blanked out
        self.headings = self._headings(prose_lines)

    @staticmethod
    def line_of(text, position):
        return text.count("\n", 0, position) + 1

    def _headings(self, prose_lines):
        slugs = set()
        seen = {}

        def add(title):
            base = slug(title)
            name = base
            while name in slugs:
                seen[base] = seen.get(base, 0) + 1
                name = f"{base}-{seen[base]}"
            slugs.add(name)

        for i, line in enumerate(prose_lines):
            match = ATX_HEADING.match(line)
            if match and line.lstrip().startswith("#"):
                add(match.group(1) or "")
            elif (
                SETEXT_UNDERLINE.match(line)
                and i > 0
                and prose_lines[i - 1].strip()
                and not prose_lines[i - 1].lstrip().startswith(("|", "#", "-", "*", ">"))
            ):
                add(prose_lines[i - 1])
        for line in prose_lines:
            for match in HTML_ANCHOR.finditer(line):
                slugs.add(match.group(1))
        return slugs

    def targets(self):
        """(line number, target) of every link, image, reference and HTML target."""
        found = []
        for match in LINK.finditer(self.prose):
            target = match.group(2)
            if target.startswith("<"):
                target = target[1:-1]
            found.append((self.line_of(self.prose, match.start()), target))
        for match in REFERENCE.finditer(self.prose):
            target = match.group(1)
            if target.startswith("<"):
                target = target[1:-1]
            found.append((self.line_of(self.prose, match.start()), target))
        for match in HTML_TARGET.finditer(self.prose):
            found.append((self.line_of(self.prose, match.start()), match.group(1)))
        return found

    def unlinked_markdown_names(self):
        """(line number, name) of Markdown files named in prose outside any link."""
        text = self.prose
        for pattern in (LINK, REFERENCE, HTML_TAG, URL):
            for match in reversed(list(pattern.finditer(text))):
                text = blank(text, match.start(), match.end())
        return [(self.line_of(text, m.start()), m.group(1)) for m in MARKDOWN_NAME.finditer(text)]


def slug(title):
    """GitHub's anchor for a heading."""
    title = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link's text stays
    title = HTML_TAG.sub("", title)
    title = title.strip().lower()
    title = re.sub(r"[^\w\- ]", "", title)
    return title.replace(" ", "-")


class Repository:
    """The files of the repository: git's view when there is one (so that a
    build product beside the sources does not count), else the disk's."""

    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.files = None
        try:
            listing = subprocess.run(
                ["git", "-C", self.root, "ls-files", "-z", "--cached", "--others",
                 "--exclude-standard"],
                capture_output=True,
                check=True,
            ).stdout
            self.files = {name.decode() for name in listing.split(b"\0") if name}
        except (OSError, subprocess.CalledProcessError):
            pass
        self.folders = set()
        if self.files is not None:
            for name in self.files:
                parts = name.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    self.folders.add("/".join(parts[:i]))

    def relative(self, absolute):
        """The repository-relative form of an absolute path; None outside the repository."""
        absolute = os.path.normpath(absolute)
        if absolute == self.root:
            return ""
        if not absolute.startswith(self.root + os.sep):
            return None
        return os.path.relpath(absolute, self.root).replace(os.sep, "/")

    def exists(self, relative):
        if relative is None:
            return False
        if relative == "":
            return True
        on_disk = os.path.exists(os.path.join(self.root, relative))
        if self.files is None:
            return on_disk
        return on_disk and (relative in self.files or relative in self.folders)

    def top_level(self):
        if self.files is not None:
            return {name.split("/")[0] for name in self.files}
        names = os.listdir(self.root)
        return {name for name in names if name != ".git" and not name.startswith("build")}

    def has_file_with_stem(self, relative):
        folder, _, stem = relative.rpartition("/")
        absolute_folder = os.path.join(self.root, folder)
        if not os.path.isdir(absolute_folder):
            return False
        return any(
            name.startswith(stem + ".") and self.exists(f"{folder}/{name}" if folder else name)
            for name in os.listdir(absolute_folder)
        )


def check(repository, path, documents):
    problems = []
    document = documents[path]
    shown = repository.relative(path) or path

    def problem(line, message):
        problems.append(f"{shown}:{line}: {message}")

    for line, target in document.targets():
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
            continue  # another site, mailto: and the like: not ours to check
        target = target.split("?", 1)[0]
        file_part, _, anchor = target.partition("#")
        file_part = urllib.parse.unquote(file_part)
        anchor = urllib.parse.unquote(anchor)
        if file_part:
            base = repository.root if file_part.startswith("/") else os.path.dirname(path)
            absolute = os.path.join(base, file_part.lstrip("/"))
            relative = repository.relative(absolute)
            if relative is None:
                problem(line, f"link '{target}' leaves the repository")
                continue
            if not repository.exists(relative):
                problem(line, f"link '{target}' names nothing in the repository ({relative})")
                continue
        else:
            absolute = path
        if anchor and absolute.endswith(".md"):
            target_document = documents.get(absolute)
            if target_document is None:
                target_document = documents[absolute] = Document(absolute)
            if anchor not in target_document.headings:
                where = "this document" if absolute == path else repository.relative(absolute)
                problem(line, f"link '{target}': no heading in {where} has the anchor #{anchor}")

    for line, name in document.unlinked_markdown_names():
        problem(line, f"names {name} without linking it; make it a link to the file")

    if os.path.basename(path) == "README.md" and os.path.dirname(path) == repository.root:
        top = repository.top_level()
        code = document.code_spans + document.code_lines
        tokens = [(line, token) for line, text in code for token in PATH_TOKEN_SPLIT.split(text)]
        for line, token in tokens:
            token = token.rstrip(".:")
            if token.startswith("./"):
                token = token[2:]
            if "/" not in token and not token.endswith(".md"):
                continue
            if token.split("/")[0] not in top or re.search(r"[*?$~]", token):
                continue  # not a path into the repository (build/, /etc, $VAR, globs)
            relative = token.rstrip("/")
            if not repository.exists(relative) and not repository.has_file_with_stem(relative):
                problem(line, f"'{token}' is not in the repository")
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    repository = Repository(argv[1])
    if len(argv) > 2:
        paths = [os.path.realpath(p) for p in argv[2:]]
    else:
        paths = [os.path.join(repository.root, "README.md")]
        docs = os.path.join(repository.root, "docs")
        if os.path.isdir(docs):
            paths += sorted(os.path.join(docs, n) for n in os.listdir(docs) if n.endswith(".md"))
    documents = {path: Document(path) for path in paths}
    problems = []
    for path in paths:
        problems += check(repository, path, documents)
    for line in problems:
        print(line)
    checked = ", ".join(repository.relative(p) or p for p in paths)
    if problems:
        print(f"{len(problems)} problem(s) in {checked}", file=sys.stderr)
        return 1
    print(f"links, anchors and paths resolve in {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
