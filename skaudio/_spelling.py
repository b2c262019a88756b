"""Name a setting the way the reader sets it: in Python or on the command line.

Messages of the library name ``n_splits=5``; run by the ``skaudio`` command,
inside :func:`command_line`, the same messages name ``--n-splits 5``, the
option the user typed.
"""

import contextlib
import contextvars
import shlex

_COMMAND_LINE = contextvars.ContextVar("skaudio_command_line", default=False)


@contextlib.contextmanager
def command_line():
    """Within this block, :func:`setting` and :func:`either` spell options."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def setting(name, value=None):
    """Return ``name=value`` in Python, ``--name value`` on the command line.

    Parameters
    ----------
    name : str
        The Python parameter, e.g. ``"n_splits"``; its option is
        ``--n-splits``.
    value : object, default=None
        ``None`` names the setting alone.

    Returns
    -------
    text : str
        E.g. ``"n_splits=5"`` or ``"--n-splits 5"``.
    """
    if _COMMAND_LINE.get():
        option = "--" + name.replace("_", "-")
        if value is None:
            return option
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{option} {shlex.quote(text)}"
    return name if value is None else f"{name}={value!r}"


def either(python, command_line):
    """Return the text for Python or the one for the command line.

    Parameters
    ----------
    python, command_line : str

    Returns
    -------
    text : str
    """
    return command_line if _COMMAND_LINE.get() else python
