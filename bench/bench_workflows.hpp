#pragma once
// Workflow benchmarks: flavour tagging (issue 4) and tau identification
// (issue 5) on the shared samples.

/// Registers them; they report the counters "events" (jets) and "macs".
void register_ftag_benchmarks(int repetitions);

/// Tau candidates; the same counters ("events" are candidates).
void register_tau_benchmarks(int repetitions);
