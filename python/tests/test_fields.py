"""evaluate_fields on the shared dumper sample, read with h5py, reproduces the
reference scores (DL1r, DIPS with stored, name-chosen and overridden track
handling) and the score file `hepnn eval` writes, bit for bit."""

import subprocess

import h5py
import numpy as np
import pytest

import hepnn
from conftest import cli, shared_dir


def sample():
    return shared_dir() / "ftag" / "sample_ttbar.h5"


def network(model, precision):
    spec = shared_dir() / "ftag" / "specs" / f"{model}.variables.json"
    return hepnn.convert(shared_dir() / "zoo" / model / "model.h5", variables=spec, precision=precision)


@pytest.fixture(scope="module")
def ntuple():
    with h5py.File(sample(), "r") as f:
        return f["jets"][:], f["tracks"][:]


CASES = [
    # model, reference, network output, track counter, evaluate_fields options
    ("dl1_like_functional", "DL1r", "DL1r", None, {}),
    ("dips_like", "dips", "dense_6", "n_tracks", {"select_tracks": False}),
    ("dips_like", "dips_ip3d", "dense_6", "n_tracks_ip3d", {}),
    ("dips_like", "dips_r22default", "dense_6", "n_tracks_r22default", {"selection": "r22default", "sort": "sd0sort"}),
]


@pytest.mark.parametrize("model,reference,output,counter,options", CASES, ids=[c[1] for c in CASES])
@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_reproduces_reference(ntuple, model, reference, output, counter, options, precision):
    jets, tracks = ntuple
    net = network(model, precision)
    scores = net.evaluate_fields(jets, tracks if counter else None, **options)
    assert len(scores) == len(jets) == 2000
    worst = 0.0
    for label in ("pu", "pc", "pb"):
        got = scores[f"{output}_{label}"]
        assert got.dtype == (np.float32 if precision == "float32" else np.float64)
        d = np.abs(got.astype(np.float64) - jets[f"{reference}_{label}"])
        assert not np.isnan(d).any()
        worst = max(worst, float(d.max()))
        assert (d > 1e-5).sum() == 0
    assert worst <= (1e-5 if precision == "float32" else 1e-12)
    if counter:
        assert np.array_equal(scores["n_tracks_used"], jets[counter])
    else:
        assert "n_tracks_used" not in scores.dtype.names


def test_equals_the_cli_bit_for_bit(ntuple, tmp_path):
    jets, tracks = ntuple
    net = network("dips_like", "float32")
    net.save(tmp_path / "dips.json")
    subprocess.run([cli(), "eval", str(tmp_path / "dips.json"), str(sample()), "-o", str(tmp_path / "cli.h5")],
                   check=True, capture_output=True)
    with h5py.File(tmp_path / "cli.h5", "r") as f:
        expected = f["jets"][:]
    got = net.evaluate_fields(jets, tracks)
    assert got.dtype.names == expected.dtype.names
    for name in got.dtype.names:
        assert np.array_equal(got[name], expected[name]), name


def test_chunks_give_the_same_scores(ntuple):
    jets, tracks = ntuple
    net = network("dips_like", "float32")
    whole = net.evaluate_fields(jets, tracks)
    parts = np.concatenate([net.evaluate_fields(jets[i:i + 300], tracks[i:i + 300]) for i in range(0, 2000, 300)])
    assert whole.tobytes() == parts.tobytes()
    # a mapping of columns works like the structured array
    as_dict = net.evaluate_fields({n: jets[n] for n in jets.dtype.names}, {n: tracks[n] for n in tracks.dtype.names})
    assert whole.tobytes() == as_dict.tobytes()


def test_field_errors(ntuple):
    jets, tracks = ntuple
    net = network("dips_like", "float32")
    with pytest.raises(hepnn.InputError, match="pass tracks="):
        net.evaluate_fields(jets)
    no_valid = tracks[[n for n in tracks.dtype.names if n != "valid"]]
    with pytest.raises(hepnn.InputError, match="no field 'valid'"):
        net.evaluate_fields(jets, no_valid)
    with pytest.raises(hepnn.ConfigError, match="unknown track selection 'r23'"):
        net.evaluate_fields(jets, tracks, selection="r23")
    with pytest.raises(hepnn.InputError, match="tracks: 10 rows for 2000 jets"):
        net.evaluate_fields(jets, tracks[:10])
    dl1 = network("dl1_like_functional", "float32")
    fewer = jets[[n for n in jets.dtype.names if not n.startswith("JetFitter_mass")]]
    with pytest.raises(hepnn.Error, match="JetFitter_mass"):
        dl1.evaluate_fields(fewer)
