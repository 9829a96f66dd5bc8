"""Learners for Alice and Bob: REINFORCE with a learned baseline, network or table.

The learners see only arrays and never import the environments or the game loop.
"""

from selfplay.learners.base import Learner, Trajectory, returns_to_go
from selfplay.learners.reinforce import (
    PolicyValueNetwork,
    ReinforceConfig,
    ReinforceLearner,
)
from selfplay.learners.tabular import TabularPolicy

__all__ = [
    "Learner",
    "PolicyValueNetwork",
    "ReinforceConfig",
    "ReinforceLearner",
    "TabularPolicy",
    "Trajectory",
    "returns_to_go",
]
