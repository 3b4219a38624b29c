#pragma once
// Workflow benchmarks: flavour tagging (issue 4) and tau identification
// (issue 5) on the shared samples.

/// Registers them; they report the counters "events" (jets) and "macs".
void register_ftag_benchmarks(int repetitions);

/// Tau candidates; the same counters ("events" are candidates).
void register_tau_benchmarks(int repetitions);

#include <functional>
#include <string>

/// Whole files of 200,000 jets / candidates, 1 and 2 threads (issue 12).
void register_file_benchmarks(int repetitions);
/// Their rates beside the in-memory ones; `per_event(name prefix, statistic)`
/// gives seconds per event of a benchmark (statistic 0: minimum wall time,
/// 1: median wall time, 2: minimum CPU time of the process), 0 when it did not run.
void print_file_ratios(const std::function<double(const std::string&, int)>& per_event);
