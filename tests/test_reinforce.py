"""Tests of the REINFORCE learner: hand-worked losses, learning, checkpoints."""

import math

import numpy as np
import pytest
import torch

from selfplay.learners import (
    Learner,
    ReinforceConfig,
    ReinforceLearner,
    Trajectory,
    returns_to_go,
)

MODES = ["network", "tabular"]


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    # These networks are too small to gain from intra-op threads. With two threads
    # on a 2-core machine running one other busy process, this file took 55 s
    # instead of 5 s.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _onehot(index: int, size: int) -> np.ndarray:
    vector = np.zeros(size, dtype=np.float32)
    vector[index] = 1.0
    return vector


def _small_config(mode: str, **overrides) -> ReinforceConfig:
    settings = {
        "learning_rate": 0.1 if mode == "tabular" else 0.01,
        "batch_episodes": 16,
        "entropy_coef": 0.0,
        "hidden_units": 16,
        "tabular": mode == "tabular",
    }
    settings.update(overrides)
    return ReinforceConfig(**settings)


def _bandit_episodes(
    learner: ReinforceLearner, rng: np.random.Generator, episodes: int
) -> list[int]:
    """Play one-step episodes of a 4-context, 3-action bandit and return the actions."""
    contexts = rng.integers(0, 4, size=episodes)
    observations = np.stack([_onehot(c, 4) for c in contexts])
    actions = learner.act(observations)
    for observation, context, action in zip(observations, contexts, actions):
        reward = 1.0 if action == context % 3 else 0.0
        learner.add(Trajectory(observation[None], [action], [reward]))
    return actions.tolist()


def _parameters(learner: ReinforceLearner) -> list[torch.Tensor]:
    return [p.detach().clone() for p in learner.model.parameters()]


# Return-to-go.


def test_returns_to_go_final_reward():
    expected = np.array([-0.3, -0.3, -0.3], dtype=np.float32)
    np.testing.assert_allclose(returns_to_go([0.0, 0.0, -0.3]), expected, rtol=1e-6)


def test_returns_to_go_mixed_rewards():
    expected = np.array([0.9, -0.1], dtype=np.float32)
    np.testing.assert_allclose(returns_to_go([1.0, -0.1]), expected, rtol=1e-6)


def test_returns_to_go_dtype():
    assert returns_to_go([1.0, 2.0]).dtype == np.float32


# Hand-worked losses.


def _hand_set_network() -> ReinforceLearner:
    """Return a 2-input, 2-action learner with one tanh layer of 2 units.

    Trunk and policy head are identity maps with zero bias, and the value head
    is [0.5, -0.5], so for s0 = [1, 0] and s1 = [0, 1] with t = tanh(1):
    logits(s0) = [t, 0], logits(s1) = [0, t], b(s0) = t / 2, b(s1) = -t / 2.
    """
    config = ReinforceConfig(
        hidden_layers=1, hidden_units=2, entropy_coef=0.01, value_coef=0.1
    )
    learner = ReinforceLearner(obs_dim=2, n_actions=2, config=config, seed=0)
    with torch.no_grad():
        learner.model.trunk[0].weight.copy_(torch.eye(2))
        learner.model.trunk[0].bias.zero_()
        learner.model.policy_head.weight.copy_(torch.eye(2))
        learner.model.policy_head.bias.zero_()
        learner.model.value_head.weight.copy_(torch.tensor([[0.5, -0.5]]))
        learner.model.value_head.bias.zero_()
    return learner


def _hand_worked_network_terms() -> dict[str, float]:
    """Loss terms of the trajectory in `_hand_set_trajectory`, worked by hand."""
    t = math.tanh(1.0)
    returns = [1.0, 1.0]  # rewards [0, 1]
    baselines = [t / 2, -t / 2]
    advantages = [g - b for g, b in zip(returns, baselines)]

    # Action 0 in both states: logit t in s0, logit 0 in s1.
    log_normaliser = math.log(math.exp(t) + 1.0)
    log_probs = [t - log_normaliser, 0.0 - log_normaliser]
    p = math.exp(t) / (math.exp(t) + 1.0)
    entropy = -(p * math.log(p) + (1 - p) * math.log(1 - p))

    policy_loss = -(advantages[0] * log_probs[0] + advantages[1] * log_probs[1])
    value_loss = sum((g - b) ** 2 for g, b in zip(returns, baselines))
    loss = policy_loss + 0.1 * value_loss - 0.01 * 2 * entropy
    return {
        "loss": loss,
        "policy_loss": policy_loss,
        "value_loss": value_loss,
        "entropy": entropy,
    }


def _hand_set_trajectory() -> Trajectory:
    return Trajectory(
        observations=np.array([[1.0, 0.0], [0.0, 1.0]]),
        actions=np.array([0, 0]),
        rewards=np.array([0.0, 1.0]),
    )


@pytest.mark.parametrize("term", ["loss", "policy_loss", "value_loss", "entropy"])
def test_network_loss_by_hand(term):
    learner = _hand_set_network()
    _, metrics = learner.loss([_hand_set_trajectory()])
    expected = _hand_worked_network_terms()
    assert metrics[term] == pytest.approx(expected[term], rel=1e-5)


def test_network_loss_tensor_matches_metric():
    learner = _hand_set_network()
    loss, _ = learner.loss([_hand_set_trajectory()])
    assert loss.item() == pytest.approx(_hand_worked_network_terms()["loss"], rel=1e-5)


def test_loss_divides_by_episodes():
    learner = _hand_set_network()
    single, _ = learner.loss([_hand_set_trajectory()])
    double, _ = learner.loss([_hand_set_trajectory(), _hand_set_trajectory()])
    assert double.item() == pytest.approx(single.item(), rel=1e-6)


def test_tabular_loss_by_hand():
    # New rows have logits 0 and baseline 0: log pi = -log 3, H = log 3, A = G.
    config = ReinforceConfig(tabular=True, entropy_coef=0.05, value_coef=0.1)
    learner = ReinforceLearner(obs_dim=2, n_actions=3, config=config, seed=0)
    trajectory = Trajectory(
        observations=np.array([[1.0, 0.0], [0.0, 1.0]]),
        actions=np.array([2, 0]),
        rewards=np.array([0.5, -0.2]),
    )
    returns = [0.3, -0.2]
    policy_loss = -sum(g * -math.log(3) for g in returns)
    value_loss = sum(g**2 for g in returns)
    expected = policy_loss + 0.1 * value_loss - 0.05 * 2 * math.log(3)

    loss, _ = learner.loss([trajectory])

    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_tabular_gradient_by_hand():
    # At uniform logits dH/dz = 0, so dloss/dz_a = -A * (1 - 1/3) for the action.
    config = ReinforceConfig(tabular=True, entropy_coef=0.05)
    learner = ReinforceLearner(obs_dim=1, n_actions=3, config=config, seed=0)
    trajectory = Trajectory(np.array([[0.5]]), np.array([1]), np.array([0.6]))
    loss, _ = learner.loss([trajectory])
    loss.backward()
    gradient = learner.model.logits.grad[0]
    expected = torch.tensor([0.6 / 3, -0.6 * 2 / 3, 0.6 / 3])
    torch.testing.assert_close(gradient, expected)


def test_tabular_baseline_gradient_by_hand():
    # Only the value term reaches b: d/db 0.1 * (G - b)^2 = -0.2 * (G - b) at b = 0.
    # A baseline left attached in the policy term would add d/db (b * log pi).
    config = ReinforceConfig(tabular=True, value_coef=0.1)
    learner = ReinforceLearner(obs_dim=1, n_actions=3, config=config, seed=0)
    trajectory = Trajectory(np.array([[0.5]]), np.array([1]), np.array([0.6]))
    loss, _ = learner.loss([trajectory])
    loss.backward()
    assert learner.model.values.grad[0].item() == pytest.approx(-0.12, rel=1e-5)


@pytest.mark.parametrize("reward, rises", [(1.0, True), (-1.0, False)])
def test_update_follows_advantage_sign(reward, rises):
    config = ReinforceConfig(batch_episodes=1, entropy_coef=0.0, hidden_units=8)
    learner = ReinforceLearner(obs_dim=3, n_actions=4, config=config, seed=1)
    with torch.no_grad():
        learner.model.value_head.weight.zero_()  # b = 0, so A = reward
    observation = np.array([[0.2, -1.0, 0.5]], dtype=np.float32)
    before = learner.action_probabilities(observation)[0, 2]

    learner.add(Trajectory(observation, [2], [reward]))

    after = learner.action_probabilities(observation)[0, 2]
    assert (after > before) == rises


# Batching.


def test_add_returns_metrics_on_full_batch():
    learner = ReinforceLearner(2, 2, ReinforceConfig(batch_episodes=3), seed=0)
    trajectory = _hand_set_trajectory()
    results = [learner.add(trajectory) for _ in range(3)]
    assert results[0] is None
    assert results[1] is None
    assert isinstance(results[2], dict)
    assert learner.pending_episodes == 0
    assert learner.updates == 1
    assert learner.add(trajectory) is None
    assert learner.pending_episodes == 1


def test_metrics_keys():
    learner = ReinforceLearner(2, 2, ReinforceConfig(batch_episodes=1), seed=0)
    metrics = learner.add(_hand_set_trajectory())
    expected = {"loss", "policy_loss", "value_loss", "entropy", "mean_return"}
    assert expected <= set(metrics)


def test_metrics_mean_return():
    learner = ReinforceLearner(2, 2, ReinforceConfig(batch_episodes=2), seed=0)
    learner.add(Trajectory(np.zeros((2, 2)), [0, 1], [0.0, 1.0]))
    metrics = learner.add(Trajectory(np.zeros((1, 2)), [0], [-0.4]))
    assert metrics["mean_return"] == pytest.approx(0.3)
    assert metrics["mean_length"] == pytest.approx(1.5)


def test_add_copies_trajectory():
    learner = ReinforceLearner(2, 2, ReinforceConfig(batch_episodes=2), seed=0)
    trajectory = _hand_set_trajectory()
    learner.add(trajectory)
    trajectory.rewards[:] = 100.0
    stored = learner.state_dict()["pending"][0]["rewards"]
    assert stored.tolist() == [0.0, 1.0]


# Input checks.


def test_act_rejects_wrong_obs_dim():
    learner = ReinforceLearner(3, 2, ReinforceConfig(), seed=0)
    with pytest.raises(ValueError, match="shape"):
        learner.act(np.zeros((1, 4), dtype=np.float32))


def test_add_rejects_invalid_action():
    learner = ReinforceLearner(2, 2, ReinforceConfig(), seed=0)
    with pytest.raises(ValueError, match="actions"):
        learner.add(Trajectory(np.zeros((1, 2)), [2], [0.0]))


def test_add_rejects_empty_trajectory():
    learner = ReinforceLearner(2, 2, ReinforceConfig(), seed=0)
    with pytest.raises(ValueError, match="0 steps"):
        learner.add(Trajectory(np.zeros((0, 2)), [], []))


def test_trajectory_rejects_length_mismatch():
    with pytest.raises(ValueError, match="same"):
        Trajectory(np.zeros((2, 2)), [0], [0.0, 1.0])


@pytest.mark.parametrize("field", ["learning_rate", "batch_episodes", "value_coef"])
def test_config_rejects_negative(field):
    with pytest.raises(ValueError, match=field):
        ReinforceConfig(**{field: -1})


# Acting.


def test_learner_satisfies_protocol():
    assert isinstance(ReinforceLearner(2, 2, ReinforceConfig(), seed=0), Learner)


@pytest.mark.parametrize("batch", [1, 16])
def test_act_shape_and_dtype(batch):
    learner = ReinforceLearner(5, 3, ReinforceConfig(), seed=0)
    actions = learner.act(np.zeros((batch, 5), dtype=np.float32))
    assert actions.shape == (batch,)
    assert actions.dtype == np.int64


def test_deterministic_act_is_argmax():
    learner = ReinforceLearner(4, 5, ReinforceConfig(init_std=1.0), seed=3)
    observations = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    expected = learner.action_probabilities(observations).argmax(axis=1)
    actions = learner.act(observations, deterministic=True)
    np.testing.assert_array_equal(actions, expected)


def test_act_samples_policy():
    # Logits [log 1, log 3] give P(action 1) = 0.75.
    learner = ReinforceLearner(1, 2, ReinforceConfig(hidden_layers=0), seed=0)
    with torch.no_grad():
        learner.model.policy_head.weight.zero_()
        learner.model.policy_head.bias.copy_(torch.tensor([0.0, math.log(3.0)]))
    actions = learner.act(np.zeros((4000, 1), dtype=np.float32))
    assert actions.mean() == pytest.approx(0.75, abs=0.03)


def test_act_matches_multinomial():
    learner = ReinforceLearner(4, 5, ReinforceConfig(init_std=1.0), seed=3)
    observations = np.random.default_rng(0).normal(size=(500, 4)).astype(np.float32)
    probabilities = torch.from_numpy(learner.action_probabilities(observations))
    generator = torch.Generator()
    generator.set_state(learner.state_dict()["generator"])
    expected = torch.multinomial(probabilities, 1, generator=generator).squeeze(1)
    np.testing.assert_array_equal(learner.act(observations), expected.numpy())


def test_tabular_act_unseen_is_uniform():
    learner = ReinforceLearner(2, 4, ReinforceConfig(tabular=True), seed=0)
    probabilities = learner.action_probabilities(np.ones((1, 2), dtype=np.float32))
    np.testing.assert_allclose(probabilities, np.full((1, 4), 0.25))


def test_tabular_act_does_not_grow_table():
    learner = ReinforceLearner(2, 4, ReinforceConfig(tabular=True), seed=0)
    learner.act(np.ones((3, 2), dtype=np.float32))
    assert learner.model.size == 0


# Learning.


def _optimal_probability(learner: ReinforceLearner) -> float:
    observations = np.stack([_onehot(c, 4) for c in range(4)])
    probabilities = learner.action_probabilities(observations)
    return float(np.mean([probabilities[c, c % 3] for c in range(4)]))


@pytest.mark.parametrize("mode", MODES)
def test_bandit_learned(mode):
    learner = ReinforceLearner(4, 3, _small_config(mode), seed=0)
    rng = np.random.default_rng(0)
    for _ in range(200):
        _bandit_episodes(learner, rng, 16)
    assert _optimal_probability(learner) > 0.9


@pytest.mark.parametrize("mode", MODES)
def test_delayed_reward_learned(mode):
    # Two steps: a context, then a fixed waiting state. The reward for the first
    # action arrives only on the second step, so only the return-to-go credits it.
    learner = ReinforceLearner(5, 3, _small_config(mode), seed=0)
    rng = np.random.default_rng(0)
    waiting = _onehot(4, 5)
    for _ in range(200):
        contexts = rng.integers(0, 4, size=16)
        first = learner.act(np.stack([_onehot(c, 5) for c in contexts]))
        second = learner.act(np.tile(waiting, (16, 1)))
        for context, a0, a1 in zip(contexts, first, second):
            reward = 1.0 if a0 == context % 3 else 0.0
            observations = np.stack([_onehot(context, 5), waiting])
            learner.add(Trajectory(observations, [a0, a1], [0.0, reward]))

    probabilities = learner.action_probabilities(
        np.stack([_onehot(c, 5) for c in range(4)])
    )
    optimal = np.mean([probabilities[c, c % 3] for c in range(4)])
    assert optimal > 0.9


def _train_equality(learner: ReinforceLearner) -> float:
    """Train action 1 iff two bits are equal (XOR) and return the greedy accuracy."""
    pairs = [(a, b) for a in range(2) for b in range(2)]
    observations = np.stack(
        [np.concatenate([_onehot(a, 2), _onehot(b, 2)]) for a, b in pairs]
    )
    targets = np.array([int(a == b) for a, b in pairs])
    for _ in range(150):
        batch = np.tile(observations, (4, 1))
        actions = learner.act(batch)
        for observation, action, target in zip(batch, actions, np.tile(targets, 4)):
            reward = 1.0 if action == target else 0.0
            learner.add(Trajectory(observation[None], [action], [reward]))
    greedy = learner.act(observations, deterministic=True)
    return float(np.mean(greedy == targets))


def test_tabular_learns_xor():
    learner = ReinforceLearner(4, 2, _small_config("tabular"), seed=0)
    assert _train_equality(learner) == 1.0


def test_linear_policy_misses_xor():
    # A linear policy over the one-hots scores each pair as f(a) + g(b). No such sum
    # is positive on both equal pairs and non-positive on both unequal pairs, so a
    # linear policy gets at most 3 of the 4 pairs right.
    learner = ReinforceLearner(4, 2, _small_config("network", hidden_layers=0), seed=0)
    assert _train_equality(learner) <= 0.75


def test_tabular_growth_matches_dense_table():
    # 100 observations cross the table's initial 64 rows during the second update,
    # after the optimiser already has state for earlier rows.
    n_obs, n_actions = 100, 3
    config = ReinforceConfig(
        tabular=True, learning_rate=0.1, entropy_coef=0.01, batch_episodes=1000
    )
    learner = ReinforceLearner(n_obs, n_actions, config, seed=0)
    rng = np.random.default_rng(0)
    # The first batch visits some of rows 0-39, the second every row once.
    first_states = rng.integers(0, 40, size=(30, 2))
    second_states = rng.permutation(n_obs).reshape(50, 2)
    batches = []
    for states in (first_states, second_states):
        actions = rng.integers(0, n_actions, size=states.shape)
        rewards = rng.normal(size=states.shape).astype(np.float32)
        batches.append((states, actions, rewards))
        trajectories = [
            Trajectory(np.stack([_onehot(s, n_obs) for s in row]), a, r)
            for row, a, r in zip(states, actions, rewards)
        ]
        learner.update(trajectories)
    assert learner.model.size == n_obs

    logits = torch.zeros(n_obs, n_actions, requires_grad=True)
    values = torch.zeros(n_obs, requires_grad=True)
    optimizer = torch.optim.RMSprop([logits, values], lr=0.1, alpha=0.97, eps=1e-6)
    for states, actions, rewards in batches:
        optimizer.zero_grad()
        rows = torch.from_numpy(states.ravel())
        returns = torch.from_numpy(
            np.flip(np.cumsum(np.flip(rewards, 1), 1), 1).ravel()
        )
        log_probs = torch.log_softmax(logits[rows], dim=1)
        chosen = log_probs[torch.arange(len(rows)), torch.from_numpy(actions.ravel())]
        advantages = returns - values[rows].detach()
        entropy = -(log_probs.exp() * log_probs).sum()
        loss = (
            -(advantages * chosen).sum() + 0.1 * ((returns - values[rows]) ** 2).sum()
        )
        ((loss - 0.01 * entropy) / len(states)).backward()
        optimizer.step()

    keys = torch.eye(n_obs).numpy()
    expected = torch.softmax(logits.detach(), dim=1).numpy()
    np.testing.assert_allclose(learner.action_probabilities(keys), expected, atol=1e-5)


# Reproducibility and checkpoints.


@pytest.mark.parametrize("mode", MODES)
def test_same_seed_same_run(mode):
    runs = []
    for _ in range(2):
        learner = ReinforceLearner(4, 3, _small_config(mode, batch_episodes=4), seed=7)
        actions = _bandit_episodes(learner, np.random.default_rng(1), 40)
        runs.append((actions, _parameters(learner)))
    assert runs[0][0] == runs[1][0]
    for first, second in zip(runs[0][1], runs[1][1]):
        torch.testing.assert_close(first, second, rtol=0, atol=0)


def test_different_seed_different_weights():
    first = ReinforceLearner(4, 3, ReinforceConfig(), seed=0)
    second = ReinforceLearner(4, 3, ReinforceConfig(), seed=1)
    assert not torch.equal(_parameters(first)[0], _parameters(second)[0])


def _assert_same_continuation(original: ReinforceLearner, restored: ReinforceLearner):
    assert restored.pending_episodes == original.pending_episodes
    assert restored.updates == original.updates
    original_actions = _bandit_episodes(original, np.random.default_rng(5), 14)
    restored_actions = _bandit_episodes(restored, np.random.default_rng(5), 14)
    assert restored_actions == original_actions
    assert restored.updates == original.updates
    for mine, theirs in zip(_parameters(original), _parameters(restored)):
        torch.testing.assert_close(theirs, mine, rtol=0, atol=0)


@pytest.mark.parametrize("mode", MODES)
def test_state_dict_round_trip(mode):
    config = _small_config(mode, batch_episodes=4)
    original = ReinforceLearner(4, 3, config, seed=0)
    _bandit_episodes(original, np.random.default_rng(0), 10)  # 2 updates, 2 pending
    state = original.state_dict()

    # The snapshot must not follow later updates of the original.
    scratch = ReinforceLearner(4, 3, config, seed=0)
    scratch.load_state_dict(state)
    _bandit_episodes(original, np.random.default_rng(9), 8)
    restored = ReinforceLearner(4, 3, config, seed=123)
    restored.load_state_dict(state)

    _assert_same_continuation(scratch, restored)


@pytest.mark.parametrize("mode", MODES)
def test_save_load_round_trip(mode, tmp_path):
    original = ReinforceLearner(4, 3, _small_config(mode, batch_episodes=4), seed=0)
    _bandit_episodes(original, np.random.default_rng(0), 10)
    path = tmp_path / "learner.pt"
    original.save(path)
    restored = ReinforceLearner.load(path)
    assert restored.config == original.config
    _assert_same_continuation(original, restored)


def test_load_state_rejects_other_shape():
    state = ReinforceLearner(4, 3, ReinforceConfig(), seed=0).state_dict()
    learner = ReinforceLearner(4, 2, ReinforceConfig(), seed=0)
    with pytest.raises(ValueError, match="n_actions"):
        learner.load_state_dict(state)
