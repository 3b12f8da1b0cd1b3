"""Client construction and masking cost with many clients alive.

Measures, for --count clients (default 5000), with one shared key and with distinct keys:
- the time to create them (registering a key is O(1): no rebuild of the other clients'
  secrets; what remains is mostly the requests.Session of each client);
- the time `redact` takes per log line while they are all alive.

Usage:
    .venv/bin/python bench/clients.py --count 5000

Timings are noisy on shared machines: compare the two cases, and repeat.
"""

from __future__ import annotations

import argparse
import gc
import time

from streamtape_sdk import Streamtape
from streamtape_sdk._redaction import redact

LINE = "GET /account/info?login=me&key=DistinctKey000042 HTTP/1.1"


def measure(count: int, distinct: bool) -> tuple[float, float]:
    """Seconds to create `count` clients, and milliseconds per `redact` of one line."""
    started = time.perf_counter()
    clients = [
        Streamtape(
            "me",
            f"DistinctKey{i:06d}" if distinct else "SharedKey0123456",
            base_url="http://127.0.0.1:9",
        )
        for i in range(count)
    ]
    created = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(200):
        redact(LINE)
    per_line = (time.perf_counter() - started) / 200 * 1000
    for client in clients:
        client.close()
    del clients
    gc.collect()
    return created, per_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    count = parser.parse_args().count
    for distinct in (False, True):
        created, per_line = measure(count, distinct)
        label = "distinct keys" if distinct else "one shared key"
        print(
            f"{count} clients, {label}: created in {created:.2f} s, "
            f"redact {per_line:.3f} ms per log line"
        )


if __name__ == "__main__":
    main()
