#!/usr/bin/python3
"""Score many dumper ntuples on a Dask cluster: one task per file, one score file per input.

    score_ntuples.py NETWORK.json NTUPLE.h5 [NTUPLE.h5 ...] -o OUT_DIR [--workers 2]
    score_ntuples.py ... --scheduler tcp://HOST:8786     # an existing cluster (see README.md)

Each task opens its ntuple with h5py, scores the jets a chunk at a time with
hepnn's Network.evaluate_fields (the C++ tagger: the same inputs, track
selection and order as `hepnn eval`) and writes OUT_DIR/<name>.scores.h5 with
the layout `hepnn eval` writes (dataset `jets`: <output>_<label> scores and
n_tracks_used), through a temporary file renamed on success. The network is
shipped to the workers once, pickled as its network text.
"""

import argparse
import os
import pathlib
import sys
import time

import h5py
import numpy as np

import hepnn


def track_dataset(f, jets="jets"):
    """The only 2-D compound dataset with a `valid` field, as `hepnn eval` chooses it."""
    found = [k for k, v in f.items() if k != jets and isinstance(v, h5py.Dataset) and v.ndim == 2
             and v.dtype.names and "valid" in v.dtype.names]
    if len(found) != 1:
        raise ValueError(f"{f.filename}: {len(found)} track datasets ({', '.join(found) or 'none'}); expected one")
    return found[0]


def score_file(net, ntuple, output, chunk=65536):
    """Runs on a worker. Returns (ntuple, jets scored, seconds, worker address)."""
    start = time.perf_counter()
    output = pathlib.Path(output)
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        with h5py.File(ntuple, "r") as f, h5py.File(tmp, "w") as out:
            jets = f["jets"]
            tracks = f[track_dataset(f)] if net.input_sequences else None
            n = len(jets)
            # the result's dtype, from an empty slice
            empty = net.evaluate_fields(jets[:0], tracks[:0] if tracks is not None else None)
            scores = out.create_dataset("jets", shape=(n,), dtype=empty.dtype, chunks=(min(max(n, 1), chunk),),
                                        compression="gzip")
            for first in range(0, n, chunk):
                last = min(n, first + chunk)
                scores[first:last] = net.evaluate_fields(jets[first:last],
                                                         tracks[first:last] if tracks is not None else None)
            out.attrs["network"] = net.source
            out.attrs["input"] = str(ntuple)
            out.attrs["precision"] = net.precision
            out.attrs["scores"] = np.array([s for s in empty.dtype.names if s != "n_tracks_used"], dtype=h5py.string_dtype())
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    return str(ntuple), n, time.perf_counter() - start, worker_address()


def worker_address():
    try:
        from dask.distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def output_for(ntuple, out_dir):
    return pathlib.Path(out_dir) / (pathlib.Path(ntuple).stem + ".scores.h5")


def score_all(client, net, ntuples, out_dir, progress=None):
    """Submits one task per ntuple to `client`; returns the task results in input order."""
    from dask.distributed import as_completed

    pathlib.Path(out_dir).mkdir(parents=True, exist_ok=True)
    outputs = [output_for(n, out_dir) for n in ntuples]
    if len(set(outputs)) != len(outputs):
        raise ValueError("two inputs have the same file name: their score files would collide")
    shared = client.scatter(net, broadcast=True)  # pickled once per worker
    futures = [client.submit(score_file, shared, str(n), str(o), pure=False) for n, o in zip(ntuples, outputs)]
    done = 0
    for _ in as_completed(futures):
        done += 1
        if progress:
            progress(done, len(futures))
    return [f.result() for f in futures]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("network", help="network file (hepnn or lwtnn JSON)")
    p.add_argument("ntuples", nargs="+", help="dumper ntuples (HDF5)")
    p.add_argument("-o", "--out-dir", required=True, help="directory for the score files")
    p.add_argument("--workers", type=int, default=2, help="local workers (one thread each); ignored with --scheduler")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")
    p.add_argument("--precision", choices=["float32", "float64"], default="float32")
    a = p.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    net = hepnn.Network(a.network, precision=a.precision)
    start = time.perf_counter()
    tty = sys.stderr.isatty()

    def progress(done, total):
        if tty:
            print(f"\rscore_ntuples: {done}/{total} files", end="", file=sys.stderr, flush=True)

    if a.scheduler:
        with Client(a.scheduler) as client:
            results = score_all(client, net, a.ntuples, a.out_dir, progress)
    else:
        with LocalCluster(n_workers=a.workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            results = score_all(client, net, a.ntuples, a.out_dir, progress)
    if tty:
        print(file=sys.stderr)
    seconds = time.perf_counter() - start
    jets = sum(r[1] for r in results)
    workers = len({r[3] for r in results})
    print(f"score_ntuples: {len(results)} files, {jets} jets on {workers} worker(s) in {seconds:.2f} s "
          f"({len(results) / seconds:.1f} files/s, {jets / seconds:.0f} jets/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (hepnn.Error, OSError, ValueError) as e:
        print(f"score_ntuples: {e}", file=sys.stderr)
        sys.exit(2)
