"""r2bench for Python: the J, F and R of R²-VOS (robust referring video object segmentation),
computed by the same C++ code as the `r2bench` command line, to the last bit.

    import r2bench
    j, f = r2bench.frame_metrics(gt, pred)            # one H×W frame, or T×H×W stacks (arrays)
    ev = r2bench.Evaluator(source=..., pairs=...)     # or Evaluator.from_expressions([...])
    ev.process(i, "positive", None, gt=None, pred=masks)
    scores = ev.evaluate()                            # J, F, J&F, R, J&F&R, per_expression, per_video
    scores = r2bench.evaluate(source, predictions, pairs)   # a prediction folder, as `r2bench eval`

Masks are numpy bool or uint8 arrays (any non-zero pixel is foreground); torch tensors go through
.cpu().numpy(). Errors are r2bench.Error and its kinds (FileError / MissingFileError, an OSError /
FileNotFoundError naming the file; InputError, a ValueError listing every problem), with the
command line's messages.
"""
from collections import namedtuple

from . import _errors
from ._core import Evaluator, Side, build_dataset, evaluate, read_per_frame
from ._core import frame_metrics as _frame_metrics
from ._errors import Error, FileError, InputError, MissingFileError

try:
    from ._core import __version__
except ImportError:  # pragma: no cover
    __version__ = "unknown"

FrameMetrics = namedtuple("FrameMetrics", ["J", "F"])
FrameMetrics.__doc__ = "J and F of a frame (floats) or of a stack of frames (float64 arrays)."


def frame_metrics(gt, pred, bound_th=0.008):
    return FrameMetrics(*_frame_metrics(gt, pred, bound_th))


frame_metrics.__doc__ = _frame_metrics.__doc__

__all__ = ["frame_metrics", "FrameMetrics", "Evaluator", "Side", "evaluate", "build_dataset", "read_per_frame",
           "Error", "FileError", "MissingFileError", "InputError", "__version__"]
