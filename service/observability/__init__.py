"""Running tiegraph like production: Prometheus metrics, JSON logs, OpenTelemetry traces."""
