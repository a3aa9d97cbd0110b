"""What a laboratory policy does to a decision whose evidence is weaker than required."""
from __future__ import annotations

from ssbcert.certificate.model import Conformity


def made_inconclusive(c: Conformity, why: str) -> Conformity:
    """The entry made inconclusive, the policy's reason written before the decision's own text (which
    still says what the outcome would have been on the numbers alone)."""
    return c.model_copy(update={"outcome": "inconclusive", "text": f"{why} {c.text}".strip()})
