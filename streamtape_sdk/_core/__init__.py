"""The sans-I/O core shared by `Streamtape` and `AsyncStreamtape`.

Every endpoint's argument checks, request building, reply decoding, retry decisions and every
multi-step flow (ticket wait, info batching, remote wait, walk, upload, download) are written
once here, as generators that yield *effects* (`effects.py`): "send this request", "sleep this
long", "run this blocking step", ... A driver carries the effects out: `drivers.sync` with
requests, `drivers.async_` with httpx2. See docs/architecture.md.
"""
