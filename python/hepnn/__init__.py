"""hepnn: exact and fast evaluation of Keras-trained HEP networks (lwtnn-compatible).

numpy in, scores out::

    import hepnn
    net = hepnn.Network("dips.json")                  # or JSON text; precision="float64"
    scores = net.evaluate({"jet": jets}, {"tracks": (values, offsets)})
    table = net.evaluate_fields(h5["jets"][:], h5["tracks"][:])  # as `hepnn eval`

A Network pickles as its network text, so Dask (or multiprocessing) can ship
it to workers. Errors are hepnn.ConfigError / hepnn.InputError (ValueErrors)
carrying the C++ message.
"""

from ._hepnn import (
    ConfigError,
    Error,
    InputError,
    Network,
    __version__,
    available_isas,
    convert,
    template_variables,
    vardict,
    varspec,
)
from . import tau

__all__ = [
    "ConfigError",
    "Error",
    "InputError",
    "Network",
    "__version__",
    "available_isas",
    "convert",
    "tau",
    "template_variables",
    "vardict",
    "varspec",
]
