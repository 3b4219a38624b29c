#pragma once
// Small compound HDF5 tables for tests that need files the shared data does
// not have: wrong field types, missing `valid` flags, odd shapes.

#include <cstdint>
#include <string>
#include <vector>

namespace hepnn::test {

struct column {
  std::string name;
  std::string type;                ///< f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, bool, str (fixed-length string of 8),
                                   ///< or, for damaged files, f32 (a 32-byte float) and s4096 (a string of 4096)
  std::vector<double> values;      ///< numeric types (rows × width)
  std::vector<std::int64_t> exact = {}; ///< integer types: exact values (their bits, for u8), used instead of `values`
};

/// Writes (or adds to) `path`: dataset `name` of shape (rows) or (rows, width).
void write_table(const std::string& path, const std::string& name, std::size_t rows, std::size_t width,
                 const std::vector<column>& columns, bool truncate_file);
/// Integer field `field` of the 1-D table `dataset`, read in its own type:
/// each value's bits as int64 (sign- or zero-extended), never through double.
std::vector<std::int64_t> read_integers(const std::string& path, const std::string& dataset, const std::string& field);
/// The same dataset, chunked and never written: any extent, a tiny file.
void declare_table(const std::string& path, const std::string& name, std::size_t rows, std::size_t width,
                   const std::vector<column>& columns, bool truncate_file);

} // namespace hepnn::test

namespace hepnn::test {

/// Writes (or adds to) `path`: a float32 dataset `name` (intermediate groups
/// created; an existing dataset of that name is replaced).
void write_dataset(const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
                   const std::vector<double>& values, bool truncate_file);

/// Writes (or adds to) `path`: a chunked float32 dataset `name` of any extent
/// with no data written (reads give the fill value, 0); an existing dataset
/// of that name is replaced. `element_bytes` other than 4 pads the float to
/// that size, as a damaged type would claim.
void write_unallocated_dataset(const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
                               bool truncate_file, std::size_t element_bytes = 4);

/// Copies the root groups of `source` into a new HDF5 file family
/// (`pattern` with "%d", members of `member_size` bytes).
void copy_to_family(const std::string& source, const std::string& pattern, std::size_t member_size);

} // namespace hepnn::test
