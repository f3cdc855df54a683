"""Small helpers shared by the benchmarks."""


def percentile(values: list[float], fraction: float) -> float:
    """Return a percentile of a list of numbers."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
