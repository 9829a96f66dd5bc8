"""API and self-play protocol checks for every registered ``SelfPlay/*`` environment."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence
from stable_baselines3.common.env_checker import check_env as sb3_check_env
from stable_baselines3.common.env_util import make_vec_env

import selfplay  # noqa: F401  (registers the environments)
from selfplay.envs import SELFPLAY_MODES, SelfPlayEnv, check_selfplay_env, register_envs

ENV_IDS = sorted(
    env_id for env_id, spec in gym.registry.items() if spec.namespace == "SelfPlay"
)

# Frame shapes at 16 pixels per cell. The registered hallway has 25 cells.
RGB_FRAME_SHAPES = {
    "SelfPlay/Hallway-v0": (16, 25 * 16, 3),
    "SelfPlay/LightKey-v0": (10 * 16, 10 * 16, 3),
    "SelfPlay/LightKey-6x6-v0": (6 * 16, 6 * 16, 3),
    "SelfPlay/LightKey-Empty-v0": (10 * 16, 10 * 16, 3),
}

STARTS = [
    pytest.param(None, id="target"),
    pytest.param({"selfplay": True}, id="selfplay"),
]


def make_unwrapped(env_id: str) -> SelfPlayEnv:
    env = gym.make(env_id).unwrapped
    assert isinstance(env, SelfPlayEnv)
    return env


def random_actions(env: gym.Env, count: int, seed: int = 0) -> list:
    """Sample ``count`` actions from a seeded copy of the env's action space."""
    space = copy.deepcopy(env.action_space)
    space.seed(seed)
    return [space.sample() for _ in range(count)]


def rollout(env: gym.Env, actions: list[int]) -> list[tuple]:
    """Step through ``actions`` until termination and list (obs, reward, terminated)."""
    steps = []
    for action in actions:
        obs, reward, terminated, _, _ = env.step(action)
        steps.append((obs, reward, terminated))
        if terminated:
            break
    return steps


def test_registry_has_all_envs():
    expected = {
        "SelfPlay/Hallway-v0",
        "SelfPlay/LightKey-v0",
        "SelfPlay/LightKey-6x6-v0",
        "SelfPlay/LightKey-Empty-v0",
    }
    assert expected <= set(ENV_IDS)


def test_register_envs_idempotent():
    specs_before = {env_id: gym.registry[env_id] for env_id in ENV_IDS}
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        register_envs()
        register_envs()
    assert [str(record.message) for record in records] == []
    for env_id, spec in specs_before.items():
        assert gym.registry[env_id] is spec


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_check_env(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    assert [str(record.message) for record in records] == []


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_sb3_check_env(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        sb3_check_env(env)
    assert [str(record.message) for record in records] == []


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_sb3_make_vec_env_steps(env_id):
    # make_vec_env of Stable-Baselines3 2.9 passes render_mode="rgb_array" to
    # gym.make unless env_kwargs sets another.
    vec_env = make_vec_env(env_id, n_envs=2, seed=0)
    vec_env.action_space.seed(0)
    obs = vec_env.reset()
    assert obs.shape == (2, *vec_env.observation_space.shape)
    for _ in range(5):
        actions = np.array([vec_env.action_space.sample() for _ in range(2)])
        obs, rewards, dones, infos = vec_env.step(actions)
        assert obs.shape == (2, *vec_env.observation_space.shape)
        assert rewards.shape == (2,)
        assert dones.shape == (2,)
        assert len(infos) == 2
    vec_env.close()


@pytest.mark.parametrize("options", STARTS)
@pytest.mark.parametrize(("env_id", "shape"), sorted(RGB_FRAME_SHAPES.items()))
def test_render_rgb_array(env_id, shape, options):
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=0, options=options)
    frames = [env.render()]
    for action in random_actions(env, 3):
        env.step(action)
        frames.append(env.render())
    for frame in frames:
        assert isinstance(frame, np.ndarray)
        assert frame.dtype == np.uint8
        assert frame.shape == shape


@pytest.mark.parametrize("env_id", sorted(RGB_FRAME_SHAPES))
def test_gymnasium_check_env_rgb_array(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    assert [str(record.message) for record in records] == []


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_protocol_attributes(env_id):
    env = make_unwrapped(env_id)
    for mode in env.selfplay_modes:
        assert check_selfplay_env(env, mode) is env
    assert set(env.selfplay_modes) <= set(SELFPLAY_MODES)
    assert env.stop_action is None or env.action_space.contains(env.stop_action)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_selfplay_start_never_terminates(env_id):
    env = make_unwrapped(env_id)
    obs, info = env.reset(seed=0, options={"selfplay": True})
    assert env.observation_space.contains(obs)
    assert info == {}
    for action in random_actions(env, 300):
        obs, _, terminated, truncated, _ = env.step(action)
        assert not terminated
        assert not truncated
        assert env.observation_space.contains(obs)


@pytest.mark.parametrize("options", STARTS)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_restore_repeats_trajectory(env_id, options):
    env = make_unwrapped(env_id)
    env.reset(seed=1, options=options)
    rollout(env, random_actions(env, 10, seed=1))
    snapshot = env.snapshot()
    actions = random_actions(env, 40, seed=2)

    first = rollout(env, actions)
    env.restore(snapshot)
    second = rollout(env, actions)
    assert data_equivalence(first, second, exact=True)


@pytest.mark.parametrize("options", STARTS)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_snapshot_unaffected_by_steps(env_id, options):
    env = make_unwrapped(env_id)
    env.reset(seed=3, options=options)
    snapshot = env.snapshot()
    saved = copy.deepcopy(snapshot)
    features = env.target_features()

    rollout(env, random_actions(env, 50, seed=3))
    assert data_equivalence(snapshot, saved, exact=True)
    env.restore(snapshot)
    assert np.array_equal(env.target_features(), features)


@pytest.mark.parametrize("options", STARTS)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_restore_twice(env_id, options):
    env = make_unwrapped(env_id)
    obs, _ = env.reset(seed=4, options=options)
    snapshot = env.snapshot()
    actions = random_actions(env, 30, seed=4)

    first_obs = env.restore(snapshot)
    first = rollout(env, actions)
    second_obs = env.restore(snapshot)
    second = rollout(env, actions)
    assert np.array_equal(first_obs, obs)
    assert np.array_equal(second_obs, obs)
    assert data_equivalence(first, second, exact=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_returned_arrays_are_fresh(env_id):
    env = make_unwrapped(env_id)
    obs, _ = env.reset(seed=5)
    snapshot = env.snapshot()
    restored = env.restore(snapshot)
    features = env.target_features()
    stepped, *_ = env.step(random_actions(env, 1, seed=5)[0])
    for array in (obs, restored, features):
        assert not np.shares_memory(array, stepped)
    assert not np.shares_memory(obs, restored)

    obs_before = obs.copy()
    features_before = features.copy()
    for array in (obs, restored, features, stepped):
        array[...] = 1.0
    assert np.array_equal(env.restore(snapshot), obs_before)
    assert np.array_equal(env.target_features(), features_before)


@pytest.mark.parametrize("options", STARTS)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_reset_seed_reproduces(env_id, options):
    env = make_unwrapped(env_id)
    actions = random_actions(env, 40, seed=6)
    obs_a, _ = env.reset(seed=7, options=options)
    steps_a = rollout(env, actions)
    obs_b, _ = env.reset(seed=7, options=options)
    steps_b = rollout(env, actions)
    assert np.array_equal(obs_a, obs_b)
    assert data_equivalence(steps_a, steps_b, exact=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_reset_seeds_differ(env_id):
    env = make_unwrapped(env_id)
    starts = {env.reset(seed=seed)[0].tobytes() for seed in range(10)}
    assert len(starts) > 1


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_observations_in_space(env_id):
    env = gym.make(env_id)
    for options in (None, {"selfplay": True}):
        obs, _ = env.reset(seed=8, options=options)
        assert obs.dtype == np.float32
        assert env.observation_space.contains(obs)
        for action in random_actions(env, 200, seed=8):
            obs, _, terminated, truncated, _ = env.step(action)
            assert obs.dtype == np.float32
            assert env.observation_space.contains(obs)
            if terminated or truncated:
                obs, _ = env.reset(options=options)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_target_info_has_is_success(env_id):
    env = gym.make(env_id)
    env.reset(seed=10)
    for action in random_actions(env, 300, seed=10):
        _, _, terminated, truncated, info = env.step(action)
        assert set(info) == {"is_success"}
        assert type(info["is_success"]) is bool
        # Success ends a target-task episode; an episode may also end otherwise.
        assert terminated or not info["is_success"]
        if terminated or truncated:
            env.reset()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_selfplay_info_empty(env_id):
    env = make_unwrapped(env_id)
    env.reset(seed=11, options={"selfplay": True})
    for action in random_actions(env, 100, seed=11):
        info = env.step(action)[4]
        assert info == {}


@pytest.mark.parametrize("options", STARTS)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_info_mutation_not_kept(env_id, options):
    env = make_unwrapped(env_id)
    env.reset(seed=12, options=options)
    # From a fresh start, two steps with the first action end no episode here:
    # stop in the grid worlds, full reverse in Mountain Car, idle in the economy.
    action = env.stop_action if env.stop_action is not None else first_action(env)
    _, _, terminated, truncated, first = env.step(action)
    expected = copy.deepcopy(first)
    first["is_success"] = True
    first["episode"] = {"r": 0.0}
    second = env.step(action)[4]
    assert not (terminated or truncated)
    assert second == expected
    assert second is not first


def first_action(env: gym.Env):
    """Return the action space's lowest action: index 0, or the Box's lower bound."""
    space = env.action_space
    if isinstance(space, gym.spaces.Discrete):
        return int(space.start)
    return space.low.copy()


@pytest.mark.parametrize("options", STARTS)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_target_reached_on_own_features(env_id, options):
    env = make_unwrapped(env_id)
    env.reset(seed=9, options=options)
    features = env.target_features()
    assert features.ndim == 1
    assert env.target_reached(features, env.target_features())


USER_PACKAGE_SCRIPT = """
import sys
import warnings

import envs, plots, runners  # the user's own packages, named like selfplay's folders
assert envs.SOURCE == "user", envs.__file__

import gymnasium as gym
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import selfplay
from selfplay.envs import SelfPlayEnv

assert {user_dir!r} not in selfplay.envs.__file__, selfplay.envs.__file__
for env_id in {env_ids!r}:
    env = gym.make(env_id)
    assert isinstance(env.unwrapped, SelfPlayEnv), type(env.unwrapped)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
        sb3_check_env(gym.make(env_id))
    messages = [str(record.message) for record in records]
    assert not messages, (env_id, messages)
print("checked", len({env_ids!r}), "environments")
"""


def run_python(script: str, cwd: Path) -> subprocess.CompletedProcess:
    path = cwd / "script.py"
    path.write_text(textwrap.dedent(script))
    return subprocess.run(
        [sys.executable, str(path)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_user_packages_do_not_shadow(tmp_path):
    for name in ("envs", "plots", "runners"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text('SOURCE = "user"\n')
    script = USER_PACKAGE_SCRIPT.format(user_dir=str(tmp_path), env_ids=ENV_IDS)
    result = run_python(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"checked {len(ENV_IDS)} environments" in result.stdout


def test_make_with_module_prefix(tmp_path):
    script = """
    import sys
    import gymnasium as gym

    assert "selfplay" not in sys.modules
    env = gym.make("selfplay:SelfPlay/LightKey-v0")
    assert "selfplay" in sys.modules
    obs, _ = env.reset(seed=0)
    assert obs.shape == (10 * 10 * 10,), obs.shape
    print("made", env.spec.id)
    """
    result = run_python(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "made SelfPlay/LightKey-v0" in result.stdout
