"""Every network file 'hepnn convert' writes validates against
docs/network-format.schema.json, and so do lwtnn's own files in the shared
lwtnn test data (graph and sequential); files broken in one place are
rejected by the schema and by hepnn.

Run by ctest with Debian's python3 (python3-jsonschema):
  validate_network_files.py HEPNN SCHEMA SHARED_DIR
"""
import concurrent.futures
import copy
import glob
import json
import os
import subprocess
import sys

import jsonschema

hepnn, schema_path, shared = sys.argv[1:4]
with open(schema_path) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []


def problems(doc):
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def convert(model_dir, lwtnn):
    """The network convert writes to standard output for one model, or None when --lwtnn refuses it."""
    args = [hepnn, "convert", os.path.join(model_dir, "model.h5"), "--variables", os.path.join(model_dir, "variables.json")]
    if lwtnn:
        args.append("--lwtnn")
    r = subprocess.run(args, capture_output=True, text=True)
    if lwtnn and r.returncode == 2 and "without --lwtnn hepnn writes a network file" in r.stderr:
        return model_dir, lwtnn, None, None
    if r.returncode != 0:
        return model_dir, lwtnn, None, f"convert failed ({r.returncode}): {r.stderr.strip()}"
    return model_dir, lwtnn, json.loads(r.stdout), None


models = sorted(d for zoo in ("zoo", "zoo2") for d in glob.glob(os.path.join(shared, zoo, "*"))
                if os.path.isfile(os.path.join(d, "model.h5")) and os.path.isfile(os.path.join(d, "variables.json")))
if len(models) < 40:
    failures.append(f"only {len(models)} models with model.h5 and variables.json under {shared}/zoo and zoo2")
counts = {False: 0, True: 0}
dips = None
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for model_dir, lwtnn, doc, error in pool.map(lambda a: convert(*a), [(m, l) for m in models for l in (False, True)]):
        name = f"{os.path.relpath(model_dir, shared)}{' --lwtnn' if lwtnn else ''}"
        if error:
            failures.append(f"{name}: {error}")
            continue
        if doc is None:
            continue
        if lwtnn == ("hepnn" in doc):
            failures.append(f"{name}: {'an' if lwtnn else 'no'} 'hepnn' object")
        for p in problems(doc):
            failures.append(f"{name}: {p}")
        counts[lwtnn] += 1
        if not lwtnn and model_dir.endswith(os.sep + "dips_like"):
            dips = doc
if counts[False] != len(models):
    failures.append(f"{counts[False]} hepnn-format files validated for {len(models)} models")
if counts[True] < 20:
    failures.append(f"only {counts[True]} --lwtnn files written")

# lwtnn's own files, graph and sequential
lwtnn_files = sorted(glob.glob(os.path.join(shared, "lwtnn-test-data", "*", "lwtnn.json")))
sequential = 0
for path in lwtnn_files:
    with open(path) as f:
        doc = json.load(f)
    sequential += isinstance(doc.get("outputs"), list)
    for p in problems(doc):
        failures.append(f"{os.path.relpath(path, shared)}: {p}")
if len(lwtnn_files) < 10 or sequential == 0:
    failures.append(f"{len(lwtnn_files)} lwtnn files, {sequential} sequential")


# files broken in one place: the schema and hepnn's reader both refuse them
def broken():
    def edit(name, change):
        doc = copy.deepcopy(dips)
        change(doc)
        return name, doc

    def first_node(doc, kind):
        return next(n for n in doc["nodes"] if n["type"] == kind)

    yield edit("no layers", lambda d: d.pop("layers"))
    yield edit("an unknown node type", lambda d: d["nodes"][-1].update(type="dense"))
    yield edit("a feed_forward node without layer_index", lambda d: first_node(d, "feed_forward").pop("layer_index"))
    yield edit("activation 'relu'", lambda d: d["layers"][-1].update(activation="relu"))
    yield edit("bare 'swish'", lambda d: d["layers"][-1].update(activation="swish"))
    yield edit("a weight that is no number", lambda d: d["layers"][0]["weights"].__setitem__(0, "abc"))
    yield edit("a newer format version", lambda d: d["hepnn"].update(format_version=3))
    yield edit("a negative node index", lambda d: next(iter(d["outputs"].values())).update(node_index=-1))
    yield edit("a variable without scale", lambda d: (d["inputs"] or d["input_sequences"])[0]["variables"][0].pop("scale"))
    yield edit("an unknown architecture", lambda d: d["layers"][0].update(architecture="transformer"))


if dips is None:
    failures.append("zoo/dips_like was not converted")
else:
    for name, doc in broken():
        if not problems(doc):
            failures.append(f"the schema accepts {name}")
        r = subprocess.run([hepnn, "inspect", "-"], input=json.dumps(doc), capture_output=True, text=True)
        if r.returncode != 2:
            failures.append(f"hepnn inspect accepts {name} (exit {r.returncode})")
    with open(os.path.join(shared, "lwtnn-test-data", "GRU", "lwtnn.json")) as f:
        gru = json.load(f)
    layer = next(l for l in gru["layers"] if l["architecture"] == "gru")
    del next(iter(layer["components"].values()))["U"]
    if not problems(gru):
        failures.append("the schema accepts a GRU component without U (sequential file)")
    r = subprocess.run([hepnn, "inspect", "-"], input=json.dumps(gru), capture_output=True, text=True)
    if r.returncode != 2:
        failures.append(f"hepnn inspect accepts a GRU component without U (exit {r.returncode})")

for f in failures:
    print("FAIL", f)
print(f"{counts[False]} hepnn-format and {counts[True]} --lwtnn files from 'hepnn convert', "
      f"{len(lwtnn_files)} lwtnn files ({sequential} sequential) checked against {os.path.basename(schema_path)}")
sys.exit(1 if failures else 0)
