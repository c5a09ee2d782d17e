"""Abstract nets and the model-family contract (torch lives from here down)."""

from ganzoo.nn.base import DataInfo, Discriminator, Generator, ImageToImageGenerator, Net, StyleGenerator
from ganzoo.nn.model import GanModel, StepContext

__all__ = ["DataInfo", "Discriminator", "GanModel", "Generator", "ImageToImageGenerator", "Net", "StepContext", "StyleGenerator"]
