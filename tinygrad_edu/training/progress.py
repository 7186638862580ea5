"""The progress bar of ``fit`` (tqdm when it is installed, text lines otherwise)."""
from __future__ import annotations

import sys

try:  # the progress bar is an optional extra
    from tqdm.auto import tqdm as _tqdm
except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
    _tqdm = None

__all__ = ["ProgressBar", "format_logs"]


def format_logs(logs):
    """``{"loss": 0.25}`` as ``"loss: 0.2500"``: the numbers of one epoch on one line."""
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class ProgressBar:
    """Per-epoch progress for ``fit``.

    ``verbose=1``: a tqdm bar per epoch with the running loss and metrics (or,
    without tqdm installed, one text line per epoch); ``verbose=2``: one line
    per epoch; ``verbose=0``: silent.
    """

    #: update the bar's numbers every this many batches (formatting costs time)
    POSTFIX_EVERY = 4

    def __init__(self, epochs, steps, verbose=1, file=None):
        self.epochs, self.steps, self.verbose = epochs, steps, verbose
        self.file = file
        self.use_tqdm = verbose == 1 and _tqdm is not None
        self.bar = None

    def epoch_begin(self, epoch):
        if self.use_tqdm:
            self.bar = _tqdm(total=self.steps, desc=f"Epoch {epoch + 1}/{self.epochs}",
                             unit="batch", leave=True, file=self.file, dynamic_ncols=True)
        self.epoch = epoch

    def batch_end(self, batch, running_logs):
        bar = self.bar
        if bar is not None:
            if batch % self.POSTFIX_EVERY == 0 or batch == self.steps - 1:
                bar.set_postfix({k: f"{v:.4f}" for k, v in running_logs().items()}, refresh=False)
            bar.update(1)

    def epoch_end(self, logs):
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
            self.bar.close()
            self.bar = None
        elif self.verbose:
            print(f"Epoch {self.epoch + 1}/{self.epochs} - {self.steps}/{self.steps} - "
                  f"{format_logs(logs)}", file=self.file or sys.stdout, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
