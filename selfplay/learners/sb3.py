"""Alice or Bob as a Stable-Baselines3 on-policy model (PPO, A2C, or sb3-contrib TRPO).

SB3's own ``learn`` steps one environment per column of its rollout buffer. In
self-play an agent acts only in its own turns, so its transitions arrive per game at
irregular times. :class:`SB3Agent` therefore drives the model by hand: it acts with
``model.policy`` (one batched call), and writes each finished segment of the agent's
transitions, in the order the segments end, into a rollout buffer of one column with
``n_steps * n_envs`` rows. Segment boundaries are episode starts, so SB3's GAE
computation stays correct across them. When the buffer is full it calls the model's
own ``train()``. A segment that does not fit is split: the rows that fit close this
rollout, bootstrapped from the value of the next row, and the rest opens the next one.

Bootstrapping follows SB3's convention: a truncated segment's last reward gains
``gamma * V(final_observation)``; a terminated one gains nothing.

The model is an ordinary SB3 model: ``model.save("bob.zip")`` and ``PPO.load`` work as
usual, and its training statistics go to the SB3 logger given to it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final, Protocol

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

logger = logging.getLogger(__name__)


def _trpo() -> type[OnPolicyAlgorithm]:
    from sb3_contrib import TRPO

    return TRPO


SB3_ALGOS: Final = ("ppo", "a2c", "trpo")


def algo_class(name: str) -> type[OnPolicyAlgorithm]:
    """Return the SB3 class of ``name``, one of :data:`SB3_ALGOS`."""
    if name == "ppo":
        return PPO
    if name == "a2c":
        return A2C
    if name == "trpo":
        return _trpo()
    raise ValueError(
        f"invalid SB3 algo {name!r}; valid ones are {', '.join(SB3_ALGOS)}"
    )


class SegmentLike(Protocol):
    """One agent's finished transitions; :class:`selfplay.game.Segment` fits."""

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool
    truncated: bool
    final_observation: np.ndarray


class _SpacesEnv(gym.Env):
    """An environment that only carries spaces, so an SB3 model can be built.

    The model never steps it: :class:`SB3Agent` collects transitions itself.
    """

    def __init__(self, observation_space: gym.Space, action_space: gym.Space) -> None:
        self.observation_space = observation_space
        self.action_space = action_space

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action: Any):
        raise RuntimeError("this environment only carries spaces and is never stepped")


class SB3Agent:
    """One agent, Alice or Bob, learning with an SB3 on-policy algorithm.

    Args:
        model: A model built for this agent's observation and action spaces, with
            ``n_envs == 1``: its rollout buffer is the agent's sample of transitions.
        total_steps: The run's expected number of this agent's steps, for SB3's
            learning-rate and clip-range schedules; None keeps them at their start.
    """

    def __init__(
        self, model: OnPolicyAlgorithm, total_steps: int | None = None
    ) -> None:
        if model.n_envs != 1:
            raise ValueError(
                f"SB3Agent needs a model with n_envs=1, got {model.n_envs}"
            )
        self.model = model
        self.total_steps = total_steps
        self.updates = 0
        self.model.rollout_buffer.reset()

    @classmethod
    def build(
        cls,
        algo: str,
        observation_space: gym.Space,
        action_space: gym.Space,
        rollout_steps: int,
        seed: int,
        sb3_logger: Logger | None = None,
        total_steps: int | None = None,
        **model_kwargs: Any,
    ) -> SB3Agent:
        """Build a fresh model for an agent.

        Args:
            algo: One of :data:`SB3_ALGOS`.
            observation_space: The agent's input space.
            action_space: The agent's action space.
            rollout_steps: Transitions per update (SB3's ``n_steps`` with one column).
            seed: Seed of the model's weights and sampling.
            sb3_logger: Where the model's training statistics go.
            total_steps: See the class arguments.
            model_kwargs: Further keyword arguments of the SB3 constructor.
        """
        model = algo_class(algo)(
            "MlpPolicy",
            _SpacesEnv(observation_space, action_space),
            n_steps=rollout_steps,
            seed=seed,
            device="cpu",
            verbose=0,
            **model_kwargs,
        )
        model.set_logger(sb3_logger or Logger(folder=None, output_formats=[]))
        return cls(model, total_steps)

    # ------------------------------------------------------------------ acting

    def act(self, observations: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
        """Sample actions for a batch of inputs, shape ``(k, input_dim)``.

        Returns:
            The actions to apply, clipped to a Box space's bounds, and per row the
            ``(raw_action, value, log_prob)`` that :meth:`add` stores.
        """
        policy = self.model.policy
        with torch.no_grad():
            obs_tensor = torch.as_tensor(observations, device=policy.device)
            actions, values, log_probs = policy(obs_tensor)
        raw = actions.cpu().numpy()
        applied = raw
        space = self.model.action_space
        if isinstance(space, gym.spaces.Box):
            if policy.squash_output:
                applied = policy.unscale_action(raw)
            else:
                applied = np.clip(raw, space.low, space.high)
        values_np = values.cpu().numpy().reshape(-1)
        log_probs_np = log_probs.cpu().numpy().reshape(-1)
        extras = [(raw[i], values_np[i], log_probs_np[i]) for i in range(len(raw))]
        return applied, extras

    def predict(
        self, observations: np.ndarray, deterministic: bool = True
    ) -> np.ndarray:
        """Return actions for evaluation, as SB3's ``predict`` does."""
        actions, _ = self.model.predict(observations, deterministic=deterministic)
        return actions

    # ---------------------------------------------------------------- learning

    def add(self, segment: SegmentLike, extras: list[tuple]) -> dict[str, float] | None:
        """Store a finished segment and train whenever the rollout buffer fills.

        Args:
            segment: The agent's transitions, in order.
            extras: The ``(raw_action, value, log_prob)`` recorded by :meth:`act` for
                each of the segment's steps.

        Returns:
            None; the models' statistics go to their SB3 logger.
        """
        if len(extras) != len(segment.rewards):
            raise ValueError(
                f"segment has {len(segment.rewards)} steps but {len(extras)} recorded "
                "actions"
            )
        rewards = segment.rewards.astype(np.float32).copy()
        if segment.truncated:
            rewards[-1] += self.model.gamma * self._value(segment.final_observation)

        raw_actions = np.stack([np.asarray(e[0]) for e in extras])
        values = np.array([e[1] for e in extras], dtype=np.float32)
        log_probs = np.array([e[2] for e in extras], dtype=np.float32)
        starts = np.zeros(len(rewards), dtype=np.float32)
        starts[0] = 1.0

        buffer = self.model.rollout_buffer
        begin = 0
        while begin < len(rewards):
            end = min(len(rewards), begin + buffer.buffer_size - buffer.pos)
            rows = slice(buffer.pos, buffer.pos + end - begin)
            buffer.observations[rows, 0] = segment.observations[begin:end].reshape(
                (end - begin, *buffer.obs_shape)
            )
            buffer.actions[rows, 0] = raw_actions[begin:end].reshape(end - begin, -1)
            buffer.rewards[rows, 0] = rewards[begin:end]
            buffer.episode_starts[rows, 0] = starts[begin:end]
            buffer.values[rows, 0] = values[begin:end]
            buffer.log_probs[rows, 0] = log_probs[begin:end]
            buffer.pos += end - begin
            if buffer.pos == buffer.buffer_size:
                buffer.full = True
                goes_on = end < len(rewards)
                self._train(segment.observations[end] if goes_on else None)
            begin = end
        return None

    def _value(self, observation: np.ndarray) -> float:
        with torch.no_grad():
            obs_tensor = torch.as_tensor(observation[None], device=self.model.device)
            return float(self.model.policy.predict_values(obs_tensor)[0, 0])

    def _train(self, next_observation: np.ndarray | None) -> None:
        """Close the rollout, bootstrapping from ``next_observation`` if given."""
        buffer = self.model.rollout_buffer
        if next_observation is None:
            last_values = torch.zeros(1)
            dones = np.array([True])
        else:
            last_values = torch.tensor([self._value(next_observation)])
            dones = np.array([False])
        buffer.compute_returns_and_advantage(last_values=last_values, dones=dones)

        model = self.model
        model.num_timesteps += buffer.buffer_size
        if self.total_steps:
            model._current_progress_remaining = max(
                0.0, 1.0 - model.num_timesteps / self.total_steps
            )
        model.policy.set_training_mode(True)
        model.train()
        model.policy.set_training_mode(False)
        self.updates += 1
        model.logger.record("time/total_timesteps", model.num_timesteps)
        model.logger.record("time/updates", self.updates)
        model.logger.dump(step=model.num_timesteps)
        buffer.reset()

    # ----------------------------------------------------------- persistence

    def save(self, path: str | Path) -> None:
        """Save the model with SB3's ``save``; load it with the algorithm's ``load``."""
        self.model.save(path)

    def state_dict(self) -> dict[str, Any]:
        """Return what a checkpoint needs beyond the saved model: counts and RNG."""
        return {
            "updates": self.updates,
            "num_timesteps": self.model.num_timesteps,
            "torch_rng": torch.get_rng_state(),
        }

    @classmethod
    def load(
        cls,
        algo: str,
        path: str | Path,
        state: dict[str, Any] | None = None,
        sb3_logger: Logger | None = None,
        total_steps: int | None = None,
    ) -> SB3Agent:
        """Load a model saved by :meth:`save`, with its optimiser state."""
        model: BaseAlgorithm = algo_class(algo).load(path, device="cpu")
        model.set_logger(sb3_logger or Logger(folder=None, output_formats=[]))
        agent = cls(model, total_steps)
        if state is not None:
            agent.updates = state["updates"]
            model.num_timesteps = state["num_timesteps"]
        return agent
