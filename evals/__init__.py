"""Evaluation: the hand-built questions (`questions.jsonl`, dev and test splits), the metrics, the
report, the confidence calibration, and the benchmarks (`bench`, `slow_clients`, `adversarial`).

Scores any backend (the engine in process, or a running service over HTTP); may import every
other package, and nothing imports it.
"""
