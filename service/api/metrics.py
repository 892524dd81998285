"""Prometheus metrics of one app instance (its own registry, so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector

from service.serving import LoadedBundle

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request counters and latency histograms by route, and the index in service."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "rapporteur_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "rapporteur_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge("rapporteur_http_requests_in_flight", "Requests being answered.", registry=self.registry)
        self.rejected = Counter(
            "rapporteur_http_rejected",
            "Requests refused before reaching a route, by reason.",
            ("reason",),
            registry=self.registry,
        )
        self.index_info = Gauge(
            "rapporteur_index_info", "Index in service (value 1), by build id.", ("build_id",), registry=self.registry
        )
        self.index_documents = Gauge("rapporteur_index_documents", "Documents in the index.", registry=self.registry)
        self.index_chunks = Gauge("rapporteur_index_chunks", "Passages in the index.", registry=self.registry)
        self.index_sentences = Gauge("rapporteur_index_sentences", "Sentences in the index.", registry=self.registry)
        self.index_bytes = Gauge("rapporteur_index_bytes", "Bundle size on disk.", registry=self.registry)
        self.index_loaded_at = Gauge(
            "rapporteur_index_loaded_timestamp_seconds", "When the index in service was loaded.", registry=self.registry
        )
        self.ready = Gauge("rapporteur_ready", "1 once an index is loaded and warmed up.", registry=self.registry)
        self.reloads = Counter(
            "rapporteur_index_reloads", "Index reload attempts, by outcome.", ("outcome",), registry=self.registry
        )

    def observe_index(self, loaded: LoadedBundle) -> None:
        """Publish the gauges of a freshly swapped-in index."""
        bundle = loaded.bundle
        self.index_info.clear()
        self.index_info.labels(loaded.build_id).set(1)
        self.index_documents.set(len(bundle.documents))
        self.index_chunks.set(len(bundle.chunks))
        self.index_sentences.set(len(bundle.sentences))
        self.index_bytes.set(loaded.size_bytes)
        self.index_loaded_at.set(loaded.loaded_at.timestamp())
        self.ready.set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
