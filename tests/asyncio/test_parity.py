"""`AsyncStreamtape` is `Streamtape`'s twin: the same resources, method names, parameters,
defaults and return types (every async method a coroutine function; walk an async iterator)."""

from __future__ import annotations

import inspect

import pytest

from streamtape_sdk import AsyncStreamtape, Streamtape
from streamtape_sdk._async.resources import AsyncAccount, AsyncFiles, AsyncFolders, AsyncRemote
from streamtape_sdk.resources import Account, Files, Folders, Remote

PAIRS = [
    (Account, AsyncAccount),
    (Files, AsyncFiles),
    (Remote, AsyncRemote),
    (Folders, AsyncFolders),
]
#: Methods that hand out items one by one: a sync iterator vs an async iterator.
ITERATORS = {"walk"}


def public_methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_resources_have_the_same_methods_and_signatures(sync_cls: type, async_cls: type) -> None:
    sync_methods = public_methods(sync_cls)
    async_methods = public_methods(async_cls)
    assert sorted(sync_methods) == sorted(async_methods)
    for name, sync_method in sync_methods.items():
        async_method = async_methods[name]
        sync_sig = inspect.signature(sync_method)  # type: ignore[arg-type]
        async_sig = inspect.signature(async_method)  # type: ignore[arg-type]
        assert list(sync_sig.parameters.values()) == list(async_sig.parameters.values()), name
        if name in ITERATORS:
            assert sync_sig.return_annotation.startswith("Iterator[")
            assert async_sig.return_annotation == "Async" + sync_sig.return_annotation
            assert not inspect.iscoroutinefunction(async_method)
        else:
            assert sync_sig.return_annotation == async_sig.return_annotation, name
            assert inspect.iscoroutinefunction(async_method), name
            assert not inspect.iscoroutinefunction(sync_method), name
        assert inspect.getdoc(sync_method), f"{name} has no docstring"


def test_clients_take_the_same_arguments() -> None:
    sync_params = dict(inspect.signature(Streamtape.__init__).parameters)
    async_params = dict(inspect.signature(AsyncStreamtape.__init__).parameters)
    # Only the HTTP-library-specific session differs; sleep is sync vs async.
    del sync_params["session"]
    sync_sleep, async_sleep = sync_params.pop("sleep"), async_params.pop("sleep")
    assert list(sync_params.values()) == list(async_params.values())
    assert sync_sleep.default is None
    assert async_sleep.default is None
    assert "Awaitable" in str(async_sleep.annotation)


def test_with_options_and_properties_match() -> None:
    assert inspect.signature(Streamtape.with_options).parameters.keys() == (
        inspect.signature(AsyncStreamtape.with_options).parameters.keys()
    )
    for name in ("login", "base_url", "timeout", "retry", "max_retries", "closed"):
        assert isinstance(getattr(Streamtape, name), property), name
        assert isinstance(getattr(AsyncStreamtape, name), property), name
    assert inspect.iscoroutinefunction(AsyncStreamtape.aclose)
    assert inspect.iscoroutinefunction(AsyncStreamtape.__aenter__)
