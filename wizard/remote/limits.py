"""Request limits every remote client shares, apart from the clients so that the verify options
(and the front ends that fill them) can be built without importing httpx."""

DEFAULT_TIMEOUT = 10.0  # seconds, each request
