#pragma once
/// \file ntuple.hpp
/// rnn-tauid's ntuple2hdf.py without ROOT: flat ROOT ntuples (NtupleCreator's
/// layout) to the HDF5 datasets the training reads; the TTreeFormula subset
/// its selections use; numpy's RandomState shuffle.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hepnn::ntuple {

/// A selection expression: numbers, branch names (dots allowed), + - * / %,
/// comparisons, && || !, parentheses and abs(). Anything else throws
/// input_error quoting the expression with a caret under the position.
class formula {
public:
  formula(const std::string& text, const std::string& what = "selection");
  ~formula();
  formula(formula&&) noexcept;
  formula& operator=(formula&&) noexcept;
  /// The branch names it reads, in order of first use.
  const std::vector<std::string>& variables() const;
  /// Its value with variables()[i] = values[i] (true is 1, false 0).
  double evaluate(const double* values) const;
  struct node;
private:
  std::vector<node> nodes_;
  std::vector<std::string> vars_;
  int root_ = -1;
};

/// The row order numpy's `RandomState(seed).shuffle` gives `n` rows:
/// result[i] is the original row now at position i.
std::vector<std::size_t> numpy_shuffle_order(std::size_t n, std::uint32_t seed);

struct ntuple2hdf_options {
  std::string output;    ///< with one "%d": an HDF5 file family (8 GiB members), as ntuple2hdf writes
  std::string selection; ///< truth1p 1p truth3p 3p truthXp Xp
  std::vector<std::string> inputs;
  std::string extra_selection; ///< --sel
  std::string tree = "CollectionTree";
  bool tauid = true; ///< false: --decaymodeclf
  std::size_t tracks = 10, clusters = 6;
  std::size_t charged_pfos = 3, neutral_pfos = 10, shot_pfos = 6, conv_tracks = 4;
  std::uint32_t seed = 1234567890;
  std::function<void(std::size_t done, std::size_t total)> progress; ///< entries read so far
};

struct ntuple2hdf_summary {
  std::size_t entries = 0; ///< entries read from all inputs
  std::size_t rows = 0;    ///< rows that passed the selection
  std::size_t datasets = 0;
  std::vector<std::string> members; ///< the files written
};

/// The selection string of a named selection (cuts.py), e.g. for "1p".
std::string selection_string(const std::string& name);

/// Converts; the output appears only when complete.
ntuple2hdf_summary ntuple2hdf(const ntuple2hdf_options& options);

} // namespace hepnn::ntuple
