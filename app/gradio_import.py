"""Importing Gradio for serving, without its type-stub writer.

At every import, Gradio rewrites the `.pyi` stub of each of its ~80 component classes next to
their source, for editors (`gradio.component_meta.create_or_modify_pyi`, run by the metaclass as
each class is defined: read the source, parse it, render a template, compare with the stub on
disk). That is about half of the CPU time of `import gradio` (2.4 of 4.9 s measured in
bench/startup.py's machine), paid at every `thesis-qa serve` start, for files a server never
reads, written into the installed package. `skip_stub_writing()` makes that function do nothing
in this process; the components themselves are defined exactly as before. It must run before
Gradio is imported; when Gradio is imported already, or the function is gone from a later
Gradio, nothing changes.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

MODULE = "gradio.component_meta"
FUNCTION = "create_or_modify_pyi"


def skip_stub_writing() -> None:
    """Make Gradio's stub writer a no-op in this process when Gradio is imported later."""
    if MODULE in sys.modules or any(isinstance(f, _StubSkipper) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _StubSkipper())


def _no_stub(*args: object, **kwargs: object) -> None:
    """What `create_or_modify_pyi` becomes: nothing."""


class _StubSkipper(importlib.abc.MetaPathFinder):
    """Finds `gradio.component_meta` as Python would, and replaces its stub writer right after
    the module runs (before any component class is defined with it); then steps aside."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.abc.Loader):
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            if callable(getattr(module, FUNCTION, None)):
                setattr(module, FUNCTION, _no_stub)

        loader.exec_module = exec_module  # type: ignore[method-assign] - this module's loader only
        return spec
