"""Alice and Bob as SB3 models: rollout rows, bootstrapping, save and load."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import pytest
import torch
from sb3_contrib import TRPO
from stable_baselines3 import A2C, PPO

from selfplay.config import TrainConfig
from selfplay.learners.sb3 import SB3Agent
from selfplay.metrics import read_metrics
from selfplay.train import train

torch.set_num_threads(1)

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACTIONS = gym.spaces.Discrete(3)


@dataclass
class FakeSegment:
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool
    truncated: bool
    final_observation: np.ndarray


def segment(length: int, rewards, truncated: bool, offset: float = 0.0) -> FakeSegment:
    observations = (
        np.arange(length * 4, dtype=np.float32).reshape(length, 4) / 50
    ) + offset
    return FakeSegment(
        observations=observations,
        actions=np.zeros(length, dtype=np.int64),
        rewards=np.asarray(rewards, dtype=np.float32),
        terminated=not truncated,
        truncated=truncated,
        final_observation=np.full(4, 0.5, dtype=np.float32),
    )


def extras(length: int, first_value: float = 0.0):
    # (raw action, value, log-prob): values 0.1, 0.2, ... make the GAE sums checkable.
    return [(np.array(0), first_value + 0.1 * (t + 1), -1.0) for t in range(length)]


@pytest.fixture
def captured_agent(monkeypatch):
    """A PPO agent with a 5-row rollout whose ``train`` records the buffer instead."""
    agent = SB3Agent.build(
        "ppo",
        OBS,
        ACTIONS,
        rollout_steps=5,
        seed=0,
        gamma=0.5,
        gae_lambda=1.0,
        batch_size=5,
    )
    captured = []

    def fake_train():
        buffer = agent.model.rollout_buffer
        captured.append(
            {
                name: getattr(buffer, name)[:, 0].copy()
                for name in (
                    "rewards",
                    "episode_starts",
                    "values",
                    "returns",
                    "observations",
                )
            }
        )

    monkeypatch.setattr(agent.model, "train", fake_train)
    return agent, captured


def test_segments_fill_rollout_in_order(captured_agent):
    agent, captured = captured_agent
    agent.add(segment(3, [0, 0, 1], truncated=False), extras(3))
    assert captured == []
    agent.add(segment(4, [0, 0, 0, -1], truncated=False, offset=1.0), extras(4))
    assert len(captured) == 1
    rollout = captured[0]
    assert rollout["episode_starts"].tolist() == [1, 0, 0, 1, 0]
    assert rollout["rewards"].tolist() == [0, 0, 1, 0, 0]


def test_terminated_segment_does_not_bootstrap(captured_agent):
    agent, captured = captured_agent
    agent.add(segment(3, [0, 0, 1], truncated=False), extras(3))
    agent.add(segment(2, [0, 2], truncated=False), extras(2))
    returns = captured[0]["returns"]
    # gamma 0.5 and lambda 1 give plain discounted returns within each segment.
    np.testing.assert_allclose(returns, [0.25, 0.5, 1.0, 1.0, 2.0], rtol=1e-6)


def test_truncated_segment_bootstraps_final_value(captured_agent):
    agent, captured = captured_agent
    final_value = agent._value(np.full(4, 0.5, dtype=np.float32))
    agent.add(segment(5, [0, 0, 0, 0, -1], truncated=True), extras(5))
    rollout = captured[0]
    assert rollout["rewards"][-1] == pytest.approx(-1 + 0.5 * final_value, rel=1e-5)


def test_split_segment_bootstraps_next_row(captured_agent):
    agent, captured = captured_agent
    agent.add(segment(3, [0, 0, 1], truncated=False), extras(3))
    long = segment(4, [0, 0, 0, 3], truncated=False, offset=1.0)
    agent.add(long, extras(4))
    next_value = agent._value(long.observations[2])
    returns = captured[0]["returns"]
    # Rows 3 and 4 are the long segment's first two steps; the rollout closes there
    # and bootstraps from the value of its third step.
    assert returns[4] == pytest.approx(0.5 * next_value, rel=1e-5, abs=1e-6)
    assert returns[3] == pytest.approx(0.25 * next_value, rel=1e-5, abs=1e-6)
    assert agent.model.rollout_buffer.pos == 2
    remaining = agent.model.rollout_buffer.episode_starts[:2, 0].tolist()
    assert remaining == [0, 0]


def test_extras_length_checked(captured_agent):
    agent, _ = captured_agent
    with pytest.raises(ValueError, match="3 steps but 2"):
        agent.add(segment(3, [0, 0, 1], truncated=False), extras(2))


@pytest.mark.parametrize("algo", ["ppo", "a2c", "trpo"])
def test_agent_trains_without_error(algo):
    kwargs = {"batch_size": 8} if algo in ("ppo", "trpo") else {}
    agent = SB3Agent.build(algo, OBS, ACTIONS, rollout_steps=8, seed=0, **kwargs)
    before = [p.detach().clone() for p in agent.model.policy.parameters()]
    for _ in range(3):
        observations = (
            np.random.default_rng(0).uniform(-1, 1, (5, 4)).astype(np.float32)
        )
        _, row_extras = agent.act(observations)
        seg = FakeSegment(
            observations,
            np.zeros(5, np.int64),
            np.ones(5, np.float32),
            True,
            False,
            observations[-1],
        )
        agent.add(seg, row_extras)
    assert agent.updates == 1
    after = list(agent.model.policy.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize(("algo", "cls"), [("ppo", PPO), ("a2c", A2C), ("trpo", TRPO)])
def test_run_saves_loadable_models(tmp_path, algo, cls):
    config = TrainConfig(
        env_id="SelfPlay/Hallway-v0",
        mode="reverse",
        algo=algo,
        target_episodes=10,
        n_envs=2,
        n_steps=16,
    )
    train(config, tmp_path)
    for name in ("alice", "bob"):
        model = cls.load(tmp_path / f"{name}.zip")
        observation = np.zeros(model.observation_space.shape, dtype=np.float32)
        action, _ = model.predict(observation, deterministic=True)
        assert model.action_space.contains(np.asarray(action).item())
    bob = cls.load(tmp_path / "bob.zip")
    assert bob.observation_space.shape == (2 * 50 + 2,)


def test_sb3_metrics_match_reinforce_schema(tmp_path):
    config = TrainConfig(
        env_id="SelfPlay/Hallway-v0",
        mode="reverse",
        algo="ppo",
        target_episodes=20,
        n_envs=2,
        n_steps=16,
        log_interval=10,
    )
    train(config, tmp_path / "ppo")
    train(
        TrainConfig(**{**config.__dict__, "algo": "reinforce", "n_steps": None}),
        tmp_path / "reinforce",
    )
    ppo = read_metrics(tmp_path / "ppo" / "metrics.csv")
    reinforce = read_metrics(tmp_path / "reinforce" / "metrics.csv")
    assert ppo.keys() == reinforce.keys()
    assert ppo["target_episodes"].tolist() == [10, 20]


def test_every_step_reaches_a_buffer(tmp_path, monkeypatch):
    """Each decision of a learned agent lands in that agent's rollout buffer once."""
    added = {"alice": 0, "bob": 0}
    original = SB3Agent.add

    def counting_add(self, seg, row_extras):
        added[self._name] += len(seg.rewards)
        return original(self, seg, row_extras)

    original_build = SB3Agent.build

    def naming_build(algo, observation_space, action_space, *args, **kwargs):
        agent = original_build(algo, observation_space, action_space, *args, **kwargs)
        agent._name = "alice" if kwargs.get("seed", 0) % 2 else "bob"
        return agent

    monkeypatch.setattr(SB3Agent, "add", counting_add)
    monkeypatch.setattr(SB3Agent, "build", staticmethod(naming_build))
    config = TrainConfig(
        env_id="SelfPlay/Hallway-v0",
        mode="reverse",
        algo="ppo",
        target_episodes=10,
        n_envs=3,
        n_steps=16,
    )
    result = train(config, tmp_path)
    counters = result.counters
    assert added["alice"] == counters.alice_steps
    assert added["bob"] == counters.bob_steps + counters.target_steps
