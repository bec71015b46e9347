"""facebuild diff: status and reasons per target, JSON, --exit-code, prompt line diff."""

from __future__ import annotations

import json

from conftest import CAST


def flat(text: str) -> str:
    return " ".join(text.split())


def test_new_cast_is_all_new(cast_file, cli) -> None:
    code, out, _ = cli("diff", "--exit-code")
    assert code == 1
    assert "6 new; a build would make 4 generations" in out


def test_up_to_date_cast_exits_zero(cast_file, cli) -> None:
    cli("build")
    code, out, _ = cli("diff", "--exit-code")
    assert code == 0
    assert out.strip() == "6 unchanged; a build would make 0 generations"


def test_reasons(cast_file, cli) -> None:
    cli("build")
    text = (CAST.replace("Round cook with a beard.", "Round cook with a moustache.")
            .replace("  negative: text, watermark", "  negative: text, watermark, blur")
            .replace("crop: top", "crop: center")
            .replace("    role: Digger\n", "    role: Digger\n    seed: 5\n"))
    cast_file.write_text(text)
    code, out, _ = cli("diff", "--all")
    lines = {line.split()[1]: flat(line) for line in out.splitlines()[:-1]}
    assert lines["bob/bust"] == "changed bob/bust (negative, prompt)"
    assert lines["bob/icon"] == "changed bob/icon (negative, prompt)"
    assert lines["bob/full"] == "changed bob/full (negative, prompt)"
    assert lines["tessa-quark/bust"] == "changed tessa-quark/bust (negative, seed)"
    assert code == 0


def test_rederive_removed_edited(cast_file, cli) -> None:
    cli("build")
    (cast_file.parent / "dist/tessa-quark/bust.png").write_bytes(b"retouched")
    text = CAST.replace("crop: top", "crop: center").replace("  - id: bob\n    name: Bob\n"
                        "    role: Cook\n    description: Round cook with a beard.\n", "")
    cast_file.write_text(text)
    code, out, _ = cli("diff", "--json")
    data = json.loads(out)
    status = {t["target"]: (t["status"], t["reasons"]) for t in data["targets"]}
    assert status["tessa-quark/full"] == ("rederive", ["crop"])
    assert status["tessa-quark/bust"] == ("edited", ["edited by hand"])
    assert status["tessa-quark/icon"] == ("unchanged", [])
    assert status["bob/bust"] == ("removed", [])
    assert data["counts"] == {"new": 0, "changed": 0, "rederive": 1, "edited": 1, "removed": 3,
                              "unchanged": 1}
    assert data["generations"] == 0


def test_model_change_is_a_reason(cast_file, cli) -> None:
    cli("build")
    cast_file.write_text(CAST.replace("{name: counting}", "{name: counting, model: count-2}"))
    code, out, _ = cli("diff")
    assert "changed bob/bust (backend options, model)" in flat(out)
    assert "a build would make 4 generations" in out


def test_paid_backend_shows_cost(cast_file, cli) -> None:
    cast_file.write_text(CAST.replace("{name: counting}", "{name: counting, price: 0.04}"))
    code, out, _ = cli("diff")
    assert "6 new; a build would make 4 generations, estimated $0.16 on count-1" in out


def test_prompt_line_diff(cast_file, cli) -> None:
    cli("build")
    cast_file.write_text(CAST.replace("Round cook with a beard.", "Round cook with a moustache."))
    code, out, _ = cli("diff", "--prompts")
    assert "-Round cook with a beard." in out
    assert "+Round cook with a moustache." in out
    assert " Bob, Cook." in out
    assert out.count("-Round cook with a beard.") == 2  # bob/bust and bob/full, not bob/icon
    assert "    (the same prompt change as bob/bust)" in out


def test_missing_dist_file_is_rederived(cast_file, cli, counting) -> None:
    cli("build")
    (cast_file.parent / "dist/bob/full.png").unlink()
    code, out, _ = cli("diff")
    assert "rederive bob/full (file missing)" in flat(out)
    counting.calls.clear()
    cli("build")
    assert counting.calls == []
    assert (cast_file.parent / "dist/bob/full.png").exists()
