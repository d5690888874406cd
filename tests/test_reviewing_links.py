"""docs/reviewing.md: every test it cites is one pytest collects, and every section cites one.

A test link is a Markdown link whose target is a pytest node id relative to the doc,
``[text](../tests/FILE.py#TEST)``, ``::Class::method``, optionally ``[ID]`` for one
parametrized case. Test ids come from pytest's own collection of the linked modules, run once
in a subprocess for all of them. Other relative links must name a file or folder that exists.
Code (fenced blocks and inline spans) is not read: links shown as examples are not links.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "reviewing.md"
# Deleting links, or a whole section's worth, fails below this.
MIN_TEST_LINKS = 80

_FENCE = re.compile(r"^```.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_TEST_TARGET = re.compile(r"^(?P<file>[^#:\s]+\.py)#(?P<node>[A-Za-z_]\w*(?:::[A-Za-z_]\w*)?)")

Collector = Callable[[Iterable[Path]], frozenset[str]]


@dataclass(frozen=True)
class Link:
    target: str
    line: int

    @property
    def test(self) -> re.Match[str] | None:
        return _TEST_TARGET.match(self.target)


def prose(text: str) -> str:
    """``text`` with fenced blocks and inline code blanked, line numbers kept."""
    text = _FENCE.sub(lambda m: "\n" * m.group().count("\n"), text)
    return _INLINE_CODE.sub("", text)


def links(text: str) -> list[Link]:
    """Every relative link of the Markdown ``text``, outside code."""
    body = prose(text)
    found = []
    for match in _LINK.finditer(body):
        target = match.group(1)
        if "://" not in target and not target.startswith(("#", "mailto:")):
            found.append(Link(target, body.count("\n", 0, match.start()) + 1))
    return found


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, the prose under it up to the next heading), in order."""
    body = prose(text)
    headings = list(_HEADING.finditer(body))
    return [
        (h.group(2), body[h.end() : nxt.start() if nxt else len(body)])
        for h, nxt in zip(headings, [*headings[1:], None], strict=True)
    ]


_collected: dict[Path, frozenset[str]] = {}


def collect(files: Iterable[Path]) -> frozenset[str]:
    """The node ids pytest collects from ``files`` (relative to the repository root),
    from one ``pytest --collect-only`` for the files not collected before."""
    wanted = sorted({f.resolve() for f in files})
    missing = [f for f in wanted if f not in _collected]
    if missing:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
        names = [str(f.relative_to(ROOT)) for f in missing]
        command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0"]
        result = subprocess.run(
            [*command, "-p", "no:cacheprovider", *names],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        ids = {line.strip() for line in result.stdout.splitlines() if "::" in line}
        for file in missing:
            prefix = f"{file.relative_to(ROOT).as_posix()}::"
            _collected[file] = frozenset(i for i in ids if i.startswith(prefix))
    return frozenset().union(*(_collected[f] for f in wanted))


def broken_links(text: str, base: Path, collector: Collector = collect) -> list[str]:
    """Why each broken link of ``text`` (a doc in folder ``base``) is broken; [] if none."""
    broken = []
    test_links: list[tuple[Link, Path, str]] = []
    for link in links(text):
        where = f"line {link.line}: {link.target}"
        match = link.test
        if match is None:
            if ".py#" in link.target or not (base / link.target).exists():
                broken.append(f"{where}: no such file or folder, and not a test id")
            continue
        path = (base / match["file"]).resolve()
        if not path.is_relative_to(ROOT / "tests") or not path.is_file():
            broken.append(f"{where}: no test file {match['file']}")
            continue
        node = "::" + link.target[len(match["file"]) + 1 :]
        test_links.append((link, path, f"{path.relative_to(ROOT).as_posix()}{node}"))
    ids = collector({path for _, path, _ in test_links}) if test_links else frozenset()
    for link, _, node_id in test_links:
        exists = node_id in ids or (
            "[" not in node_id and any(i.startswith(f"{node_id}[") for i in ids)
        )
        if not exists:
            broken.append(f"line {link.line}: {link.target}: pytest collects no {node_id}")
    return broken


def test_every_test_link_in_the_reviewing_guide_resolves() -> None:
    broken = broken_links(GUIDE.read_text(encoding="utf-8"), GUIDE.parent)
    assert not broken, f"{GUIDE.relative_to(ROOT)} has broken links:\n" + "\n".join(broken)


def test_the_reviewing_guide_cites_enough_tests() -> None:
    cited = [link for link in links(GUIDE.read_text(encoding="utf-8")) if link.test]
    assert len(cited) >= MIN_TEST_LINKS, f"only {len(cited)} test links in {GUIDE.name}"


def test_every_section_of_the_reviewing_guide_cites_a_test() -> None:
    found = sections(GUIDE.read_text(encoding="utf-8"))
    assert len(found) >= 6, [heading for heading, _ in found]
    bare = [heading for heading, body in found if not any(link.test for link in links(body))]
    assert not bare, f"sections of {GUIDE.name} that cite no test: {bare}"


SYNTHETIC = """\
# A doc

[good](../tests/test_wrong_fixes.py#test_seed_page_sample_still_answers_the_seed_400),
[good case](../tests/test_merge_shapes.py#test_audit_finds_every_merge_shape[dict_union]),
[all cases](../tests/test_merge_shapes.py#test_audit_finds_every_merge_shape),
[a file](../repro/handler_merge.py), and in code, not a link:
`[x](../tests/test_nowhere.py#test_x)`.

## Broken

[no file](../tests/test_nowhere.py#test_x)
[no test](../tests/test_wrong_fixes.py#test_that_was_renamed)
[no case](../tests/test_merge_shapes.py#test_audit_finds_every_merge_shape[no_such_shape])
[no class](../tests/test_wrong_fixes.py#TestNothing::test_x)
[no folder](../nowhere/)

```python
# Not a heading, and [x](../tests/test_nowhere.py#test_y) is not a link
```
"""


def test_checker_reports_each_broken_link_of_a_synthetic_doc() -> None:
    broken = broken_links(SYNTHETIC, GUIDE.parent)

    assert [line.partition(": ")[2] for line in broken] == [
        "../tests/test_nowhere.py#test_x: no test file ../tests/test_nowhere.py",
        "../nowhere/: no such file or folder, and not a test id",
        "../tests/test_wrong_fixes.py#test_that_was_renamed: pytest collects no "
        "tests/test_wrong_fixes.py::test_that_was_renamed",
        "../tests/test_merge_shapes.py#test_audit_finds_every_merge_shape[no_such_shape]: "
        "pytest collects no tests/test_merge_shapes.py::test_audit_finds_every_merge_shape"
        "[no_such_shape]",
        "../tests/test_wrong_fixes.py#TestNothing::test_x: pytest collects no "
        "tests/test_wrong_fixes.py::TestNothing::test_x",
    ]
    assert [heading for heading, _ in sections(SYNTHETIC)] == ["A doc", "Broken"]


def test_checker_finds_no_section_link_once_the_links_are_gone() -> None:
    stripped = _LINK.sub("", GUIDE.read_text(encoding="utf-8"))
    assert links(stripped) == []
    assert all(not links(body) for _, body in sections(stripped))
