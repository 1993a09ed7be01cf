"""RowList: a read-only table of many rows with a row cursor, drawn line by line (Textual's line API).

Why not a DataTable: the Clusters screen lists thousands of rows and re-filters them on every
keystroke. A DataTable rebuilt per keystroke re-measures and re-renders its cells through Rich and
changes its virtual size, which relayouts the whole screen: with 2,000 clusters that was ~65 ms a
keystroke (capped at 200 rows shown), against ~17 ms here, one frame. Here:

* the rows are given once (`set_rows`); each row's cells, cut or padded to their fixed column
  widths, are built the first time the row is drawn and kept, so a row costs nothing afterwards;
* filtering only replaces the list of row indices shown (`show`) and repaints the visible lines;
  the virtual size changes without a layout of the screen (the widget's own size does not change);
* the styles (header, zebra stripes, cursor) are applied per drawn line, from component classes
  that mirror DataTable's, so the list looks like the tables on the other screens.

A small DataTable-like API (`row_count`, `get_row_at`, `cursor_row`, `move_cursor`) keeps the
callers and the tests simple. Keys: Up/Down, PageUp/PageDown, Home/End (first/last row),
Left/Right scroll sideways, Enter posts `RowSelected`; a click moves the cursor, a click on the
cursor's row selects it (as in a DataTable).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAD = 1  # blank cells on each side of a column, as in a DataTable


def cell(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` terminal cells, with the column padding around it."""
    return " " * PAD + set_cell_size(text, width) + " " * PAD


def line_of(cells: Sequence[str], widths: Sequence[int]) -> tuple[str, ...]:
    return tuple(cell(text, width) for text, width in zip(cells, widths, strict=False))  # a cell past the columns is not drawn


class RowList(ScrollView, can_focus=True):
    """Rows of text cells under a fixed header line, with a row cursor and zebra stripes.

    A row is known by its key, its index in the rows of `set_rows`; `show` lists some of them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"rowlist--header", "rowlist--cursor", "rowlist--even-row", "rowlist--odd-row"}

    # DataTable's look (same theme variables), so this list matches the tables on the other screens
    DEFAULT_CSS = """
    RowList {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .rowlist--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .rowlist--header { background-tint: $foreground 5%; }
        }
        &:dark > .rowlist--even-row { background: $surface-darken-1 40%; }
        & > .rowlist--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .rowlist--header { background: ansi_bright_blue; color: ansi_default; }
        & > .rowlist--odd-row { }
        & > .rowlist--even-row { background: $surface-lighten-1 50%; }
        & > .rowlist--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class RowSelected(Message):
        """Enter (or a click on the cursor's row): `key` is the row's index in the rows given to `set_rows`."""

        def __init__(self, row_list: RowList, cursor_row: int, key: int) -> None:
            super().__init__()
            self.row_list = row_list
            self.cursor_row = cursor_row
            self.key = key

        @property
        def control(self) -> RowList:
            return self.row_list

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._labels: tuple[str, ...] = ()
        self._widths: tuple[int, ...] = ()
        self._header: tuple[str, ...] = ()
        self._width = 0  # of a line: the columns and their padding
        # one meta per column: a Segment per cell then keeps its own x in an SVG screenshot, where
        # segments of one style are merged and one long text drifts off the cell grid
        self._metas: tuple[Style, ...] = ()
        self._cells: list[Sequence[str]] = []
        self._lines: list[tuple[str, ...] | None] = []  # each row's cells as drawn, built when first drawn
        self._shown: list[int] = []  # indices into _cells, in the order listed
        self._cursor = 0  # a position in _shown

    # ---- data ---------------------------------------------------------------------------------
    def set_columns(self, labels: Sequence[str], widths: Sequence[int]) -> None:
        """The header and the fixed width of each column (in cells, padding excluded)."""
        labels, widths = tuple(labels), tuple(widths)
        if (labels, widths) == (self._labels, self._widths):
            return
        self._labels, self._widths = labels, widths
        self._header = line_of(labels, widths)
        self._width = sum(cell_len(text) for text in self._header)
        self._metas = tuple(Style.from_meta({"column": i}) for i in range(len(labels)))
        self._lines = [None] * len(self._cells)
        self._resize()

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        """All the rows (each a sequence of cell texts), none shown until `show` says which."""
        self._cells = list(rows)
        self._lines = [None] * len(self._cells)
        self._shown = []

    def update_row(self, key: int, cells: Sequence[str]) -> None:
        """New cells for one row (a tick changed): only that line is rebuilt and repainted."""
        self._cells[key] = cells
        self._lines[key] = None
        try:
            position = self._shown.index(key)
        except ValueError:
            return
        self.refresh_line(position + 1)

    def show(self, keys: Sequence[int]) -> None:
        """List these rows (indices into the rows of `set_rows`), in this order. The cursor stays on
        its row when that row is still listed, else it goes to the first row."""
        previous = self.cursor_key
        self._shown = list(keys)
        try:
            self._cursor = 0 if previous is None else self._shown.index(previous)
        except ValueError:
            self._cursor = 0
        self._resize()
        self._scroll_to_cursor()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._shown)

    def get_row_at(self, row: int) -> list[str]:
        """The cells of the row listed at position `row` (as given, not cut to the column width)."""
        return list(self._cells[self._shown[row]])

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> int | None:
        """The cursor's row as an index into the rows of `set_rows` (None when nothing is listed)."""
        return self._shown[self._cursor] if self._shown else None

    def move_cursor(self, *, row: int) -> None:
        new = max(0, min(row, len(self._shown) - 1))
        if new != self._cursor:
            old, self._cursor = self._cursor, new
            self.refresh_line(old + 1)  # the line the cursor leaves (row r is virtual line r + 1)
            self._scroll_to_cursor()
            self.refresh_line(new + 1)

    # ---- size and scrolling -------------------------------------------------------------------
    def _resize(self) -> None:
        """The virtual size follows the rows listed. Set without a layout of the screen (a reactive
        `virtual_size` change relayouts everything, though this widget's own size does not change);
        the scrollbars are updated here, and a scrollbar appearing still does its own layout."""
        size = Size(self._width, len(self._shown) + 1)
        if size == self.virtual_size:
            return
        self.set_reactive(ScrollView.virtual_size, size)
        if self.is_mounted and self.container_size:
            self._scroll_update(size)

    @property
    def _page(self) -> int:
        """How many rows fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + self._page:
            self.scroll_to(y=self._cursor - self._page + 1, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

    # ---- actions ------------------------------------------------------------------------------
    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - self._page)

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + self._page)

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._shown) - 1)

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, self._cursor, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:  # the header
            return
        row = round(self.scroll_y) + offset.y - 1
        if row >= len(self._shown):
            return
        event.stop()
        if row == self._cursor:
            self.action_select()
        else:
            self.move_cursor(row=row)

    # ---- drawing ------------------------------------------------------------------------------
    def _line(self, key: int) -> tuple[str, ...]:
        texts = self._lines[key]
        if texts is None:
            texts = self._lines[key] = line_of(self._cells[key], self._widths)
        return texts

    def render_line(self, y: int) -> Strip:
        # get_component_rich_style is cached by Textual until the next repaint (focus, theme, …)
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = round(self.scroll_x), round(self.scroll_y)
        if y == 0:
            texts, style = self._header, self.get_component_rich_style("rowlist--header")
        else:
            row = scroll_y + y - 1
            if row >= len(self._shown):
                return Strip.blank(width, self.rich_style)
            texts = self._line(self._shown[row])
            style = self.get_component_rich_style("rowlist--even-row" if row % 2 == 0 else "rowlist--odd-row")
            if row == self._cursor:
                style = style + self.get_component_rich_style("rowlist--cursor")
        segments = [Segment(text, style + meta) for text, meta in zip(texts, self._metas, strict=False)]
        # the line's style runs to the right edge (a short table still has a full-width cursor bar)
        full = max(width + scroll_x, self._width)
        if full > self._width:
            segments.append(Segment(" " * (full - self._width), style))
        return Strip(segments, full).crop(scroll_x, scroll_x + width)
