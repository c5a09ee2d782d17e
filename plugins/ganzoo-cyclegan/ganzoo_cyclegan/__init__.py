"""CycleGAN (Zhu et al. 2017) as a ganzoo plugin: unpaired image-to-image translation."""
