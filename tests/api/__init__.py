"""Tests of the HTTP and GraphQL layer, through the real ASGI app on the embedded store."""
