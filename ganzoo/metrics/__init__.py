"""Scores for generated samples. Torch is imported by the modules, not here."""
