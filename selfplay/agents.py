"""Alice and Bob for the training loop: one interface over REINFORCE and SB3 models.

The loop needs four things of an agent: a batched ``act`` that may return per-row
extras, ``add`` for a finished segment with those extras, ``save``, and a checkpoint
``state``/``restore`` pair. :class:`ReinforceAgent` adapts
:class:`selfplay.learners.reinforce.ReinforceLearner`; SB3 models come as
:class:`selfplay.learners.sb3.SB3Agent`, which has this interface already.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from selfplay.config import TrainConfig
from selfplay.defaults import env_defaults
from selfplay.game import Segment
from selfplay.learners.base import Trajectory
from selfplay.learners.reinforce import ReinforceConfig, ReinforceLearner
from selfplay.learners.sb3 import SB3Agent


class Agent(Protocol):
    """The interface that the training loop calls on Alice and Bob."""

    def act(self, observations: np.ndarray) -> Any:
        """Return actions for inputs ``(k, input_dim)``, or ``(actions, extras)``."""

    def predict(
        self, observations: np.ndarray, deterministic: bool = True
    ) -> np.ndarray:
        """Return actions for evaluation, without side effects on learning."""

    def add(self, segment: Segment, extras: list | None) -> dict[str, float] | None:
        """Learn from one finished segment."""

    def save(self, path: str | Path) -> None:
        """Save the trained agent."""


class ReinforceAgent:
    """REINFORCE with a learned baseline, as in Sukhbaatar et al. (ICLR 2018), behind
    the loop's agent interface."""

    suffix = ".pt"

    def __init__(self, learner: ReinforceLearner) -> None:
        self.learner = learner

    def act(self, observations: np.ndarray) -> np.ndarray:
        return self.learner.act(observations)

    def predict(
        self, observations: np.ndarray, deterministic: bool = False
    ) -> np.ndarray:
        return self.learner.act(observations, deterministic=deterministic)

    def add(self, segment: Segment, extras: list | None) -> dict[str, float] | None:
        trajectory = Trajectory(
            observations=segment.observations,
            actions=segment.actions.astype(np.int64),
            rewards=segment.rewards,
        )
        return self.learner.add(trajectory)

    def save(self, path: str | Path) -> None:
        self.learner.save(path)

    @classmethod
    def load(cls, path: str | Path) -> ReinforceAgent:
        return cls(ReinforceLearner.load(path))


def agent_file(config: TrainConfig, name: str) -> str:
    """Return the file name of agent ``name`` ("alice" or "bob") in a run directory."""
    return f"{name}.pt" if config.algo == "reinforce" else f"{name}.zip"


def alice_learns(config: TrainConfig) -> bool:
    """Return whether the run trains an Alice: only the two self-play modes do."""
    return config.mode in ("reverse", "repeat")


def _input_space(input_dim: int) -> gym.spaces.Box:
    # Observations are not bounded in general, and the t / t_max and flag entries lie
    # in [0, 1]; SB3 needs only the shape and dtype.
    return gym.spaces.Box(-np.inf, np.inf, (input_dim,), np.float32)


SB3_BATCH_SIZES = {"ppo": 64, "trpo": 128}
"""Minibatch sizes of PPO (SB3 2.x) and TRPO (sb3-contrib 2.x) by default."""


def minibatch_size(rollout_steps: int, largest: int) -> int:
    """Return the largest minibatch size up to ``largest`` that divides the rollout.

    PPO and TRPO warn when their minibatches do not divide the rollout evenly.
    """
    return max(
        d for d in range(1, min(largest, rollout_steps) + 1) if rollout_steps % d == 0
    )


def build_agent(
    config: TrainConfig,
    name: str,
    input_dim: int,
    action_space: gym.Space,
    sb3_logger: Any = None,
) -> ReinforceAgent | SB3Agent:
    """Build a fresh Alice or Bob for ``config``'s learner.

    Args:
        config: A resolved configuration.
        name: "alice" or "bob"; seeds differ between them.
        input_dim: Length of the agent's input vector.
        action_space: The agent's action space.
        sb3_logger: The SB3 logger for an SB3 model's training statistics.
    """
    seed = config.seed * 2 + (1 if name == "alice" else 0)
    if config.algo == "reinforce":
        if not isinstance(action_space, gym.spaces.Discrete):
            raise ValueError(
                f"REINFORCE needs a Discrete action space, got {action_space}; use "
                "--algo ppo, a2c or trpo for continuous actions"
            )
        learner_config = ReinforceConfig(
            learning_rate=config.learning_rate,
            batch_episodes=config.batch_episodes,
            entropy_coef=config.entropy_coef,
            tabular=env_defaults(config.env_id).tabular,
        )
        learner = ReinforceLearner(input_dim, int(action_space.n), learner_config, seed)
        return ReinforceAgent(learner)

    kwargs: dict[str, Any] = {"learning_rate": config.learning_rate}
    if config.algo in ("ppo", "a2c"):
        kwargs["ent_coef"] = config.entropy_coef
    rollout_steps = config.n_steps * config.n_envs
    if config.algo in SB3_BATCH_SIZES:
        kwargs["batch_size"] = minibatch_size(
            rollout_steps, SB3_BATCH_SIZES[config.algo]
        )
    kwargs.update(config.sb3_kwargs)
    return SB3Agent.build(
        config.algo,
        _input_space(input_dim),
        action_space,
        rollout_steps=rollout_steps,
        seed=seed,
        sb3_logger=sb3_logger,
        total_steps=config.env_steps,
        **kwargs,
    )


def load_agent(config: TrainConfig, path: Path, state: dict | None, sb3_logger: Any):
    """Load an agent saved in a checkpoint or run directory."""
    if config.algo == "reinforce":
        return ReinforceAgent.load(path)
    return SB3Agent.load(
        config.algo, path, state, sb3_logger=sb3_logger, total_steps=config.env_steps
    )
