"""The review page of ``facebuild diff --html FILE`` written, with the new images it shows
rendered first when asked (``--render``): the library side of that command."""

from __future__ import annotations

from pathlib import Path

from facebuild.atomic import write_text_atomic
from facebuild.changes import Diff
from facebuild.errors import FacebuildError, LimitError
from facebuild.planner import Plan, Target
from facebuild.pricing import cost_of
from facebuild.render import needed, run_renders
from facebuild.review import review_html
from facebuild.storeplace import open_store


def write_review(the_plan: Plan, changes: Diff, generations: int, html: Path, *, render: bool,
                 base: str | None = None, store: str | None = None) -> int:
    """Write the review page of ``changes`` to ``html``; the number of changed targets it
    shows. With ``render``, the missing new images are rendered first, within the
    backend's limits and the cast's ``max_cost``, and stored, so the build that follows
    pays for nothing twice."""
    renders = open_store(the_plan.cast, store)
    caps = the_plan.capabilities
    if render and generations:
        problems = the_plan.check()
        if problems:
            raise LimitError("nothing was rendered for the review page:\n" + "\n".join(problems))
        limit = the_plan.cast.spec.max_cost
        cost = cost_of(caps, generations)
        if limit is not None and cost > limit:
            raise LimitError(f"--render would make {generations} paid generations, estimated "
                             f"${cost:.2f}, over max_cost ${limit:.2f}; nothing was rendered")
        the_plan.backend.preflight()

    failed: dict[str, Exception] = {}
    if render:  # the one render runner: concurrent, in reference order, stored at once
        wanted = [c.new.render_key for c in changes.changes.values() if c.needs_output and c.new]
        todo = needed(wanted, the_plan.renders(), renders.has)
        run_renders(the_plan.backend, renders, todo, workers=caps.max_concurrency,
                    on_render=lambda done: failed.update({done.key: done.error} if done.error else {}))

    def new_render(target: Target) -> bytes | None:
        error = failed.get(target.render_key)
        if isinstance(error, FacebuildError):
            raise error
        if error is not None:
            raise FacebuildError(f"internal error: {error!r}")
        return renders.get(target.render_key) if renders.has(target.render_key) else None

    since = f" since {base}" if base else ""
    try:
        page = review_html(the_plan, changes, new_render,
                           title=f"{the_plan.cast.spec.name}: changes{since}")
    finally:
        if render:
            the_plan.backend.close()
    write_text_atomic(html, page)
    return sum(1 for c in changes.changes.values() if c.status != "unchanged")
