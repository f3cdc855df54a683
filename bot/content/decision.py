"""The decision helper's tree, as the content pack declares it: questions, ranges, outcomes."""

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from bot.content.model import Count, LocalizedText, Slug, _Model
from bot.domain import CoopForm, OrgType


class Outcome(_Model):
    """Where the decision tree ends: the kind of organisation to create, and why."""

    org_type: OrgType
    coop_form: CoopForm | None = None
    # False when the group cannot create it yet (too few founders): `why` says what is missing.
    ready: bool = True
    why: LocalizedText

    @model_validator(mode="after")
    def _form_of_cooperative(self) -> "Outcome":
        if self.coop_form is not None and self.org_type is not OrgType.COOPERATIVE:
            msg = "coop_form is only for org_type: cooperative"
            raise ValueError(msg)
        return self


class Transition(_Model):
    """Go to another question, or end on an outcome."""

    next: Slug | None = None
    outcome: Outcome | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "Transition":
        if (self.next is None) == (self.outcome is None):
            msg = "give either next or outcome, not both nor none"
            raise ValueError(msg)
        return self


class Range(Transition):
    """A span of answers to a number question, from min to max included (no max: and more)."""

    min: Count
    max: Count | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.max is not None and self.max < self.min:
            msg = f"max ({self.max}) is below min ({self.min})"
            raise ValueError(msg)
        return self

    def contains(self, value: int) -> bool:
        """Tell whether a number falls in this range."""
        return self.min <= value and (self.max is None or value <= self.max)


class YesNoNode(_Model):
    """A question answered by yes or no."""

    kind: Literal["yes_no"]
    question: LocalizedText
    help: LocalizedText | None = None
    yes: Transition
    no: Transition

    def route(self, answer: bool) -> Transition:
        """Return where an answer leads."""
        return self.yes if answer else self.no

    def transitions(self) -> list[tuple[str, Transition]]:
        """Return each transition with its entry path below the node."""
        return [("yes", self.yes), ("no", self.no)]


class NumberNode(_Model):
    """A question answered by a whole number, routed by contiguous ranges."""

    kind: Literal["number"]
    question: LocalizedText
    help: LocalizedText | None = None
    ranges: Annotated[list[Range], Field(min_length=1)]

    @field_validator("ranges")
    @classmethod
    def _contiguous(cls, ranges: list[Range]) -> list[Range]:
        # Every number from the first min up must land in exactly one range.
        for index, (current, following) in enumerate(pairwise(ranges)):
            if current.max is None:
                msg = f"only the last range may have no max (ranges[{index}] has none)"
                raise ValueError(msg)
            if following.min != current.max + 1:
                msg = f"ranges[{index + 1}] must start at {current.max + 1}: no gap, no overlap"
                raise ValueError(msg)
        if ranges[-1].max is not None:
            msg = "the last range must have no max, so that every larger number is routed"
            raise ValueError(msg)
        return ranges

    @property
    def lowest(self) -> int:
        """Return the smallest accepted answer."""
        return self.ranges[0].min

    def route(self, value: int) -> Transition | None:
        """Return where a number leads, or None when it is below every range."""
        return next((r for r in self.ranges if r.contains(value)), None)

    def transitions(self) -> list[tuple[str, Transition]]:
        """Return each transition with its entry path below the node."""
        return [(f"ranges[{index}]", r) for index, r in enumerate(self.ranges)]


DecisionNode = Annotated[YesNoNode | NumberNode, Field(discriminator="kind")]


class DecisionTree(_Model):
    """A few questions that lead to the kind of organisation that fits a group."""

    start: Slug
    nodes: Annotated[dict[Slug, DecisionNode], Field(min_length=1)]

    def problems(self) -> list[tuple[str, str]]:
        """Return (entry path, message) for every dangling, cyclic or unreachable node."""
        found: list[tuple[str, str]] = []
        if self.start not in self.nodes:
            found.append(("start", f"no node named {self.start!r}"))
        for node_id, node in self.nodes.items():
            for path, transition in node.transitions():
                if transition.next is not None and transition.next not in self.nodes:
                    entry = f"nodes.{node_id}.{path}.next"
                    found.append((entry, f"no node named {transition.next!r}"))
        found.extend(self._cycles())
        if self.start in self.nodes:
            reachable = self._reachable()
            found.extend(
                (f"nodes.{node_id}", f"not reachable from start ({self.start})")
                for node_id in self.nodes
                if node_id not in reachable
            )
        return found

    def _targets(self, node_id: str) -> list[tuple[str, str]]:
        return [
            (path, transition.next)
            for path, transition in self.nodes[node_id].transitions()
            if transition.next is not None and transition.next in self.nodes
        ]

    def _reachable(self) -> set[str]:
        seen = {self.start}
        stack = [self.start]
        while stack:
            for _, target in self._targets(stack.pop()):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    def _cycles(self) -> list[tuple[str, str]]:
        # Depth-first search with colours; a grey target is an edge back into the current path.
        found: list[tuple[str, str]] = []
        colour: dict[str, Literal["grey", "black"]] = {}

        def visit(node_id: str, trail: list[str]) -> None:
            colour[node_id] = "grey"
            for path, target in self._targets(node_id):
                if colour.get(target) == "grey":
                    here = [*trail, node_id]
                    loop = [*here[here.index(target) :], target]
                    entry = f"nodes.{node_id}.{path}.next"
                    found.append((entry, f"cycle {' -> '.join(loop)}"))
                elif target not in colour:
                    visit(target, [*trail, node_id])
            colour[node_id] = "black"

        for node_id in self.nodes:
            if node_id not in colour:
                visit(node_id, [])
        return found

    def outcomes(self) -> list[tuple[str, Outcome]]:
        """Return every outcome with its entry path."""
        return [
            (f"nodes.{node_id}.{path}.outcome", transition.outcome)
            for node_id, node in self.nodes.items()
            for path, transition in node.transitions()
            if transition.outcome is not None
        ]
