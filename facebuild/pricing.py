"""What a build would spend before it starts: generations, cost and the warnings that go
with them. The one place that prices generations and warns of a model near its end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from facebuild.backends import Capabilities
    from facebuild.changes import Diff
    from facebuild.lock import Lock
    from facebuild.planner import Plan


@dataclass(frozen=True)
class Estimate:
    """What a build of the plan would pay for."""

    generations: int
    """Distinct renders needed by an output and not in the store."""
    cost: float
    """generations × price on a paid backend, else 0."""
    price: float
    """USD per paid generation (0 on a free backend)."""
    model: str
    warnings: tuple[str, ...] = ()


def cost_of(caps: Capabilities, generations: int) -> float:
    """The one cost formula: paid generations × the model's price."""
    return generations * caps.price_per_image if caps.paid else 0.0


def lifecycle_warning(caps: Capabilities, generations: int) -> str | None:
    """The one end-of-life warning, when generations would go to a model that is legacy or
    past its end of life."""
    if caps.lifecycle == "active" or not generations:
        return None
    return lifecycle_text(caps.model, caps.lifecycle)


def lifecycle_text(model: str, lifecycle: str) -> str:
    return f"{model} is {lifecycle}: the service may refuse every call"


def priced(caps: Capabilities, generations: int) -> Estimate:
    warning = lifecycle_warning(caps, generations)
    return Estimate(generations, cost_of(caps, generations),
                    caps.price_per_image if caps.paid else 0.0, caps.model,
                    (warning,) if warning else ())


def estimate(plan: Plan, lock: Lock, *, changes: Diff | None = None,
             store: str | None = None) -> Estimate:
    """Generations, cost and warnings of building ``plan`` over ``lock``: the distinct
    renders that an output needs and that the store (``store``: a folder or s3:// URL, as
    ``--store``) does not hold. ``changes`` saves comparing again when the caller has it."""
    from facebuild.changes import diff
    from facebuild.storeplace import open_store

    if changes is None:
        changes = diff(plan, lock)
    keys = {c.new.render_key for c in changes.changes.values() if c.needs_output and c.new}
    missing = open_store(plan.cast, store).missing(keys)
    return priced(plan.capabilities, len(missing))
