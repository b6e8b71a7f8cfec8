"""The live-session benchmark (bench/live_session.py) at a tiny scale, so that it cannot rot:
a real app process, a few participants joining, adding ideas and giving dots while the
facilitator's board and projector refresh; no errors, and the database holds exactly what
was acknowledged."""

from __future__ import annotations

from bench import live_session


def test_live_session_benchmark_runs_at_a_tiny_scale() -> None:
    report = live_session.measure(participants=4, seconds=3)
    assert report["errors"] == 0, report["error_kinds"]
    assert report["stored_as_expected"], report["stored"]
    assert report["stored"]["dots"] == 4 * live_session.DOTS_EACH
    steps = report["steps"]
    for step in ("join page", "join", "idea", "ideas page", "dot", "board refresh"):
        assert steps[step]["count"] > 0, step
        assert steps[step]["p95_ms"] >= steps[step]["p50_ms"]
    assert steps["idea"]["count"] == 4 * live_session.IDEAS_EACH
    assert steps["dot"]["count"] == 4 * live_session.DOTS_EACH
