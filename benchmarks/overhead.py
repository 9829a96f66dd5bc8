"""Self-play overhead: environment steps per second of PPO self-play over plain SB3 PPO.

Both sides train PPO with SB3's default ``MlpPolicy`` on ``SelfPlay/LightKey-v0``,
with the same number of parallel environments, the same ``n_steps`` and minibatch
size, so both run the same number of gradient steps per environment step:

- plain: ``PPO("MlpPolicy", make_vec_env(env_id, n_envs)).learn(steps)`` on the
  target task;
- self-play: ``selfplay train --algo ppo --mode reverse`` with the same ``n_envs`` and
  ``n_steps``, where Alice and Bob each update on ``n_steps * n_envs`` of their own
  transitions.

The two are timed in turn, ``--repeats`` times each, in this one process, and the
script prints the medians and their ratio. Example::

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

import torch


def plain_ppo(env_id: str, n_envs: int, n_steps: int, steps: int, seed: int) -> float:
    """Return environment steps per second of SB3's own PPO ``learn``."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    import selfplay  # noqa: F401  registers the environments

    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
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
    plain, selfplay_rates = [], []
    for repeat in range(args.repeats):
        plain.append(plain_ppo(args.env, args.n_envs, args.n_steps, args.steps, repeat))
        selfplay_rates.append(
            selfplay_ppo(args.env, args.n_envs, args.n_steps, args.steps, repeat)
        )
        print(
            f"repeat {repeat}: plain {plain[-1]:,.0f} steps/s, "
            f"self-play {selfplay_rates[-1]:,.0f} steps/s",
            flush=True,
        )

    plain_median = statistics.median(plain)
    selfplay_median = statistics.median(selfplay_rates)
    print(f"plain SB3 PPO, median:  {plain_median:,.0f} env steps/s")
    print(f"PPO self-play, median:  {selfplay_median:,.0f} env steps/s")
    print(f"ratio self-play / plain: {selfplay_median / plain_median:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
