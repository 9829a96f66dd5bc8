"""The training configuration: every setting of a run in one typed object.

Each field's ``help`` metadata is its command-line help in ``selfplay train``. Fields
left as ``None`` take the environment's value from :mod:`selfplay.defaults` when the
configuration is resolved, and the resolved configuration is what a run directory's
``config.json`` stores.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Final

from selfplay.defaults import env_defaults, has_env_defaults, registered_episode_steps
from selfplay.game import GAME_MODES, TARGET_ONLY_MODES, GameConfig

ALGOS: Final = ("reinforce", "ppo", "a2c", "trpo")
"""Learners for Alice and Bob: REINFORCE as in Sukhbaatar et al. (ICLR 2018), and
Stable-Baselines3 models."""

DEFAULT_TARGET_EPISODES: Final = 2000
SB3_LEARNING_RATES: Final = {"ppo": 3e-4, "a2c": 7e-4, "trpo": 1e-3}
"""Default learning rates of Stable-Baselines3 2.x and sb3-contrib 2.x. The rates in
:mod:`selfplay.defaults`, from Sukhbaatar et al. (ICLR 2018), are for REINFORCE."""
LOG_FORMATS: Final = ("stdout", "csv", "tensorboard", "log", "json")
"""Output formats of Stable-Baselines3's logger."""
SB3_RESERVED_KWARGS: Final = frozenset({"n_steps", "seed", "device", "verbose", "env"})
"""SB3 constructor arguments that the trainer sets itself."""
SB3_N_STEPS: Final = {"ppo": 128, "a2c": 5, "trpo": 128}


def _field(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass
class TrainConfig:
    """Settings of one training run."""

    env_id: str = _field(
        "SelfPlay/LightKey-6x6-v0",
        "Gymnasium environment id; 'module:Id' imports the module first",
    )
    mode: str | None = _field(
        None,
        f"game mode, one of {', '.join(GAME_MODES)} (default: the environment's "
        "self-play mode, reverse for the grid worlds)",
    )
    seed: int = _field(0, "random seed of the games, environments and learners")
    algo: str | None = _field(
        None,
        f"learner of both agents, one of {', '.join(ALGOS)} (default: the "
        "environment's, reinforce for the grid worlds)",
    )
    target_episodes: int | None = _field(
        None,
        "stop after this many target-task episodes (default: "
        f"{DEFAULT_TARGET_EPISODES} if --env-steps is not given either, else none)",
    )
    env_steps: int | None = _field(
        None,
        "stop after this many environment steps, self-play steps included "
        "(default: none)",
    )
    n_envs: int = _field(16, "games stepped in lockstep, with batched policy calls")
    t_max: int | None = _field(None, "episode budget in steps shared by Alice and Bob")
    gamma: float | None = _field(
        None,
        "reward scale of the self-play rewards R_A and R_B, reward units per step; "
        "not a discount (SB3's discount is --sb3-kwargs '{\"gamma\": ...}')",
    )
    p_target: float | None = _field(
        None, "probability that an episode is a target-task episode"
    )
    learning_rate: float | None = _field(
        None,
        "learning rate of both agents (default: the environment's for REINFORCE, "
        "SB3's own for ppo 3e-4, a2c 7e-4, trpo 1e-3)",
    )
    batch_episodes: int | None = _field(
        None, "episodes per REINFORCE update (REINFORCE only)"
    )
    entropy_coef: float | None = _field(
        None, "weight of the entropy bonus; TRPO has none and ignores it"
    )
    env_kwargs: dict[str, Any] = _field(
        None,
        "JSON object of keyword arguments for gym.make, e.g. "
        "'{\"light_off_prob\": 0.5}' (default: {})",
    )
    n_steps: int | None = _field(
        None,
        "SB3 rollout steps per game between updates; an agent's update covers "
        "n_steps * n_envs of its own transitions (default: ppo and trpo 128, a2c 5)",
    )
    sb3_kwargs: dict[str, Any] = _field(
        None,
        "JSON object of further SB3 constructor arguments, e.g. "
        "'{\"gamma\": 1.0}' (default: {})",
    )
    eval_interval: int = _field(
        0, "evaluate Bob every this many target-task episodes; 0 turns evaluation off"
    )
    eval_episodes: int = _field(50, "fresh target-task episodes per evaluation")
    checkpoint_interval: int = _field(
        1, "metrics rows between checkpoints for --resume; 0 turns checkpoints off"
    )
    eval_deterministic: bool = _field(
        False, "evaluate with the most likely action instead of sampling"
    )
    workers: int = _field(
        0, "worker processes that step the games; 0 steps them in this process"
    )
    log_formats: list[str] = _field(
        None,
        "SB3 logger outputs, a comma-separated subset of stdout, csv, "
        "tensorboard, log, json (default: csv,tensorboard)",
    )
    count_alpha: float = _field(
        0.1,
        "count-based mode: scale alpha of the bonus alpha / sqrt(N(s)), reward units",
    )
    count_cell: float | None = _field(
        None,
        "count-based mode: states are counted per cell of this width in every "
        "observation entry (default: exact observations)",
    )
    log_interval: int = _field(
        50, "target-task episodes per metrics row (self-play episodes if p_target is 0)"
    )

    def __post_init__(self) -> None:
        if self.env_kwargs is None:
            self.env_kwargs = {}
        if self.sb3_kwargs is None:
            self.sb3_kwargs = {}
        if self.log_formats is None:
            self.log_formats = ["csv", "tensorboard"]
        elif isinstance(self.log_formats, str):
            self.log_formats = [f for f in self.log_formats.split(",") if f]

    def validate(self) -> None:
        """Check every field that can be checked without making the environment.

        Raises:
            ValueError: Naming the invalid value and the valid choices.
        """
        if self.mode is not None and self.mode not in GAME_MODES:
            raise ValueError(
                f"invalid mode {self.mode!r}; valid modes are {', '.join(GAME_MODES)}"
            )
        if self.algo is not None and self.algo not in ALGOS:
            raise ValueError(
                f"invalid algo {self.algo!r}; valid learners are {', '.join(ALGOS)}"
            )
        positive = {
            "target_episodes": self.target_episodes,
            "env_steps": self.env_steps,
            "n_envs": self.n_envs,
            "t_max": self.t_max,
            "batch_episodes": self.batch_episodes,
            "log_interval": self.log_interval,
            "n_steps": self.n_steps,
            "eval_episodes": self.eval_episodes,
        }
        for name, value in positive.items():
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        if self.p_target is not None and not 0.0 <= self.p_target <= 1.0:
            raise ValueError(f"p_target must lie in [0, 1], got {self.p_target}")
        if self.t_max is not None and self.t_max < 2:
            raise ValueError(f"t_max must be at least 2 steps, got {self.t_max}")
        for name in ("gamma", "entropy_coef"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")
        lr = self.learning_rate
        if lr is not None and not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {lr}")
        reserved = sorted(set(self.sb3_kwargs) & SB3_RESERVED_KWARGS)
        if reserved:
            raise ValueError(
                f"sb3_kwargs may not set {', '.join(reserved)}: the trainer sets them "
                "(use --n-steps and --seed)"
            )
        unknown = [f for f in self.log_formats if f not in LOG_FORMATS]
        if unknown:
            raise ValueError(
                f"invalid log format {unknown[0]!r}; valid formats are "
                f"{', '.join(LOG_FORMATS)}"
            )
        if self.count_alpha < 0:
            raise ValueError(f"count_alpha must be 0 or more, got {self.count_alpha}")
        if self.count_cell is not None and self.count_cell <= 0:
            raise ValueError(f"count_cell must be positive, got {self.count_cell}")
        for name in ("eval_interval", "checkpoint_interval", "workers"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")
        for name in ("env_kwargs", "sb3_kwargs"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(
                    f"{name} must be a JSON object, got {getattr(self, name)!r}"
                )

    def check_budget(self) -> None:
        """Check that the budget can be reached with this configuration's mode.

        Call on a resolved configuration.

        Raises:
            ValueError: If the run could never end.
        """
        if self.env_steps is None and self.game_config().p_target == 0:
            raise ValueError(
                "p_target is 0, so no target-task episode would ever count toward "
                "--target-episodes; give --env-steps as the budget or a p_target > 0"
            )

    def resolved(self) -> TrainConfig:
        """Return a copy with every ``None`` replaced by the environment's default."""
        self.validate()
        defaults = env_defaults(self.env_id)
        values = dataclasses.asdict(self)
        algo = self.algo or defaults.algo
        values["algo"] = algo
        values["mode"] = self.mode or defaults.selfplay_mode
        for name in ("t_max", "gamma", "p_target", "batch_episodes"):
            if values[name] is None:
                values[name] = getattr(defaults, name)
        if self.t_max is None and not has_env_defaults(self.env_id):
            values["t_max"] = registered_episode_steps(self.env_id) or defaults.t_max
        if values["learning_rate"] is None:
            values["learning_rate"] = SB3_LEARNING_RATES.get(
                algo, defaults.learning_rate
            )
        if values["n_steps"] is None:
            values["n_steps"] = SB3_N_STEPS.get(algo, 128)
        if values["entropy_coef"] is None:
            values["entropy_coef"] = defaults.entropy_coef
        values["env_kwargs"] = {**defaults.env_kwargs, **self.env_kwargs}
        if self.target_episodes is None and self.env_steps is None:
            values["target_episodes"] = DEFAULT_TARGET_EPISODES
        return TrainConfig(**values)

    def game_config(self) -> GameConfig:
        """Return the game's rules; call on a resolved configuration."""
        defaults = env_defaults(self.env_id)
        return GameConfig(
            mode=self.mode,
            t_max=self.t_max,
            gamma=self.gamma,
            p_target=1.0 if self.mode in TARGET_ONLY_MODES else self.p_target,
            random_alice_stops=defaults.random_alice_stops,
            time_input=defaults.time_input,
            flag_input=defaults.flag_input,
        )

    def to_json(self, path: str | Path) -> None:
        """Write the configuration as JSON."""
        Path(path).write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def from_json(cls, path: str | Path) -> TrainConfig:
        """Read a configuration written by :meth:`to_json`."""
        return cls(**json.loads(Path(path).read_text()))
