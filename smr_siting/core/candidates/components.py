"""The 4-connected patches of a sparse mask (free land: a few per cent of the grid), found from its runs.

:func:`components` gives what ``scipy.ndimage.label(mask, FOUR_CONNECTED)`` gives — the same labels, numbered
in the order of each patch's first cell in row-major order — but kept per True cell, not as a grid of labels:
its work grows with the number of True cells and runs, not with the grid.  A row's runs of True cells are the
nodes; a run touches the runs of the next row whose columns overlap it (4-connected: sharing an edge);
patches are the connected parts of that graph.  Counts per patch, bounding windows and the labels of given
cells are then read from the True cells alone.  A dense mask (more than :data:`DENSE_SHARE` of its cells True:
a lenient profile) has too many runs for that to pay; there ``scipy.ndimage.label`` labels the grid and the
patches are kept as its grid of labels (:class:`GridComponents`, the same answers).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse import csgraph

#: rows scanned for runs between two cancel checks
ROWS_PER_CHECK = 512
#: above this share of True cells the grid is labelled by ``scipy.ndimage.label`` (the same result)
DENSE_SHARE = 0.10
FOUR_CONNECTED = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


class Components:
    """The patches of a boolean grid, labelled 1..count as ``scipy.ndimage.label`` labels them."""

    shape: tuple[int, int]
    count: int

    def counts(self, *masks: np.ndarray) -> np.ndarray:
        """Cells per label (index 0: always 0) where every mask (a boolean grid of ``shape``) is True."""
        raise NotImplementedError

    def window(self, label: int) -> tuple[slice, slice]:
        """The bounding window of one patch (as ``scipy.ndimage.find_objects`` gives it)."""
        raise NotImplementedError

    def mask_in(self, label: int, window: tuple[slice, slice]) -> np.ndarray:
        """The cells of one patch as a boolean array of ``window``'s shape."""
        raise NotImplementedError

    def label_at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The label of each given cell (0 where the cell is not True)."""
        raise NotImplementedError


@dataclass(frozen=True)
class SparseComponents(Components):
    """Kept per True cell: its flat index (row-major, ascending) and its label."""

    shape: tuple[int, int]
    count: int
    cells: np.ndarray    # int64 flat indices of the True cells, ascending
    labels: np.ndarray   # int32 label of each of those cells
    #: per label (index 0 unused): first and last row, first and last + 1 column of the patch
    boxes: np.ndarray    # (count + 1) × 4 int64

    def counts(self, *masks: np.ndarray) -> np.ndarray:
        labels = self.labels
        if masks:
            where = masks[0].reshape(-1)[self.cells]
            for mask in masks[1:]:
                where &= mask.reshape(-1)[self.cells]
            labels = labels[where]
        return np.bincount(labels, minlength=self.count + 1)[:self.count + 1].astype(np.int64)

    def window(self, label: int) -> tuple[slice, slice]:
        r0, r1, c0, c1 = (int(v) for v in self.boxes[label])
        return slice(r0, r1 + 1), slice(c0, c1)

    def mask_in(self, label: int, window: tuple[slice, slice]) -> np.ndarray:
        rows, cols = window
        width = self.shape[1]
        out = np.zeros((rows.stop - rows.start, cols.stop - cols.start), dtype=bool)
        first = int(np.searchsorted(self.cells, rows.start * width))
        last = int(np.searchsorted(self.cells, rows.stop * width))
        cells = self.cells[first:last]
        mine = cells[self.labels[first:last] == label]
        r, c = np.divmod(mine, width)
        inside = (c >= cols.start) & (c < cols.stop)
        out[r[inside] - rows.start, c[inside] - cols.start] = True
        return out

    def label_at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        flat = np.asarray(rows, dtype=np.int64) * self.shape[1] + np.asarray(cols, dtype=np.int64)
        if self.cells.size == 0:
            return np.zeros(flat.shape, dtype=np.int32)
        at = np.minimum(np.searchsorted(self.cells, flat), self.cells.size - 1)
        return np.where(self.cells[at] == flat, self.labels[at], 0).astype(np.int32)


@dataclass(frozen=True)
class GridComponents(Components):
    """Kept as a grid of labels (``scipy.ndimage.label``'s own), for a dense mask."""

    shape: tuple[int, int]
    count: int
    grid: np.ndarray     # int32 labels, 0 where the mask is False
    check: Callable[[], None] | None = None

    @functools.cached_property
    def objects(self) -> list:
        """``scipy.ndimage.find_objects(grid)``, found when a window is first asked for."""
        return ndimage.find_objects(self.grid)

    def counts(self, *masks: np.ndarray) -> np.ndarray:
        counts = np.zeros(self.count + 1, dtype=np.int64)
        for top in range(0, self.shape[0], ROWS_PER_CHECK):
            if self.check is not None:
                self.check()
            block = self.grid[top:top + ROWS_PER_CHECK]
            if masks:
                where = masks[0][top:top + ROWS_PER_CHECK]
                for mask in masks[1:]:
                    where = where & mask[top:top + ROWS_PER_CHECK]
                block = block[where]
            counts += np.bincount(block.ravel(), minlength=self.count + 1)[:self.count + 1]
        counts[0] = 0
        return counts

    def window(self, label: int) -> tuple[slice, slice]:
        return self.objects[label - 1]

    def mask_in(self, label: int, window: tuple[slice, slice]) -> np.ndarray:
        return self.grid[window] == label

    def label_at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.grid[np.asarray(rows), np.asarray(cols)].astype(np.int32)


def runs(mask: np.ndarray, check: Callable[[], None] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The runs of True cells, row by row, left to right: their row, first column and last column + 1."""
    height, width = mask.shape
    rows_out, starts_out, stops_out = [], [], []
    for top in range(0, height, ROWS_PER_CHECK):
        if check is not None:
            check()
        block = mask[top:top + ROWS_PER_CHECK].view(np.uint8)
        padded = np.zeros((block.shape[0], width + 2), dtype=np.int8)
        padded[:, 1:-1] = block
        steps = np.diff(padded, axis=1).reshape(-1)  # +1 where a run starts, −1 one past where it ends
        ups = np.flatnonzero(steps == 1)
        downs = np.flatnonzero(steps == -1)
        rows_out.append(ups // (width + 1) + top)
        starts_out.append(ups % (width + 1))
        stops_out.append(downs % (width + 1))
    if not rows_out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return (np.concatenate(rows_out).astype(np.int64), np.concatenate(starts_out).astype(np.int64),
            np.concatenate(stops_out).astype(np.int64))


def components(mask: np.ndarray, check: Callable[[], None] | None = None,
               dense_share: float | None = None) -> Components:
    """The 4-connected patches of ``mask`` (2-D boolean), labelled as ``scipy.ndimage.label`` labels them;
    from the runs of True cells, or (more than ``dense_share``, default :data:`DENSE_SHARE`, of the cells True)
    from ``scipy.ndimage.label``."""
    share = DENSE_SHARE if dense_share is None else dense_share
    if np.count_nonzero(mask) > share * mask.size:
        return _from_labels(mask, check)
    return _from_runs(mask, check)


def _from_labels(mask: np.ndarray, check: Callable[[], None] | None) -> GridComponents:
    labels, count = ndimage.label(mask, structure=FOUR_CONNECTED)
    if check is not None:
        check()
    return GridComponents(mask.shape, int(count), labels, check)


def _from_runs(mask: np.ndarray, check: Callable[[], None] | None) -> SparseComponents:
    height, width = mask.shape
    row, start, stop = runs(mask, check)
    n = row.size
    if n == 0:
        return SparseComponents((height, width), 0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32),
                                np.zeros((1, 4), dtype=np.int64))
    if check is not None:
        check()
    # the runs of the next row that overlap each run: a contiguous range, the runs of a row being sorted
    start_key = row * width + start
    stop_key = row * width + stop
    below = (row + 1) * width
    first = np.searchsorted(stop_key, below + start, side="right")
    last = np.searchsorted(start_key, below + stop, side="left")
    touching = np.maximum(last - first, 0)
    source = np.repeat(np.arange(n), touching)
    target = np.repeat(first, touching) + (np.arange(int(touching.sum())) - np.repeat(np.cumsum(touching) - touching,
                                                                                        touching))
    graph = sparse.coo_matrix((np.ones(source.size, dtype=np.int8), (source, target)), shape=(n, n)).tocsr()
    count, part = csgraph.connected_components(graph, directed=False)
    # numbered by first run in row-major order (= the patch's first cell), as scipy.ndimage.label numbers them
    _parts, first_run = np.unique(part, return_index=True)
    number = np.empty(count, dtype=np.int32)
    number[np.argsort(first_run, kind="stable")] = np.arange(1, count + 1, dtype=np.int32)
    run_label = number[part]
    lengths = stop - start
    offsets = np.cumsum(lengths) - lengths
    cells = np.repeat(start_key, lengths) + (np.arange(int(lengths.sum()), dtype=np.int64)
                                             - np.repeat(offsets, lengths))
    boxes = np.zeros((count + 1, 4), dtype=np.int64)
    boxes[1:, 0] = np.iinfo(np.int64).max
    boxes[1:, 2] = np.iinfo(np.int64).max
    np.minimum.at(boxes[:, 0], run_label, row)
    np.maximum.at(boxes[:, 1], run_label, row)
    np.minimum.at(boxes[:, 2], run_label, start)
    np.maximum.at(boxes[:, 3], run_label, stop)
    return SparseComponents((height, width), int(count), cells, np.repeat(run_label, lengths), boxes)


__all__ = ["DENSE_SHARE", "FOUR_CONNECTED", "Components", "GridComponents", "SparseComponents", "components", "runs"]
