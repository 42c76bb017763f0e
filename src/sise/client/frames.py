"""``to_frame``: an SDK answer as a pandas DataFrame (the optional ``sise[pandas]`` extra).

pandas is imported when a frame is asked for, never by ``import sise.client``: the SDK itself
needs only httpx and msgspec (the ``client-light`` import contract allows pandas in this module
alone). A Kiwoom or Koscom model gives its list's rows (a flat answer one row; a list of dates,
as in ``Holidays``, one row per date), a plain Koscom answer its one list (``hisLists``,
``isuLists``, ``Lists`` …; a flat answer one row). Levels read as ``Directed`` give
their value; field names are the model's (``wk52_…``, ``list_``) or Koscom's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sise.client.kiwoom_models import KiwoomModel
from sise.client.koscom_models import KoscomModel
from sise.client.values import Directed

if TYPE_CHECKING:
    import pandas

__all__ = ["to_frame"]

INSTALL_HINT = "to_frame() needs pandas: pip install 'sise[pandas]'"

Model = KiwoomModel | KoscomModel


def _cell(value: Any) -> Any:
    return value.value if isinstance(value, Directed) else value


def _model_row(row: Model) -> dict[str, Any]:
    return {
        f: _cell(getattr(row, f))
        for f in row.__struct_fields__
        if not isinstance(getattr(row, f), list)  # a flat row; the list is the rows, not a column
    }


def rows_of(answer: Any) -> list[dict[str, Any]]:
    """The rows ``to_frame`` makes a frame of (plain dicts, levels as numbers)."""
    if isinstance(answer, Model):
        fields = [f for f in answer.__struct_fields__ if isinstance(getattr(answer, f), list)]
        if not fields:
            return [_model_row(answer)]
        name = fields[0]
        return [_model_row(r) if isinstance(r, Model) else {name: r} for r in getattr(answer, name)]
    if isinstance(answer, Mapping):
        lists = [v for v in answer.values() if isinstance(v, list)]
        if len(lists) > 1:
            raise ValueError(f"an answer with {len(lists)} lists: pass the one to frame")
        return rows_of(lists[0]) if lists else [dict(answer)]
    if isinstance(answer, Sequence) and not isinstance(answer, str | bytes):
        rows = []
        for r in answer:
            if isinstance(r, Model):
                rows.append(_model_row(r))
            elif isinstance(r, Mapping):
                rows.append({k: _cell(v) for k, v in r.items()})
            else:
                raise TypeError(f"a row is an SDK model or a mapping, not {type(r).__name__}")
        return rows
    raise TypeError(f"to_frame takes an SDK answer, a list of rows or a row, not {type(answer).__name__}")


def to_frame(answer: Any) -> pandas.DataFrame:
    """A DataFrame of ``answer``'s rows: a model (``kiwoom.day_chart("001", day)``,
    ``koscom.stock_history(…)``), a plain Koscom answer (``koscom.stocks("kospi", "history", …)``)
    or a list of their rows. Raises ``ImportError`` naming the extra when pandas is not
    installed."""
    try:
        import pandas
    except ImportError as e:
        raise ImportError(INSTALL_HINT) from e
    return pandas.DataFrame(rows_of(answer))
