"""Small helpers shared by the benchmarks."""

import socket


def percentile(values: list[float], fraction: float) -> float:
    """Return a percentile of a list of numbers."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def free_port() -> int:
    """Return a TCP port free on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ms(seconds: float) -> str:
    """Show a duration in milliseconds."""
    return f"{seconds * 1000:.1f} ms"
