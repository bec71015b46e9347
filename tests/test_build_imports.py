"""A build imports what its cast uses: on the offline ``sketch`` backend no SDK or client
of another backend, no persona reader for a cast without personas, and the privacy
guard's detectors of personal data only for a text that may hold some."""

from __future__ import annotations

from pathlib import Path

from conftest import CAST, build_importing

SKETCH = CAST.replace("backend: {name: counting}", "backend: {name: sketch}")
UNUSED = ("boto3", "botocore", "requests", "websocket", "facebuild.backends.bedrock",
          "facebuild.backends.comfyui", "facebuild.personas", "facebuild.privacy.detectors",
          "facebuild.specs", "stdnum", "phonenumbers")


def test_a_sketch_build_and_a_build_after_an_edit_import_nothing_they_do_not_use(tmp_path: Path) -> None:
    cast = tmp_path / "cast.yaml"
    cast.write_text(SKETCH)
    imported, printed = build_importing(tmp_path, UNUSED)
    assert imported == [] and "built: 6 generated" in printed, printed
    cast.write_text(SKETCH.replace("Round cook with a beard.", "Round cook, clean-shaven."))
    imported, printed = build_importing(tmp_path, UNUSED)
    assert imported == [] and "bob/bust" in printed, printed


def test_a_text_holding_a_card_number_is_checked_with_stdnum(tmp_path: Path) -> None:
    """The check above can see an import: a candidate number brings the number checks in."""
    cast = tmp_path / "cast.yaml"
    cast.write_text(SKETCH.replace(
        "Round cook with a beard.", "Round cook who pays with 4111 1111 1111 1111.")
        + "privacy: {mode: redact}\n")
    imported, printed = build_importing(tmp_path, UNUSED)
    assert imported == ["facebuild.privacy.detectors", "phonenumbers", "stdnum"], printed
