"""The asymmetric self-play game: turns, budget, success test and rewards.

One :class:`SelfPlayGame` runs one environment. It is stepped one decision at a time,
so that many games can run in lockstep with one batched policy call per agent (see
:class:`selfplay.rollout.GameBatch`), and each finished episode comes back as an
:class:`Episode` holding both agents' transitions with their rewards in place.

Rules, for every environment and learner:

- Each episode is, independently, a target-task episode with probability
  ``p_target`` (always in ``target-only`` mode). There only Bob acts, on the
  environment's own reward, with his target input zeroed (or set to the task's goal
  where the environment names one, see ``SelfPlayEnv.target_task_goal``), for at
  most ``t_max`` steps.
- Otherwise Alice acts from ``s_0`` until she chooses STOP or has used all ``t_max``
  steps. **STOP counts as one of Alice's steps** (``t_A`` includes it, and it uses one
  step of the budget) but does not advance the environment, as in the authors' code.
  If Alice uses up the budget without STOP, Bob gets no turn and Alice's reward is 0.
- Bob then gets at most ``t_max - t_A`` steps, from where Alice stopped (reverse: his
  target is ``s_0``) or from ``s_0`` restored (repeat: his target is Alice's final
  state). The success test runs after each of his steps, never before the first.
  If he fails, ``t_B = t_max - t_A``. Bob's STOP, where the environment has one, is a
  step that leaves the environment unchanged.
- ``R_B = -gamma * t_B`` on Bob's last step and ``R_A = gamma * max(0, t_B - t_A)`` on
  Alice's last step, all other self-play rewards 0. ``gamma`` is a reward scale.
- Alice's episode is ``terminated`` when she stops or the budget runs out (her return is
  then fixed by the rules). Bob's is ``terminated`` when he reaches the target or the
  environment ends, and ``truncated`` when his time runs out, so learners bootstrap
  only then.
- If the environment terminates during Alice's turn, repeat mode treats it as her STOP
  (the terminal state is Bob's target). Reverse mode cannot continue from a terminal
  state, so Bob gets no turn and Alice's reward is 0.

Agent inputs are flat float32 vectors: Alice's is ``[obs_t, obs_0, flag, t / t_max]``
and Bob's ``[obs_t, target_obs, flag, t / t_max]``. ``flag`` is 1 in target-task
episodes and 0 in self-play, and ``t`` counts the episode's steps so far, Alice's
included.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Final

import gymnasium as gym
import numpy as np

from selfplay.envs.protocol import REPEAT, REVERSE, SELFPLAY_OPTION, check_selfplay_env
from selfplay.episode import Episode, EpisodeStats, Segment, SegmentRecorder

__all__ = [
    "COUNT_BASED",
    "GAME_MODES",
    "RANDOM_ALICE",
    "TARGET_ONLY",
    "TARGET_ONLY_MODES",
    "Episode",
    "EpisodeStats",
    "GameConfig",
    "Phase",
    "SelfPlayGame",
    "Segment",
    "alice_action_space",
]

TARGET_ONLY: Final = "target-only"
RANDOM_ALICE: Final = "random-alice"
COUNT_BASED: Final = "count-based"
GAME_MODES: Final = (REVERSE, REPEAT, TARGET_ONLY, RANDOM_ALICE, COUNT_BASED)
"""Modes of :class:`GameConfig`: two self-play modes and three baselines.

``count-based`` plays target-task episodes only, like ``target-only``; the training
loop adds its exploration bonus (:mod:`selfplay.exploration`) to Bob's rewards."""
TARGET_ONLY_MODES: Final = (TARGET_ONLY, COUNT_BASED)
"""Modes in which every episode is a target-task episode."""


class Phase(enum.Enum):
    """Whose turn it is in the current episode."""

    ALICE = "alice"
    BOB = "bob"
    TARGET = "target"
    """Bob on the target task."""


@dataclasses.dataclass(frozen=True)
class GameConfig:
    """Rules of one self-play game.

    Attributes:
        mode: One of :data:`GAME_MODES`.
        t_max: Step budget of an episode, shared by Alice and Bob, and the length
            limit of a target-task episode.
        gamma: Reward scale of ``R_A`` and ``R_B``, reward units per step.
        p_target: Probability that an episode is a target-task episode. Ignored in
            ``target-only`` and ``count-based`` modes, where it is 1.
        random_alice_stops: In ``random-alice`` mode, whether Alice stops at a step
            drawn uniformly from ``[1, t_max // 2]``; if False she never stops.
        time_input: Whether the agents' last input is ``t / t_max``; if False it is
            always 0, which keeps the inputs of tabular learners few.
        flag_input: Whether the agents' second-to-last input is the target-task
            flag. If False it is always 0, so a tabular Bob uses the same table rows
            in self-play and target-task episodes.
        random_alice_mode: The self-play mode in which Bob plays random Alice's
            tasks; None takes the environment's first mode.
    """

    mode: str
    t_max: int
    gamma: float
    p_target: float
    random_alice_stops: bool = True
    time_input: bool = True
    flag_input: bool = True
    random_alice_mode: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in GAME_MODES:
            raise ValueError(
                f"invalid mode {self.mode!r}; valid modes are {', '.join(GAME_MODES)}"
            )
        if self.t_max < 2:
            raise ValueError(f"t_max must be at least 2 steps, got {self.t_max}")
        if not 0.0 <= self.p_target <= 1.0:
            raise ValueError(f"p_target must lie in [0, 1], got {self.p_target}")
        if self.gamma < 0:
            raise ValueError(f"gamma must be non-negative, got {self.gamma}")

    @property
    def selfplay_mode(self) -> str | None:
        """The mode Bob plays in self-play: reverse, repeat, or None.

        None in the target-only modes, and for random Alice unless
        ``random_alice_mode`` names one; the game then takes the environment's
        first self-play mode.
        """
        if self.mode in TARGET_ONLY_MODES:
            return None
        if self.mode == RANDOM_ALICE:
            return self.random_alice_mode
        return self.mode


def alice_action_space(
    env_action_space: gym.Space, stop_action: int | None
) -> gym.Space:
    """Return Alice's action space: the environment's, plus STOP if it has none.

    A ``Discrete(n)`` space without STOP gains action ``n`` as STOP. A ``Box`` space
    gains one last dimension in ``[-1, 1]``; a value above 0 means STOP.
    """
    if stop_action is not None:
        return env_action_space
    if isinstance(env_action_space, gym.spaces.Discrete):
        return gym.spaces.Discrete(int(env_action_space.n) + 1)
    if (
        isinstance(env_action_space, gym.spaces.Box)
        and len(env_action_space.shape) == 1
    ):
        low = np.append(env_action_space.low, -1.0).astype(env_action_space.dtype)
        high = np.append(env_action_space.high, 1.0).astype(env_action_space.dtype)
        return gym.spaces.Box(low, high, dtype=env_action_space.dtype)
    raise TypeError(
        f"cannot add a STOP action to {env_action_space}; self-play supports Discrete "
        "and 1-D Box action spaces"
    )


class SelfPlayGame:
    """One Alice-and-Bob game on one environment, stepped one decision at a time.

    Usage::

        game = SelfPlayGame(gym.make("SelfPlay/Hallway-v0", max_episode_steps=-1),
                            GameConfig("reverse", t_max=30, gamma=0.033, p_target=0.0))
        game.reset(seed=0)
        while True:
            action = policies[game.phase].act(game.observation())
            episode = game.step(action)
            if episode is not None:   # the episode ended; the game has reset itself
                ...

    Args:
        env: The environment. It must implement :class:`selfplay.envs.SelfPlayEnv`
            unless the mode is ``target-only``. Make it with ``max_episode_steps=-1``:
            the game enforces ``t_max`` itself.
        config: The game's rules.
    """

    def __init__(self, env: gym.Env, config: GameConfig) -> None:
        self.env = env
        self.config = config
        self._base = env.unwrapped
        self.selfplay_mode = config.selfplay_mode
        """The mode of Bob's self-play turns, None in the target-only modes."""
        if config.mode == RANDOM_ALICE and self.selfplay_mode is None:
            modes = check_selfplay_env(env).selfplay_modes
            if not modes:
                raise ValueError(
                    f"{type(self._base).__name__} supports no self-play mode, so "
                    "random Alice cannot play it"
                )
            self.selfplay_mode = modes[0]
        if self.selfplay_mode is not None:
            self._base = check_selfplay_env(env, self.selfplay_mode)
        self.stop_action: int | None = getattr(self._base, "stop_action", None)

        if not isinstance(env.observation_space, gym.spaces.Box):
            raise TypeError(
                f"self-play needs a Box observation space, got {env.observation_space}"
            )
        self._obs_dim = int(np.prod(env.observation_space.shape))
        self.input_dim = 2 * self._obs_dim + 2
        """Length of each agent's input vector."""
        self.alice_action_space = alice_action_space(env.action_space, self.stop_action)
        self.bob_action_space = env.action_space
        self._added_stop = self.stop_action is None
        self._zeros = np.zeros(self._obs_dim, dtype=np.float32)

        self.np_random = np.random.default_rng()
        self.phase = Phase.TARGET
        self._seeded = False

    # ----------------------------------------------------------------- episode start

    def reset(self, seed: int | None = None) -> None:
        """Start a new episode; ``seed`` seeds the game and the environment once."""
        env_seed = None
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
            env_seed = int(self.np_random.integers(2**31))
        elif not self._seeded:
            env_seed = int(self.np_random.integers(2**31))
        self._seeded = True

        self._t = 0
        self._t_alice = 0
        self._alice = SegmentRecorder()
        self._bob = SegmentRecorder()
        self._target_return = 0.0
        is_target = (
            self.config.mode in TARGET_ONLY_MODES
            or self.np_random.random() < self.config.p_target
        )
        if is_target:
            obs, _ = self.env.reset(seed=env_seed)
            self._obs = self._flat(obs)
            self._reference = self._target_task_goal()
            self._flag = 1.0 if self.config.flag_input else 0.0
            self.phase = Phase.TARGET
            return

        obs, _ = self.env.reset(seed=env_seed, options={SELFPLAY_OPTION: True})
        self._obs = self._flat(obs)
        self._start_obs = self._obs
        self._reference = self._obs
        self._flag = 0.0
        if self.selfplay_mode == REPEAT:
            self._start_snapshot = self._base.snapshot()
        else:
            self._start_features = self._base.target_features()
        self.phase = Phase.ALICE
        if self.config.mode == RANDOM_ALICE:
            self._random_alice_stop_step = self._draw_random_alice_stop()

    def observation(self) -> np.ndarray:
        """Return the current agent's input, shape ``(input_dim,)``, float32."""
        out = np.empty(self.input_dim, dtype=np.float32)
        out[: self._obs_dim] = self._obs
        out[self._obs_dim : 2 * self._obs_dim] = self._reference
        out[-2] = self._flag
        out[-1] = self._t / self.config.t_max if self.config.time_input else 0.0
        return out

    @property
    def plays_alice_itself(self) -> bool:
        """Whether Alice is the built-in random baseline rather than a learner."""
        return self.config.mode == RANDOM_ALICE

    def random_alice_action(self) -> Any:
        """Return the random baseline's next action, STOP at its drawn step."""
        if self._t_alice + 1 == self._random_alice_stop_step:
            return self._stop_value()
        space = self.env.action_space
        if isinstance(space, gym.spaces.Discrete):
            start = int(space.start)
            moves = [
                a for a in range(start, start + int(space.n)) if a != self.stop_action
            ]
            return moves[self.np_random.integers(len(moves))]
        action = self.np_random.uniform(space.low, space.high).astype(space.dtype)
        if self._added_stop:
            action = np.append(action, -1.0).astype(space.dtype)
        return action

    # ----------------------------------------------------------------------- steps

    def step(self, action: Any) -> Episode | None:
        """Apply the current agent's action.

        Returns:
            The finished :class:`Episode` if this action ended it, else None. After
            an episode ends the game has already started the next one.
        """
        if self.phase is Phase.ALICE:
            return self._alice_step(action)
        if self.phase is Phase.BOB:
            return self._bob_step(action)
        return self._target_step(action)

    def _alice_step(self, action: Any) -> Episode | None:
        observation = self.observation()
        self._t += 1
        self._t_alice += 1
        if self._is_stop(action):
            self._alice.add(observation, action)
            return self._start_bob()

        obs, _, terminated, truncated, _ = self.env.step(self._env_action(action))
        self._obs = self._flat(obs)
        self._alice.add(observation, action)
        if terminated or truncated:
            if self.selfplay_mode == REPEAT and terminated:
                return self._start_bob()
            return self._finish_without_bob()
        if self._t >= self.config.t_max:
            return self._finish_without_bob()
        return None

    def _start_bob(self) -> Episode | None:
        if self._t >= self.config.t_max:
            return self._finish_without_bob()
        if self.selfplay_mode == REPEAT:
            self._target_features = self._base.target_features()
            self._reference = self._obs
            self._alice_final_obs = self.observation()
            self._obs = self._flat(self._base.restore(self._start_snapshot))
        else:
            self._target_features = self._start_features
            self._reference = self._start_obs
            self._alice_final_obs = self.observation()
        self.phase = Phase.BOB
        return None

    def _bob_step(self, action: Any) -> Episode | None:
        observation = self.observation()
        self._t += 1
        env_terminated = False
        if self.stop_action is None or int(action) != self.stop_action:
            obs, _, env_terminated, _, _ = self.env.step(action)
            self._obs = self._flat(obs)
        self._bob.add(observation, action)

        features = self._base.target_features()
        if self._base.target_reached(features, self._target_features):
            return self._finish_selfplay(success=True, env_terminated=False)
        if env_terminated or self._t >= self.config.t_max:
            return self._finish_selfplay(success=False, env_terminated=env_terminated)
        return None

    def _target_step(self, action: Any) -> Episode | None:
        observation = self.observation()
        self._t += 1
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._obs = self._flat(obs)
        self._bob.add(observation, action, float(reward))
        self._target_return += float(reward)
        time_up = self._t >= self.config.t_max
        if not (terminated or truncated or time_up):
            return None

        success = bool(info.get("is_success", terminated))
        segment = self._bob.finish(self.observation(), terminated, not terminated)
        stats = EpisodeStats(
            is_target=True,
            alice_steps=0,
            bob_steps=self._t,
            env_steps=self._t,
            bob_success=False,
            alice_reward=0.0,
            bob_reward=self._target_return,
            target_success=success,
        )
        return self._end(Episode(alice=None, bob=segment, stats=stats))

    # ----------------------------------------------------------------- episode end

    def _finish_without_bob(self) -> Episode:
        alice = self._alice.finish(self.observation(), terminated=True, truncated=False)
        stats = EpisodeStats(
            is_target=False,
            alice_steps=self._t_alice,
            bob_steps=0,
            env_steps=self._t,
            bob_success=False,
            alice_reward=0.0,
            bob_reward=0.0,
            target_success=False,
        )
        return self._end(
            Episode(alice=self._learned_alice(alice), bob=None, stats=stats)
        )

    def _finish_selfplay(self, success: bool, env_terminated: bool) -> Episode:
        t_alice = self._t_alice
        t_bob = self._t - t_alice if success else self.config.t_max - t_alice
        gamma = self.config.gamma
        bob_reward = -gamma * t_bob
        alice_reward = gamma * max(0, t_bob - t_alice)

        self._alice.rewards[-1] = alice_reward
        self._bob.rewards[-1] = bob_reward
        alice = self._alice.finish(
            self._alice_final_obs, terminated=True, truncated=False
        )
        bob_terminated = success or env_terminated
        bob = self._bob.finish(
            self.observation(), terminated=bob_terminated, truncated=not bob_terminated
        )
        stats = EpisodeStats(
            is_target=False,
            alice_steps=t_alice,
            bob_steps=t_bob,
            env_steps=self._t,
            bob_success=success,
            alice_reward=alice_reward,
            bob_reward=bob_reward,
            target_success=False,
        )
        return self._end(
            Episode(alice=self._learned_alice(alice), bob=bob, stats=stats)
        )

    def _learned_alice(self, segment: Segment) -> Segment | None:
        return None if self.plays_alice_itself else segment

    def _end(self, episode: Episode) -> Episode:
        self.reset()
        return episode

    # ------------------------------------------------------------------- helpers

    def _target_task_goal(self) -> np.ndarray:
        hook = getattr(self._base, "target_task_goal", None)
        goal = hook() if hook is not None else None
        return self._zeros if goal is None else self._flat(goal)

    def _flat(self, obs: np.ndarray) -> np.ndarray:
        return np.asarray(obs, dtype=np.float32).reshape(self._obs_dim)

    def _is_stop(self, action: Any) -> bool:
        if not self._added_stop:
            return int(action) == self.stop_action
        if isinstance(self.alice_action_space, gym.spaces.Discrete):
            return int(action) == int(self.alice_action_space.n) - 1
        return float(np.asarray(action)[-1]) > 0.0

    def _env_action(self, action: Any) -> Any:
        """Strip the STOP dimension that Alice's Box action has beyond the env's."""
        if self._added_stop and isinstance(self.alice_action_space, gym.spaces.Box):
            return np.asarray(action)[:-1]
        return action

    def _stop_value(self) -> Any:
        if not self._added_stop:
            return self.stop_action
        if isinstance(self.alice_action_space, gym.spaces.Discrete):
            return int(self.alice_action_space.n) - 1
        action = np.zeros(self.alice_action_space.shape, self.alice_action_space.dtype)
        action[-1] = 1.0
        return action

    def _draw_random_alice_stop(self) -> int:
        if not self.config.random_alice_stops:
            return 0  # never equals a step number, so she never stops
        return int(self.np_random.integers(1, self.config.t_max // 2 + 1))
