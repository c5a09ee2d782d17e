"""An endless, resumable stream of training batches, made on the training device.

Epoch e visits the data in the order ``randperm(n)`` drawn from a generator seeded by
(seed, e), so a position (epoch, batch) names the next batch exactly: resuming a run
needs two integers, not a pickled iterator. Under DistributedDataParallel each rank
takes every world-th index of the same order.

- **In-memory sets** (built-ins, small folders) are copied to the training device once,
  as uint8; a batch is then one indexing and one conversion there, with no host work
  and no copy per step (channels_last is the layout they are stored in).
- **Folder sets** decode in DataLoader workers (persistent across epochs, so they are
  forked once), which hand over uint8 images; on CUDA they arrive in pinned memory and
  the next batch is copied while the current step runs. Conversion to [-1, 1] happens
  on the device.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from ganzoo.data.base import GanData, UnpairedDataset, to_unit_range
from ganzoo.errors import DataError

#: in-memory data larger than this share of the free GPU memory stays on the host
DEVICE_SHARE = 0.25


def default_workers(local_size: int = 1) -> int:
    """Loader workers per process: the cores this process may use, shared between local
    processes, less one for the training loop itself; at most 8, at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(8, cores // max(local_size, 1) - 1))


class _RawItems(Dataset):
    """What loader workers return: stored (uint8) items, converted on the device later."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: Any) -> Any:
        return self.dataset.raw_item(key)


class _EpochBatches:
    """The loader's batch sampler: the stream's remaining batches of its current epoch,
    read when an epoch's iteration starts (indices carry the epoch for unpaired data)."""

    def __init__(self, stream: BatchStream) -> None:
        self.stream = stream

    def __iter__(self) -> Iterator[list[Any]]:
        stream = self.stream
        tag = isinstance(stream.data.train, UnpairedDataset)
        for idx in stream.epoch_batches()[stream.batch :]:
            yield [(stream.epoch, i) for i in idx.tolist()] if tag else idx.tolist()

    def __len__(self) -> int:
        return self.stream.batches_per_epoch


class BatchStream:
    def __init__(self, data: GanData, batch_size: int, seed: int, device: torch.device, *,
                 channels_last: bool = False, rank: int = 0, world_size: int = 1,
                 num_workers: int | None = None, local_size: int | None = None) -> None:
        """``world_size`` processes share the data; ``local_size`` of them (default: all) share this machine's cores."""
        self.data, self.batch_size, self.seed = data, batch_size, seed
        self.device, self.channels_last = device, channels_last
        self.rank, self.world_size = rank, world_size
        self.num_workers = default_workers(local_size or world_size) if num_workers is None else num_workers
        self.size = len(data.train)
        self.batches_per_epoch = self.size // (batch_size * world_size)
        if self.batches_per_epoch == 0:
            raise DataError(f"dataset {data.name!r} has {self.size} samples, fewer than one batch of "
                            f"{batch_size} per process; lower --batch-size.")
        self.epoch, self.batch = 0, 0
        self._iterator: Iterator[Any] | None = None
        self._order: torch.Tensor | None = None
        self._loader: DataLoader | None = None
        self._ahead: Any = None
        # on an accelerator the copy to it is stored channels_last at once; on the CPU the data is
        # used where it lies (a second, reordered copy of a whole dataset costs more memory than
        # reordering each batch costs time)
        self._reorder = channels_last and device.type == "cpu"
        self.source = data.train.to(device, channels_last and not self._reorder) \
            if data.in_memory and self._fits(data) else None

    def _fits(self, data: GanData) -> bool:
        if self.device.type != "cuda":
            return True
        tensors = [t for t in _tensors(data.train)]
        free, _ = torch.cuda.mem_get_info(self.device)
        return sum(t.numel() * t.element_size() for t in tensors) <= DEVICE_SHARE * free

    def state(self) -> dict[str, int]:
        return {"epoch": self.epoch, "batch": self.batch}

    def load_state(self, state: dict[str, int]) -> None:
        self.epoch, self.batch = int(state["epoch"]), int(state["batch"])
        self._iterator, self._ahead = None, None

    def epoch_batches(self) -> list[torch.Tensor]:
        """This rank's batches of the current epoch, as index tensors on the host."""
        order = torch.randperm(self.size, generator=torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch))
        mine = order[self.rank :: self.world_size]
        return [mine[i * self.batch_size : (i + 1) * self.batch_size] for i in range(self.batches_per_epoch)]

    def _start(self) -> Iterator[Any]:
        if self.source is not None:
            if isinstance(self.source, UnpairedDataset):
                self.source.set_epoch(self.epoch)
            batches = self.epoch_batches()[self.batch :]
            order = torch.cat(batches).to(self.device) if batches else torch.empty(0, dtype=torch.long)
            n = self.batch_size
            cut = (self.source.batch(order[i * n : (i + 1) * n]) for i in range(len(batches)))
            return (self._layout(batch) for batch in cut) if self._reorder else cut
        if self.data.in_memory:  # on the host (too big for the device): cut there, then copy
            if isinstance(self.data.train, UnpairedDataset):
                self.data.train.set_epoch(self.epoch)
            return (self._to_device(self.data.train.batch(idx)) for idx in self.epoch_batches()[self.batch :])
        return self._prefetched(iter(self._get_loader()))

    def _get_loader(self) -> DataLoader:
        if self._loader is None:
            workers = self.num_workers
            self._loader = DataLoader(
                _RawItems(self.data.train), batch_sampler=_EpochBatches(self), num_workers=workers,
                pin_memory=self.device.type == "cuda", persistent_workers=workers > 0,
                prefetch_factor=4 if workers > 0 else None)
        return self._loader

    def _prefetched(self, batches: Iterator[Any]) -> Iterator[Any]:
        """One batch ahead: its (non-blocking, from pinned memory) copy to the device is
        queued before the step that uses the previous batch runs."""
        ahead = None
        for batch in batches:
            moved = self._to_device(batch)
            if ahead is not None:
                yield ahead
            ahead = moved
        if ahead is not None:
            yield ahead

    def _layout(self, batch: Any) -> Any:
        if isinstance(batch, (tuple, list)):
            return type(batch)(self._layout(b) for b in batch)
        if isinstance(batch, torch.Tensor) and batch.dim() == 4:
            return batch.contiguous(memory_format=torch.channels_last)
        return batch

    def _to_device(self, batch: Any) -> Any:
        if isinstance(batch, (tuple, list)):
            return type(batch)(self._to_device(b) for b in batch)
        if isinstance(batch, torch.Tensor):
            batch = batch.to(self.device, non_blocking=True)
            if self.channels_last:
                batch = self._layout(batch)
            if batch.dtype == torch.uint8:
                batch = to_unit_range(batch)  # to_unit_range keeps the layout
        return batch

    def __iter__(self) -> BatchStream:
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = self._start()
        try:
            batch = next(self._iterator)
        except StopIteration:
            self.epoch, self.batch = self.epoch + 1, 0
            self._iterator = self._start()
            batch = next(self._iterator)
        self.batch += 1
        return batch

    def close(self) -> None:
        """Stop loader workers (they persist across epochs until then)."""
        self._iterator = None
        self._loader = None


def _tensors(dataset: Any) -> list[torch.Tensor]:
    if isinstance(dataset, UnpairedDataset):
        return _tensors(dataset.a) + _tensors(dataset.b)
    return [t for t in (getattr(dataset, "images", None), getattr(dataset, "points", None)) if t is not None]
