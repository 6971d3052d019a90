"""What the tests share: where the repository and MNIST are, and small builders used by several test modules.

Test modules import from here, never from one another.
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED_MNIST = REPOSITORY.parent / "shared" / "data" / "mnist.npz"


def mnist_path() -> Path | None:
    """The MNIST file the tests may use: $MNIST_NPZ, else the shared copy beside the repository, else None."""
    configured = os.environ.get("MNIST_NPZ")
    if configured and Path(configured).is_file():
        return Path(configured)
    return SHARED_MNIST if SHARED_MNIST.is_file() else None
