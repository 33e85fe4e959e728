"""The order filters as query parameters: one declaration for GET /api/v1/orders and /api/v1/analytics/{module}."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import TypeVar
from zoneinfo import ZoneInfo

from hotline.web.params import clean_text, parse_moment
from hotline.workorders.filters import WINDOW, CommonOrderFilter

FilterKind = TypeVar("FilterKind", bound=CommonOrderFilter)


def query_parameters(kind: type[CommonOrderFilter]) -> Callable[..., dict[str, str | None]]:
    """A dependency that takes each field of `kind` as an optional query parameter and returns them as given."""
    def given(**params: str | None) -> dict[str, str | None]:
        return params
    # FastAPI reads a dependency's parameters from its signature; built from the fields, a filter added to the
    # dataclass is taken (and documented) by every endpoint that filters orders, with no route to edit.
    given.__signature__ = inspect.Signature([
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=str | None)
        for f in fields(kind)])
    return given


def parse_filter(kind: type[FilterKind], params: Mapping[str, str | None], zone: ZoneInfo) -> FilterKind:
    """A filter of this kind from query parameters, each fault an InvalidInput naming its parameter."""
    values = {f.name: parse_moment(params.get(f.name), f.name, zone) if f.name in WINDOW
              else clean_text(params.get(f.name), f.name) for f in fields(kind)}
    return kind(**values).validated()
