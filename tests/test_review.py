"""facebuild diff --html / --render / --base: the review page of a cast change, with old
and new images embedded, checked on its pixels and in a real headless browser."""

from __future__ import annotations

import base64
import io
import re
import subprocess
from pathlib import Path

from browser import serve, start_browser
from conftest import CAST
from PIL import Image

EDITED = CAST.replace("Round cook with a beard.", "Round cook with a beard. <b>Bald</b> & proud.")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                   cwd=folder, check=True, capture_output=True)


def embedded(page: str, target: str) -> list[Image.Image]:
    """The images of one target's section, decoded from their data: URIs."""
    section = page.split(f'<section id="{target}">', 1)[1].split("</section>", 1)[0]
    return [Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
            for data in re.findall(r'src="data:image/png;base64,([^"]+)"', section)]


def pixels(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def test_review_page_without_render(cast_file, cli, counting) -> None:
    cli("build")
    old_bust = pixels(cast_file.parent / "dist/bob/bust.png")
    cast_file.write_text(EDITED)
    code, out, err = cli("diff", "--html", "review.html")
    assert code == 0, err
    assert "wrote review.html: 3 changed target(s)" in out
    page = Path("review.html").read_text()
    assert page.count("<section ") == 3 and "tessa-quark" not in page
    assert page.count("not built yet") == 3
    [before] = embedded(page, "bob/bust")
    assert before.tobytes() == old_bust.tobytes()  # the old image, from the store
    assert "  Round cook with a beard.\n<ins>+ &lt;b&gt;Bald&lt;/b&gt; &amp; proud.</ins>" in page
    assert "<b>Bald</b>" not in page and "http" not in page


def test_render_shows_the_new_image_and_the_build_reuses_it(cast_file, cli, counting) -> None:
    cli("build")
    cast_file.write_text(EDITED)
    calls = len(counting.calls)
    code, _, err = cli("diff", "--html", "review.html", "--render")
    assert code == 0, err
    assert len(counting.calls) == calls + 2  # bob's bust (the icon shares it) and full
    page = Path("review.html").read_text()
    before, after = embedded(page, "bob/icon")
    assert "not built yet" not in page and before.size == after.size == (64, 64)
    assert '<img class="tiny" src="data:image/png;base64,' in page  # shown enlarged, crisp
    cli("build")
    assert len(counting.calls) == calls + 2  # rendered once, for the page and the build
    built = pixels(cast_file.parent / "dist/bob/icon.png")
    assert after.tobytes() == built.tobytes() != before.tobytes()


def test_base_compares_with_the_committed_lock(cast_file, cli) -> None:
    folder = cast_file.parent
    code, _, err = cli("diff", "--base", "HEAD")
    assert code == 2 and err.strip().endswith("is not in a git repository")
    git(folder, "init", "-q")
    cli("build")
    git(folder, "add", "cast.yaml")
    git(folder, "commit", "-qm", "cast")
    assert cli("diff", "--base", "HEAD")[2] == "error: --base HEAD: cast.lock is not committed at HEAD\n"
    git(folder, "add", "cast.lock")
    git(folder, "commit", "-qm", "lock")
    assert cli("diff", "--base", "nope")[2] == "error: --base nope: unknown revision 'nope'\n"
    cast_file.write_text(EDITED.replace("    role: Digger\n", "    role: Digger\n    seed: 9\n"))
    cli("build")  # the working lock moves on; the pull request's base does not
    assert cli("diff", "--exit-code")[0] == 0
    code, out, _ = cli("diff", "--base", "HEAD", "--exit-code", "--html", "pr.html")
    assert code == 1
    assert "6 changed; a build would make 0 generations" in out
    page = Path("pr.html").read_text()
    assert "changes since HEAD" in page and "seed " in page
    assert len(embedded(page, "tessa-quark/full")) == 2  # both from the store: no render


def test_render_needs_html(cast_file, cli) -> None:
    code, _, err = cli("diff", "--render")
    assert code == 2 and err.startswith("error: --render goes with --html FILE")


def test_review_page_in_a_real_browser(cast_file, cli, tmp_path) -> None:
    cli("build")
    cast_file.write_text(EDITED.replace("  - id: bob", "  - id: ann\n    name: Ann\n  - id: bob"))
    assert cli("diff", "--html", "dist/review.html", "--render")[0] == 0
    review = tmp_path / "dist" / "review.html"
    with start_browser(tmp_path) as page:
        with serve(review.parent) as base:
            for url, shot in ((review.as_uri(), "review-file.png"),
                              (base + "review.html", "review-http.png")):
                page.open(url)
                loaded = page.images_loaded()
                assert len(loaded) == 3 * 2 + 3  # bob: old and new; ann: new only
                assert all(src.startswith("data:image/png") and width > 0 for src, width in loaded)
                sections = "Array.from(document.querySelectorAll('section')).map(s => s.id)"
                assert page.evaluate(sections) == ["ann/bust", "ann/full", "ann/icon", "bob/bust",
                                                   "bob/full", "bob/icon"]
                assert "<b>Bald</b> & proud." in page.evaluate("document.body.innerText")
                page.screenshot(tmp_path / shot)
