"""Tiny model families for testing the Trainer, written against the public contract
exactly as a plugin author would. Test-only instrumentation is switched on by
environment variables (slow steps to allow a SIGKILL; parameter dumps per rank; a log of
the files each process writes)."""

from __future__ import annotations

import os
import sys
import time

import torch
from torch import nn

from ganzoo import hookimpl
from ganzoo.registry import ModelSpec

#: audit events that create, change or remove a file or folder; their first argument is the path
_WRITE_EVENTS = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.link", "os.symlink", "os.truncate",
                 "os.chmod", "shutil.copyfile", "shutil.rmtree"}


def _log_writes(folder):
    """GANZOO_TEST_WRITE_LOG: every path this process opens for writing, creates, renames or
    removes, one ``EVENT PATH`` line each, in ``writes-<RANK or launcher>-<pid>.log``. A Python
    audit hook sees what ganzoo and PIL write; the log is written with ``os.write``, which
    raises no audit event of its own. ``torch.save`` to a path opens the file in C++, out of
    the hook's sight, so it is wrapped to log its path too."""
    who = os.environ.get("RANK", "launcher")
    fd = os.open(os.path.join(folder, f"writes-{who}-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if not (isinstance(mode, str) and set(mode) & set("wax+")) and not (mode is None and flags & writing):
                return
            paths = [path]
        elif event in _WRITE_EVENTS:
            paths = list(args[:2]) if event in ("os.rename", "os.link", "shutil.copyfile") else [args[0]]
        else:
            return
        for path in paths:
            if isinstance(path, (str, bytes, os.PathLike)):
                os.write(fd, f"{event} {os.path.abspath(os.fsdecode(path))}\n".encode())

    sys.addaudithook(hook)
    save = torch.save

    def logged_save(obj, f, *args, **kwargs):
        hook("open", (f, "wb", 0))
        return save(obj, f, *args, **kwargs)

    torch.save = logged_save


if os.environ.get("GANZOO_TEST_WRITE_LOG"):
    _log_writes(os.environ["GANZOO_TEST_WRITE_LOG"])


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="tinygan", summary="A tiny MLP GAN for trainer tests.", task="points-2d",
        builder="ganzoo_fixture_models:build_tinygan", data_kinds=("points-2d", "images"),
        defaults={"latent_dim": 4, "hidden": 32, "d_steps": 1, "lr": 1e-3, "batch_size": 32, "nan_at_step": -1, "fail_at_step": -1,
                  "dropout": 0.1},
    ))
    register(ModelSpec(
        name="tinytranslate", summary="A tiny unpaired translator for trainer tests.", task="image-to-image",
        builder="ganzoo_fixture_models:build_tinytranslate", data_kinds=("unpaired-images",),
        defaults={"batch_size": 4, "lr": 2e-3, "loss": "least-squares", "pool_size": 3, "image_size": 16},
    ))


@hookimpl
def ganzoo_train_step_end(run, step, metrics):
    delay = float(os.environ.get("GANZOO_TEST_STEP_DELAY", "0"))
    if delay:
        time.sleep(delay)


@hookimpl
def ganzoo_train_end(run, summary):
    folder = os.environ.get("GANZOO_TEST_DUMP_DIR")
    if folder:
        params = {f"{name}.{k}": v.detach().cpu().clone()
                  for name, net in run.model.nets().items() for k, v in getattr(net, "module", net).state_dict().items()}
        torch.save(params, os.path.join(folder, f"rank{run.world.rank}.pt"))


# -- tinygan ------------------------------------------------------------------------
from ganzoo.losses import build_loss  # noqa: E402
from ganzoo.nn import Discriminator, GanModel, Generator  # noqa: E402


class MLPGenerator(Generator):
    def __init__(self, latent_dim, out_shape, hidden):
        super().__init__(latent_dim, out_shape=list(out_shape), hidden=hidden)
        self.out_shape = tuple(out_shape)
        out = int(torch.tensor(out_shape).prod())
        self.net = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, out))
        self.image = len(self.out_shape) == 3

    def forward(self, z, labels=None):
        x = self.net(z).view(-1, *self.out_shape)
        return torch.tanh(x) if self.image else x


class MLPDiscriminator(Discriminator):
    def __init__(self, in_shape, hidden, dropout):
        super().__init__(in_shape=list(in_shape), hidden=hidden, dropout=dropout)
        inp = int(torch.tensor(in_shape).prod())
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(inp, hidden), nn.LeakyReLU(0.2), nn.Dropout(dropout),
                                 nn.Linear(hidden, 1))

    def forward(self, x, labels=None):
        return self.net(x)


class TinyGAN(GanModel):
    def __init__(self, config, data):
        super().__init__(config, data)
        shape = (2,) if data.kind == "points-2d" else (data.channels, data.image_size, data.image_size)
        self.G = MLPGenerator(config["latent_dim"], shape, config["hidden"])
        self.D = MLPDiscriminator(shape, config["hidden"], config["dropout"])
        self.loss = build_loss(config["loss"])

    def build_optimizers(self):
        lr = self.config["lr"]
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr, betas=(0.5, 0.999))
        return {"G": self.opt_g, "D": self.opt_d}

    def train_step(self, batch, ctx):
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        opt_g, opt_d = self.opt_g, self.opt_d
        for k in range(self.config["d_steps"]):
            if k:
                real = ctx.next_batch()
                real = real[0] if isinstance(real, (tuple, list)) else real
            with torch.no_grad():
                fake = self.G(torch.randn(len(real), self.G.latent_dim, device=real.device))
            opt_d.zero_grad(set_to_none=True)
            with ctx.autocast():
                loss_d = self.loss.d_loss(self.D(real), self.D(fake))
            ctx.backward(loss_d)
            ctx.step_optimizer(opt_d)
        opt_g.zero_grad(set_to_none=True)
        with ctx.autocast():
            loss_g = self.loss.g_loss(self.D(self.G(torch.randn(len(real), self.G.latent_dim, device=real.device))))
        if ctx.step == self.config["nan_at_step"]:
            loss_g = loss_g * float("nan")
        if ctx.step == self.config.get("fail_at_step", -1):
            raise RuntimeError("a bug in the plugin's training step")
        ctx.backward(loss_g)
        ctx.step_optimizer(opt_g)
        return {"loss_D": loss_d.detach(), "loss_G": loss_g.detach()}



def build_tinygan(config, data):
    return TinyGAN(config, data)


# -- tinytranslate --------------------------------------------------------------------
class TinyTranslator(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.hparams = {"channels": channels}
        self.net = nn.Sequential(nn.Conv2d(channels, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, channels, 3, padding=1))

    def forward(self, x):
        return torch.tanh(self.net(x))


class TinyTranslate(GanModel):
    net_names = ("G_A", "G_B", "D_A", "D_B")
    sampler_names = ("G_A", "G_B")
    convolutional = True
    directions = {"a2b": "G_A", "b2a": "G_B"}

    def __init__(self, config, data):
        super().__init__(config, data)
        c = data.channels
        self.G_A, self.G_B = TinyTranslator(c), TinyTranslator(c)
        self.D_A = nn.Sequential(nn.Conv2d(c, 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(4, 1, 3, padding=1))
        self.D_B = nn.Sequential(nn.Conv2d(c, 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(4, 1, 3, padding=1))
        self.loss = build_loss(config["loss"])
        self.pool: list[torch.Tensor] = []

    def build_optimizers(self):
        lr = self.config["lr"]
        self.opt_g = torch.optim.Adam(list(self.G_A.parameters()) + list(self.G_B.parameters()), lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(list(self.D_A.parameters()) + list(self.D_B.parameters()), lr, betas=(0.5, 0.999))
        return {"G": self.opt_g, "D": self.opt_d}

    def _from_pool(self, fake):
        """A tiny history of fakes, like CycleGAN's image pool, to prove extra state resumes."""
        self.pool.append(fake.detach().cpu())
        self.pool = self.pool[-self.config["pool_size"]:]
        pick = int(torch.randint(len(self.pool), ()))
        return self.pool[pick].to(fake.device)

    def train_step(self, batch, ctx):
        a, b = batch
        self.opt_g.zero_grad(set_to_none=True)
        with ctx.autocast():
            fake_b, fake_a = self.G_A(a), self.G_B(b)
            loss_g = (self.loss.g_loss(self.D_B(fake_b)) + self.loss.g_loss(self.D_A(fake_a))
                      + 10 * ((self.G_B(fake_b) - a).abs().mean() + (self.G_A(fake_a) - b).abs().mean()))
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        self.opt_d.zero_grad(set_to_none=True)
        with ctx.autocast():
            loss_d = (self.loss.d_loss(self.D_B(b), self.D_B(self._from_pool(fake_b)))
                      + self.loss.d_loss(self.D_A(a), self.D_A(fake_a.detach())))
        ctx.backward(loss_d)
        ctx.step_optimizer(self.opt_d)
        return {"G": loss_g.detach(), "D": loss_d.detach()}

    def extra_state(self):
        return {"pool": list(self.pool)}

    def load_extra_state(self, state):
        self.pool = list(state.get("pool", []))

    def sample_inputs(self, n, generator, labels=None, truncation=None, examples=None):
        return {}

    def preview(self, inputs, nets):
        x = torch.zeros(2, self.data.channels, self.data.image_size, self.data.image_size)
        return torch.cat([x, nets["G_A"](x), nets["G_B"](x)]), 2


def build_tinytranslate(config, data):
    return TinyTranslate(config, data)
