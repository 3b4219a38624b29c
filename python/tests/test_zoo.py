"""Every model of the reference zoos through Network.evaluate reproduces outputs.json.

Each model is converted from its Keras file with its variables file; the
events of inputs.json are fed as numpy arrays (sequences as values + offsets
in float32 and padded + lengths in float64, images as (n, H, W, C)).
"""

import numpy as np
import pytest

import hepnn
from conftest import event_arrays, lwtnn_rule, read_json, shared_dir


def models(zoo):
    return sorted(p.name for p in (shared_dir() / zoo).iterdir() if (p / "model.h5").exists())


CASES = [("zoo", m) for m in models("zoo")] + [("zoo2", m) for m in models("zoo2")]


def test_every_model_is_covered():
    assert len(models("zoo")) == 35
    assert len(models("zoo2")) == 12


def max_difference(net, expected, outputs):
    worst = 0.0
    for i, e in enumerate(expected):
        for name, labels in e["outputs"].items():
            got = outputs[name] if name in outputs else (next(iter(outputs.values())) if len(outputs) == 1 else None)
            assert got is not None, f"no output {name}"
            for k, label in enumerate(net.outputs[name if name in outputs else next(iter(outputs))]):
                worst = max(worst, float(lwtnn_rule(labels[label], got[i, k])))
    return worst


@pytest.mark.parametrize("zoo,model", CASES, ids=[f"{z}-{m}" for z, m in CASES])
def test_reproduces_reference(zoo, model):
    d = shared_dir() / zoo / model
    net32 = hepnn.convert(d / "model.h5", variables=d / "variables.json")
    net64 = hepnn.Network(net32.to_json(), precision="float64")
    events = read_json(d / "inputs.json")["events"]
    expected = read_json(d / "outputs.json")["events"]
    assert len(events) == len(expected) > 0

    inputs, sequences = event_arrays(net32, events, np.float32, "offsets")
    out32 = net32.evaluate(inputs, sequences)
    inputs, sequences = event_arrays(net64, events, np.float64, "padded")
    out64 = net64.evaluate(inputs, sequences)
    for out, dtype in ((out32, np.float32), (out64, np.float64)):
        for name, labels in net32.outputs.items():
            assert out[name].shape == (len(events), len(labels))
            assert out[name].dtype == dtype
    assert max_difference(net64, expected, out64) <= 1e-10
    assert max_difference(net32, expected, out32) <= 1e-5
