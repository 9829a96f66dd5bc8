"""Gymnasium environments that host asymmetric self-play, ids ``SelfPlay/*``."""

from selfplay.envs.protocol import (
    REPEAT,
    REVERSE,
    SELFPLAY_MODES,
    SELFPLAY_OPTION,
    SelfPlayEnv,
    check_selfplay_env,
)
from selfplay.envs.registration import register_envs

__all__ = [
    "REPEAT",
    "REVERSE",
    "SELFPLAY_MODES",
    "SELFPLAY_OPTION",
    "SelfPlayEnv",
    "check_selfplay_env",
    "register_envs",
]
