"""Registration of this package's environments with Gymnasium."""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import gymnasium as gym

NAMESPACE: Final = "SelfPlay"


class _Registration(NamedTuple):
    env_id: str
    entry_point: str
    max_episode_steps: int
    kwargs: dict[str, Any]


# Episode limits are t_max of Sukhbaatar et al. (ICLR 2018): 30 steps in the
# hallway, 80 in MazeBase, 500 in Mountain Car and 200 in the StarCraft economy.
_REGISTRATIONS: Final = (
    _Registration("SelfPlay/Hallway-v0", "selfplay.envs.hallway:HallwayEnv", 30, {}),
    _Registration("SelfPlay/LightKey-v0", "selfplay.envs.lightkey:LightKeyEnv", 80, {}),
    _Registration(
        "SelfPlay/LightKey-6x6-v0",
        "selfplay.envs.lightkey:LightKeyEnv",
        80,
        {"size": 6},
    ),
    _Registration(
        "SelfPlay/LightKey-Empty-v0",
        "selfplay.envs.lightkey:LightKeyEnv",
        80,
        {"empty": True},
    ),
    _Registration(
        "SelfPlay/MountainCarSparse-v0",
        "selfplay.envs.mountain_car:MountainCarSparseEnv",
        500,
        {},
    ),
    _Registration(
        "SelfPlay/MountainCarSparseContinuous-v0",
        "selfplay.envs.mountain_car:MountainCarSparseEnv",
        500,
        {"continuous": True},
    ),
    _Registration("SelfPlay/Economy-v0", "selfplay.envs.economy:EconomyEnv", 200, {}),
)


def register_envs() -> None:
    """Register the ``SelfPlay/*`` environments with Gymnasium.

    Ids that are already registered are left as they are, so calling this again,
    as ``import selfplay`` does, is safe.
    """
    for registration in _REGISTRATIONS:
        if registration.env_id in gym.registry:
            continue
        gym.register(
            id=registration.env_id,
            entry_point=registration.entry_point,
            max_episode_steps=registration.max_episode_steps,
            kwargs=registration.kwargs,
        )
