"""Sparse Mountain Car: rewards, Gymnasium's physics, starts and repeat self-play."""

from __future__ import annotations

import json
import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.envs.classic_control.continuous_mountain_car import (
    Continuous_MountainCarEnv,
)
from gymnasium.utils.env_checker import check_env
from gymnasium.wrappers import TimeLimit

import selfplay  # noqa: F401  (registers the environments)
from selfplay.config import SB3_LEARNING_RATES, TrainConfig
from selfplay.defaults import env_defaults
from selfplay.envs.mountain_car import FORCES, MountainCarSparseEnv, MountainCarState
from selfplay.game import GameConfig, Phase, SelfPlayGame
from selfplay.runners.cli import main

DISCRETE = "SelfPlay/MountainCarSparse-v0"
CONTINUOUS = "SelfPlay/MountainCarSparseContinuous-v0"
ENV_IDS = (DISCRETE, CONTINUOUS)
REPEAT_RULES = GameConfig("repeat", t_max=500, gamma=0.01, p_target=0.0)

torch.set_num_threads(1)


def env_action(env: MountainCarSparseEnv, push_right: bool) -> int | np.ndarray:
    """Return the action that pushes with full force right or left."""
    if env.continuous:
        return np.array([1.0 if push_right else -1.0], dtype=np.float32)
    return len(FORCES) - 1 if push_right else 0


def pumping_actions(env: MountainCarSparseEnv, observation: np.ndarray) -> list:
    """Push in the direction of the velocity until the goal, and return the actions."""
    actions = []
    terminated = False
    while not terminated:
        action = env_action(env, push_right=bool(observation[1] >= 0))
        observation, _, terminated, truncated, _ = env.step(action)
        actions.append(action)
        assert not truncated
        assert len(actions) < 500, "the pumping policy did not reach the goal"
    return actions


def normalized(state: np.ndarray) -> np.ndarray:
    """Scale (position, velocity) by Gymnasium's float32 bounds to [0, 1]."""
    low = np.array([-1.2, -0.07], dtype=np.float32).astype(np.float64)
    high = np.array([0.6, 0.07], dtype=np.float32).astype(np.float64)
    return (np.asarray(state, dtype=np.float64) - low) / (high - low)


# ------------------------------------------------------------------- registration


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_registered_horizon_500(env_id):
    env = gym.make(env_id)
    assert gym.spec(env_id).max_episode_steps == 500
    assert isinstance(env, TimeLimit)
    assert env.spec.max_episode_steps == 500


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_make_without_time_limit(env_id):
    # The self-play engine enforces t_max itself and relies on this.
    env = gym.make(env_id, max_episode_steps=-1)
    wrapper = env
    while isinstance(wrapper, gym.Wrapper):
        assert not isinstance(wrapper, TimeLimit)
        wrapper = wrapper.env
    assert isinstance(wrapper, MountainCarSparseEnv)


def test_spaces():
    discrete = gym.make(DISCRETE).unwrapped
    continuous = gym.make(CONTINUOUS).unwrapped
    assert discrete.action_space == gym.spaces.Discrete(5)
    assert continuous.action_space == gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
    expected = gym.spaces.Box(
        np.array([-1.2, -0.07], np.float32), np.array([0.6, 0.07], np.float32)
    )
    for env in (discrete, continuous):
        assert env.observation_space == expected
        assert env.selfplay_modes == ("repeat",)
        assert env.stop_action is None


def test_defaults_are_mountain_car_column():
    for env_id in ENV_IDS:
        defaults = env_defaults(env_id)
        assert defaults.t_max == 500
        assert defaults.gamma == 0.01
        assert defaults.p_target == 0.01
        assert defaults.learning_rate == 0.003
        assert defaults.batch_episodes == 128
        assert defaults.entropy_coef == 0.003
        assert defaults.selfplay_mode == "repeat"
        assert defaults.algo == "trpo"

        resolved = TrainConfig(env_id=env_id, mode="repeat").resolved()
        assert resolved.algo == "trpo"
        assert resolved.t_max == 500
        assert resolved.p_target == 0.01
        assert resolved.learning_rate == SB3_LEARNING_RATES["trpo"]
        reinforce = TrainConfig(env_id=env_id, mode="repeat", algo="reinforce")
        assert reinforce.resolved().learning_rate == 0.003


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_render_rgb_array(env_id):
    pytest.importorskip("pygame", reason="Gymnasium's car renderer needs pygame")
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(env.action_space.sample())
    frame = env.render()
    assert frame.dtype == np.uint8
    assert frame.shape == (400, 600, 3)  # Gymnasium's 600 x 400 screen
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        check_env(gym.make(env_id, render_mode="rgb_array").unwrapped)
    assert [str(record.message) for record in records] == []
    env.close()


# ------------------------------------------------------------------------ rewards


def sweep_actions(env: MountainCarSparseEnv) -> list:
    if env.continuous:
        forces = np.linspace(-2.0, 2.0, 17, dtype=np.float32)  # clipped beyond +-1
        return [np.array([force], dtype=np.float32) for force in forces]
    return list(range(len(FORCES)))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_reward_zero_off_goal(env_id):
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    goal_steps = 0
    off_goal_steps = 0
    for position in np.linspace(-1.2, 0.6, 37, dtype=np.float32):
        for velocity in np.linspace(-0.07, 0.07, 15, dtype=np.float32):
            for action in sweep_actions(env):
                env.restore(MountainCarState(position, velocity, False))
                obs, reward, terminated, truncated, info = env.step(action)
                assert not truncated
                assert info == {"is_success": terminated}
                at_goal = obs[0] >= env.goal_position and obs[1] >= 0.0
                assert terminated == bool(at_goal)
                if terminated:
                    assert reward == 1.0
                    goal_steps += 1
                else:
                    assert reward == 0.0
                    off_goal_steps += 1
    assert goal_steps > 0
    assert off_goal_steps > 0


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_selfplay_steps_never_pay(env_id):
    env = gym.make(env_id).unwrapped
    env.reset(seed=0, options={"selfplay": True})
    for position in np.linspace(-1.2, 0.6, 19, dtype=np.float32):
        for action in sweep_actions(env):
            env.restore(MountainCarState(position, np.float32(0.07), True))
            _, reward, terminated, truncated, info = env.step(action)
            assert reward == 0.0
            assert not terminated
            assert not truncated
            assert info == {}


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pumping_policy_reaches_goal(env_id):
    env = gym.make(env_id)
    obs, _ = env.reset(seed=0)
    rewards = []
    terminations = []
    successes = []
    while not (terminations and terminations[-1]):
        action = env_action(env.unwrapped, push_right=bool(obs[1] >= 0))
        obs, reward, terminated, truncated, info = env.step(action)
        assert not truncated, "the pumping policy did not reach the goal in 500 steps"
        rewards.append(reward)
        terminations.append(terminated)
        successes.append(info["is_success"])
    assert rewards[-1] == 1.0
    assert obs[0] >= 0.45
    assert rewards[:-1] == [0.0] * (len(rewards) - 1)
    assert terminations[:-1] == [False] * (len(rewards) - 1)
    assert successes == terminations


def test_goal_at_right_wall():
    env = MountainCarSparseEnv(goal_position=0.6)
    obs, _ = env.reset(seed=0)
    actions = pumping_actions(env, obs)
    assert env.state[0] == pytest.approx(0.6)
    assert len(actions) > 1


# ------------------------------------------------------------------------ physics


def gymnasium_rollout(seed: int, forces: list[np.ndarray]) -> list[tuple]:
    reference = Continuous_MountainCarEnv()
    obs, _ = reference.reset(seed=seed)
    steps = [(obs.copy(), False)]
    for force in forces:
        obs, _, terminated, _, _ = reference.step(force)
        steps.append((obs.copy(), terminated))
        if terminated:
            break
    return steps


def sparse_rollout(env: MountainCarSparseEnv, seed: int, actions: list) -> list[tuple]:
    obs, _ = env.reset(seed=seed)
    steps = [(obs, False)]
    for action in actions:
        obs, _, terminated, _, _ = env.step(action)
        steps.append((obs, terminated))
        if terminated:
            break
    return steps


def assert_same_steps(ours: list[tuple], reference: list[tuple]) -> None:
    assert len(ours) == len(reference)
    for (obs, terminated), (expected_obs, expected_terminated) in zip(
        ours, reference, strict=True
    ):
        assert obs.dtype == expected_obs.dtype
        assert np.array_equal(obs, expected_obs)
        assert terminated == expected_terminated


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_continuous_physics_match_gymnasium(seed):
    env = MountainCarSparseEnv(continuous=True)
    rng = np.random.default_rng(seed)
    forces = list(rng.uniform(-1.5, 1.5, size=(300, 1)).astype(np.float32))
    assert_same_steps(
        sparse_rollout(env, seed, forces), gymnasium_rollout(seed, forces)
    )

    obs, _ = env.reset(seed=seed)
    pumping = pumping_actions(env, obs)
    reference = gymnasium_rollout(seed, pumping)
    assert reference[-1][1], "Gymnasium's car did not reach the goal"
    assert_same_steps(sparse_rollout(env, seed, pumping), reference)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_discrete_physics_match_binned_gymnasium(seed):
    env = MountainCarSparseEnv()
    rng = np.random.default_rng(seed)
    actions = rng.integers(len(FORCES), size=300).tolist()
    forces = [np.array([FORCES[a]], dtype=np.float32) for a in actions]
    assert_same_steps(
        sparse_rollout(env, seed, actions), gymnasium_rollout(seed, forces)
    )


# ------------------------------------------------------------------ starts, state


@pytest.mark.parametrize("options", [None, {"selfplay": True}])
def test_start_is_gymnasiums(options):
    env = MountainCarSparseEnv()
    reference = Continuous_MountainCarEnv()
    for seed in range(20):
        obs, info = env.reset(seed=seed, options=options)
        expected, _ = reference.reset(seed=seed)
        assert info == {}
        assert np.array_equal(obs, expected)
        assert -0.6 <= obs[0] <= -0.4
        assert obs[1] == 0.0


def test_max_start_speed_draws_velocity():
    env = MountainCarSparseEnv(max_start_speed=0.05)
    velocities = [env.reset(seed=seed)[0][1] for seed in range(50)]
    assert max(abs(v) for v in velocities) <= 0.05
    assert min(velocities) < 0.0 < max(velocities)
    assert len(set(velocities)) == 50


def test_restore_keeps_dtype_exactly():
    env = MountainCarSparseEnv()
    env.reset(seed=0)
    start = env.snapshot()
    assert env.state.dtype == np.float64  # Gymnasium's reset state

    first = [env.step(4)[0] for _ in range(30)]
    stepped = env.snapshot()
    assert env.state.dtype == np.float32  # Gymnasium's step state

    env.restore(start)
    assert env.state.dtype == np.float64
    second = [env.step(4)[0] for _ in range(30)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert env.snapshot() == stepped


def test_target_features_normalized():
    env = MountainCarSparseEnv()
    env.reset(seed=0)
    env.restore(MountainCarState(np.float32(-1.2), np.float32(-0.07), False))
    assert np.allclose(env.target_features(), [0.0, 0.0])
    env.restore(MountainCarState(np.float32(0.6), np.float32(0.07), False))
    assert np.allclose(env.target_features(), [1.0, 1.0])
    env.restore(MountainCarState(-0.3, 0.0, False))
    assert np.allclose(env.target_features(), [0.5, 0.5])


def test_target_threshold_in_position_units():
    env = MountainCarSparseEnv()
    target = normalized([-0.5, 0.0])
    # A tenth of the normalized range is 0.18 in position and 0.014 in velocity.
    assert env.target_reached(normalized([-0.5 + 0.17, 0.0]), target)
    assert not env.target_reached(normalized([-0.5 + 0.19, 0.0]), target)
    assert env.target_reached(normalized([-0.5, 0.013]), target)
    assert not env.target_reached(normalized([-0.5, 0.015]), target)
    looser = MountainCarSparseEnv(target_threshold=0.2)
    assert looser.target_reached(normalized([-0.5 + 0.35, 0.0]), target)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"goal_position": -1.2},
        {"goal_position": 0.7},
        {"max_start_speed": -0.01},
        {"max_start_speed": 0.08},
        {"target_threshold": 0.0},
        {"render_mode": "ansi"},
    ],
)
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError, match="invalid"):
        MountainCarSparseEnv(**kwargs)


def test_invalid_actions_raise():
    discrete = MountainCarSparseEnv()
    continuous = MountainCarSparseEnv(continuous=True)
    discrete.reset(seed=0)
    continuous.reset(seed=0)
    for action in (-1, 5):
        with pytest.raises(ValueError, match="invalid action"):
            discrete.step(action)
    with pytest.raises(ValueError, match="invalid action"):
        continuous.step(np.zeros(2, dtype=np.float32))


def test_invalid_snapshot_raises():
    env = MountainCarSparseEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="position"):
        env.restore(MountainCarState(0.7, 0.0, False))
    with pytest.raises(ValueError, match="velocity"):
        env.restore(MountainCarState(0.0, 0.08, False))


# ----------------------------------------------------------------- the self-play engine


def alice_moves(env: MountainCarSparseEnv) -> list:
    """Alice's pushes: 40 right, then 25 left, far from her stopping state early on."""
    return [env_action(env, True)] * 40 + [env_action(env, False)] * 25


def alice_action(game: SelfPlayGame, move: int | np.ndarray | None) -> object:
    """Return Alice's action for ``move``, or her STOP when ``move`` is None."""
    if isinstance(game.alice_action_space, gym.spaces.Discrete):
        return int(game.alice_action_space.n) - 1 if move is None else move
    if move is None:
        return np.array([0.0, 1.0], dtype=np.float32)
    return np.append(move, np.float32(-1.0)).astype(np.float32)


def play_alice(game: SelfPlayGame, moves: list) -> np.ndarray:
    """Play Alice's moves then STOP; return the state where she stopped."""
    base = game.env.unwrapped
    for move in moves:
        assert game.phase is Phase.ALICE
        assert game.step(alice_action(game, move)) is None
    stop_state = np.array(base.state, dtype=np.float64)
    assert game.step(alice_action(game, None)) is None
    return stop_state


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_alice_gets_stop_action(env_id):
    game = SelfPlayGame(gym.make(env_id, max_episode_steps=-1), REPEAT_RULES)
    if env_id == DISCRETE:
        assert game.alice_action_space == gym.spaces.Discrete(6)
        assert game.bob_action_space == gym.spaces.Discrete(5)
    else:
        assert game.alice_action_space == gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        assert game.bob_action_space == gym.spaces.Box(-1.0, 1.0, (1,), np.float32)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_repeat_bob_replays_alice(env_id):
    # A tiny threshold makes only Alice's exact stopping state count as reached.
    env = gym.make(env_id, max_episode_steps=-1, target_threshold=1e-9)
    game = SelfPlayGame(env, REPEAT_RULES)
    game.reset(seed=0)
    assert game.phase is Phase.ALICE
    base = env.unwrapped
    start = base.snapshot()
    start_obs = game.observation()[:2].copy()
    moves = alice_moves(base)

    stop_state = play_alice(game, moves)
    assert game.phase is Phase.BOB
    assert base.state[0] == start.position
    assert base.state[1] == start.velocity
    assert base.state.dtype == np.asarray(start[:2]).dtype
    bob_input = game.observation()
    assert np.array_equal(bob_input[:2], start_obs)
    assert np.array_equal(bob_input[2:4], stop_state.astype(np.float32))

    for move in moves[:-1]:
        assert game.step(move) is None
    episode = game.step(moves[-1])
    assert episode is not None
    stats = episode.stats
    assert stats.bob_success
    assert stats.bob_steps == len(moves)
    assert stats.alice_steps == len(moves) + 1  # STOP counts as one of her steps
    assert stats.bob_reward == pytest.approx(-0.01 * len(moves))
    assert stats.alice_reward == 0.0


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_repeat_default_threshold_success(env_id):
    env = gym.make(env_id, max_episode_steps=-1)
    game = SelfPlayGame(env, REPEAT_RULES)
    game.reset(seed=1)
    base = env.unwrapped
    moves = alice_moves(base)
    stop_features = normalized(play_alice(game, moves))

    # Bob's first state within 0.1 of Alice's, from a separate replay.
    replay = Continuous_MountainCarEnv()
    replay.reset(seed=0)
    replay.state = np.array(base.state)
    expected = None
    for step, move in enumerate(moves, start=1):
        force = move if base.continuous else np.array([FORCES[move]], np.float32)
        replay.step(force)
        if np.linalg.norm(normalized(replay.state) - stop_features) < 0.1:
            expected = step
            break
    assert expected is not None
    assert 1 < expected < len(moves)

    episode = None
    for move in moves:
        episode = game.step(move)
        if episode is not None:
            break
    assert episode is not None
    assert episode.stats.bob_success
    assert episode.stats.bob_steps == expected


# ------------------------------------------------------------------- command line


def test_cli_rejects_reverse(tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["train", "--env", DISCRETE, "--mode", "reverse", "--out", str(out)])
    error = capsys.readouterr().err
    assert status == 2
    assert "'reverse'" in error
    assert "repeat" in error
    assert not out.exists()


@pytest.mark.parametrize(
    ("env_id", "algo_args", "algo"),
    [(CONTINUOUS, [], "trpo"), (DISCRETE, ["--algo", "ppo"], "ppo")],
    ids=["continuous-trpo", "discrete-ppo"],
)
def test_cli_short_repeat_run(tmp_path, env_id, algo_args, algo):
    out = tmp_path / "run"
    args = ["train", "--env", env_id, "--mode", "repeat", "--target-episodes", "2"]
    args += ["--n-envs", "2", "--p-target", "0.5", "--n-steps", "16", "--no-progress"]
    args += ["--log-formats", "csv", "--out", str(out), *algo_args]
    assert main(args) == 0
    assert (out / "alice.zip").is_file()
    assert (out / "bob.zip").is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["algo"] == algo
    assert config["t_max"] == 500
