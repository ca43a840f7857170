"""OpenTelemetry traces of GraphQL operations: strawberry's extension, when asked for.

The OpenTelemetry packages are optional (``pip install 'tiegraph[otel]'``); they are imported
only when tracing is on: ``TIEGRAPH_TRACING=otel`` (spans go to the global tracer provider,
which the operator configures with the OpenTelemetry SDK or ``opentelemetry-instrument``), or
a tracer provider given to `service.app.create_app` (embedding apps, tests).
"""

from __future__ import annotations

from typing import Any

from service.settings import Settings

MISSING = (
    "TIEGRAPH_TRACING=otel needs the OpenTelemetry packages: pip install 'tiegraph[otel]' "
    "(opentelemetry-api and opentelemetry-sdk)"
)


def tracing_extensions(settings: Settings, tracer_provider: Any = None) -> list[Any]:
    """The schema extensions that trace operations: none unless tracing is on."""
    if tracer_provider is None and settings.tracing != "otel":
        return []
    try:
        from strawberry.extensions.tracing import OpenTelemetryExtension
    except ImportError as e:
        raise RuntimeError(MISSING) from e

    def extension() -> Any:
        return OpenTelemetryExtension(tracer_provider=tracer_provider)

    return [extension]
