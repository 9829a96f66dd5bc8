"""Self-play overhead: environment steps per second of PPO self-play over plain SB3 PPO.

Both sides train PPO with SB3's default ``MlpPolicy`` on ``SelfPlay/LightKey-v0``,
with the same number of parallel environments, the same ``n_steps`` and minibatch
size, so both run the same number of gradient steps per environment step:

- plain: ``PPO("MlpPolicy", make_vec_env(env_id, n_envs)).learn(steps)`` on the
  target task;
- self-play: ``selfplay train --algo ppo --mode reverse`` with the same ``n_envs`` and
  ``n_steps``, where Alice and Bob each update on ``n_steps * n_envs`` of their own
  transitions.

Alice's and Bob's inputs hold the observation and a second one (the start or the
target), so their first layers are about twice as wide as plain PPO's. A third
timing, plain PPO on observations padded with zeros to that width, separates the
cost of the wider network from the cost of the self-play machinery.

The three are timed in turn, ``--repeats`` times each, in this one process, and the
script prints the medians and their ratios. Example::

    python benchmarks/overhead.py --steps 40000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

import gymnasium as gym
import numpy as np
import torch


class PadObservation(gym.ObservationWrapper):
    """Append zeros to a flat observation, up to the self-play input width."""

    def __init__(self, env: gym.Env, width: int) -> None:
        super().__init__(env)
        self._extra = width - env.observation_space.shape[0]
        low = np.concatenate([env.observation_space.low, np.zeros(self._extra)])
        high = np.concatenate([env.observation_space.high, np.ones(self._extra)])
        self.observation_space = gym.spaces.Box(
            low.astype(np.float32), high.astype(np.float32), dtype=np.float32
        )

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return np.concatenate([observation, np.zeros(self._extra, np.float32)])


def plain_ppo(
    env_id: str, n_envs: int, n_steps: int, steps: int, seed: int, pad: bool = False
) -> float:
    """Return environment steps per second of SB3's own PPO ``learn``.

    With ``pad``, observations are padded with zeros to the width of the self-play
    agents' inputs (observation, target, flag, time), so that both sides train
    networks of the same size.
    """
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    import selfplay  # noqa: F401  registers the environments

    wrapper = None
    if pad:
        width = 2 * gym.make(env_id).observation_space.shape[0] + 2

        def wrapper(env: gym.Env) -> gym.Env:
            return PadObservation(env, width)

    env = make_vec_env(env_id, n_envs=n_envs, seed=seed, wrapper_class=wrapper)
    model = PPO(
        "MlpPolicy", env, n_steps=n_steps, batch_size=64, seed=seed, device="cpu"
    )
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    elapsed = time.perf_counter() - start
    env.close()
    return model.num_timesteps / elapsed


def selfplay_ppo(
    env_id: str, n_envs: int, n_steps: int, steps: int, seed: int
) -> float:
    """Return environment steps per second of PPO self-play, Alice and Bob together."""
    from selfplay.config import TrainConfig
    from selfplay.train import train

    config = TrainConfig(
        env_id=env_id,
        mode="reverse",
        algo="ppo",
        seed=seed,
        env_steps=steps,
        n_envs=n_envs,
        n_steps=n_steps,
        entropy_coef=0.0,
        checkpoint_interval=0,
    )
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = train(config, out)
        elapsed = time.perf_counter() - start
    return result.counters.env_steps / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="SelfPlay/LightKey-v0", help="env id")
    parser.add_argument("--n-envs", type=int, default=8, help="parallel environments")
    parser.add_argument("--n-steps", type=int, default=256, help="PPO n_steps per env")
    parser.add_argument(
        "--steps", type=int, default=40_000, help="env steps per timing"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timings of each side")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )
    print("command: python " + " ".join([sys.argv[0], *(argv or sys.argv[1:])]))
    plain, padded, selfplay_rates = [], [], []
    sizes = (args.env, args.n_envs, args.n_steps, args.steps)
    for repeat in range(args.repeats):
        plain.append(plain_ppo(*sizes, repeat))
        padded.append(plain_ppo(*sizes, repeat, pad=True))
        selfplay_rates.append(selfplay_ppo(*sizes, repeat))
        print(
            f"repeat {repeat}: plain {plain[-1]:,.0f}, plain with padded input "
            f"{padded[-1]:,.0f}, self-play {selfplay_rates[-1]:,.0f} steps/s",
            flush=True,
        )

    plain_median = statistics.median(plain)
    padded_median = statistics.median(padded)
    selfplay_median = statistics.median(selfplay_rates)
    print(f"plain SB3 PPO, median:                  {plain_median:,.0f} env steps/s")
    print(f"plain SB3 PPO, padded input, median:    {padded_median:,.0f} env steps/s")
    print(f"PPO self-play, median:                  {selfplay_median:,.0f} env steps/s")
    print(
        f"ratio self-play / plain:                {selfplay_median / plain_median:.2f}"
    )
    print(
        f"ratio self-play / plain, padded input:  {selfplay_median / padded_median:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
