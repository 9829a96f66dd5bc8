"""Many self-play games stepped in lockstep, with one batched policy call per agent.

At any step some games may be in Alice's turn, others in Bob's turn or in a target-task
episode. :class:`GameBatch` gathers the inputs of all games whose current agent is
Alice into one array and calls her policy once, does the same for Bob (self-play and
target-task turns together), then steps every game.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from selfplay.game import Episode, Phase, SelfPlayGame

ActFn = Callable[[np.ndarray], Any]
"""A batched policy: inputs of shape ``(k, input_dim)`` to ``k`` actions.

It may return the actions alone, or a tuple whose first item is the actions and whose
second is a per-row extra (such as values and log-probabilities) that
:meth:`GameBatch.step` hands back to ``on_step``.
"""


StepCallback = Callable[[int, Phase, np.ndarray, Any, Any], None]
"""``on_step(game_index, phase, observation, action, extra)``, see GameBatch.step."""


def act_on_rows(
    rows: list[int],
    observations: np.ndarray,
    phases: list[Phase],
    act: ActFn | None,
    actions: list[Any],
    on_step: StepCallback | None,
) -> None:
    """Call one agent's policy once for the games in ``rows`` and store the actions.

    Args:
        rows: Indices of the games whose current agent is this one.
        observations: Their inputs, shape ``(len(rows), input_dim)``.
        phases: Their phases, in the same order.
        act: The agent's batched policy.
        actions: Per-game actions, filled in at ``rows``.
        on_step: Called for every row, with the policy's extra for that row.
    """
    if act is None:
        raise RuntimeError("a game is in Alice's turn but no Alice policy was given")
    output = act(observations)
    chosen, extra = output if isinstance(output, tuple) else (output, None)
    for k, index in enumerate(rows):
        actions[index] = chosen[k]
        if on_step is not None:
            row_extra = None if extra is None else extra[k]
            on_step(index, phases[k], observations[k], chosen[k], row_extra)


class GameBatch:
    """Steps several :class:`SelfPlayGame` instances together.

    Args:
        games: The games, already reset.
    """

    def __init__(self, games: Sequence[SelfPlayGame]) -> None:
        if not games:
            raise ValueError("GameBatch needs at least one game")
        self.games = list(games)

    def __len__(self) -> int:
        return len(self.games)

    def step(
        self,
        alice_act: ActFn | None,
        bob_act: ActFn,
        on_step: StepCallback | None = None,
    ) -> list[tuple[int, Episode]]:
        """Take one decision in every game.

        Args:
            alice_act: Alice's batched policy; may be None when no game has a learned
                Alice (target-only and random-Alice modes).
            bob_act: Bob's batched policy, used for his self-play and target-task
                turns alike.
            on_step: Called as ``on_step(game_index, phase, observation, action,
                extra)`` for every learned agent's decision, before the game steps.

        Returns:
            ``(game_index, episode)`` for each game whose episode ended at this step.
        """
        alice_rows: list[int] = []
        bob_rows: list[int] = []
        actions: list[Any] = [None] * len(self.games)
        for index, game in enumerate(self.games):
            if game.phase is Phase.ALICE:
                if game.plays_alice_itself:
                    actions[index] = game.random_alice_action()
                else:
                    alice_rows.append(index)
            else:
                bob_rows.append(index)

        self._act(alice_rows, alice_act, actions, on_step)
        self._act(bob_rows, bob_act, actions, on_step)

        finished = []
        for index, game in enumerate(self.games):
            episode = game.step(actions[index])
            if episode is not None:
                finished.append((index, episode))
        return finished

    def _act(
        self,
        rows: list[int],
        act: ActFn | None,
        actions: list[Any],
        on_step: StepCallback | None,
    ) -> None:
        if rows:
            observations = np.stack([self.games[i].observation() for i in rows])
            phases = [self.games[i].phase for i in rows]
            act_on_rows(rows, observations, phases, act, actions, on_step)

    def rng_states(self) -> list[dict]:
        """Return each game's and its environment's random state, for checkpoints."""
        return [game_rng_state(game) for game in self.games]

    def restart(self, states: list[dict] | None = None) -> None:
        """Start a fresh episode in every game, after restoring ``states`` if given."""
        for index, game in enumerate(self.games):
            if states is not None:
                set_game_rng_state(game, states[index])
            game.reset()

    def close(self) -> None:
        """Close the games' environments."""
        for game in self.games:
            game.env.close()


def game_rng_state(game: SelfPlayGame) -> dict:
    """Return the random states of a game and of its environment."""
    return {
        "game": game.np_random.bit_generator.state,
        "env": game.env.unwrapped.np_random.bit_generator.state,
    }


def set_game_rng_state(game: SelfPlayGame, state: dict) -> None:
    """Restore states returned by :func:`game_rng_state`."""
    game.np_random.bit_generator.state = state["game"]
    game.env.unwrapped.np_random.bit_generator.state = state["env"]
