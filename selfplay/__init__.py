"""Asymmetric self-play for reinforcement learning.

Importing this package registers its environments with Gymnasium under the
``SelfPlay`` namespace, for example ``gym.make("SelfPlay/LightKey-v0")``.
"""

from selfplay.envs import register_envs

__version__ = "0.1.0"

register_envs()
