#!/usr/bin/python3
"""The Python module against the C++ engine, on the networks of hepnn-bench.

    PYTHONPATH=build/python taskset -c 1 /usr/bin/python3 bench/bench_python.py \
        [--cpp build/bench/hepnn-bench] [--shared ../shared] [--reps 10]

For the MLP (lwtnn-test-data Dense_dropout_functional, 66 -> 5x100 -> 4) and
the zoo's dips_like with 15 tracks per event (the subjects of
bench_engine.cpp, with the same events): Network.evaluate at batch 4096
against C++ evaluate_batch, evaluate of one event against the C++ fast path,
and the name-keyed compute() against C++ compute_all. CPU time per event
(of the measuring thread, so that a shared machine's other jobs count less),
min / median over the repetitions. Run by hand, not by the tests.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import hepnn

ROOT = pathlib.Path(__file__).resolve().parents[1]


def subjects(shared):
    """name -> (network file, the events as hepnn-bench uses them)."""
    ltd = shared / "lwtnn-test-data" / "Dense_dropout_functional"
    case = json.loads((ltd / "case.json").read_text())
    mlp_events = [{"inputs": case["inputs"], "input_sequences": case.get("input_sequences") or {}}]
    zoo = shared / "zoo" / "dips_like"
    dips_events = []
    for e in json.loads((zoo / "inputs.json").read_text())["events"]:
        seqs = e["input_sequences"]
        # as bench_engine's with_tracks: events with at least 15 tracks, cut to 15; an event
        # with no tracks at all gives no variables to check there and stays (with 0 tracks)
        if all(len(steps) >= 15 or not steps for steps in seqs.values()):
            dips_events.append({"inputs": e["inputs"], "input_sequences": {k: v[:15] for k, v in seqs.items()}})
    return {"mlp_66_5x100_4": (ltd / "lwtnn.json", mlp_events), "dips_like_15_tracks": (zoo / "lwtnn.json", dips_events)}


def one_node(nodes, name, count):
    if name in nodes:
        return nodes[name]
    return next(iter(nodes.values())) if len(nodes) == 1 and count == 1 else {}


def arrays(net, events, n):
    """n events cycling through `events`, as evaluate() arguments (float32, C-contiguous)."""
    cycle = [events[i % len(events)] for i in range(n)]
    inputs = {}
    for node, names in net.inputs.items():
        rows = [one_node(e["inputs"], node, len(net.inputs)) for e in cycle]
        inputs[node] = np.array([[np.nan if r.get(v) is None else r[v] for v in names] for r in rows], dtype=np.float32)
    seqs = {}
    for node, names in net.input_sequences.items():
        per = [one_node(e["input_sequences"], node, len(net.input_sequences)) for e in cycle]
        rows = [[np.nan if s.get(v) is None else s[v] for v in names] for steps in per for s in steps]
        offsets = np.concatenate([[0], np.cumsum([len(steps) for steps in per])]).astype(np.uint64)
        seqs[node] = (np.array(rows, dtype=np.float32).reshape(-1, len(names)), offsets)
    return inputs, seqs


def named(net, event):
    """One event as compute() takes it: {node: {var: value}}, {node: {var: [values]}}."""
    inputs = {node: {v: (np.nan if one_node(event["inputs"], node, 1).get(v) is None else one_node(event["inputs"], node, 1)[v])
                     for v in names} for node, names in net.inputs.items()}
    seqs = {}
    for node, names in net.input_sequences.items():
        steps = one_node(event["input_sequences"], node, 1)
        seqs[node] = {v: [s[v] for s in steps] for v in names}
    return inputs, seqs


def timeit(call, events, reps, min_time=0.05):
    """Per-event CPU seconds of `call` (which handles `events` events), one figure per repetition.

    CPU time of this thread, as hepnn-bench's cpu_time: on a shared machine,
    time spent descheduled does not count.
    """
    clock = time.thread_time
    call()
    k = 1
    while True:  # calibrate the calls per repetition to at least min_time
        t = clock()
        for _ in range(k):
            call()
        if clock() - t >= min_time:
            break
        k *= 2
    out = []
    for _ in range(reps):
        t = clock()
        for _ in range(k):
            call()
        out.append((clock() - t) / (k * events))
    return out


def cpp_figures(binary, names, reps):
    """Per-event seconds of hepnn-bench's batch/4096, single and named benchmarks for `names`."""
    pattern = "^(batch/({0})/4096|single/({0})|named/({0}))".format("|".join(names))
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "bench.json"
        subprocess.run([binary, f"--benchmark_filter={pattern}", f"--benchmark_repetitions={reps}",
                        f"--benchmark_out={out}", "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL)
        data = json.loads(out.read_text())
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    figures = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        key = b.get("run_name", b["name"]).split("/min_time")[0].split("/repeats")[0]
        per_event = b["cpu_time"] * scale[b["time_unit"]] / b.get("events", 1)
        figures.setdefault(key, []).append(per_event)
    return figures


def fmt(values):
    def one(s):
        return f"{s * 1e9:.0f} ns" if s < 1e-6 else f"{s * 1e6:.2f} µs"
    return f"{one(min(values))} / {one(statistics.median(values))}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shared", default=str(ROOT.parent / "shared"))
    p.add_argument("--cpp", default=str(ROOT / "build" / "bench" / "hepnn-bench"), help="hepnn-bench ('' to skip)")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--rounds", type=int, default=1,
                   help="alternate Python and C++ measurements this many times and pool the repetitions "
                        "(evens out a shared machine's load)")
    a = p.parse_args()
    shared = pathlib.Path(a.shared)
    rows = list(subjects(shared))
    python, cpp = {}, {}
    for _ in range(a.rounds):
        for name, (network, events) in subjects(shared).items():
            net = hepnn.Network(network)
            inputs, seqs = arrays(net, events, 4096)
            python.setdefault(f"batch/{name}/4096", []).extend(timeit(lambda: net.evaluate(inputs, seqs), 4096, a.reps))
            one_in, one_seq = arrays(net, events, 1)
            python.setdefault(f"single/{name}", []).extend(timeit(lambda: net.evaluate(one_in, one_seq), 1, a.reps))
            ni, ns = named(net, events[0])
            python.setdefault(f"named/{name}", []).extend(timeit(lambda: net.compute_all(ni, ns), 1, a.reps))
        if a.cpp:
            for key, values in cpp_figures(a.cpp, rows, a.reps).items():
                cpp.setdefault(key, []).extend(values)
    print(f"hepnn {hepnn.__version__} ({hepnn.Network(subjects(shared)[rows[0]][0]).isa}), float32, CPU time per event, "
          f"min / median of {a.reps} x {a.rounds}; CPU affinity {sorted(os.sched_getaffinity(0))}")
    print(f"{'benchmark':34} {'Python':>22} {'C++':>22} {'median ratio':>12}")
    for key in (f"{kind}/{name}" + ("/4096" if kind == "batch" else "") for name in rows for kind in ("batch", "single", "named")):
        py = python[key]
        c = cpp.get(key)
        ratio = f"{statistics.median(py) / statistics.median(c):.2f}x" if c else "-"
        print(f"{key:34} {fmt(py):>22} {(fmt(c) if c else '-'):>22} {ratio:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
