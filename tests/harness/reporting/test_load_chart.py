"""The burst charts: bins add up, the SVG files hold every execution."""

from __future__ import annotations

from pathlib import Path

from harness.reporting.load_chart import Sample, histogram_bins, write_load_charts


def test_bins_cover_every_value_once() -> None:
    values = [0.5, 1.0, 1.0, 2.5, 4.0]
    bins = histogram_bins(values, bins=4)
    assert [count for count, _, _ in bins] == [3, 0, 1, 1]
    assert bins[0][1] == 0.5 and bins[-1][2] == 4.0


def test_equal_values_fall_in_one_bin() -> None:
    assert sum(count for count, _, _ in histogram_bins([2.0, 2.0, 2.0])) == 3


def test_charts_are_written_as_svg(tmp_path: Path) -> None:
    samples = [Sample(started_s=i * 0.1, latency_s=1.0 + i * 0.05) for i in range(100)]
    written = write_load_charts(tmp_path, samples)
    assert [p.name for p in written] == ["load-latency.svg", "load-histogram.svg"]
    over_time = written[0].read_text()
    assert over_time.lstrip().startswith("<?xml") and "<svg" in over_time
    assert "100 executions" in over_time
    assert "Latency distribution" in written[1].read_text()


def test_no_samples_no_chart(tmp_path: Path) -> None:
    assert write_load_charts(tmp_path, []) == []
    assert list(tmp_path.iterdir()) == []
