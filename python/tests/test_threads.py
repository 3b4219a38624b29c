"""One Network used from many Python threads gives bitwise the serial results."""

import threading

import h5py
import numpy as np

import hepnn
from conftest import shared_dir


def run_threads(count, work):
    results = [None] * count
    errors = []

    def body(i):
        try:
            results[i] = work(i)
        except Exception as e:  # reported below: a thread's exception must fail the test
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_evaluate_from_threads_is_bitwise_serial():
    net = hepnn.Network(shared_dir() / "zoo" / "dips_like" / "lwtnn.json")
    width = len(net.input_sequences["tracks_ip3d_sd0sort"])
    rng = np.random.default_rng(11)
    lengths = rng.integers(0, 25, size=4000)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.normal(size=(offsets[-1], width)).astype(np.float32)
    serial = net.evaluate({}, {"tracks_ip3d_sd0sort": (values, offsets)})["dense_6"]
    chunks = np.array_split(np.arange(4000), 8)

    def work(i):
        out = []
        for _ in range(3):  # several rounds, so that threads really overlap
            for k in range(i, len(chunks), 4):
                lo, hi = chunks[k][0], chunks[k][-1] + 1
                rows = net.evaluate({}, {"tracks_ip3d_sd0sort": (values[offsets[lo]:offsets[hi]], offsets[lo:hi + 1] - offsets[lo])})
                out.append((lo, rows["dense_6"]))
        return out

    for result in run_threads(4, work):
        for lo, rows in result:
            assert np.array_equal(rows, serial[lo:lo + len(rows)])


def test_evaluate_fields_from_threads_is_bitwise_serial():
    spec = shared_dir() / "ftag" / "specs" / "dips_like.variables.json"
    net = hepnn.convert(shared_dir() / "zoo" / "dips_like" / "model.h5", variables=spec)
    with h5py.File(shared_dir() / "ftag" / "sample_ttbar.h5", "r") as f:
        jets, tracks = f["jets"][:], f["tracks"][:]
    serial = net.evaluate_fields(jets, tracks)
    parts = run_threads(4, lambda i: [net.evaluate_fields(jets[i::4], tracks[i::4]) for _ in range(2)])
    for i, results in enumerate(parts):
        for r in results:
            assert r.tobytes() == serial[i::4].tobytes()
