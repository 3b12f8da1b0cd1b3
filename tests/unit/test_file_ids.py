"""`files.info` de-duplicates ids in linear time, keeping the first occurrence's order."""

from __future__ import annotations

from streamtape_sdk._core.files import check_file_ids


class CountingId(str):
    """An id that counts how often it is compared for equality."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        CountingId.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_order_kept_and_duplicates_dropped() -> None:
    assert check_file_ids(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_many_ids_are_deduplicated_without_pairwise_comparisons() -> None:
    ids = [CountingId(f"id{n % 5000}") for n in range(10_000)]
    CountingId.comparisons = 0
    unique = check_file_ids(ids)
    assert unique == [f"id{n}" for n in range(5000)]
    # A list-membership check compares each id with every earlier one (~12.5 million times).
    assert CountingId.comparisons <= 2 * len(ids)
