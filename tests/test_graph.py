"""facebuild graph: the build graph as text, Graphviz DOT and Mermaid; labels from the
cast cannot break out of their strings."""

from __future__ import annotations

import re
from pathlib import Path

from facebuild import load_cast, plan

CAST = """\
version: 1
name: Small
seed: 7
variants:
  bust: {size: 256, frame: Head and shoulders portrait, candidates: 2}
  icon: {size: 64, from: bust}
  full: {size: [200, 400], frame: Full body}
characters:
  - id: tessa
    name: Tessa
  - id: bob
    name: Bob
    variants: [full]
"""


def keys(path: Path) -> dict[str, tuple[str, int]]:
    return {n: (t.render_key[:12], t.seed) for n, t in plan(load_cast(path)).targets.items()}


def test_text_lists_renders_and_what_is_made_from_them(tmp_path: Path, cli) -> None:
    (tmp_path / "cast.yaml").write_text(CAST)
    k = keys(tmp_path / "cast.yaml")
    code, out, err = cli("graph")
    assert (code, err) == (0, "")
    assert out == (
        "tessa\n"
        f"  render {k['tessa/bust'][0]}  seed {k['tessa/bust'][1]}, 256x256\n"
        "    tessa/bust    tessa/bust.png\n"
        "    tessa/icon    tessa/icon.png  (from: bust)\n"
        f"  render {k['tessa/bust~2'][0]}  seed {k['tessa/bust~2'][1]}, 256x256\n"
        "    tessa/bust~2  tessa/bust.candidate-2.png  (candidate 2 of tessa/bust)\n"
        f"  render {k['tessa/full'][0]}  seed {k['tessa/full'][1]}, 200x400\n"
        "    tessa/full    tessa/full.png\n"
        "bob\n"
        f"  render {k['bob/full'][0]}  seed {k['bob/full'][1]}, 200x400\n"
        "    bob/full      bob/full.png\n"
        "5 targets, 4 renders\n")
    # one identity: the bust and the full body of a character share a seed
    assert k["tessa/bust"][1] == k["tessa/full"][1] != k["bob/full"][1]


def test_selected_targets_only(tmp_path: Path, cli) -> None:
    (tmp_path / "cast.yaml").write_text(CAST)
    code, out, _ = cli("graph", "cast.yaml", "*/full", "--format", "dot")
    assert code == 0
    nodes, edges = parse_dot(out)
    assert sorted(n["label"].split("\n")[0] for n in nodes.values() if n["shape"] == "note") == [
        "bob/full", "tessa/full"]
    assert [(a, b) for a, b, _ in edges] == [("r1", "t1"), ("r2", "t2")]
    assert cli("graph", "nobody/full")[0] == 2


def test_dot_and_mermaid_are_well_formed(tmp_path: Path, cli) -> None:
    (tmp_path / "cast.yaml").write_text(CAST)
    _, dot, _ = cli("graph", "--format", "dot")
    nodes, edges = parse_dot(dot)
    assert len(nodes) == 9 and {n["shape"] for n in nodes.values()} == {"box", "note"}
    assert nodes["t3"]["label"] == "tessa/icon\ntessa/icon.png"
    assert ("r1", "t3", {"style": "dashed", "label": "from: bust"}) in edges
    assert ("t1", "t2", {"style": "dotted", "label": "candidate 2"}) in edges
    _, mermaid, _ = cli("graph", "--format", "mermaid")
    labels, links = parse_mermaid(mermaid)
    assert labels["t3"] == "tessa/icon<br/>tessa/icon.png"
    assert ("r1", "-->", "from: bust", "t3") in links
    assert ("t1", "-.->", "candidate 2", "t2") in links


# (no backslash: an output path may not hold one)
HOSTILE = 'x"]; evil -> pwn; #35; `<b>` }} end" %%{init}%% ]) |'


def test_labels_from_the_cast_cannot_inject_syntax(tmp_path: Path, cli) -> None:
    pattern = HOSTILE.replace("{", "{{").replace("}", "}}")  # literal text of an output pattern
    text = CAST.replace("seed: 7\n", f"seed: 7\noutput: '{{character}}/{{variant}} {pattern}.{{format}}'\n")
    (tmp_path / "cast.yaml").write_text(text)
    expected = f"tessa/icon {HOSTILE}.png"
    _, dot, _ = cli("graph", "--format", "dot")
    nodes, edges = parse_dot(dot)
    assert set(nodes) == {"r1", "r2", "r3", "r4", "t1", "t2", "t3", "t4", "t5"}
    assert nodes["t3"]["label"] == f"tessa/icon\n{expected}"
    assert len(edges) == 6
    _, mermaid, _ = cli("graph", "--format", "mermaid")
    labels, links = parse_mermaid(mermaid)
    assert labels["t3"] == f"tessa/icon<br/>{expected}"
    assert len(links) == 6
    _, out, _ = cli("graph")
    assert f"tessa/icon    {expected}  (from: bust)\n" in out


# A strict reader of the DOT that facebuild writes (the grammar of graphviz.org/doc/lang):
# it fails on anything else, so a label that escaped its string would fail it.
_DOT_TOKEN = re.compile(r'\s*(?:(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>"(?:[^"\\]|\\.)*")'
                        r"|(?P<op>->|[{}\[\];,=]))", re.S)


def _dot_tokens(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while text[at:].strip():
        match = _DOT_TOKEN.match(text, at)
        assert match, f"not DOT at {text[at:at + 40]!r}"
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value[1:-1])
        tokens.append((kind, value))
        at = match.end()
    return tokens


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    tokens = _dot_tokens(text)
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []

    def take(kind: str, value: str | None = None) -> str:
        got = tokens.pop(0)
        assert got[0] == kind and (value is None or got[1] == value), (got, kind, value)
        return got[1]

    def attributes() -> dict[str, str]:
        found: dict[str, str] = {}
        if tokens[0] != ("op", "["):
            return found
        take("op", "[")
        while tokens[0] != ("op", "]"):
            name = take("id")
            take("op", "=")
            found[name] = tokens.pop(0)[1]
            if tokens[0] == ("op", ","):
                take("op", ",")
        take("op", "]")
        return found

    def statements() -> None:
        take("op", "{")
        while tokens[0] != ("op", "}"):
            first = take("id")
            if first == "subgraph":
                take("id")
                statements()
                continue
            if tokens[0] == ("op", "="):
                take("op", "=")
                tokens.pop(0)
            elif tokens[0] == ("op", "->"):
                take("op", "->")
                edges.append((first, take("id"), attributes()))
            elif first == "node":
                attributes()
            else:
                nodes[first] = attributes()
            take("op", ";")
        take("op", "}")

    take("id", "digraph")
    take("id", "facebuild")
    statements()
    assert tokens == []
    return nodes, edges


_MERMAID_LINES = (re.compile(r"flowchart LR"), re.compile(r'  subgraph c\d+\["(?P<label>[^"]*)"\]'),
                  re.compile(r'    (?P<id>[rt]\d+)(?:\("(?P<a>[^"]*)"\)|\["(?P<b>[^"]*)"\])'),
                  re.compile(r"  end"),
                  re.compile(r'  (?P<src>[rt]\d+) (?P<arrow>-->|-\.->)(?:\|"(?P<label>[^"]*)"\|)? '
                             r"(?P<dst>[rt]\d+)"))


def _unmermaid(text: str) -> str:
    """A label as Mermaid shows it: nothing but entity codes and our own line breaks."""
    assert "`" not in text and not re.search(r"<(?!br/>)", text), text
    assert not re.search(r"#(?!\d+;)", text), text
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    labels: dict[str, str] = {}
    links: list[tuple[str, str, str, str]] = []
    depth = 0
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        kind, match = next(((k, m) for k, p in enumerate(_MERMAID_LINES) if (m := p.fullmatch(line))),
                           (0, None))
        assert match and kind, f"not Mermaid: {line!r}"
        groups = match.groupdict()
        if kind == 1:
            depth += 1
        elif kind == 3:
            depth -= 1
        elif kind == 2:
            labels[groups["id"]] = _unmermaid(groups["a"] or groups["b"])
        else:
            links.append((groups["src"], groups["arrow"], _unmermaid(groups["label"] or ""),
                          groups["dst"]))
        assert depth in (0, 1)
    assert depth == 0
    return labels, links
