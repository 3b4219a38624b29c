# Type stubs of the hepnn package (the extension module hepnn._hepnn).
import os
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import tau as tau

__version__: str

_Path = Union[str, os.PathLike[str]]
_Array = npt.ArrayLike
# (values (steps, n_vars), offsets (n + 1,)) | (padded (n, T, n_vars), lengths (n,)) | padded (n, T, n_vars)
_Sequence = Union[Tuple[_Array, _Array], _Array]
_Table = Any  # numpy structured array, h5py group or dataset, or a mapping {field: array}

class Error(ValueError):
    """Root of hepnn's errors; the message is the C++ one."""

class ConfigError(Error):
    """A network file, model or configuration that cannot be used."""

class InputError(Error):
    """Bad input at evaluation time (missing node or field, wrong shape, NaN without default)."""

class Network:
    """A compiled network, immutable and safe to use from many threads at once."""

    def __init__(self, source: Union[_Path, bytes], precision: str = "float32", isa: Optional[str] = None) -> None: ...
    @property
    def inputs(self) -> dict[str, list[str]]:
        """Vector (and image) input nodes: {node: [variable names in order]}."""
    @property
    def input_sequences(self) -> dict[str, list[str]]:
        """Sequence input nodes: {node: [variable names in order]}."""
    @property
    def sequence_steps(self) -> dict[str, Optional[int]]:
        """{sequence node: fixed step count, or None}."""
    @property
    def outputs(self) -> dict[str, list[str]]:
        """Outputs: {name: [labels]}, in file order."""
    @property
    def isa(self) -> str:
        """The instruction set of the kernels in use."""
    @property
    def precision(self) -> str:
        """"float32" or "float64"."""
    @property
    def source(self) -> str:
        """Where the network came from."""
    def evaluate(
        self,
        inputs: Mapping[str, _Array],
        sequences: Optional[Mapping[str, _Sequence]] = None,
        outputs: Union[None, str, Sequence[str]] = None,
    ) -> dict[str, np.ndarray]:
        """n events at once: {output: array (n, n_labels)}; GIL released."""
    def evaluate_fields(
        self,
        jets: _Table,
        tracks: Optional[_Table] = None,
        *,
        select_tracks: bool = True,
        selection: Optional[str] = None,
        sort: Optional[str] = None,
    ) -> np.ndarray:
        """Dumper jets/tracks (structured arrays) → structured array of scores, as `hepnn eval`."""
    def compute(
        self,
        inputs: Mapping[str, Mapping[str, float]],
        sequences: Optional[Mapping[str, Mapping[str, Sequence[float]]]] = None,
        output: Optional[str] = None,
    ) -> dict[str, float]:
        """One event by name: {label: value}."""
    def compute_all(
        self,
        inputs: Mapping[str, Mapping[str, float]],
        sequences: Optional[Mapping[str, Mapping[str, Sequence[float]]]] = None,
    ) -> dict[str, dict[str, float]]:
        """One event by name: {output: {label: value}}."""
    def to_json(self, lwtnn: bool = False) -> str:
        """The network file's text."""
    def save(self, path: _Path, lwtnn: bool = False) -> None:
        """Writes the network file atomically."""
    def __reduce__(self) -> Any: ...

def convert(
    model: _Path,
    weights: Optional[_Path] = None,
    variables: Union[None, _Path, Mapping[str, Any]] = None,
    lwtnn: bool = False,
    precision: str = "float32",
    isa: Optional[str] = None,
) -> Network:
    """A Keras model (.h5, .keras, or architecture JSON + weights) as a Network."""

def template_variables(model: _Path, weights: Optional[_Path] = None) -> str:
    """The variables file to fill in for a Keras model (JSON text)."""

def vardict(
    scale_dict: _Path, var_dict: _Path, tagger: str, sequence_name: Optional[str] = None, tracks_name: str = ""
) -> str:
    """umami's create_lwtnn_vardict.py: the lwtnn variables file (JSON text)."""

def varspec(model: _Path, preproc: _Path) -> str:
    """rnn-tauid's fill-lwtnn-varspec.py: the variables file (JSON text)."""

def available_isas() -> list[str]:
    """The instruction sets whose kernels this CPU runs, best first."""
