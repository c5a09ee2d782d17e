"""A third party's paired loss: the relativistic average GAN loss (Jolicoeur-Martineau 2018),
registered exactly as docs/tutorial.md does, for the test that trains every official model
with every registered loss."""

import torch
import torch.nn.functional as F

from ganzoo import hookimpl
from ganzoo.plugin import AdversarialLoss, LossSpec, Paper


class RelativisticAverageLoss(AdversarialLoss):
    """D: real more real than the average fake; G: the reverse. G's loss needs real scores."""

    name = "relativistic-average"
    paired = True

    def d_loss_pair(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        real, fake = real.float(), fake.float()
        return F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()

    def g_loss_pair(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        real, fake = real.float(), fake.float()
        return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()


@hookimpl
def ganzoo_register_losses(register):
    register(LossSpec(name="relativistic-average", summary="RaGAN, from a fixture plugin.",
                      builder="ganzoo_fixture_losses:RelativisticAverageLoss",
                      paper=Paper("The relativistic discriminator", 2018, "https://arxiv.org/abs/1807.00734",
                                  "Jolicoeur-Martineau")))
