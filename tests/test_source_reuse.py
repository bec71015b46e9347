"""The no-op check and the loader share one parse of the cast, and that never changes
what is loaded: the same data, the same error locations, and a file edited between the
two is read as it is now. Included characters keep their lines, however many there are."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CAST as COUNTING_CAST

from facebuild.cast import load_cast
from facebuild.errors import CastError, CastErrors
from facebuild.planner import plan
from facebuild.yamlfile import SourceMap, document_meaning, read_meant_document

CAST = COUNTING_CAST.replace("backend: {name: counting}", "backend: {name: sketch}")


def test_a_document_parsed_by_the_check_loads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "cast.yaml"
    path.write_text(CAST)
    fresh_map = SourceMap()
    fresh, fresh_meaning = read_meant_document(path, fresh_map, ("x",))
    assert document_meaning(path) == fresh_meaning
    shared_map = SourceMap()
    shared, shared_meaning = read_meant_document(path, shared_map, ("x",))
    assert (shared, shared_meaning) == (fresh, fresh_meaning)
    assert shared_map.locations == fresh_map.locations
    assert str(shared_map.find(("x", "characters", 1, "role"))) == "cast.yaml:20:5"


def test_a_file_edited_after_the_check_is_loaded_as_it_is_now(tmp_path: Path) -> None:
    path = tmp_path / "cast.yaml"
    path.write_text(CAST)
    document_meaning(path)
    path.write_text(CAST.replace("Round cook with a beard.", "Round cook, now clean-shaven."))
    cast = load_cast(path)
    assert cast.character("bob").description == "Round cook, now clean-shaven."


def test_the_loader_takes_a_shared_parse_once(tmp_path: Path) -> None:
    """The loader changes the data it is given (includes, ids): a second load must not
    see the first one's changes."""
    path = tmp_path / "cast.yaml"
    (tmp_path / "more.yaml").write_text("- {id: zed, name: Zed, description: A third one.}\n")
    path.write_text(CAST + "include: [more.yaml]\n")
    document_meaning(path)
    first = load_cast(path)
    second = load_cast(path)
    assert [c.id for c in first.spec.characters] == [c.id for c in second.spec.characters] \
        == ["tessa-quark", "bob", "zed"]


@pytest.mark.parametrize("count", [3, 3000])
def test_included_characters_keep_their_lines(tmp_path: Path, count: int) -> None:
    lines = ["characters:"]
    for i in range(count):
        lines += [f"  - id: p-{i:05d}", f"    name: P {i}", f"    description: Person {i}."]
    lines[-1] = "    description: [not, a, text]"  # the last one is wrong
    (tmp_path / "people.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "cast.yaml").write_text(
        "version: 1\nname: X\nvariants:\n  bust: {size: 64}\ninclude: [people.yaml]\n")
    with pytest.raises(CastErrors) as raised:
        load_cast(tmp_path / "cast.yaml")
    assert f"people.yaml:{3 * count + 1}:" in str(raised.value)
    assert f"characters[{count - 1}]" in str(raised.value) or "description" in str(raised.value)


def test_an_error_found_after_the_load_points_at_the_text_loaded(tmp_path: Path) -> None:
    """Locations are read when an error first asks for one: from the text that was
    loaded, with included characters moved to their place in the cast, even when the
    files changed on disk since."""
    path = tmp_path / "cast.yaml"
    (tmp_path / "more.yaml").write_text("- id: zed\n  name: Zed\n  role: Pilot\n")
    path.write_text(CAST.replace("bust: {size: 256,", "bust: {template: gone.j2, size: 256,")
                    + "include: [more.yaml]\n")
    document_meaning(path)  # as a build does: the check parses it first
    cast = load_cast(path)
    path.write_text("\n\n\n" + path.read_text())
    (tmp_path / "more.yaml").write_text("\n\n- id: zed\n  name: Zed\n  role: Pilot\n")
    with pytest.raises(CastError) as raised:
        plan(cast)
    assert str(raised.value).startswith("cast.yaml:10:")
    assert "template 'gone.j2' not found" in str(raised.value)
    assert str(cast.source_map.find(("characters", 2, "role"))) == "more.yaml:3:3"
    assert str(cast.source_map.find(("characters", 1, "role"))) == "cast.yaml:20:5"


def test_a_warning_of_an_included_character_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "more.yaml").write_text("- id: zed\n  name: Zed\n  descripton: A typo.\n")
    path = tmp_path / "cast.yaml"
    path.write_text(CAST + "include: [more.yaml]\n")
    cast = load_cast(path)
    assert [w for w in cast.warnings if "descripton" in w] == [
        "more.yaml:3:3: characters[zed].descripton: unknown key 'descripton' passed to templates "
        "as is (did you mean 'description'?)"]


def test_first_lookups_from_several_threads_at_once_all_find_their_line(tmp_path: Path) -> None:
    """The first lookup reads the locations; lookups made meanwhile wait for all of them."""
    lines = ["version: 1", "name: X", "variants:", "  bust: {size: 64}", "characters:"]
    for i in range(2000):
        lines += [f"  - id: p-{i:05d}", f"    name: P {i}", f"    description: Person {i}."]
    (tmp_path / "cast.yaml").write_text("\n".join(lines) + "\n")
    cast = load_cast(tmp_path / "cast.yaml")
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda i: str(cast.source_map.find(("characters", i, "description"))),
                              range(0, 2000, 50)))
    assert found == [f"cast.yaml:{8 + 3 * i}:5" for i in range(0, 2000, 50)]
