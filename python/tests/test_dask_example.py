"""examples/dask: two ntuples scored on a LocalCluster with 2 workers give
score files equal, bit for bit, to `hepnn eval`'s.

The workers are threads of this process (processes=False): starting worker
processes costs 5-10 s on a loaded 2-core machine, and shipping a Network to
another process is its pickling, which test_network.py covers."""

import importlib.util
import subprocess

import h5py
import numpy as np
import pytest

import hepnn
from conftest import REPO, cli, shared_dir


def load_example():
    spec = importlib.util.spec_from_file_location("score_ntuples", REPO / "examples" / "dask" / "score_ntuples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Two ntuples cut from the shared sample (jets 0..1099 and 1100..1999), and the DIPS network file."""
    d = tmp_path_factory.mktemp("dask")
    with h5py.File(shared_dir() / "ftag" / "sample_ttbar.h5", "r") as f:
        jets, tracks = f["jets"][:], f["tracks"][:]
    files = []
    for name, part in (("first", slice(0, 1100)), ("second", slice(1100, 2000))):
        with h5py.File(d / f"{name}.h5", "w") as out:
            out.create_dataset("jets", data=jets[part], compression="gzip")
            out.create_dataset("tracks", data=tracks[part], compression="gzip")
        files.append(d / f"{name}.h5")
    spec = shared_dir() / "ftag" / "specs" / "dips_like.variables.json"
    hepnn.convert(shared_dir() / "zoo" / "dips_like" / "model.h5", variables=spec).save(d / "dips.json")
    return d, d / "dips.json", files


def test_two_workers_give_the_cli_scores(inputs):
    from dask.distributed import Client, LocalCluster

    d, network, ntuples = inputs
    example = load_example()
    net = hepnn.Network(network)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        workers = set(client.scheduler_info()["workers"])
        results = example.score_all(client, net, ntuples, d / "out")
    assert [r[1] for r in results] == [1100, 900]
    assert len(workers) == 2
    assert {r[3] for r in results} == workers  # one file on each worker
    for ntuple in ntuples:
        cli_out = d / f"{ntuple.stem}.cli.h5"
        subprocess.run([cli(), "eval", str(network), str(ntuple), "-o", str(cli_out)], check=True, capture_output=True)
        with h5py.File(cli_out, "r") as f:
            expected = f["jets"][:]
        with h5py.File(d / "out" / f"{ntuple.stem}.scores.h5", "r") as f:
            got = f["jets"][:]
            assert list(f.attrs["scores"]) == [n for n in expected.dtype.names if n != "n_tracks_used"]
        assert got.dtype.names == expected.dtype.names
        for name in got.dtype.names:
            assert got[name].dtype == expected[name].dtype, name
            assert np.array_equal(got[name], expected[name]), name
        assert len(got) > 0 and got["n_tracks_used"].sum() > 0


def test_worker_task_runs_without_a_cluster(inputs, tmp_path):
    d, network, ntuples = inputs
    example = load_example()
    ntuple, jets, _, where = example.score_file(hepnn.Network(network), ntuples[1], tmp_path / "x.scores.h5")
    assert jets == 900 and where == "local"
    with h5py.File(tmp_path / "x.scores.h5", "r") as f, h5py.File(d / "out" / "second.scores.h5", "r") as g:
        assert f["jets"][:].tobytes() == g["jets"][:].tobytes()
    assert [p.name for p in tmp_path.iterdir()] == ["x.scores.h5"]  # no temporary file left
