#pragma once
/// \file root.hpp
/// Reading flat ROOT TTrees without ROOT (library hepnn::root).
///
/// Covers the flat-ntuple subset of the format: TFile (small and large
/// files), TDirectory and sub-directories, TKey, the TStreamerInfo records
/// that type split-class members, TTree, TBranch / TBranchElement, leaves of
/// every basic type as scalars, fixed arrays and leaf-count arrays, leaf
/// lists, `char*` / TString / std::string, `std::vector<T>`,
/// `std::vector<std::vector<T>>` and `std::vector<std::string>`. Baskets may
/// be in the file or embedded in the TTree; zlib, LZ4 (with its xxhash64
/// checksum), LZMA and ZSTD are decompressed. Any other branch type is listed
/// with `unsupported` saying why; reading it throws input_error naming the
/// branch and its type. Every size taken from the file is checked against
/// the file and against the limits below, so a damaged file gives an
/// error naming the file and the structure, never a crash.

#include "hepnn/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hepnn::root {

/// Limits on what a file may ask for (each checked before allocating).
struct limits {
  static constexpr std::uint64_t max_object_bytes = 1u << 30;   ///< one uncompressed key or basket
  static constexpr std::size_t max_branches = 100000;           ///< branches in one tree
  static constexpr std::size_t max_depth = 64;                  ///< nested objects / directories
  static constexpr std::uint64_t max_baskets = 10000000;        ///< baskets of one branch
  static constexpr std::size_t max_keys = 1000000;              ///< keys in one directory
};

/// The element type of a branch's values.
enum class value_type { boolean, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64, string };
/// Bytes of one value (strings: 0).
std::size_t width(value_type t);
/// "bool", "int8", ..., "float64", "string".
const char* type_name(value_type t);

/// How a branch's entry is laid out.
enum class shape {
  scalar,        ///< one value
  fixed,         ///< `length` values (fixed-size array)
  jagged,        ///< a list counted by another leaf (`Jet_Px[NJet]`, `int*`)
  vector,        ///< std::vector<T> (strings: std::vector<std::string>)
  vector_vector, ///< std::vector<std::vector<T>>
  leaflist,      ///< several scalar leaves in one branch (`x/D:y/I`): one field per leaf
  none,          ///< a split object: its values are in its sub-branches
  unsupported,   ///< a type this reader does not read (`unsupported` says why)
};

struct field {
  std::string name;
  value_type type = value_type::int32;
};

/// One branch of a tree (sub-branches of split objects are listed too, in
/// file order, depth first).
struct branch_info {
  std::string name;       ///< the branch's full name as in the file
  std::string type;       ///< ROOT's spelling: `Float_t[NJet]`, `vector<float>`, `short*`, `leaflist:x/Double_t:y/Int_t`
  std::string branch_class; ///< TBranch or TBranchElement
  enum shape shape = shape::scalar;
  value_type type_of_values = value_type::int32;
  std::size_t length = 1;    ///< values per entry for shape::fixed
  std::string count_leaf;    ///< shape::jagged: the counting leaf ("" when unknown)
  std::vector<field> fields; ///< shape::leaflist: its leaves
  std::string unsupported;   ///< why it cannot be read (shape::unsupported)
  std::int64_t entries = 0;
  std::size_t baskets = 0;
  std::string parent;        ///< the parent branch of a sub-branch, or ""
};

/// Values of one branch (or one leaf-list field) for a range of entries.
/// Numbers are in host byte order, `width(type)` bytes each; strings in
/// `strings`. `offsets` (entries + 1 values) index the lists of each entry
/// for list shapes; for vector_vector they index `inner` (list boundaries,
/// into values). Scalars have no offsets.
struct column {
  value_type type = value_type::int32;
  int depth = 0; ///< 0: one value per entry, 1: a list per entry, 2: a list of lists
  std::vector<unsigned char> values;
  std::vector<std::string> strings;
  std::vector<std::uint64_t> offsets;
  std::vector<std::uint64_t> inner;

  std::size_t size() const; ///< number of values (or strings)
  double as_double(std::size_t i) const;
  std::int64_t as_int64(std::size_t i) const;   ///< integers and booleans
  std::uint64_t as_uint64(std::size_t i) const; ///< integers and booleans
};

/// A branch's values for entries [first, last): one column, or one per leaf-list field.
struct branch_values {
  std::string branch;
  std::int64_t first = 0, last = 0;
  std::vector<column> columns;
};

struct tree_info {
  std::string path; ///< directory path and name, e.g. "one/two/tree"
  std::string title;
  std::int16_t cycle = 1;
  std::int64_t entries = 0;
};

class tree;

/// An open ROOT file. Not thread-safe: use one object per thread.
class file {
public:
  explicit file(const std::string& path);
  ~file();
  file(file&&) noexcept;
  file& operator=(file&&) noexcept;

  const std::string& path() const;
  int version() const;          ///< fVersion of the header (e.g. 62004)
  int compression() const;      ///< fCompress of the header
  /// Every TTree in the file and its sub-directories (highest cycle of each name).
  std::vector<tree_info> trees() const;
  /// Opens a tree by path ("events", "one/two/tree"); throws input_error.
  tree open_tree(const std::string& path) const;

  struct impl;
private:
  std::shared_ptr<impl> impl_;
};

class tree {
public:
  const tree_info& info() const;
  const std::vector<branch_info>& branches() const;
  /// The branch named `name`; throws input_error (with the closest names) if absent.
  const branch_info& branch(const std::string& name) const;
  /// Reads entries [first, last) of a branch. Only the baskets that overlap
  /// the range are read, so memory stays bounded by the range and one basket.
  /// Throws input_error for unsupported branches, naming branch and type.
  branch_values read(const std::string& name, std::int64_t first, std::int64_t last) const;

  struct impl;
  explicit tree(std::shared_ptr<impl> p);
private:
  std::shared_ptr<impl> impl_;
};

/// `{"tree": PATH, "entries": N, "branches": {NAME: [...]}}` for entries
/// [first, last) of the given branches (all readable ones when empty):
/// numbers with 17 significant digits (float32 as the double it widens to),
/// booleans true/false, lists for arrays and vectors, an object per entry for
/// leaf lists, NaN and infinities as "nan", "inf", "-inf".
std::string dump_json(const tree& t, const std::vector<std::string>& branches, std::int64_t first, std::int64_t last);

/// A branch the writer creates: a scalar of a basic type, or (vector)
/// a std::vector of it (a TBranchElement, as `tree->Branch("x", &vec)` makes).
struct branch_spec {
  std::string name;
  value_type type = value_type::float32;
  bool vector = false;
  std::string leaf; ///< the leaf's name when it differs from the branch's (scalars)
};

/// Writes one flat TTree to a new ROOT file, in the layout ROOT 6.22+ writes
/// (TTree v20, TBranch v13, TBranchElement v10), with zlib-compressed baskets
/// (stored raw where compression does not shrink them). Entries are
/// appended in chunks; a basket is written whenever a branch's buffer
/// reaches `basket_bytes`, so memory stays bounded. The file at `path` is
/// written directly: wrap it in a temporary file for atomic output. The
/// file carries the TStreamerInfo records of the classes it uses, as ROOT's
/// own files do (JSROOT needs them).
class tree_writer {
public:
  tree_writer(const std::string& path, const std::string& tree_name, std::vector<branch_spec> branches, int zlib_level = 1,
              std::size_t basket_bytes = 32000);
  ~tree_writer();
  tree_writer(const tree_writer&) = delete;
  tree_writer& operator=(const tree_writer&) = delete;

  /// Appends entries: one column per branch in declaration order, each of
  /// the branch's type, depth 0 for scalars and 1 (with offsets) for
  /// vectors, all with the same number of entries. Throws input_error otherwise.
  void append(const std::vector<column>& columns);
  /// Writes the remaining baskets, the tree, the directory and the header.
  void close();
  std::int64_t entries() const;
  /// Keeps each branch's last, unfilled basket inside the TTree object, as
  /// ROOT does when a tree is written without flushing its baskets (for
  /// tests of readers; off by default).
  void embed_last_baskets(bool on);

  struct impl;
private:
  std::unique_ptr<impl> impl_;
};

} // namespace hepnn::root
