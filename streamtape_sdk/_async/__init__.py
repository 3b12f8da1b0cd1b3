"""`AsyncStreamtape`: the asyncio twin of `Streamtape`, over the same core (httpx2 driver)."""
