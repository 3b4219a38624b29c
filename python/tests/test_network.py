"""Network: loading, the evaluate layouts, compute, pickling, selection of outputs, errors."""

import json
import pickle

import numpy as np
import pytest

import hepnn
from conftest import event_arrays, read_json, shared_dir


def dips():
    d = shared_dir() / "zoo" / "dips_like"
    return d, read_json(d / "inputs.json")["events"]


def dl1():
    d = shared_dir() / "zoo" / "dl1_like_functional"
    return d, read_json(d / "inputs.json")["events"]


def test_properties_describe_the_network():
    d, _ = dips()
    net = hepnn.Network(d / "lwtnn.json")
    assert list(net.input_sequences) == ["tracks_ip3d_sd0sort"]
    assert net.input_sequences["tracks_ip3d_sd0sort"][:2] == ["IP3D_signed_d0_significance", "IP3D_signed_z0_significance"]
    assert net.inputs == {}
    assert net.outputs == {"dense_6": ["pu", "pc", "pb"]}
    assert net.isa == hepnn.available_isas()[0]
    assert net.precision == "float32"
    assert net.sequence_steps == {"tracks_ip3d_sd0sort": None}
    assert "dense_6(3)" in repr(net)


def test_path_text_and_bytes_give_the_same_network():
    d, events = dips()
    text = (d / "lwtnn.json").read_text()
    nets = [hepnn.Network(d / "lwtnn.json"), hepnn.Network(str(d / "lwtnn.json")), hepnn.Network(text),
            hepnn.Network(text.encode())]
    inputs, seqs = event_arrays(nets[0], events, np.float32)
    first = nets[0].evaluate(inputs, seqs)["dense_6"]
    for net in nets[1:]:
        assert np.array_equal(net.evaluate(inputs, seqs)["dense_6"], first)


def test_sequence_layouts_agree_bitwise():
    d, events = dips()
    net = hepnn.Network(d / "lwtnn.json")
    values, offsets = event_arrays(net, events, np.float32, "offsets")[1]["tracks_ip3d_sd0sort"]
    _, padded = event_arrays(net, events, np.float32, "padded")
    a = net.evaluate({}, {"tracks_ip3d_sd0sort": (values, offsets)})["dense_6"]
    b = net.evaluate({}, padded)["dense_6"]
    # float64, Fortran-ordered and list inputs are converted once, to the same float32 values
    c = net.evaluate({}, {"tracks_ip3d_sd0sort": (np.asfortranarray(values.astype(np.float64)), list(offsets))})["dense_6"]
    # uint64 offsets, and offsets not starting at 0 (rows before the first event are not read)
    shifted = np.concatenate([np.full((3, values.shape[1]), 99.0, np.float32), values])
    e = net.evaluate({}, {"tracks_ip3d_sd0sort": (shifted, (offsets + 3).astype(np.uint64))})["dense_6"]
    assert a.shape == (len(events), 3)
    for other in (b, c, e):
        assert np.array_equal(a, other)
    # one event at a time gives the same rows (one numeric path whatever the batch)
    for i in range(len(events)):
        lo, hi = offsets[i], offsets[i + 1]
        one = net.evaluate({}, {"tracks_ip3d_sd0sort": (values[lo:hi], [0, hi - lo])})["dense_6"]
        assert np.array_equal(one[0], a[i])


def test_compute_matches_evaluate():
    d, events = dl1()
    net = hepnn.Network(d / "lwtnn.json", precision="float64")
    inputs, _ = event_arrays(net, events, np.float64)
    batch = net.evaluate(inputs)
    (out_name, labels), = net.outputs.items()
    for i, e in enumerate(events[:5]):
        named = {node: {k: (np.nan if v is None else v) for k, v in vs.items()} for node, vs in e["inputs"].items()}
        one = net.compute(named)
        assert set(one) == set(labels)
        assert [one[l] for l in labels] == list(batch[out_name][i])  # float64: bit for bit
        assert net.compute_all(named)[out_name] == one


def test_several_outputs_and_selection():
    d = shared_dir() / "zoo" / "umami_like"
    net = hepnn.convert(d / "model.h5", variables=d / "variables.json")
    events = read_json(d / "inputs.json")["events"]
    inputs, seqs = event_arrays(net, events, np.float32)
    everything = net.evaluate(inputs, seqs)
    assert list(everything) == list(net.outputs) and len(everything) == 2
    for name, labels in net.outputs.items():
        assert everything[name].shape == (len(events), len(labels))
        one = net.evaluate(inputs, seqs, outputs=name)
        assert list(one) == [name]
        assert np.array_equal(one[name], everything[name])
    node = next(iter(inputs))
    with pytest.raises(hepnn.InputError, match=r"has 24 events, but input '.*' has 3"):
        net.evaluate({**inputs, node: inputs[node][:3]}, seqs)


def test_pickle_round_trip():
    d, events = dips()
    for precision in ("float32", "float64"):
        net = hepnn.convert(d / "model.h5", variables=d / "variables.json", precision=precision)
        again = pickle.loads(pickle.dumps(net))
        assert again.precision == precision
        assert again.to_json() == net.to_json()
        assert again.source == net.source
        inputs, seqs = event_arrays(net, events, np.float32 if precision == "float32" else np.float64)
        assert np.array_equal(again.evaluate(inputs, seqs)["dense_6"], net.evaluate(inputs, seqs)["dense_6"])


def test_save_writes_the_network_file(tmp_path):
    d, _ = dips()
    net = hepnn.convert(d / "model.h5", variables=d / "variables.json")
    net.save(tmp_path / "dips.json")
    assert hepnn.Network(tmp_path / "dips.json").to_json() == net.to_json()
    with pytest.raises(hepnn.ConfigError, match="lwtnn has no 'masking' node"):
        net.to_json(lwtnn=True)
    for_lwtnn = hepnn.convert(d / "model.h5", variables=d / "variables.json", lwtnn=True)
    assert '"hepnn"' in for_lwtnn.to_json() and '"hepnn"' not in for_lwtnn.to_json(lwtnn=True)


def test_errors_carry_the_cpp_messages(tmp_path):
    assert issubclass(hepnn.ConfigError, ValueError) and issubclass(hepnn.InputError, ValueError)
    assert issubclass(hepnn.ConfigError, hepnn.Error) and issubclass(hepnn.InputError, hepnn.Error)
    with pytest.raises(hepnn.ConfigError, match="missing.json: cannot read the file"):
        hepnn.Network(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"inputs": [], "layers": [{"architecture": "dense", "weights": [1, 2], "bias": [0]}], "outputs": ["a"]}')
    with pytest.raises(hepnn.ConfigError, match="bad.json"):
        hepnn.Network(bad)
    d, events = dl1()
    net = hepnn.Network(d / "lwtnn.json")
    (node, names), = net.inputs.items()
    inputs, _ = event_arrays(net, events, np.float32)
    with pytest.raises(hepnn.InputError, match=f"no array given for input node '{node}'"):
        net.evaluate({})
    with pytest.raises(hepnn.InputError, match="no input node 'jets'"):
        net.evaluate({"jets": inputs[node], node: inputs[node]})
    with pytest.raises(hepnn.InputError, match=rf"input '{node}': expected an array of shape \(n, {len(names)}\)"):
        net.evaluate({node: inputs[node][:, :-1]})
    with pytest.raises(hepnn.InputError, match="cannot be read as an array of numbers"):
        net.evaluate({node: [["a"] * len(names)]})
    # a NaN without a default: the engine's message names the node and variable
    raw = hepnn.Network(shared_dir() / "zoo" / "dl1_like_functional" / "lwtnn.json")
    spec = read_json(shared_dir() / "zoo" / "dl1_like_functional" / "variables.json")
    has_default = {v["name"] for n in spec["inputs"] for v in n["variables"] if "default" in v}
    victim = next(i for i, v in enumerate(names) if v not in has_default)
    x = inputs[node].copy()
    x[0, victim] = np.nan
    with pytest.raises(hepnn.InputError, match=names[victim]):
        raw.evaluate({node: x})
    with pytest.raises(hepnn.ConfigError, match="no output named 'nope'"):
        net.evaluate(inputs, outputs="nope")
    with pytest.raises(ValueError, match="precision"):
        hepnn.Network(d / "lwtnn.json", precision="float16")
    seq_net = hepnn.Network(shared_dir() / "zoo" / "dips_like" / "lwtnn.json")
    width = len(seq_net.input_sequences["tracks_ip3d_sd0sort"])
    with pytest.raises(hepnn.InputError, match="offsets: entry 2 is 1"):
        seq_net.evaluate({}, {"tracks_ip3d_sd0sort": (np.zeros((4, width), np.float32), [0, 2, 1])})
    with pytest.raises(hepnn.InputError, match="event 1 has length 9, outside 0..3"):
        seq_net.evaluate({}, {"tracks_ip3d_sd0sort": (np.zeros((2, 3, width), np.float32), [1, 9])})


def test_convert_errors_and_templates(tmp_path):
    d = shared_dir() / "zoo" / "dips_like"
    template = hepnn.template_variables(d / "model.h5")
    assert '"variable_0"' in template
    with pytest.raises(hepnn.ConfigError, match="nope.h5"):
        hepnn.convert(tmp_path / "nope.h5")


def test_vardict_and_varspec_give_variables_files():
    umami = shared_dir() / "umami"
    case = umami / "cases" / "DIPS_uppercase_r22loose_tracks_loose"
    assert (case / "args.txt").read_text().split() == ["-s", "synthetic/scale_dict_R22.json", "-v", "configs/Dips_Variables_R22.yaml",
                                                       "-t", "DIPS", "-n", "tracks_r22loose_sd0sort", "--tracks_name", "tracks_loose"]
    text = hepnn.vardict(umami / "synthetic/scale_dict_R22.json", umami / "configs/Dips_Variables_R22.yaml", "DIPS",
                         sequence_name="tracks_r22loose_sd0sort", tracks_name="tracks_loose")
    got, want = json.loads(text), read_json(case / "expected_lwtnn_vars.json")
    assert [n["name"] for n in got["input_sequences"]] == [n["name"] for n in want["input_sequences"]]
    for g, w in zip(got["input_sequences"][0]["variables"], want["input_sequences"][0]["variables"]):
        assert g["name"] == w["name"]
        assert g["offset"] == pytest.approx(w["offset"], rel=1e-12) and g["scale"] == pytest.approx(w["scale"], rel=1e-12)
    assert got["outputs"] == want["outputs"]
    with pytest.raises(hepnn.ConfigError, match="scale_dict.json: the scale dict has no section 'tracks_loose'"):
        hepnn.vardict(umami / "fixtures/scale_dict.json", umami / "configs/Dips_Variables_R22.yaml", "dips",
                      sequence_name="tracks_r22loose_sd0sort", tracks_name="tracks_loose")
    tau = shared_dir() / "tau" / "tau_1p"
    text = hepnn.varspec(tau / "model.h5", tau / "preproc.h5")
    assert '"rnnid_output"' in text and '"sig_prob"' in text
    net = hepnn.convert(tau / "model.h5", variables=text)
    assert net.outputs == {"rnnid_output": ["sig_prob"]}
