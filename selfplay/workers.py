"""Self-play games in worker processes, for environments that are slow to step.

:class:`SubprocGameBatch` has the interface of :class:`selfplay.rollout.GameBatch`,
but each worker process builds its games itself, from the environment id, keyword
arguments and game rules, so neither the environments nor their registration need
to be pickled. Policies stay in the main process and are still called once per agent
per step over all games. Only inputs, actions and finished episodes cross the pipes.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Sequence
from typing import Any

import numpy as np

from selfplay.game import Episode, GameConfig, Phase, SelfPlayGame
from selfplay.rollout import (
    ActFn,
    StepCallback,
    act_on_rows,
    game_rng_state,
    set_game_rng_state,
)

GameSpec = tuple[str, dict, GameConfig, int]
"""``(env_id, env_kwargs, game_config, seed)`` of one game."""


def _view(game: SelfPlayGame) -> tuple[Phase, bool, np.ndarray | None]:
    """Return the phase, whether a learned agent acts, and that agent's input."""
    if game.phase is Phase.ALICE and game.plays_alice_itself:
        return game.phase, False, None
    return game.phase, True, game.observation()


def _worker(connection: Any, specs: list[GameSpec]) -> None:
    import gymnasium as gym

    import selfplay  # noqa: F401  registers the SelfPlay environments

    games = []
    for env_id, env_kwargs, game_config, seed in specs:
        env = gym.make(env_id, max_episode_steps=-1, **env_kwargs)
        game = SelfPlayGame(env, game_config)
        game.reset(seed=seed)
        games.append(game)
    try:
        while True:
            command, data = connection.recv()
            if command == "step":
                finished = []
                for index, (game, action) in enumerate(zip(games, data, strict=True)):
                    if action is None:
                        action = game.random_alice_action()
                    episode = game.step(action)
                    if episode is not None:
                        finished.append((index, episode))
                connection.send((finished, [_view(g) for g in games]))
            elif command == "view":
                connection.send([_view(g) for g in games])
            elif command == "rng_states":
                connection.send([game_rng_state(g) for g in games])
            elif command == "restart":
                for game, state in zip(games, data or [None] * len(games), strict=True):
                    if state is not None:
                        set_game_rng_state(game, state)
                    game.reset()
                connection.send([_view(g) for g in games])
            elif command == "close":
                break
    finally:
        for game in games:
            game.env.close()
        connection.close()


class SubprocGameBatch:
    """Games split over worker processes, stepped in lockstep.

    Args:
        specs: One :data:`GameSpec` per game.
        n_workers: Worker processes; games are dealt to them in contiguous blocks.
        start_method: A :mod:`multiprocessing` start method; "spawn" by default, which
            works on every platform and does not inherit the parent's threads.
    """

    def __init__(
        self, specs: Sequence[GameSpec], n_workers: int, start_method: str = "spawn"
    ) -> None:
        if not 1 <= n_workers <= len(specs):
            raise ValueError(
                f"n_workers must lie in [1, {len(specs)}] (the number of games), got "
                f"{n_workers}"
            )
        context = mp.get_context(start_method)
        bounds = np.linspace(0, len(specs), n_workers + 1).astype(int)
        self._blocks = [range(bounds[i], bounds[i + 1]) for i in range(n_workers)]
        self._connections = []
        self._processes = []
        for block in self._blocks:
            parent, child = context.Pipe()
            process = context.Process(
                target=_worker, args=(child, [specs[i] for i in block]), daemon=True
            )
            process.start()
            child.close()
            self._connections.append(parent)
            self._processes.append(process)
        self._views = self._gather("view")
        self._closed = False

    def __len__(self) -> int:
        return len(self._views)

    def _gather(self, command: str, data: Sequence[Any] | None = None) -> list:
        for k, connection in enumerate(self._connections):
            connection.send((command, None if data is None else data[k]))
        return [item for c in self._connections for item in c.recv()]

    def step(
        self,
        alice_act: ActFn | None,
        bob_act: ActFn,
        on_step: StepCallback | None = None,
    ) -> list[tuple[int, Episode]]:
        """Take one decision in every game; see :meth:`GameBatch.step`."""
        actions: list[Any] = [None] * len(self._views)
        for agent_phases, act in (
            ((Phase.ALICE,), alice_act),
            ((Phase.BOB, Phase.TARGET), bob_act),
        ):
            rows = [
                i
                for i, (phase, learned, _) in enumerate(self._views)
                if learned and phase in agent_phases
            ]
            if rows:
                observations = np.stack([self._views[i][2] for i in rows])
                phases = [self._views[i][0] for i in rows]
                act_on_rows(rows, observations, phases, act, actions, on_step)

        for k, block in enumerate(self._blocks):
            self._connections[k].send(("step", [actions[i] for i in block]))
        finished: list[tuple[int, Episode]] = []
        views = []
        for k, block in enumerate(self._blocks):
            block_finished, block_views = self._connections[k].recv()
            finished.extend((block.start + i, episode) for i, episode in block_finished)
            views.extend(block_views)
        self._views = views
        return finished

    def rng_states(self) -> list[dict]:
        """Return every game's random states, in game order."""
        return self._gather("rng_states")

    def restart(self, states: list[dict] | None = None) -> None:
        """Start a fresh episode in every game, after restoring ``states`` if given."""
        per_worker = [
            None if states is None else [states[i] for i in block]
            for block in self._blocks
        ]
        self._views = self._gather("restart", per_worker)

    def close(self) -> None:
        """Stop the workers."""
        if self._closed:
            return
        self._closed = True
        for connection in self._connections:
            try:
                connection.send(("close", None))
            except (BrokenPipeError, EOFError):
                pass
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
