"""REINFORCE with a learned baseline, the learner of Sukhbaatar et al. (ICLR 2018).

Each agent of asymmetric self-play (Alice and Bob) owns one `ReinforceLearner`. The
settings follow the paper's learner: no discount, a value head as the baseline
weighted 0.1, RMSProp with decay 0.97, weights drawn from N(0, 0.2) and two tanh
layers of 50 units. There is no input normalisation and no reward or gradient
clipping.
"""

from __future__ import annotations

import copy
import itertools
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from selfplay.learners.base import Trajectory, returns_to_go
from selfplay.learners.tabular import TabularPolicy

logger = logging.getLogger(__name__)

# Written into every file from `ReinforceLearner.save`. Raise the version when the
# layout of the saved dictionary changes.
_CHECKPOINT_FORMAT = "selfplay.ReinforceLearner"
_CHECKPOINT_VERSION = 1


@dataclass
class ReinforceConfig:
    """Hyperparameters of `ReinforceLearner`.

    The defaults are the paper's MazeBase settings. Its hallway uses
    learning_rate=0.1, batch_episodes=16, entropy_coef=0 and tabular=True.
    """

    learning_rate: float = 0.003
    """RMSProp step size (0.003 in every paper setting except the hallway's 0.1)."""

    batch_episodes: int = 256
    """Episodes per update (paper: 256 MazeBase, 16 hallway, 128 Mountain Car)."""

    entropy_coef: float = 0.003
    """Weight of the per-step entropy bonus, entropy in nats (paper: 0.003 or 0)."""

    value_coef: float = 0.1
    """Weight of the baseline's squared error in the loss (paper: 0.1)."""

    rmsprop_alpha: float = 0.97
    """RMSProp decay of the running mean of squared gradients (paper: 0.97)."""

    rmsprop_eps: float = 1e-6
    """RMSProp term added to the root mean square (not given in the paper)."""

    init_std: float = 0.2
    """Standard deviation of the N(0, init_std) initial weights. Biases start at 0."""

    hidden_units: int = 50
    """Width of each tanh hidden layer (paper: 50)."""

    hidden_layers: int = 2
    """Number of tanh hidden layers (paper: 2). With 0 the policy is linear."""

    tabular: bool = False
    """Use a table per distinct observation instead of the network, as in the
    paper's hallway. The table ignores hidden_units, hidden_layers and init_std."""

    def __post_init__(self) -> None:
        positive = {
            "learning_rate": self.learning_rate,
            "batch_episodes": self.batch_episodes,
            "hidden_units": self.hidden_units,
        }
        non_negative = {
            "entropy_coef": self.entropy_coef,
            "value_coef": self.value_coef,
            "rmsprop_eps": self.rmsprop_eps,
            "init_std": self.init_std,
            "hidden_layers": self.hidden_layers,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"ReinforceConfig.{name} must be > 0, got {value}.")
        for name, value in non_negative.items():
            if not value >= 0:
                raise ValueError(f"ReinforceConfig.{name} must be >= 0, got {value}.")
        if not 0 <= self.rmsprop_alpha < 1:
            raise ValueError(
                f"ReinforceConfig.rmsprop_alpha must be in [0, 1), got "
                f"{self.rmsprop_alpha}."
            )


class PolicyValueNetwork(nn.Module):
    """A tanh trunk with a policy head (logits) and a value head (the baseline).

    Args:
        obs_dim: length of an observation vector.
        n_actions: number of discrete actions.
        hidden_units: width of each hidden layer.
        hidden_layers: number of tanh hidden layers. With 0 both heads are linear.
        init_std: standard deviation of the N(0, init_std) weights.
        generator: source of the initial weights.
    """

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        hidden_units: int,
        hidden_layers: int,
        init_std: float,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        widths = [obs_dim] + [hidden_units] * hidden_layers
        self.trunk = nn.ModuleList(
            nn.Linear(width_in, width_out)
            for width_in, width_out in itertools.pairwise(widths)
        )
        self.policy_head = nn.Linear(widths[-1], n_actions)
        self.value_head = nn.Linear(widths[-1], 1)

        for layer in [*self.trunk, self.policy_head, self.value_head]:
            nn.init.normal_(layer.weight, 0.0, init_std, generator=generator)
            nn.init.zeros_(layer.bias)

    def features(self, observations: torch.Tensor) -> torch.Tensor:
        """Map (B, obs_dim) observations to (B, hidden_units) trunk outputs."""
        hidden = observations
        for layer in self.trunk:
            hidden = torch.tanh(layer(hidden))
        return hidden

    def forward(self, observations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the logits (B, n_actions) and baselines (B,) of observations."""
        hidden = self.features(observations)
        return self.policy_head(hidden), self.value_head(hidden).squeeze(1)

    def policy_logits(self, observations: torch.Tensor) -> torch.Tensor:
        """Return the (B, n_actions) logits without evaluating the value head."""
        return self.policy_head(self.features(observations))


class ReinforceLearner:
    """REINFORCE with a learned baseline over discrete actions.

    For a batch of N episodes, with return-to-go G_t = sum_{k >= t} r_k (no
    discount), baseline b(s_t) and advantage A_t = G_t - b(s_t) with b detached,
    the loss is

        (1 / N) * sum over every step t of every episode of
            [ -A_t * log pi(a_t | s_t)
              + value_coef * (G_t - b(s_t))^2
              - entropy_coef * H(pi(. | s_t)) ].

    The sum is divided by the number of episodes, not the number of steps, so a
    long episode weighs more than a short one. Each full batch gives one
    torch.optim.RMSprop step.

    One torch.Generator seeded with `seed` draws the initial weights and then
    every sampled action, so the same seed and the same inputs give the same
    actions and the same weights.

    Args:
        obs_dim: length of an observation vector.
        n_actions: number of discrete actions.
        config: hyperparameters.
        seed: seed of the learner's generator.
    """

    def __init__(
        self, obs_dim: int, n_actions: int, config: ReinforceConfig, seed: int
    ) -> None:
        if obs_dim < 1 or n_actions < 1:
            raise ValueError(
                f"obs_dim and n_actions must be >= 1, got {obs_dim} and {n_actions}."
            )
        self.obs_dim = obs_dim
        self.n_actions = n_actions
        self.config = config
        self.seed = seed
        self._generator = torch.Generator().manual_seed(seed)

        self.model: PolicyValueNetwork | TabularPolicy
        if config.tabular:
            self.model = TabularPolicy(obs_dim, n_actions)
        else:
            self.model = PolicyValueNetwork(
                obs_dim,
                n_actions,
                config.hidden_units,
                config.hidden_layers,
                config.init_std,
                self._generator,
            )
        self.optimizer = torch.optim.RMSprop(
            self.model.parameters(),
            lr=config.learning_rate,
            alpha=config.rmsprop_alpha,
            eps=config.rmsprop_eps,
        )
        if isinstance(self.model, TabularPolicy):
            self.model.attach_optimizer(self.optimizer)

        self._pending: list[Trajectory] = []
        self._updates = 0

    @property
    def pending_episodes(self) -> int:
        """Number of episodes stored for the next update."""
        return len(self._pending)

    @property
    def updates(self) -> int:
        """Number of optimiser steps taken so far."""
        return self._updates

    @torch.no_grad()
    def act(self, observations: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """Choose an action for each observation.

        Sampling draws from the learner's generator. Deterministic calls take the
        argmax (the lowest index among ties) and leave the generator untouched.

        Args:
            observations: (B, obs_dim) float32.
            deterministic: take the most probable action instead of sampling.

        Returns:
            (B,) int64 actions.
        """
        logits = self._policy_logits(self._check_observations(observations))
        if deterministic:
            return logits.argmax(dim=1).numpy()
        # Exponential race: argmax_i p_i / E_i with E_i ~ Exp(1) picks i with
        # probability p_i. torch.multinomial(p, 1) on CPU draws the same way and
        # returns the same actions from the same generator state, but its input
        # checks cost more than the rest of this call for small batches.
        probabilities = torch.softmax(logits, dim=1)
        noise = torch.empty_like(probabilities).exponential_(generator=self._generator)
        return probabilities.div_(noise).argmax(dim=1).numpy()

    @torch.no_grad()
    def action_probabilities(self, observations: np.ndarray) -> np.ndarray:
        """Return the (B, n_actions) float32 policy of (B, obs_dim) observations."""
        logits = self._policy_logits(self._check_observations(observations))
        return torch.softmax(logits, dim=1).numpy()

    @torch.no_grad()
    def baseline(self, observations: np.ndarray) -> np.ndarray:
        """Return the (B,) float32 baseline of (B, obs_dim) observations."""
        observations = self._check_observations(observations)
        if isinstance(self.model, TabularPolicy):
            return self.model.baseline(self.model.indices(observations, False)).numpy()
        return self.model(torch.from_numpy(observations))[1].numpy()

    def add(self, trajectory: Trajectory) -> dict[str, float] | None:
        """Store a copy of one episode and update once `batch_episodes` are stored.

        Args:
            trajectory: one agent's part of one episode, with at least one step.

        Returns:
            The metrics of `update` when this episode completed a batch (the
            batch is then cleared), else None.
        """
        self._check_trajectory(trajectory)
        self._pending.append(
            Trajectory(
                trajectory.observations.copy(),
                trajectory.actions.copy(),
                trajectory.rewards.copy(),
            )
        )
        if len(self._pending) < self.config.batch_episodes:
            return None
        batch, self._pending = self._pending, []
        return self.update(batch)

    def update(self, batch: Sequence[Trajectory]) -> dict[str, float]:
        """Take one RMSProp step on the loss of `batch`.

        Returns:
            The metrics of `loss`, plus `update`, the number of steps taken.
        """
        self.optimizer.zero_grad(set_to_none=True)
        loss, metrics = self.loss(batch)
        loss.backward()
        self.optimizer.step()

        self._updates += 1
        metrics["update"] = float(self._updates)
        logger.debug("update %d: %s", self._updates, metrics)
        return metrics

    def loss(
        self, batch: Sequence[Trajectory]
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Compute the REINFORCE loss of a batch, as given in the class docstring.

        In tabular mode this adds a table row for each unseen observation.

        Args:
            batch: N >= 1 trajectories.

        Returns:
            The scalar loss with its autograd graph, and float metrics:

            - `loss`: the value of the scalar loss.
            - `policy_loss`: the sum of -A_t * log pi(a_t | s_t) over steps, over N.
            - `value_loss`: the sum of (G_t - b(s_t))^2 over steps, over N, before
              the value_coef weight.
            - `entropy`: the mean entropy per step, in nats.
            - `mean_return`: the mean over episodes of G_0.
            - `mean_length`: the mean episode length, in steps.
        """
        if len(batch) == 0:
            raise ValueError("loss needs at least one trajectory, got an empty batch.")
        episodes = len(batch)
        observations = np.concatenate([t.observations for t in batch])
        actions = torch.from_numpy(np.concatenate([t.actions for t in batch]))
        returns = torch.from_numpy(
            np.concatenate([returns_to_go(t.rewards) for t in batch])
        )

        logits, baselines = self._forward(observations)
        log_probs = torch.log_softmax(logits, dim=1)
        action_log_probs = log_probs.gather(1, actions.unsqueeze(1)).squeeze(1)
        entropies = -(log_probs.exp() * log_probs).sum(dim=1)
        advantages = returns - baselines.detach()

        policy_loss = -(advantages * action_log_probs).sum() / episodes
        value_loss = (returns - baselines).pow(2).sum() / episodes
        entropy_per_episode = entropies.sum() / episodes
        loss = (
            policy_loss
            + self.config.value_coef * value_loss
            - self.config.entropy_coef * entropy_per_episode
        )

        metrics = {
            "loss": loss.item(),
            "policy_loss": policy_loss.item(),
            "value_loss": value_loss.item(),
            "entropy": entropies.mean().item(),
            "mean_return": float(np.mean([t.rewards.sum() for t in batch])),
            "mean_length": len(actions) / episodes,
        }
        return loss, metrics

    def state_dict(self) -> dict:
        """Return a copy of everything needed to resume.

        The copy contains the weights, the optimiser state, the generator state,
        the pending batch, the update count and, in tabular mode, the observation
        of each table row. Later updates do not change it.
        """
        state = {
            "obs_dim": self.obs_dim,
            "n_actions": self.n_actions,
            "tabular": self.config.tabular,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self._generator.get_state(),
            "pending": [
                {
                    "observations": torch.from_numpy(t.observations),
                    "actions": torch.from_numpy(t.actions),
                    "rewards": torch.from_numpy(t.rewards),
                }
                for t in self._pending
            ],
            "updates": self._updates,
        }
        if isinstance(self.model, TabularPolicy):
            state["table_observations"] = self.model.key_observations()
        return copy.deepcopy(state)

    def load_state_dict(self, state: dict) -> None:
        """Restore a state returned by `state_dict`.

        The learner must have the same obs_dim, n_actions and tabular setting.
        The state is copied, so the caller may load it into several learners.
        """
        expected = (self.obs_dim, self.n_actions, self.config.tabular)
        found = (state["obs_dim"], state["n_actions"], state["tabular"])
        if found != expected:
            raise ValueError(
                f"State has (obs_dim, n_actions, tabular) = {found}, but this learner "
                f"has {expected}. Build the learner with the saved settings."
            )
        state = copy.deepcopy(state)

        if isinstance(self.model, TabularPolicy):
            capacity = state["model"]["logits"].shape[0]
            self.model.restore(state["table_observations"], capacity)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self._generator.set_state(state["generator"])
        self._pending = [
            Trajectory(
                p["observations"].numpy(), p["actions"].numpy(), p["rewards"].numpy()
            )
            for p in state["pending"]
        ]
        self._updates = state["updates"]

    def save(self, path: str | Path) -> None:
        """Write the state, the configuration, obs_dim, n_actions and seed to `path`."""
        checkpoint = {
            "format": _CHECKPOINT_FORMAT,
            "version": _CHECKPOINT_VERSION,
            "obs_dim": self.obs_dim,
            "n_actions": self.n_actions,
            "seed": self.seed,
            "config": asdict(self.config),
            "state": self.state_dict(),
        }
        torch.save(checkpoint, path)
        logger.info("saved learner after %d updates to %s", self._updates, path)

    @classmethod
    def load(cls, path: str | Path) -> ReinforceLearner:
        """Rebuild a learner from a file written by `save`."""
        checkpoint = torch.load(path, weights_only=True)
        found = (checkpoint.get("format"), checkpoint.get("version"))
        if found != (_CHECKPOINT_FORMAT, _CHECKPOINT_VERSION):
            raise ValueError(
                f"{path} has checkpoint format {found}, expected "
                f"{(_CHECKPOINT_FORMAT, _CHECKPOINT_VERSION)}. Write it with "
                "ReinforceLearner.save."
            )
        learner = cls(
            checkpoint["obs_dim"],
            checkpoint["n_actions"],
            ReinforceConfig(**checkpoint["config"]),
            checkpoint["seed"],
        )
        learner.load_state_dict(checkpoint["state"])
        return learner

    def _check_observations(self, observations: np.ndarray) -> np.ndarray:
        observations = np.asarray(observations, dtype=np.float32)
        if observations.ndim != 2 or observations.shape[1] != self.obs_dim:
            raise ValueError(
                f"observations must have shape (B, {self.obs_dim}), got "
                f"{observations.shape}. Pass a single observation as obs[None]."
            )
        if not observations.flags.writeable:
            # torch.from_numpy warns on read-only arrays.
            observations = observations.copy()
        return observations

    def _check_trajectory(self, trajectory: Trajectory) -> None:
        if len(trajectory) == 0:
            raise ValueError(
                "Trajectory has 0 steps. Add only agents that took at least one step."
            )
        if trajectory.observations.shape[1] != self.obs_dim:
            raise ValueError(
                f"Trajectory observations have obs_dim "
                f"{trajectory.observations.shape[1]}, expected {self.obs_dim}."
            )
        actions = trajectory.actions
        if actions.min() < 0 or actions.max() >= self.n_actions:
            raise ValueError(
                f"Trajectory actions must be in [0, {self.n_actions}), got values "
                f"from {actions.min()} to {actions.max()}."
            )
        if not np.isfinite(trajectory.rewards).all():
            raise ValueError(
                f"Trajectory rewards must be finite, got {trajectory.rewards}."
            )

    def _policy_logits(self, observations: np.ndarray) -> torch.Tensor:
        if isinstance(self.model, TabularPolicy):
            return self.model.policy_logits(self.model.indices(observations, False))
        return self.model.policy_logits(torch.from_numpy(observations))

    def _forward(self, observations: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        if isinstance(self.model, TabularPolicy):
            return self.model(self.model.indices(observations, True))
        return self.model(torch.from_numpy(observations))
