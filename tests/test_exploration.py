"""Count-based exploration bonus: visit counts and the bonus arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from selfplay.config import TrainConfig
from selfplay.exploration import CountBonus
from selfplay.game import Segment
from selfplay.metrics import read_metrics
from selfplay.train import train


def target_segment(states: list[int], size: int = 3) -> Segment:
    """A target-task segment over one-hot states; inputs are [obs, zeros, 1, t]."""
    inputs = []
    for state in states:
        row = np.zeros(2 * size + 2, dtype=np.float32)
        row[state] = 1.0
        row[-2] = 1.0
        inputs.append(row)
    return Segment(
        observations=np.stack(inputs[:-1]),
        actions=np.zeros(len(states) - 1, dtype=np.int64),
        rewards=np.full(len(states) - 1, -1.0, dtype=np.float32),
        terminated=True,
        truncated=False,
        final_observation=inputs[-1],
    )


def test_bonus_uses_visits_of_next_state():
    bonus = CountBonus(alpha=0.5, obs_dim=3)
    # States 0 -> 1 -> 1 -> 2: next states 1, 1, 2, counted 1, 2, 1.
    shaped = bonus.apply(target_segment([0, 1, 1, 2]))
    expected = [-1 + 0.5, -1 + 0.5 / np.sqrt(2), -1 + 0.5]
    np.testing.assert_allclose(shaped.rewards, expected, rtol=1e-6)


def test_counts_persist_across_segments():
    bonus = CountBonus(alpha=1.0, obs_dim=3)
    bonus.apply(target_segment([0, 1]))
    shaped = bonus.apply(target_segment([0, 1]))
    assert shaped.rewards[0] == pytest.approx(-1 + 1 / np.sqrt(2))


def test_apply_leaves_segment_unchanged():
    segment = target_segment([0, 1, 2])
    CountBonus(alpha=1.0, obs_dim=3).apply(segment)
    assert segment.rewards.tolist() == [-1.0, -1.0]


def test_cells_merge_nearby_states():
    bonus = CountBonus(alpha=1.0, obs_dim=2, cell=0.5)
    assert bonus.key(np.array([0.1, 0.2])) == bonus.key(np.array([0.4, 0.3]))
    assert bonus.key(np.array([0.1, 0.2])) != bonus.key(np.array([0.6, 0.2]))


def test_state_dict_round_trip():
    bonus = CountBonus(alpha=1.0, obs_dim=3)
    bonus.apply(target_segment([0, 1, 1]))
    copy = CountBonus(alpha=1.0, obs_dim=3)
    copy.load_state_dict(bonus.state_dict())
    assert copy.counts == bonus.counts


def test_count_based_run_logs_extrinsic_reward(tmp_path):
    config = TrainConfig(
        env_id="SelfPlay/Hallway-v0",
        mode="count-based",
        target_episodes=20,
        n_envs=2,
        count_alpha=1.0,
    )
    train(config, tmp_path)
    metrics = read_metrics(tmp_path / "metrics.csv")
    # Hallway rewards are 0 or 1 per episode; the bonus would push them above 1.
    assert np.all(metrics["target_reward"] <= 1.0)
    assert np.all(metrics["selfplay_episodes"] == 0)


def test_invalid_alpha():
    with pytest.raises(ValueError, match="count_alpha"):
        TrainConfig(count_alpha=-1.0).validate()
