"""Tests of selfplay.plots on synthetic run directories written in tmp_path."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from selfplay.metrics import METRICS_COLUMNS
from selfplay.plots import (
    align_curves,
    bootstrap_mean_band,
    episodes_to_success,
    first_crossing,
    group_runs,
    interpolate_curve,
    load_run,
    load_runs,
    make_efficiency_figure,
    median_with_ci,
    plot_efficiency,
    ratio_of_medians,
    smooth_trailing,
)


def write_run(
    root: Path,
    name: str,
    *,
    mode: str = "reverse",
    seed: int = 0,
    algo: str = "reinforce",
    env_id: str = "SelfPlay/Hallway-v0",
    rows: list[dict[str, float]],
) -> Path:
    """Write a run directory. Columns absent from a row are left as empty cells."""
    run_dir = root / name
    run_dir.mkdir(parents=True)
    config = {"env_id": env_id, "mode": mode, "seed": seed, "algo": algo}
    (run_dir / "config.json").write_text(json.dumps(config))
    with (run_dir / "metrics.csv").open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=METRICS_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in METRICS_COLUMNS})
    return run_dir


def success_rows(
    successes: list[float], episodes_per_row: int = 10, selfplay_steps: int = 50
) -> list[dict[str, float]]:
    """Rows with ``target_episodes`` 10, 20, ... and the given success rates."""
    rows = []
    for i, success in enumerate(successes, start=1):
        target_episodes = i * episodes_per_row
        rows.append(
            {
                "target_episodes": target_episodes,
                "selfplay_episodes": target_episodes,
                "env_steps": target_episodes * 5 + i * selfplay_steps,
                "target_steps": target_episodes * 5,
                "target_reward": success - 0.5,
                "target_success": success,
            }
        )
    return rows


def learning_run(root: Path, name: str, mode: str, seed: int, rate: float) -> Path:
    rng = np.random.default_rng(seed)
    successes = np.clip(1 - np.exp(-rate * np.arange(1, 41)), 0, 1)
    noisy = np.clip(successes + rng.normal(0, 0.05, successes.size), 0, 1)
    return write_run(root, name, mode=mode, seed=seed, rows=success_rows(list(noisy)))


# Loading


def test_load_run_reads_config(tmp_path):
    run = load_run(write_run(tmp_path, "a", mode="repeat", rows=success_rows([0.5])))
    assert run.mode == "repeat"


def test_load_run_reads_metrics(tmp_path):
    run = load_run(write_run(tmp_path, "a", rows=success_rows([0.25, 0.75])))
    np.testing.assert_array_equal(run.metrics["target_success"], [0.25, 0.75])


def test_empty_cells_are_nan(tmp_path):
    run = load_run(write_run(tmp_path, "a", rows=success_rows([0.5])))
    assert np.isnan(run.metrics["eval_target_success"][0])


def test_missing_metrics_names_path(tmp_path):
    run_dir = write_run(tmp_path, "a", rows=success_rows([0.5]))
    (run_dir / "metrics.csv").unlink()
    with pytest.raises(FileNotFoundError, match=str(run_dir / "metrics.csv")):
        load_runs([run_dir])


def test_missing_config_names_path(tmp_path):
    run_dir = write_run(tmp_path, "a", rows=success_rows([0.5]))
    (run_dir / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match=str(run_dir / "config.json")):
        load_run(run_dir)


def test_missing_directory_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_run(tmp_path / "nowhere")


def test_missing_column_named(tmp_path):
    run_dir = write_run(tmp_path, "a", rows=success_rows([0.5]))
    lines = (run_dir / "metrics.csv").read_text().splitlines()
    header = lines[0].replace(",wall_time", "")
    (run_dir / "metrics.csv").write_text(header + "\n")
    with pytest.raises(ValueError, match="wall_time"):
        load_run(run_dir)


def test_missing_config_key_named(tmp_path):
    run_dir = write_run(tmp_path, "a", rows=success_rows([0.5]))
    (run_dir / "config.json").write_text(json.dumps({"env_id": "E", "mode": "r"}))
    with pytest.raises(ValueError, match="'seed'"):
        load_run(run_dir)


def test_header_only_rejected(tmp_path):
    run_dir = write_run(tmp_path, "a", rows=[])
    with pytest.raises(ValueError, match="no rows"):
        load_run(run_dir)


# Grouping


def test_group_default_is_mode(tmp_path):
    runs = [
        load_run(write_run(tmp_path, name, mode=mode, rows=success_rows([0.5])))
        for name, mode in [("a", "target-only"), ("b", "reverse"), ("c", "reverse")]
    ]
    assert list(group_runs(runs)) == ["reverse", "target-only"]


def test_group_adds_algo_when_several(tmp_path):
    runs = [
        load_run(write_run(tmp_path, name, algo=algo, rows=success_rows([0.5])))
        for name, algo in [("a", "ppo"), ("b", "reinforce")]
    ]
    assert list(group_runs(runs)) == ["reverse (ppo)", "reverse (reinforce)"]


def test_group_adds_env_when_several(tmp_path):
    runs = [
        load_run(write_run(tmp_path, name, env_id=env, rows=success_rows([0.5])))
        for name, env in [("a", "EnvA-v0"), ("b", "EnvB-v0")]
    ]
    assert list(group_runs(runs)) == ["EnvA-v0: reverse", "EnvB-v0: reverse"]


# Smoothing and interpolation


def test_smooth_trailing_hand_values():
    smoothed = smooth_trailing(np.array([0.0, 1.0, 2.0, 3.0]), window=2)
    np.testing.assert_allclose(smoothed, [0.0, 0.5, 1.5, 2.5])


def test_smooth_window_one_is_identity():
    values = np.array([0.3, 0.1, 0.9])
    np.testing.assert_array_equal(smooth_trailing(values, window=1), values)


def test_interpolate_hand_values():
    grid = np.array([10.0, 15.0, 25.0, 30.0])
    values = interpolate_curve(
        np.array([10.0, 20.0, 30.0]), np.array([0, 1, 0.5]), grid
    )
    np.testing.assert_allclose(values, [0.0, 0.5, 0.75, 0.5])


def test_interpolate_nan_before_first_row():
    values = interpolate_curve(
        np.array([10.0, 20.0]), np.array([0.0, 1.0]), np.zeros(1)
    )
    assert np.isnan(values[0])


def test_grid_ends_at_shortest_seed(tmp_path):
    runs = [
        load_run(write_run(tmp_path, "long", rows=success_rows([0.1] * 8))),
        load_run(write_run(tmp_path, "short", seed=1, rows=success_rows([0.1] * 3))),
    ]
    grid, _ = align_curves(runs, "target_success", num_points=7, smooth=1)
    assert grid[-1] == 30.0


def test_grid_starts_at_zero(tmp_path):
    runs = [load_run(write_run(tmp_path, "a", rows=success_rows([0.1] * 3)))]
    grid, _ = align_curves(runs, "target_success", num_points=7, smooth=1)
    assert grid[0] == 0.0


def test_align_skips_nan_rows(tmp_path):
    rows = success_rows([0.0, 0.5, 1.0])
    rows[1]["target_success"] = ""
    runs = [load_run(write_run(tmp_path, "a", rows=rows))]
    _, values = align_curves(runs, "target_success", num_points=4, smooth=1)
    # grid is 0, 10, 20, 30; the empty row at 20 is bridged from 10 to 30.
    np.testing.assert_allclose(values[0, 1:], [0.0, 0.5, 1.0])


def test_align_env_steps_axis(tmp_path):
    runs = [load_run(write_run(tmp_path, "a", rows=success_rows([0.0, 1.0])))]
    grid, _ = align_curves(runs, "target_success", "env_steps", num_points=3)
    assert grid[-1] == 2 * 10 * 5 + 2 * 50


def test_align_rejects_other_x(tmp_path):
    runs = [load_run(write_run(tmp_path, "a", rows=success_rows([0.0, 1.0])))]
    with pytest.raises(ValueError, match="wall_time"):
        align_curves(runs, "target_success", "wall_time")


# Bootstrap band


def test_band_mean_of_constant_seeds():
    band = bootstrap_mean_band(np.array([[0.0] * 5, [1.0] * 5, [2.0] * 5]))
    np.testing.assert_allclose(band.mean, 1.0)


def test_band_within_seed_range():
    band = bootstrap_mean_band(np.array([[0.0] * 5, [1.0] * 5, [2.0] * 5]))
    assert band.low.min() >= 0.0
    assert band.high.max() <= 2.0


def test_band_contains_mean():
    band = bootstrap_mean_band(np.array([[0.0] * 5, [1.0] * 5, [2.0] * 5]))
    assert np.all((band.low <= band.mean) & (band.mean <= band.high))


def test_band_narrows_with_more_seeds():
    few = bootstrap_mean_band(np.repeat([[0.0], [1.0], [2.0]], 4, axis=1))
    many = bootstrap_mean_band(
        np.tile(np.repeat([[0.0], [1.0], [2.0]], 4, axis=1), (5, 1))
    )
    assert np.all(many.high - many.low < few.high - few.low)


def test_band_one_seed_is_curve():
    curve = np.array([[0.1, 0.4, 0.35, 0.9]])
    band = bootstrap_mean_band(curve)
    np.testing.assert_array_equal(
        np.stack([band.low, band.high]), np.repeat(curve, 2, 0)
    )


def test_band_fixed_seed_repeats():
    values = np.random.default_rng(3).random((6, 20))
    first, second = bootstrap_mean_band(values), bootstrap_mean_band(values)
    np.testing.assert_array_equal(np.stack(first), np.stack(second))


def test_band_seed_changes_draws():
    values = np.random.default_rng(3).random((6, 20))
    first, other = bootstrap_mean_band(values), bootstrap_mean_band(values, seed=1)
    assert not np.array_equal(first.low, other.low)


def test_band_nan_where_seed_missing():
    band = bootstrap_mean_band(np.array([[np.nan, 1.0], [0.0, 2.0]]))
    assert np.isnan(band.mean[0])
    assert band.mean[1] == 1.5


# Episodes to success


def test_crossing_hand_curve():
    xs = np.array([10.0, 20.0, 30.0, 40.0])
    assert first_crossing(xs, np.array([0.2, 0.79, 0.8, 0.95]), 0.8) == 30.0


def test_crossing_never_is_inf():
    assert first_crossing(np.array([10.0, 20.0]), np.array([0.1, 0.5]), 0.8) == math.inf


def test_episodes_to_success_run(tmp_path):
    run = load_run(write_run(tmp_path, "a", rows=success_rows([0.1, 0.5, 0.9, 1.0])))
    assert episodes_to_success(run, smooth=1) == 30.0


def test_episodes_to_success_smoothed(tmp_path):
    run = load_run(write_run(tmp_path, "a", rows=success_rows([0.1, 0.9, 0.7, 1.0])))
    # The raw curve crosses at 20; trailing means over 2 rows: 0.1, 0.5, 0.8, 0.85.
    assert episodes_to_success(run, smooth=2) == 30.0


def test_median_with_one_inf():
    assert median_with_ci([100.0, 200.0, math.inf]).value == 200.0


def test_median_inf_when_half_fail():
    assert median_with_ci([100.0, 200.0, math.inf, math.inf]).value == math.inf


def test_median_ci_brackets_median():
    estimate = median_with_ci([100.0, 150.0, 200.0, 250.0, math.inf])
    assert estimate.low <= estimate.value <= estimate.high


def test_median_ci_upper_inf_with_failures():
    estimate = median_with_ci([100.0, 150.0, math.inf])
    assert estimate.high == math.inf


def test_median_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        median_with_ci([1.0, math.nan])


# Ratio of medians


def test_ratio_hand_medians():
    assert ratio_of_medians([90.0, 100.0, 110.0], [400.0, 400.0, 500.0]).value == 0.25


def test_ratio_ci_collapses_on_constants():
    estimate = ratio_of_medians([100.0] * 3, [400.0] * 4)
    assert (estimate.low, estimate.high) == (0.25, 0.25)


def test_ratio_ci_brackets_value():
    estimate = ratio_of_medians([80.0, 100.0, 130.0], [300.0, 400.0, 450.0, 600.0])
    assert estimate.low <= estimate.value <= estimate.high


def test_ratio_failed_numerator_is_inf():
    assert ratio_of_medians([math.inf] * 3, [400.0] * 3).value == math.inf


def test_ratio_both_failed_is_nan():
    assert math.isnan(ratio_of_medians([math.inf] * 2, [math.inf] * 2).value)


# Figure


@pytest.fixture
def runs(tmp_path):
    dirs = [
        learning_run(tmp_path / "runs", f"{mode}-{seed}", mode, seed, rate)
        for mode, rate in [("reverse", 0.2), ("target-only", 0.08)]
        for seed in range(3)
    ]
    return load_runs(dirs)


def test_figure_has_four_axes(runs):
    assert len(make_efficiency_figure(runs, n_boot=200).axes) == 4


def test_figure_title_names_env(runs):
    figure = make_efficiency_figure(runs, n_boot=200)
    assert "SelfPlay/Hallway-v0" in figure.get_suptitle()


def test_figure_legend_counts_seeds(runs):
    axes = make_efficiency_figure(runs, n_boot=200).axes[0]
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert labels == ["reverse (n=3)", "target-only (n=3)"]


def test_plot_writes_png(runs, tmp_path):
    out = plot_efficiency(runs, tmp_path / "figure.png", n_boot=200, dpi=50)
    assert matplotlib.image.imread(out).shape[2] in (3, 4)


def test_plot_png_not_empty(runs, tmp_path):
    out = plot_efficiency(runs, tmp_path / "figure.png", n_boot=200, dpi=50)
    assert out.stat().st_size > 1000


def test_plot_writes_svg(runs, tmp_path):
    out = plot_efficiency(runs, tmp_path / "figure.svg", n_boot=200)
    assert out.read_text().lstrip().startswith("<?xml")


def test_plot_rejects_suffix(runs, tmp_path):
    with pytest.raises(ValueError, match=r"'\.jpg2'.*\.png, \.pdf, \.svg"):
        plot_efficiency(runs, tmp_path / "figure.jpg2")


def test_plot_failure_leaves_nothing(runs, tmp_path, monkeypatch):
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        plot_efficiency(runs, out_dir / "figure.png", n_boot=200)
    assert list(out_dir.iterdir()) == []


def test_plot_eval_without_values(runs, tmp_path):
    with pytest.raises(ValueError, match="metric='train'"):
        plot_efficiency(runs, tmp_path / "figure.png", metric="eval")


def test_plot_eval_with_values(tmp_path):
    rows = success_rows([0.2, 0.6, 0.9])
    for row in rows:
        row["eval_target_reward"] = row["target_reward"]
        row["eval_target_success"] = row["target_success"]
    runs = load_runs([write_run(tmp_path, "a", rows=rows)])
    figure = make_efficiency_figure(runs, metric="eval", n_boot=50)
    assert "evaluation" in figure.axes[0].get_ylabel()
