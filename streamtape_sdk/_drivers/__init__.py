"""Drivers: carry out the core's effects with one HTTP library each (requests, httpx2)."""
