"""Importing Gradio for serving, without two pieces of work a server never uses.

- Gradio rewrites the `.pyi` stub of each of its ~80 component classes next to their source,
  for editors (`gradio.component_meta.create_or_modify_pyi`, run by the metaclass as each class
  is defined: read the source, parse it, render a template, compare with the stub on disk).
  That was about half of the CPU time of `import gradio` (2.4 of 4.9 s measured in
  bench/startup.py's machine), for files a server never reads, written into the installed
  package. Here that function does nothing; the components are defined exactly as before.
- Gradio fills the `{{ component }}` of each event listener's docstring with Jinja, once per
  component class and event (`gradio.events.EventListener.set_doc`): 216 templates compiled
  from 36 distinct texts at every import, 0.17 s of it. Here each distinct text is compiled
  once and rendered as often as before: the docstrings read exactly the same.

`trim_gradio_import()` must run before Gradio is imported; when Gradio is imported already,
or a function changed is gone from a later Gradio, nothing changes.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

import jinja2


def trim_gradio_import() -> None:
    """Make a later `import gradio` skip its stub writer and compile each docstring template once."""
    if any(name in sys.modules for name in _PATCHES) or any(isinstance(f, _Patcher) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Patcher())


def _no_stub(*args: object, **kwargs: object) -> None:
    """What `create_or_modify_pyi` becomes: nothing."""


def _without_stub_writer(module: ModuleType) -> None:
    if callable(getattr(module, "create_or_modify_pyi", None)):
        module.create_or_modify_pyi = _no_stub  # type: ignore[attr-defined]


def _templates_compiled_once(module: ModuleType) -> None:
    if getattr(module, "Template", None) is jinja2.Template:
        module.Template = functools.cache(jinja2.Template)  # type: ignore[attr-defined]


_PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "gradio.component_meta": _without_stub_writer,
    "gradio.events": _templates_compiled_once,
}


class _Patcher(importlib.abc.MetaPathFinder):
    """Finds each module of `_PATCHES` as Python would and patches it right after it runs
    (before any component class is defined with it); steps aside once all are found."""

    def __init__(self) -> None:
        self.waiting = set(_PATCHES)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.waiting:
            return None
        self.waiting.discard(fullname)
        if not self.waiting:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.abc.Loader):
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            _PATCHES[fullname](module)

        loader.exec_module = exec_module  # type: ignore[method-assign]  # this module's loader only
        return spec
