"""Charts of a burst of executions (pygal SVG): latency over time and a latency histogram."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pygal


@dataclass(frozen=True)
class Sample:
    """One execution of the burst: when it started (seconds after the first start) and how
    long it took to complete."""

    started_s: float
    latency_s: float


def histogram_bins(latencies: Sequence[float], bins: int = 20) -> list[tuple[int, float, float]]:
    """``(count, low, high)`` for ``bins`` equal-width bins over ``latencies``."""
    if not latencies:
        return []
    low, high = min(latencies), max(latencies)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in latencies:
        counts[min(int((value - low) / width), bins - 1)] += 1
    return [(count, low + i * width, low + (i + 1) * width) for i, count in enumerate(counts)]


def latency_over_time(samples: Sequence[Sample], title: str) -> str:
    chart = pygal.XY(stroke=False, title=title, x_title="started at (s after the first start)",
                     y_title="latency (s)", show_legend=False, dots_size=2)
    chart.add("executions", [(s.started_s, s.latency_s) for s in samples])
    return chart.render(is_unicode=True)


def latency_histogram(samples: Sequence[Sample], title: str) -> str:
    chart = pygal.Histogram(title=title, x_title="latency (s)", y_title="executions",
                            show_legend=False)
    chart.add("executions", histogram_bins([s.latency_s for s in samples]))
    return chart.render(is_unicode=True)


def write_load_charts(folder: Path, samples: Sequence[Sample]) -> list[Path]:
    """Write ``load-latency.svg`` and ``load-histogram.svg`` into ``folder``; return them."""
    if not samples or any(math.isnan(s.latency_s) for s in samples):
        return []
    over_time = folder / "load-latency.svg"
    over_time.write_text(latency_over_time(
        samples, f"Latency of {len(samples)} executions over the burst"))
    histogram = folder / "load-histogram.svg"
    histogram.write_text(latency_histogram(samples, "Latency distribution"))
    return [over_time, histogram]
