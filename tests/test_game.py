"""The self-play game's turns, budget, success test and rewards, on hand-worked cases.

The line environment (tests/conftest.py) starts at cell 5; action 0 moves left, 1
right and 2 is STOP. With ``gamma = 0.5`` every reward below is exact in binary.
"""

from __future__ import annotations

import numpy as np
import pytest

from selfplay.game import GameConfig, Phase, SelfPlayGame, alice_action_space
from selfplay.metrics import Counters

LEFT, RIGHT, STOP = 0, 1, 2
GAMMA = 0.5


def play(game: SelfPlayGame, actions: list[int]):
    """Step ``actions`` in order and return the episode that the last one ends."""
    episode = None
    for index, action in enumerate(actions):
        assert episode is None, f"episode ended early, at action {index}"
        episode = game.step(action)
    assert episode is not None, "episode did not end"
    return episode


def make_game(line_env, mode="reverse", t_max=10, p_target=0.0, **env_kwargs):
    game = SelfPlayGame(
        line_env(**env_kwargs), GameConfig(mode, t_max, GAMMA, p_target)
    )
    game.reset(seed=0)
    return game


def test_bob_one_step_slower_than_alice(line_env):
    game = make_game(line_env)
    # Alice: right, right, STOP, so t_A = 3 (STOP counts). Bob: 4 steps back to 5.
    episode = play(game, [RIGHT, RIGHT, STOP, LEFT, RIGHT, LEFT, LEFT])
    stats = episode.stats
    assert stats.alice_steps == 3
    assert stats.bob_steps == 4
    assert stats.bob_success
    assert stats.alice_reward == GAMMA * 1
    assert stats.bob_reward == -GAMMA * 4
    assert episode.alice.rewards.tolist() == [0.0, 0.0, GAMMA * 1]
    assert episode.bob.rewards.tolist() == [0.0, 0.0, 0.0, -GAMMA * 4]


def test_bob_as_fast_as_alice_pays_alice_nothing(line_env):
    game = make_game(line_env)
    episode = play(game, [RIGHT, RIGHT, STOP, LEFT, LEFT])
    assert episode.stats.bob_steps == 2
    assert episode.stats.alice_reward == 0.0
    assert episode.stats.bob_reward == -GAMMA * 2


def test_alice_stopping_at_once(line_env):
    game = make_game(line_env)
    # t_A = 1; Bob's STOP leaves the state as it is, and the test after it succeeds.
    episode = play(game, [STOP, STOP])
    assert episode.stats.alice_steps == 1
    assert episode.stats.bob_steps == 1
    assert episode.stats.alice_reward == 0.0
    assert episode.stats.bob_reward == -GAMMA


def test_success_not_tested_before_bobs_first_step(line_env):
    game = make_game(line_env)
    episode = play(game, [STOP, LEFT, RIGHT])
    assert episode.stats.bob_steps == 2
    assert episode.stats.alice_reward == GAMMA * 1


def test_bob_failing(line_env):
    game = make_game(line_env, t_max=10, goal=0)
    # t_A = 3, so Bob has 7 steps; walking right from 7 never returns to 5.
    episode = play(game, [RIGHT, RIGHT, STOP] + [RIGHT] * 7)
    stats = episode.stats
    assert not stats.bob_success
    assert stats.bob_steps == 7
    assert stats.bob_reward == -GAMMA * 7
    assert stats.alice_reward == GAMMA * 4
    assert episode.bob.truncated
    assert not episode.bob.terminated


def test_bob_success_terminates(line_env):
    game = make_game(line_env)
    episode = play(game, [RIGHT, STOP, LEFT])
    assert episode.bob.terminated
    assert not episode.bob.truncated
    assert episode.alice.terminated


def test_alice_out_of_budget(line_env):
    game = make_game(line_env, t_max=4)
    episode = play(game, [RIGHT, LEFT, RIGHT, LEFT])
    assert episode.bob is None
    assert episode.stats.alice_steps == 4
    assert episode.stats.alice_reward == 0.0
    assert episode.alice.rewards.tolist() == [0.0] * 4
    assert episode.alice.terminated


def test_stop_on_last_step_no_bob(line_env):
    game = make_game(line_env, t_max=3)
    episode = play(game, [RIGHT, RIGHT, STOP])
    assert episode.bob is None
    assert episode.stats.alice_reward == 0.0


def test_repeat_restores_start(line_env):
    game = make_game(line_env, mode="repeat")
    game.step(RIGHT)
    game.step(RIGHT)
    game.step(STOP)
    assert game.phase is Phase.BOB
    observation = game.observation()
    size = 11
    assert observation[5] == 1.0  # Bob is at the restored start, cell 5
    assert observation[size + 7] == 1.0  # his target is Alice's final cell, 7
    episode = play(game, [RIGHT, RIGHT])
    assert episode.stats.bob_success
    assert episode.stats.bob_steps == 2


def test_reverse_target_is_start(line_env):
    game = make_game(line_env, mode="reverse")
    game.step(RIGHT)
    game.step(STOP)
    observation = game.observation()
    assert observation[6] == 1.0
    assert observation[11 + 5] == 1.0


def test_observation_layout(line_env):
    game = make_game(line_env, t_max=10)
    game.step(RIGHT)
    observation = game.observation()
    expected = np.zeros(24, dtype=np.float32)
    expected[6] = 1.0  # current cell
    expected[11 + 5] = 1.0  # Alice's start
    expected[22] = 0.0  # self-play flag
    expected[23] = 0.1  # t / t_max after one step
    np.testing.assert_allclose(observation, expected)


def test_target_episode_zeroes_target(line_env):
    game = make_game(line_env, p_target=1.0)
    assert game.phase is Phase.TARGET
    observation = game.observation()
    assert observation[11:22].sum() == 0.0
    assert observation[22] == 1.0


def test_target_episode_rewards_and_success(line_env):
    game = make_game(line_env, p_target=1.0, t_max=10)
    episode = play(game, [RIGHT, RIGHT, RIGHT])  # 5 -> 8, the goal
    assert episode.alice is None
    assert episode.stats.is_target
    assert episode.stats.target_success
    assert episode.stats.bob_reward == -3.0
    assert episode.bob.rewards.tolist() == [-1.0, -1.0, -1.0]
    assert episode.bob.terminated


def test_target_episode_truncated_at_t_max(line_env):
    game = make_game(line_env, p_target=1.0, t_max=4)
    episode = play(game, [LEFT] * 4)
    assert episode.bob.truncated
    assert not episode.stats.target_success
    assert episode.stats.bob_steps == 4


def test_target_only_ignores_p_target(line_env):
    game = SelfPlayGame(line_env(), GameConfig("target-only", 10, GAMMA, 0.0))
    game.reset(seed=0)
    assert game.phase is Phase.TARGET


def test_p_target_mixing_rate(line_env):
    game = make_game(line_env, p_target=0.25)
    kinds = []
    for _ in range(2000):
        kinds.append(game.phase is Phase.TARGET)
        game.reset()
    assert abs(np.mean(kinds) - 0.25) < 0.03


def test_env_termination_in_repeat_counts_as_stop(line_env):
    game = make_game(line_env, mode="repeat", trap=7)
    game.step(RIGHT)
    game.step(RIGHT)  # enters the trap cell: terminated
    assert game.phase is Phase.BOB
    episode = play(game, [RIGHT, RIGHT])
    assert episode.stats.alice_steps == 2
    assert episode.stats.bob_success


def test_env_termination_in_reverse_ends_episode(line_env):
    game = make_game(line_env, mode="reverse", trap=7)
    game.step(RIGHT)
    episode = game.step(RIGHT)
    assert episode is not None
    assert episode.bob is None
    assert episode.stats.alice_reward == 0.0


def test_bob_trapped_is_terminated_failure(line_env):
    game = make_game(line_env, mode="repeat", trap=4, t_max=10)
    game.step(RIGHT)
    game.step(STOP)  # target: cell 6; Bob restarts at 5
    episode = game.step(LEFT)  # into the trap at 4
    assert episode is not None
    assert not episode.stats.bob_success
    assert episode.bob.terminated
    assert episode.stats.bob_steps == 10 - 2


def test_added_stop_for_discrete(line_env):
    game = make_game(line_env, with_stop=False)
    assert game.alice_action_space.n == 3
    assert game.bob_action_space.n == 2
    episode = play(game, [1, 2, 0])  # right, STOP (added as action 2), left
    assert episode.stats.bob_success
    assert episode.stats.alice_steps == 2


def test_added_stop_for_box():
    import gymnasium as gym

    space = alice_action_space(gym.spaces.Box(-1.0, 1.0, (2,), np.float32), None)
    assert space.shape == (3,)
    assert space.low[-1] == -1.0
    assert space.high[-1] == 1.0


def test_random_alice_stop_step(line_env):
    # The goal is out of Alice's reach, so no episode ends during her turn.
    env = line_env(size=21, start=10, goal=0)
    game = SelfPlayGame(env, GameConfig("random-alice", 10, GAMMA, 0.0))
    game.reset(seed=1)
    lengths = []
    for _ in range(300):
        actions = []
        while game.phase is Phase.ALICE:
            action = game.random_alice_action()
            actions.append(action)
            game.step(action)
        assert actions[-1] == STOP
        assert STOP not in actions[:-1]
        lengths.append(len(actions))
        while game.step(STOP) is None:
            pass
    assert min(lengths) == 1
    assert max(lengths) == 5  # uniform in [1, t_max // 2]


def test_random_alice_never_stopping(line_env):
    config = GameConfig("random-alice", 6, GAMMA, 0.0, random_alice_stops=False)
    game = SelfPlayGame(line_env(), config)
    game.reset(seed=0)
    episode = None
    steps = 0
    while episode is None:
        action = game.random_alice_action()
        assert action != STOP
        episode = game.step(action)
        steps += 1
    assert steps == 6
    assert episode.bob is None
    assert episode.alice is None  # the random baseline does not learn


def test_counters_keep_kinds_apart(line_env):
    counters = Counters()
    game = make_game(line_env)
    counters.update(play(game, [RIGHT, STOP, LEFT]).stats)
    target_game = make_game(line_env, p_target=1.0)
    counters.update(play(target_game, [RIGHT, RIGHT, RIGHT]).stats)
    assert counters.selfplay_episodes == 1
    assert counters.target_episodes == 1
    assert counters.alice_steps == 2
    assert counters.bob_steps == 1
    assert counters.target_steps == 3
    assert counters.env_steps == 6


def test_invalid_mode_rejected():
    with pytest.raises(ValueError, match="valid modes are"):
        GameConfig("sideways", 10, GAMMA, 0.0)


def test_unsupported_mode_rejected(line_env):
    with pytest.raises(ValueError, match="cannot host self-play in 'reverse'"):
        SelfPlayGame(line_env(modes=("repeat",)), GameConfig("reverse", 10, GAMMA, 0.0))


def test_seeded_games_repeat(line_env):
    def kinds(seed):
        game = make_game(line_env, p_target=0.5)
        game.reset(seed=seed)
        out = []
        for _ in range(50):
            out.append(game.phase)
            game.reset()
        return out

    assert kinds(3) == kinds(3)
    assert kinds(3) != kinds(4)


def test_count_based_plays_target_episodes(line_env):
    game = SelfPlayGame(line_env(), GameConfig("count-based", 10, GAMMA, 0.0))
    game.reset(seed=0)
    assert game.phase is Phase.TARGET


def test_target_task_goal_becomes_bobs_target():
    import gymnasium as gym

    from selfplay.envs.hallway import HallwayEnv

    env = HallwayEnv(goal_in_observation=False)
    config = GameConfig("reverse", 30, GAMMA, 1.0, flag_input=False, time_input=False)
    game = SelfPlayGame(gym.wrappers.OrderEnforcing(env), config)
    game.reset(seed=0)
    goal = env.snapshot().goal
    observation = game.observation()
    assert observation[50 + goal] == 1.0
    assert observation[50:].sum() == 1.0  # goal cell only: flag and time are off
