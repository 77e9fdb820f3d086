"""Load the page-side scripts in ``page_js/`` (static files, read once): the only loader."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def source(name: str) -> str:
    """The text of ``page_js/<name>.js``: a single arrow-function expression."""
    return resources.files("kenny_wa.browser").joinpath("page_js", f"{name}.js").read_text("utf-8").strip()


@functools.cache
def expr(name: str) -> str:
    """The script as a function expression (comment lines dropped)."""
    return _strip_comments(source(name))


@functools.cache
def call(name: str) -> str:
    """An expression for ``page.evaluate`` that applies the script to the argument."""
    return f"(arg) => ({expr(name)})(arg)"


@functools.cache
def call_with(name: str, *libs: str) -> str:
    """Like :func:`call`, the script also getting the ``libs`` scripts as an object of functions
    (its second parameter), so one evaluate can chain them."""
    lib = ", ".join(f"{n}: ({expr(n)})" for n in libs)
    return f"(arg) => ({expr(name)})(arg, {{{lib}}})"


def predicate(name: str, test: str) -> str:
    """A ``wait_for_function`` predicate: the script applied to ``arg.js`` gives ``read``, then
    ``test`` (a JS expression over ``read`` and ``arg``) is the answer; falsy keeps waiting."""
    return f"(arg) => {{ const read = ({expr(name)})(arg.js); return {test}; }}"


def _strip_comments(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return "\n".join(lines)
