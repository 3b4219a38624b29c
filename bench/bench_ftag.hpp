#pragma once
// Flavour-tagging benchmarks (issue 4): scoring the shared sample ntuple.

/// Registers them; they report the counters "events" (jets) and "macs".
void register_ftag_benchmarks(int repetitions);
