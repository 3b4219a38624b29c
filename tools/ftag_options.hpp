#pragma once
// The options `hepnn eval` and `hepnn check` share for dumper ntuples.

#include "args.hpp"

#include "hepnn/ftag.hpp"

#include <vector>

namespace hepnn::cli {

/// --jets, --tracks, --no-track-selection, --selection, --sort, --precision, --chunk, --threads
std::vector<option> ntuple_options();
/// Fills the tagger and dataset choices of `o` from the parsed arguments.
void apply_ntuple_options(const arguments& args, ftag::score_options& o);
/// Splits "a,b" and repeated options into one list.
std::vector<std::string> split_list(const std::vector<std::string>& values);

} // namespace hepnn::cli
