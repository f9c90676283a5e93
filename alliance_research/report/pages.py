"""What every page shares: the Jinja2 environment (templates in ``alliance_research/report/templates``, a user's
folder first) and the filters that format numbers the same way on every page.

The write-ups, the report's index and notebook pages and the workshop's room page all render through
:func:`environment`, so a number reads the same wherever it appears.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape

from ..multiplicity import format_p

__all__ = ["environment", "num", "signed", "interval", "p_value", "sentence", "plural", "md_safe"]


# --- formatting ------------------------------------------------------------------------------------------------

def num(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "n/a"
    return f"{float(value):.{digits}f}"


def signed(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    text = f"{float(value):+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def interval(low, high, digits: int = 1) -> str:
    if low is None or high is None or low != low or high != high:
        return "no interval"
    return f"{num(low, digits)} to {num(high, digits)}"


def p_value(value) -> str:
    """A p-value in a table: three decimals, ``< 0.001`` below that (never ``0.000``), ``n/a`` when missing."""
    if value is None or value != value or value is pd.NA:
        return "n/a"
    return format_p(float(value)).removeprefix("p = ").removeprefix("p ")


def sentence(text: str) -> str:
    """First letter upper case, the rest untouched (Jinja's ``capitalize`` lowers the rest)."""
    return text[:1].upper() + text[1:] if text else text


def kpi_name(label, unit) -> str:
    label = label if isinstance(label, str) and label else ""
    if isinstance(unit, str) and unit and unit not in label:
        return f"{label} ({unit})"
    return label


def plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def md_safe(value):
    """Markdown output: no library text can open an HTML tag."""
    return value.replace("<", "&lt;") if isinstance(value, str) else value


def environment(fmt: str, template_dir: str | Path | None = None) -> Environment:
    """The Jinja2 environment for ``fmt`` (``"md"`` or ``"html"``), user templates first."""
    loaders = [FileSystemLoader(str(template_dir))] if template_dir else []
    loaders.append(PackageLoader("alliance_research", "report/templates"))
    if fmt == "html":
        env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html", "j2"], default=True),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    elif fmt == "md":
        env = Environment(loader=ChoiceLoader(loaders), autoescape=False, finalize=md_safe,
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    else:
        raise ValueError(f"fmt must be 'md' or 'html'; got {fmt!r}")
    env.filters.update(num=num, signed=signed, plural=plural, sentence=sentence, p_value=p_value)
    env.globals.update(interval=interval)
    return env
