"""Shared helpers of the Python tests: the reference data and zoo events as arrays."""

import json
import os
import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def shared_dir() -> pathlib.Path:
    """The reference data (HEPNN_SHARED_DIR, set by ctest; else ../shared next to the repository)."""
    d = pathlib.Path(os.environ.get("HEPNN_SHARED_DIR", REPO.parent / "shared"))
    if not d.is_dir():
        raise RuntimeError(f"the reference data {d} is missing")
    return d


@pytest.fixture(scope="session")
def shared() -> pathlib.Path:
    return shared_dir()


def cli() -> str:
    """The hepnn command of this build (HEPNN_CLI, set by ctest)."""
    path = os.environ.get("HEPNN_CLI", str(REPO / "build" / "tools" / "hepnn"))
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"the hepnn command {path} is missing (set HEPNN_CLI)")
    return path


def lwtnn_rule(expected, actual):
    """lwtnn's comparison rule: absolute up to magnitude 1, relative above."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    d = np.abs(expected - actual)
    mean = np.abs((expected + actual) / 2)
    return np.where(mean <= 1, d, d / np.where(mean == 0, 1, mean))


def _node_events(events, name, n_nodes, key):
    """Each event's entry for node `name` (a single node matches whatever the file calls it)."""
    out = []
    for e in events:
        nodes = e.get(key, {})
        if name in nodes:
            out.append(nodes[name])
        elif len(nodes) == 1 and n_nodes == 1:
            out.append(next(iter(nodes.values())))
        else:
            out.append(None)
    return out


def event_arrays(net, events, dtype, layout="offsets"):
    """The zoo's JSON events as evaluate() arguments: NaN for null / missing values.

    layout: "offsets" gives sequences as (values, offsets); "padded" as
    (padded, lengths), or the bare padded array for fixed-shape inputs.
    """
    inputs = {}
    for node, names in net.inputs.items():
        rows = _node_events(events, node, len(net.inputs), "inputs")
        a = np.array([[np.nan if r is None or r.get(v) is None else r[v] for v in names] for r in rows], dtype=dtype)
        inputs[node] = image_shaped(names, a) if layout == "padded" else a
    sequences = {}
    for node, names in net.input_sequences.items():
        per_event = _node_events(events, node, len(net.input_sequences), "input_sequences")
        steps = [
            [[np.nan if s.get(v) is None else s[v] for v in names] for s in (seq or [])] for seq in per_event
        ]
        lengths = np.array([len(s) for s in steps], dtype=np.int64)
        if layout == "offsets":
            offsets = np.concatenate([[0], np.cumsum(lengths)])
            values = np.array([row for s in steps for row in s], dtype=dtype).reshape(-1, len(names))
            sequences[node] = (values, offsets)
        else:
            width = max(1, int(lengths.max(initial=0)))
            padded = np.full((len(steps), width, len(names)), -7.0, dtype=dtype)  # padding must be ignored
            for i, s in enumerate(steps):
                if s:
                    padded[i, : len(s)] = s
            fixed = net.sequence_steps[node]
            sequences[node] = padded if fixed is not None and (lengths == fixed).all() else (padded, lengths)
    return inputs, sequences


def image_shaped(names, a):
    """An image node (variables pix_r<R>_c<C>_ch<K>) as (n, H, W, C); other nodes unchanged."""
    if not all(v.startswith("pix_r") for v in names):
        return a
    idx = [tuple(int(p.lstrip("rch")) for p in v[4:].split("_")) for v in names]
    h, w, c = (max(i[k] for i in idx) + 1 for k in range(3))
    return a.reshape(len(a), h, w, c)


def read_json(path):
    with open(path) as f:
        return json.load(f)
