"""A lookup table of policy logits and baseline values, one row per observation.

The long-hallway experiments of Sukhbaatar et al. (ICLR 2018) use tabular
policies. A table is exact: it can map any set of distinct observations to any
actions, including mappings that no linear function of the observation can
produce.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

# Rows allocated before the first growth. The table doubles whenever it is full.
_INITIAL_CAPACITY = 64


class TabularPolicy(nn.Module):
    """Policy logits and a baseline value for each distinct observation vector.

    Rows are keyed by the observation's float32 bytes, so two observations share a
    row only when they are bitwise equal (0.0 and -0.0 get different rows). Rows
    are added lazily by `indices(..., insert=True)`. A new row starts with all
    logits 0 (the uniform policy) and a baseline of 0, so the table's contents do
    not depend on the order in which observations first appear or on any RNG.

    Rows beyond `size` are allocated but unused. They receive zero gradient, and
    RMSProp without weight decay or momentum leaves a parameter with zero gradient
    unchanged, so the growing table trains exactly like a dense table.

    Args:
        obs_dim: length of an observation vector.
        n_actions: number of discrete actions.
    """

    def __init__(self, obs_dim: int, n_actions: int) -> None:
        super().__init__()
        self.obs_dim = obs_dim
        self.n_actions = n_actions
        self.logits = nn.Parameter(torch.zeros(_INITIAL_CAPACITY, n_actions))
        self.values = nn.Parameter(torch.zeros(_INITIAL_CAPACITY))
        self._row_of_key: dict[bytes, int] = {}
        self._optimizer: torch.optim.Optimizer | None = None

    @property
    def size(self) -> int:
        """Number of observations that have a row."""
        return len(self._row_of_key)

    def attach_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        """Keep `optimizer`'s per-parameter state in step when the table grows."""
        self._optimizer = optimizer

    def indices(self, observations: np.ndarray, insert: bool) -> torch.Tensor:
        """Look up the row of each observation.

        Args:
            observations: (B, obs_dim) float32.
            insert: add a row for each unseen observation. When False, unseen
                observations get index -1.

        Returns:
            (B,) int64 row indices.
        """
        rows = []
        for observation in observations:
            key = observation.tobytes()
            row = self._row_of_key.get(key, -1)
            if row < 0 and insert:
                row = self._add_row(key)
            rows.append(row)
        return torch.tensor(rows, dtype=torch.int64)

    def forward(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the logits (B, n_actions) and baselines (B,) of existing rows."""
        return self.logits[rows], self.values[rows]

    def policy_logits(self, rows: torch.Tensor) -> torch.Tensor:
        """Return (B, n_actions) logits, all 0 for index -1 (unseen observations)."""
        known = rows >= 0
        logits = self.logits[rows.clamp(min=0)]
        return torch.where(known.unsqueeze(1), logits, 0.0)

    def baseline(self, rows: torch.Tensor) -> torch.Tensor:
        """Return (B,) baselines, 0 for index -1 (unseen observations)."""
        return torch.where(rows >= 0, self.values[rows.clamp(min=0)], 0.0)

    def key_observations(self) -> torch.Tensor:
        """Return the (size, obs_dim) float32 observations in row order."""
        keys = sorted(self._row_of_key, key=self._row_of_key.__getitem__)
        flat = np.frombuffer(b"".join(keys), dtype=np.float32)
        return torch.from_numpy(flat.reshape(len(keys), self.obs_dim).copy())

    def restore(self, key_observations: torch.Tensor, capacity: int) -> None:
        """Reset the row keys and resize the parameters to `capacity` rows.

        Call this before `load_state_dict`, which then fills in the values.

        Args:
            key_observations: (size, obs_dim) float32 from `key_observations`.
            capacity: number of allocated rows in the saved parameters.
        """
        observations = key_observations.numpy().astype(np.float32)
        self._row_of_key = {row.tobytes(): i for i, row in enumerate(observations)}
        self._resize(capacity)

    def _add_row(self, key: bytes) -> int:
        row = len(self._row_of_key)
        if row >= self.logits.shape[0]:
            self._resize(2 * self.logits.shape[0])
        self._row_of_key[key] = row
        return row

    def _resize(self, capacity: int) -> None:
        # Resizing `.data` keeps the same Parameter objects, so the optimizer's
        # param_groups stay valid. Its state tensors are padded to match below.
        for parameter in (self.logits, self.values):
            parameter.grad = None
            parameter.data = _resized(parameter.data, capacity)
            if self._optimizer is None:
                continue
            # RMSprop keeps per-element tensors (square_avg and, when enabled, the
            # momentum and centered averages) and a 0-d step count.
            state = self._optimizer.state.get(parameter, {})
            for name, value in state.items():
                if torch.is_tensor(value) and value.dim() == parameter.dim():
                    state[name] = _resized(value, capacity)


def _resized(tensor: torch.Tensor, capacity: int) -> torch.Tensor:
    """Return `tensor` cut or zero-padded along dim 0 to `capacity` rows."""
    result = tensor.new_zeros((capacity, *tensor.shape[1:]))
    rows = min(capacity, tensor.shape[0])
    result[:rows] = tensor[:rows]
    return result
