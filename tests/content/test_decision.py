"""The decision tree: every path ends on an outcome, and founder counts pick the right form."""

from collections.abc import Iterator

import pytest

from bot.content import ContentPack, NumberNode, Outcome, Transition, YesNoNode
from bot.domain import CoopForm, OrgType

Answer = bool | int


def walk(pack: ContentPack, answers: list[Answer]) -> Outcome:
    """Answer the questions in order and return the outcome reached."""
    tree = pack.decision
    node_id = tree.start
    for answer in answers:
        node = tree.nodes[node_id]
        transition: Transition | None
        if isinstance(node, YesNoNode):
            assert isinstance(answer, bool), f"{node_id} asks yes or no"
            transition = node.route(answer)
        else:
            assert not isinstance(answer, bool), f"{node_id} asks a number"
            transition = node.route(answer)
        assert transition is not None, f"{answer} is not accepted at {node_id}"
        if transition.outcome is not None:
            return transition.outcome
        assert transition.next is not None
        node_id = transition.next
    msg = f"no outcome after {answers}, still at {node_id}"
    raise AssertionError(msg)


def every_path(pack: ContentPack) -> Iterator[tuple[list[Answer], Outcome]]:
    """Yield each path through the tree, trying both ends of every number range."""
    tree = pack.decision

    def explore(node_id: str, taken: list[Answer]) -> Iterator[tuple[list[Answer], Outcome]]:
        node = tree.nodes[node_id]
        branches: list[tuple[Answer, Transition]]
        if isinstance(node, YesNoNode):
            branches = [(True, node.yes), (False, node.no)]
        else:
            branches = [
                (value, span)
                for span in node.ranges
                for value in {span.min, span.max if span.max is not None else span.min + 1000}
            ]
        for answer, transition in branches:
            path = [*taken, answer]
            assert len(path) <= 4, f"more than 4 questions: {path}"
            if transition.outcome is not None:
                yield path, transition.outcome
            else:
                assert transition.next is not None
                yield from explore(transition.next, path)

    yield from explore(tree.start, [])


def test_tree_is_sound(pack: ContentPack) -> None:
    assert pack.decision.problems() == []


def test_every_path_reaches_an_outcome(pack: ContentPack) -> None:
    paths = list(every_path(pack))
    assert paths
    for answers, outcome in paths:
        assert walk(pack, answers) == outcome
    reached = {outcome.org_type for _, outcome in paths}
    assert {OrgType.ASSOCIATION, OrgType.COOPERATIVE, OrgType.MUTUAL, OrgType.FOUNDATION} <= reached


@pytest.mark.parametrize(
    ("founders", "org_type", "coop_form", "ready"),
    [
        (1, OrgType.ASSOCIATION, None, False),
        (3, OrgType.ASSOCIATION, None, True),
        (4, OrgType.ASSOCIATION, None, True),
        (5, OrgType.COOPERATIVE, CoopForm.SCOOPS, True),
        (8, OrgType.COOPERATIVE, CoopForm.SCOOPS, True),
        (14, OrgType.COOPERATIVE, CoopForm.SCOOPS, True),
        # From 15 both forms are possible: the helper names the cooperative, not one form.
        (15, OrgType.COOPERATIVE, None, True),
        (300, OrgType.COOPERATIVE, None, True),
    ],
)
def test_founders_of_an_economic_activity(
    pack: ContentPack, founders: int, org_type: OrgType, coop_form: CoopForm | None, ready: bool
) -> None:
    outcome = walk(pack, [True, founders])
    assert (outcome.org_type, outcome.coop_form, outcome.ready) == (org_type, coop_form, ready)


def test_a_large_group_is_told_both_cooperative_forms_are_possible(pack: ContentPack) -> None:
    why = walk(pack, [True, 20]).why.fr
    assert "SCOOPS" in why and "COOP-CA" in why and "sans maximum" in why


def test_a_mid_sized_group_hears_the_scoops_has_no_maximum(pack: ContentPack) -> None:
    why = walk(pack, [True, 9]).why.fr
    assert "SCOOPS" in why and "sans maximum" in why and "15" in why


def test_small_economic_group_is_told_why(pack: ContentPack) -> None:
    assert "5" in walk(pack, [True, 3]).why.fr


def test_risk_pooling_leads_to_a_mutual(pack: ContentPack) -> None:
    assert walk(pack, [False, True]).org_type is OrgType.MUTUAL


def test_endowment_leads_to_a_foundation(pack: ContentPack) -> None:
    assert walk(pack, [False, False, True]).org_type is OrgType.FOUNDATION


def test_other_groups_need_two_founders(pack: ContentPack) -> None:
    alone = walk(pack, [False, False, False, 1])
    assert (alone.org_type, alone.ready) == (OrgType.ASSOCIATION, False)
    assert "2" in alone.why.fr
    together = walk(pack, [False, False, False, 2])
    assert (together.org_type, together.ready) == (OrgType.ASSOCIATION, True)


def test_number_below_every_range_is_not_routed(pack: ContentPack) -> None:
    node = pack.decision.nodes["founders_economic"]
    assert isinstance(node, NumberNode)
    assert node.lowest == 1
    assert node.route(0) is None
