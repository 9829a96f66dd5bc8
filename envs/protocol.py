"""The self-play protocol: what an environment offers so Alice and Bob can share it.

An environment that implements :class:`SelfPlayEnv` stays an ordinary single-agent
Gymnasium environment for its target task. The extra methods let the self-play engine
in :mod:`selfplay.game` copy and restore the exact state, compare states the way Bob's
success test needs, and start episodes from the self-play start distribution. The
engine uses these methods and the Gymnasium API, nothing else, so a user's own
environment joins by subclassing :class:`SelfPlayEnv` (or by providing the same
attributes and methods) and registering itself with Gymnasium.

Self-play starts are asked for through Gymnasium's ``options`` argument::

    observation, info = env.reset(seed=0, options={"selfplay": True})

Without that option, ``reset`` starts the target task.
"""

from __future__ import annotations

import abc
from typing import Any, Final

import gymnasium as gym
import numpy as np

REVERSE: Final = "reverse"
REPEAT: Final = "repeat"
SELFPLAY_MODES: Final = (REVERSE, REPEAT)
SELFPLAY_OPTION: Final = "selfplay"
"""Key of ``reset(options=...)`` that selects the self-play start distribution."""


class SelfPlayEnv(gym.Env, abc.ABC):
    """A Gymnasium environment that can host asymmetric self-play.

    Subclasses set :attr:`selfplay_modes` and :attr:`stop_action`, and implement
    :meth:`snapshot`, :meth:`restore`, :meth:`target_features` and
    :meth:`target_reached`. ``reset(options={"selfplay": True})`` must start an
    episode from the self-play start distribution.
    """

    selfplay_modes: tuple[str, ...] = ()
    """Modes the environment can host: ``"reverse"`` needs every change to be
    undoable by the agent, ``"repeat"`` needs :meth:`restore`."""

    stop_action: int | None = None
    """Index of the environment's own STOP action in a ``Discrete`` action space, or
    ``None`` when the action space has none and the engine must add one for Alice."""

    @abc.abstractmethod
    def snapshot(self) -> Any:
        """Return a copy of the complete simulator state.

        The copy shares no mutable object with the live environment, so later steps
        cannot change it. Random-number state is not part of a snapshot.
        """

    @abc.abstractmethod
    def restore(self, snapshot: Any) -> np.ndarray:
        """Set the simulator to ``snapshot`` and return the observation there.

        After ``restore(s)``, stepping with the same actions gives the same states
        as stepping from the moment ``s`` was taken. ``restore`` never changes
        ``snapshot``, so it can be restored again.
        """

    @abc.abstractmethod
    def target_features(self) -> np.ndarray:
        """Return the features of the current state that Bob's success test compares.

        Returns:
            A new 1-D array, independent of the live state.
        """

    @abc.abstractmethod
    def target_reached(self, features: np.ndarray, target: np.ndarray) -> bool:
        """Decide whether the state with ``features`` counts as reaching ``target``.

        Both arguments come from :meth:`target_features`.
        """

    def target_task_goal(self) -> np.ndarray | None:
        """Return the goal of the current target-task episode as Bob's target input.

        A target task whose success is reaching a known state (the hallway's goal
        cell) can hand that state to Bob the way self-play hands him Alice's: as the
        observation the environment shows in that state in a self-play episode. The
        game then puts it in Bob's target input instead of zeros, so what Bob
        learned in self-play applies directly. The default, ``None``, keeps the
        rule of Sukhbaatar et al. (ICLR 2018): a zero target in target-task episodes.
        """
        return None


def check_render_mode(render_mode: str | None, metadata: dict[str, Any]) -> None:
    """Raise ValueError unless ``render_mode`` is None or in ``metadata``'s modes."""
    modes = metadata.get("render_modes", [])
    if render_mode is not None and render_mode not in modes:
        raise ValueError(
            f"invalid render_mode {render_mode!r}, expected None or one of "
            f"{', '.join(repr(mode) for mode in modes)}"
        )


def check_selfplay_env(env: gym.Env, mode: str | None = None) -> SelfPlayEnv:
    """Return the unwrapped environment if it implements the self-play protocol.

    Args:
        env: An environment, wrapped or not.
        mode: If given, the self-play mode that the environment must support.

    Raises:
        TypeError: If the environment lacks a method or attribute of the protocol.
        ValueError: If ``mode`` is not a self-play mode, or the environment cannot
            host it.
    """
    base = env.unwrapped
    name = type(base).__name__
    required = ("snapshot", "restore", "target_features", "target_reached")
    missing = [attr for attr in required if not callable(getattr(base, attr, None))]
    if not hasattr(base, "selfplay_modes"):
        missing.append("selfplay_modes")
    if missing:
        raise TypeError(
            f"{name} does not implement the self-play protocol: missing "
            f"{', '.join(missing)}. Subclass selfplay.envs.SelfPlayEnv."
        )

    for supported in base.selfplay_modes:
        if supported not in SELFPLAY_MODES:
            raise ValueError(
                f"{name}.selfplay_modes contains {supported!r}; valid modes are "
                f"{', '.join(SELFPLAY_MODES)}"
            )
    if mode is not None:
        if mode not in SELFPLAY_MODES:
            raise ValueError(
                f"invalid self-play mode {mode!r}; valid modes are "
                f"{', '.join(SELFPLAY_MODES)}"
            )
        if mode not in base.selfplay_modes:
            raise ValueError(
                f"{name} cannot host self-play in {mode!r} mode; it supports "
                f"{', '.join(base.selfplay_modes) or 'no self-play mode'}"
            )
    return base
