"""Tau identification: tauRecTools' TauJetRNNEvaluator over rnn-tauid candidates.

    ev = hepnn.tau.Evaluator("tauid_1p.json", "tauid_3p.json", MaxTracks=10)
    with h5py.File("candidates.h5") as f:
        scores = ev.evaluate(f["TauJets"], f["TauTracks"], f["TauClusters"])
"""

from ._hepnn import tau as _tau

Evaluator = _tau.Evaluator

__all__ = ["Evaluator"]
