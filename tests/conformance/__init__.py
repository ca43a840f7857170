"""The conformance suite: the same use-case tests against every store."""
