"""An endless, resumable stream of training batches.

Epoch e visits the data in the order ``randperm(n)`` drawn from a generator seeded by
(seed, e), so a position (epoch, batch) names the next batch exactly: resuming a run
needs two integers, not a pickled iterator. Under DistributedDataParallel each rank
takes every world-th index of the same order. In-memory datasets cut batches by
indexing; folder datasets decode through a DataLoader with workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader

from ganzoo.data.base import GanData, UnpairedDataset
from ganzoo.errors import DataError


class BatchStream:
    def __init__(self, data: GanData, batch_size: int, seed: int, device: torch.device, *,
                 channels_last: bool = False, rank: int = 0, world_size: int = 1, num_workers: int = 0) -> None:
        self.data, self.batch_size, self.seed = data, batch_size, seed
        self.device, self.channels_last = device, channels_last
        self.rank, self.world_size, self.num_workers = rank, world_size, num_workers
        self.size = len(data.train)
        self.batches_per_epoch = self.size // (batch_size * world_size)
        if self.batches_per_epoch == 0:
            raise DataError(f"dataset {data.name!r} has {self.size} samples, fewer than one batch of "
                            f"{batch_size} per process; lower --batch-size.")
        self.epoch, self.batch = 0, 0
        self._iterator: Iterator[Any] | None = None

    def state(self) -> dict[str, int]:
        return {"epoch": self.epoch, "batch": self.batch}

    def load_state(self, state: dict[str, int]) -> None:
        self.epoch, self.batch = int(state["epoch"]), int(state["batch"])
        self._iterator = None

    def _epoch_batches(self) -> list[torch.Tensor]:
        order = torch.randperm(self.size, generator=torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch))
        mine = order[self.rank :: self.world_size]
        return [mine[i * self.batch_size : (i + 1) * self.batch_size] for i in range(self.batches_per_epoch)]

    def _start(self) -> Iterator[Any]:
        if isinstance(self.data.train, UnpairedDataset):
            self.data.train.set_epoch(self.epoch)
        remaining = self._epoch_batches()[self.batch :]
        if self.data.in_memory:
            return (self.data.train.batch(idx) for idx in remaining)
        loader = DataLoader(self.data.train, batch_sampler=[idx.tolist() for idx in remaining],
                            num_workers=self.num_workers, generator=torch.Generator().manual_seed(self.seed),
                            persistent_workers=False)
        return iter(loader)

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
        return self.to_device(batch)

    def to_device(self, batch: Any) -> Any:
        if isinstance(batch, (tuple, list)):
            return type(batch)(self.to_device(b) for b in batch)
        if isinstance(batch, torch.Tensor):
            batch = batch.to(self.device, non_blocking=True)
            if self.channels_last and batch.dim() == 4:
                batch = batch.contiguous(memory_format=torch.channels_last)
        return batch
