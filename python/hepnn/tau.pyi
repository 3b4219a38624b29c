# Type stubs of hepnn.tau.
import os
from typing import Any, Optional, Union

import numpy as np

_Path = Union[str, os.PathLike[str]]

class Evaluator:
    """tauRecTools' TauJetRNNEvaluator with rnn-tauid networks."""

    def __init__(
        self,
        net_1p: _Path,
        net_3p: _Path,
        net_0p: Optional[_Path] = None,
        net_2p: Optional[_Path] = None,
        precision: str = "float32",
        **properties: Any,
    ) -> None: ...
    def evaluate(self, jets: Any, tracks: Any = None, clusters: Any = None) -> np.ndarray:
        """Candidates as columns (h5py groups, structured arrays, dicts) → structured scores."""
    @property
    def scalar_fields(self) -> list[str]: ...
    @property
    def track_fields(self) -> list[str]: ...
    @property
    def cluster_fields(self) -> list[str]: ...
    @property
    def precision(self) -> str: ...
