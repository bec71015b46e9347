"""The no-op fast path answers only when nothing moved: every kind of input change is seen."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import CAST, write

INCLUDED = CAST.replace("seed: 7", "seed: 7\ntemplate: mine.j2\ninclude: [people/*.yaml]")


def setup_cast(base: Path) -> None:
    (base / "cast.yaml").write_text(INCLUDED)
    write(base / "templates" / "mine.j2", "{{ variant.frame }}. {{ character.name }}.\n")
    write(base / "people" / "zed.yaml", "id: zed\nname: Zed\n")


def test_no_op_takes_the_fast_path(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    assert (tmp_path / ".facebuild" / "uptodate.json").exists()
    code, out, _ = cli("build")
    assert code == 0
    assert out.splitlines() == ["building 0 outputs, 0 generations",
                                "built: 0 generated, 0 derived, 9 cached, 0 failed (0 renders)"]
    code, out, _ = cli("diff", "--exit-code")
    assert (code, out.strip()) == (0, "9 unchanged; a build would make 0 generations")


def test_a_new_file_under_an_include_glob_is_seen(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    write(tmp_path / "people" / "amy.yaml", "id: amy\nname: Amy\n")
    code, out, _ = cli("diff", "--exit-code")
    assert code == 1
    assert "3 new" in out


def test_an_edited_template_is_seen(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    write(tmp_path / "templates" / "mine.j2", "{{ variant.frame }}! {{ character.name }}.\n")
    code, out, _ = cli("diff", "--exit-code")
    assert code == 1
    assert "changed" in out


def test_an_edited_include_and_a_touched_output_are_seen(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    write(tmp_path / "people" / "zed.yaml", "id: zed\nname: Zed Prime\n")
    code, out, _ = cli("diff", "--exit-code")
    assert code == 1
    cli("build")
    bust = tmp_path / "dist" / "zed" / "bust.png"
    os.utime(bust, ns=(bust.stat().st_atime_ns, bust.stat().st_mtime_ns + 10**9))
    code, out, _ = cli("build")
    # the slow path looked: same bytes, so nothing was rewritten, and the stamp is renewed
    assert "9 cached" in out
    assert len(counting.calls) == 6 + 2


def test_backend_overrides_are_part_of_the_question(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    code, out, _ = cli("diff", "--backend", "counting", "--model", "count-2")
    assert "a build would make 6 generations" in out


def test_a_touch_is_not_a_change(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    stamp = tmp_path / ".facebuild" / "uptodate.json"
    for path in (tmp_path / "cast.yaml", tmp_path / "people" / "zed.yaml",
                 tmp_path / "templates" / "mine.j2", tmp_path / "dist" / "zed" / "bust.png"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    before = stamp.read_bytes()
    code, out, _ = cli("diff", "--exit-code")
    assert (code, out.strip()) == (0, "9 unchanged; a build would make 0 generations")
    assert stamp.read_bytes() != before  # the new stats are remembered
    # same size, other bytes: a change
    bust = tmp_path / "dist" / "zed" / "bust.png"
    data = bytearray(bust.read_bytes())
    data[-20] ^= 0xFF
    bust.write_bytes(bytes(data))
    code, out, _ = cli("diff")
    assert "edited" in out


def test_a_comment_or_a_new_layout_is_not_a_change(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    cast = tmp_path / "cast.yaml"
    cast.write_text("# a comment on top\n" + cast.read_text().replace("seed: 7", "seed:   7  # lucky"))
    include = tmp_path / "people" / "zed.yaml"
    include.write_text("name: Zed\nid: zed   # keys in another order\n")
    code, out, _ = cli("diff", "--exit-code")
    assert (code, out.strip()) == (0, "9 unchanged; a build would make 0 generations")
    # a change of meaning still takes the full check
    cast.write_text(cast.read_text().replace("seed:   7", "seed: 8"))
    code, out, _ = cli("diff", "--exit-code")
    assert code == 1 and "changed" in out


def test_a_duplicate_key_is_still_reported(tmp_path: Path, cli, counting) -> None:
    setup_cast(tmp_path)
    cli("build")
    cast = tmp_path / "cast.yaml"
    cast.write_text(cast.read_text() + "seed: 7\n")
    code, _, err = cli("diff")
    assert code == 2 and "duplicate key 'seed'" in err
