# Type stubs of `import r2bench` (PEP 561: the package ships py.typed), for editors and type
# checkers; python/tests/test_stubs.py checks that every public name and parameter here is the
# module's own.
import enum
import os
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

PathLike = Union[str, os.PathLike]
Mask = npt.ArrayLike  # bool or uint8, H×W or T×H×W; any non-zero pixel is foreground

class FrameMetrics(NamedTuple):
    J: Union[float, np.ndarray]
    F: Union[float, np.ndarray]

def frame_metrics(gt: Mask, pred: Mask, bound_th: float = 0.008) -> FrameMetrics: ...

class Side(enum.Enum):
    positive = ...
    negative = ...

class Evaluator:
    def __init__(
        self, source: Optional[PathLike] = None, pairs: Optional[PathLike] = None, split: Optional[str] = None, bound_th: float = 0.008
    ) -> None: ...
    @staticmethod
    def from_expressions(expressions: List[Dict[str, Any]], has_gt: bool = True, bound_th: float = 0.008) -> "Evaluator": ...
    @property
    def expressions(self) -> List[Dict[str, Any]]: ...
    def __len__(self) -> int: ...
    def process(
        self,
        expression: Union[int, Tuple[str, str]],
        side: Union[Side, str],
        frame: Union[int, str, None],
        gt: Optional[Mask],
        pred: Optional[Mask],
    ) -> None: ...
    def evaluate(self) -> Dict[str, Any]: ...
    def reset(self) -> None: ...

def evaluate(
    source: Optional[PathLike],
    predictions: PathLike,
    pairs: Optional[PathLike] = None,
    *,
    split: Optional[str] = None,
    allow_missing: bool = False,
    out: Optional[PathLike] = None,
    force: bool = False,
    max_pixels: int = 67108864,
    progress: bool = False,
) -> Dict[str, Any]: ...
def build_dataset(
    source: PathLike,
    out: PathLike,
    *,
    seed: int = 0,
    split: str = "valid",
    format: Optional[str] = None,
    negative_pool: Optional[PathLike] = None,
    pool_format: str = "ref-davis",
    pool_split: str = "valid",
    referred_category: bool = True,
    lexical: bool = True,
    strict: bool = False,
    synonyms: Optional[PathLike] = None,
    super_categories: Optional[PathLike] = None,
    link_frames: bool = False,
    symlinks: bool = False,
    force: bool = False,
    progress: bool = False,
) -> Dict[str, Any]: ...
def read_per_frame(path: PathLike) -> Dict[str, Any]: ...

class Error(RuntimeError): ...

class FileError(Error, OSError):
    filename: Optional[str]
    def __init__(self, message: str, filename: Optional[str] = None) -> None: ...

class MissingFileError(FileError, FileNotFoundError): ...

class InputError(Error, ValueError):
    problems: List[str]
    def __init__(self, message: str, problems: Sequence[str] = ()) -> None: ...
