"""Test settings shared by the core's tests and every plugin's tests."""

import os

# timm/huggingface would otherwise retry a download for ~46 s before failing.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
