"""The arithmetic of a rating round (participation/services/evaluation/scoring.py): weighted
scores, missing ratings, conflicts of interest, disagreement flags, priority groups by size
and by score with ties at a boundary, and the sensitivity to each weight."""

from __future__ import annotations

import pytest

from participation.services.evaluation.scoring import (
    GroupRule,
    ProfileScore,
    RatingValue,
    propose_groups,
    ranking,
    score_profiles,
    sensitive_profiles,
)

# Two criteria: 1 weighs twice what 2 weighs.
WEIGHTS = {1: 2.0, 2: 1.0}


def ratings(profile: int, evaluator: int, **values: int) -> list[RatingValue]:
    return [RatingValue(profile, evaluator, int(c[1:]), v) for c, v in values.items()]


def test_the_score_is_the_weighted_mean_of_the_evaluators_means() -> None:
    given = [*ratings(10, 1, c1=4, c2=1), *ratings(10, 2, c1=2, c2=3)]
    [score] = score_profiles([10], WEIGHTS, given).values()
    assert score.criteria[1].mean == 3.0
    assert score.criteria[2].mean == 2.0
    assert score.score == pytest.approx((2 * 3.0 + 1 * 2.0) / 3)
    assert score.evaluators == 2
    assert (score.criteria[1].spread, score.criteria[2].spread) == (2, 2)


def test_a_profile_missing_a_criterion_or_evaluators_is_not_ranked() -> None:
    given = [
        *ratings(10, 1, c1=4),  # criterion 2 never rated
        *ratings(11, 1, c1=3, c2=3),  # one evaluator where two are needed
        *ratings(12, 1, c1=2, c2=2),
        *ratings(12, 2, c1=2, c2=4),
    ]
    scores = score_profiles([10, 11, 12, 13], WEIGHTS, given, min_ratings=2)
    assert [s.profile_id for s in ranking(scores.values())] == [12]
    assert not scores[10].ranked
    assert scores[10].criteria[1].mean == 4.0  # still shown
    assert scores[11].score is None
    assert scores[11].evaluators == 1
    assert scores[13].evaluators == 0
    # A criterion weighted 0 need not be rated.
    assert score_profiles([10], {1: 1.0, 2: 0.0}, given)[10].score == 4.0


def test_an_evaluator_with_a_conflict_of_interest_is_left_out() -> None:
    given = [*ratings(10, 1, c1=4, c2=4), *ratings(10, 2, c1=0, c2=0)]
    scores = score_profiles([10], WEIGHTS, given, conflicts=[(10, 2)])
    assert scores[10].score == 4.0
    assert scores[10].evaluators == 1
    # The conflict is about that profile only.
    other = score_profiles([11], WEIGHTS, ratings(11, 2, c1=1, c2=1), conflicts=[(10, 2)])
    assert other[11].score == 1.0


def test_ratings_two_levels_apart_flag_the_criterion() -> None:
    given = [*ratings(10, 1, c1=4, c2=3), *ratings(10, 2, c1=2, c2=2)]
    score = score_profiles([10], WEIGHTS, given)[10]
    assert score.disagreements == [1]


def scored(*pairs: tuple[int, float | None]) -> list[ProfileScore]:
    return [ProfileScore(pid, {}, 1, score) for pid, score in pairs]


def test_groups_by_size_then_the_rest_in_ranking_order() -> None:
    ranked = ranking(scored((1, 3.5), (2, 3.9), (3, 2.0), (4, 3.0), (5, None)))
    assert [s.profile_id for s in ranked] == [2, 1, 4, 3]  # unranked left out
    proposal = propose_groups(
        ranked, [GroupRule(100, size=1), GroupRule(200, size=2), GroupRule(300)]
    )
    assert proposal.groups == {100: [2], 200: [1, 4], 300: [3]}
    assert proposal.ties == []
    assert proposal.unplaced == []


def test_groups_by_threshold() -> None:
    ranked = ranking(scored((1, 3.5), (2, 3.9), (3, 2.0), (4, 3.0)))
    proposal = propose_groups(
        ranked, [GroupRule(100, threshold=3.5), GroupRule(200, threshold=2.5)]
    )
    assert proposal.groups == {100: [2, 1], 200: [4]}
    assert proposal.unplaced == [3]  # no "rest" group


def test_a_tie_at_a_boundary_is_shown_not_broken_silently() -> None:
    ranked = ranking(scored((1, 3.0), (2, 4.0), (3, 3.0), (4, 3.0), (5, 1.0)))
    proposal = propose_groups(ranked, [GroupRule(100, size=2), GroupRule(200)])
    # The size is kept, in the ranking's order (equal scores: lower id first) ...
    assert proposal.groups == {100: [2, 1], 200: [3, 4, 5]}
    # ... and the three equal scores across the boundary are reported.
    [tie] = proposal.ties
    assert (tie.upper_group_id, tie.lower_group_id, tie.score) == (100, 200, 3.0)
    assert tie.profile_ids == (1, 3, 4)


def test_a_profile_near_a_boundary_is_sensitive_to_a_weight() -> None:
    given = [
        *ratings(1, 1, c1=4, c2=0),  # strong on criterion 1: (8 + 0) / 3 = 2.67
        *ratings(2, 1, c1=2, c2=4),  # strong on criterion 2: (4 + 4) / 3 = 2.67 - a tie
        *ratings(3, 1, c1=4, c2=4),  # strong on both: first whatever the weights
        *ratings(4, 1, c1=0, c2=0),  # last whatever the weights
    ]
    weights = {1: 2.0, 2: 1.0}
    rules = [GroupRule(100, size=2), GroupRule(200)]
    scores = score_profiles([1, 2, 3, 4], weights, given)
    moved = sensitive_profiles(scores, weights, rules)
    assert set(moved) == {1, 2}
    # Criterion 1 weighed less lifts profile 2 above profile 1 into the first group.
    assert (1, 0.8) in moved[2]
    assert (2, 1.2) in moved[2]
    assert 3 not in moved
    assert 4 not in moved


def test_equal_scores_summed_in_another_order_are_a_tie() -> None:
    # 0.1 + 0.2 is not 0.3 in floating point; two such scores are still equal to a reader.
    ranked = ranking(scored((1, 0.1 + 0.2), (2, 0.3), (3, 0.0)))
    assert [s.profile_id for s in ranked] == [1, 2, 3]
    [tie] = propose_groups(ranked, [GroupRule(100, size=1), GroupRule(200)]).ties
    assert tie.profile_ids == (1, 2)
