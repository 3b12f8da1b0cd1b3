"""The public API is fully typed and documented.

- No `typing.Any` in any public signature (parameters and returns, recursively through
  unions, generics, `Annotated` and callables), nor in any model field's annotation.
- Every public model field has a description (the models use `use_attribute_docstrings`, so
  the attribute docstring is the description: the API reference is built from it).
- Every public class, method and property has a docstring.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator

import pytest
from pydantic import BaseModel

import streamtape_sdk
from streamtape_sdk import resources
from streamtape_sdk._async.resources import AsyncAccount, AsyncFiles, AsyncFolders, AsyncRemote

PUBLIC_OBJECTS: list[object] = [
    getattr(streamtape_sdk, name) for name in streamtape_sdk.__all__ if name != "__version__"
]
RESOURCES: list[type] = [
    resources.Account,
    resources.Files,
    resources.Remote,
    resources.Folders,
    AsyncAccount,
    AsyncFiles,
    AsyncRemote,
    AsyncFolders,
]
CLASSES: list[type] = [obj for obj in PUBLIC_OBJECTS if isinstance(obj, type)] + RESOURCES
MODELS: list[type[BaseModel]] = [cls for cls in CLASSES if issubclass(cls, BaseModel)]


def contains_any(annotation: object) -> bool:
    """Whether `Any` occurs anywhere in an annotation (unions, generics, Annotated...)."""
    if annotation is typing.Any:
        return True
    if isinstance(annotation, (list, tuple)):  # a Callable's parameter list
        items = typing.cast("list[object] | tuple[object, ...]", annotation)
        return any(contains_any(item) for item in items)
    return any(contains_any(arg) for arg in typing.get_args(annotation))


def own_members(cls: type) -> Iterator[tuple[str, Callable[..., object]]]:
    """Public functions and property getters written in the SDK, defined by `cls` or an SDK
    base class (pydantic's and `Exception`'s own API, and the methods pydantic generates,
    are not ours to check)."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("streamtape_sdk"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            member: object = value
            func: object = member
            if isinstance(member, property):
                func = member.fget
            elif isinstance(member, (staticmethod, classmethod)):
                func = getattr(typing.cast(object, member), "__func__", None)
            if inspect.isfunction(func) and func.__module__.startswith("streamtape_sdk"):
                yield f"{klass.__qualname__}.{name}", func


def public_callables() -> Iterator[tuple[str, Callable[..., object]]]:
    for obj in PUBLIC_OBJECTS:
        if isinstance(obj, type):
            is_protocol = bool(getattr(obj, "_is_protocol", False))
            if is_protocol:
                yield f"{obj.__qualname__}.__call__", vars(obj)["__call__"]
            elif inspect.isfunction(vars(obj).get("__init__")):
                yield f"{obj.__qualname__}.__init__", vars(obj)["__init__"]
            yield from own_members(obj)
        elif callable(obj):
            yield getattr(obj, "__qualname__", repr(obj)), obj
    for cls in RESOURCES:
        yield from own_members(cls)


CALLABLES = dict(public_callables())


def test_the_corpus_sees_the_whole_api() -> None:
    names = set(CALLABLES)
    for expected in (
        "Streamtape.__init__",
        "Streamtape.close",
        "Account.info",
        "Files.upload",
        "Files.download",
        "Files.get_download_link",
        "Remote.wait",
        "Folders.walk",
        "FilesBatch.download_many",  # the batch methods' mixins of Files and Folders
        "FilesBatch.upload_many",
        "FoldersBatch.upload_tree",
        "FoldersBatch.download_tree",
        "Remote.add_many",
        "Remote.wait_many",
        "RemoteAddOutcome.__init__",
        "RemoteAddOutcome.ok",
        "ProgressCallback.__call__",
        "RemoteUploadStatus.progress",
        "DownloadTicket.remaining_wait",
    ):
        assert expected in names
    assert len(MODELS) == 15  # with InvalidEntry, the entries a reply could not parse


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_signature_has_no_any(name: str) -> None:
    func = CALLABLES[name]
    hints = typing.get_type_hints(func, include_extras=True)
    signature = inspect.signature(func)
    for parameter in signature.parameters:
        if parameter in ("self", "cls"):
            continue
        assert parameter in hints, f"{name}: parameter {parameter!r} is not annotated"
    assert "return" in hints, f"{name}: the return type is not annotated"
    untyped = [where for where, hint in hints.items() if contains_any(hint)]
    assert not untyped, f"{name}: Any in {untyped}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_model_fields_are_typed_and_described(model: type[BaseModel]) -> None:
    assert model.model_fields
    for field_name, field in model.model_fields.items():
        assert field.annotation is not None, f"{model.__name__}.{field_name}: no annotation"
        assert not contains_any(field.annotation), f"{model.__name__}.{field_name}: Any"
        for extra in field.metadata:
            assert not contains_any(extra), f"{model.__name__}.{field_name}: Any in metadata"
        description = (field.description or "").strip()
        assert description, f"{model.__name__}.{field_name} has no description (docstring)"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_public_classes_have_docstrings(cls: type) -> None:
    assert (cls.__doc__ or "").strip(), f"{cls.__name__} has no docstring"


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_public_methods_have_docstrings(name: str) -> None:
    if name.endswith(("__init__", "__call__")):
        return  # documented by the class docstring
    assert (inspect.getdoc(CALLABLES[name]) or "").strip(), f"{name} has no docstring"


def test_contains_any_sees_nested_any() -> None:
    assert contains_any(typing.Any)
    assert contains_any(dict[str, typing.Any])
    assert contains_any(typing.Optional[list[typing.Any]])  # noqa: UP045
    assert contains_any(typing.Annotated[typing.Any, "meta"])
    assert contains_any(Callable[[typing.Any], None])
    assert not contains_any(dict[str, list[int | None]])
