"""hepnn.tau.Evaluator on the shared tau candidates (read with h5py)
reproduces the reference RNNJetScore, network choice and object counts."""

import h5py
import numpy as np
import pytest

import hepnn
from conftest import shared_dir


@pytest.fixture(scope="module")
def networks(tmp_path_factory):
    out = tmp_path_factory.mktemp("tau")
    files = {}
    for prong in ("1p", "3p"):
        d = shared_dir() / "tau" / f"tau_{prong}"
        spec = hepnn.varspec(d / "model.h5", d / "preproc.h5")
        hepnn.convert(d / "model.h5", variables=spec).save(out / f"tau_{prong}.json")
        files[prong] = out / f"tau_{prong}.json"
    return files


@pytest.fixture(scope="module")
def reference():
    with h5py.File(shared_dir() / "tau" / "tau_reference.h5", "r") as f:
        return {k: f[k][:] for k in ("RNNJetScore", "network", "n_tracks_used", "n_clusters_used")}


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_reproduces_reference(networks, reference, precision):
    ev = hepnn.tau.Evaluator(networks["1p"], networks["3p"], precision=precision)
    with h5py.File(shared_dir() / "tau" / "tau_candidates.h5", "r") as f:
        out = ev.evaluate(f["TauJets"], f["TauTracks"], f["TauClusters"])
    assert len(out) == 500
    ref = reference["RNNJetScore"]
    unscored = ref == -1111
    assert unscored.sum() == 28
    assert (out["RNNJetScore"][unscored] == -1111).all() and (out["network"][unscored] == -1).all()
    s = ~unscored
    assert np.array_equal(out["network"][s], reference["network"][s])
    assert np.array_equal(out["n_tracks_used"][s], reference["n_tracks_used"][s])
    assert np.array_equal(out["n_clusters_used"][s], reference["n_clusters_used"][s])
    assert (out["network"] == 1).sum() == 216 and (out["network"] == 3).sum() == 256
    worst = np.abs(out["RNNJetScore"][s].astype(np.float64) - ref[s]).max()
    assert worst <= (1e-5 if precision == "float32" else 1e-12)


def test_properties_and_errors(networks):
    ev = hepnn.tau.Evaluator(networks["1p"], networks["3p"], OutputVarname="score", MaxTracks=3)
    assert "centFrac" in ev.scalar_fields and "pt" in ev.track_fields
    with h5py.File(shared_dir() / "tau" / "tau_candidates.h5", "r") as f:
        jets = {k: f["TauJets"][k][:] for k in f["TauJets"]}
        out = ev.evaluate(jets, f["TauTracks"], f["TauClusters"])
        assert out.dtype.names == ("score", "network", "n_tracks_used", "n_clusters_used")
        assert out["n_tracks_used"].max() <= 3
        del jets["centFrac"]
        with pytest.raises(hepnn.InputError, match="TauJets has no field 'centFrac'"):
            ev.evaluate(jets, f["TauTracks"], f["TauClusters"])
    with pytest.raises(TypeError, match="unknown property 'MaxTrack'"):
        hepnn.tau.Evaluator(networks["1p"], networks["3p"], MaxTrack=3)
    with pytest.raises(hepnn.ConfigError, match="nope.json"):
        hepnn.tau.Evaluator(networks["1p"], networks["1p"].parent / "nope.json")
