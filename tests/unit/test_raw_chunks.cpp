// The raw-chunk reader (formats/hdf5_chunks.*) against HDF5's own reading:
// the shared ftag and tau files, and files written here with every order of
// shuffle / deflate / fletcher32, several types, column chunks and partial
// edge chunks; what it must leave to HDF5; damaged chunks.
#include "formats/hdf5_chunks.hpp"
#include "formats/hdf5_file.hpp"
#include "support/shared_data.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;
namespace h5 = detail::h5;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("hepnn-raw-chunks-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

/// Rows [first, first + count) as HDF5 reads them, in the stored type.
std::vector<unsigned char> hdf5_rows(hid_t d, std::size_t first, std::size_t count) {
  const hid_t type = H5Dget_type(d), space = H5Dget_space(d);
  const int rank = H5Sget_simple_extent_ndims(space);
  hsize_t dims[2] = {0, 1};
  H5Sget_simple_extent_dims(space, dims, nullptr);
  const hsize_t start[2] = {first, 0}, n[2] = {count, dims[1]};
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, n, nullptr);
  const hid_t mem = H5Screate_simple(rank, n, nullptr);
  std::vector<unsigned char> out(count * dims[1] * H5Tget_size(type));
  EXPECT_GE(H5Dread(d, type, mem, space, H5P_DEFAULT, out.data()), 0);
  H5Sclose(mem);
  H5Sclose(space);
  H5Tclose(type);
  return out;
}

std::vector<unsigned char> raw_rows(const h5::chunk_reader& r, std::size_t first, std::size_t count) {
  std::vector<h5::raw_chunk> chunks;
  r.read(first, count, chunks);
  std::vector<unsigned char> out(count * r.width() * r.element_size());
  h5::chunk_scratch s;
  r.decode(first, count, chunks, out.data(), s);
  return out;
}

/// Every dataset of `path` that the reader takes on gives HDF5's bytes, whole and in odd slices.
void compare_file(const fs::path& path, const std::vector<std::string>& datasets) {
  const auto f = h5::file::open(path.string());
  for (const auto& name : datasets) {
    SCOPED_TRACE(path.string() + ":" + name);
    const hid_t d = H5Dopen2(f.raw().get(), name.c_str(), H5P_DEFAULT);
    ASSERT_GE(d, 0);
    std::string why;
    const auto r = h5::chunk_reader::open(f, name, d, &why);
    ASSERT_TRUE(r.has_value()) << why;
    const std::size_t rows = r->rows();
    EXPECT_EQ(raw_rows(*r, 0, rows), hdf5_rows(d, 0, rows));
    for (std::size_t first : {std::size_t{0}, std::size_t{37}, rows / 2, rows - 1})
      for (std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{250}}) {
        const std::size_t n = std::min(count, rows - first);
        EXPECT_EQ(raw_rows(*r, first, n), hdf5_rows(d, first, n)) << "rows " << first << " + " << n;
      }
    H5Dclose(d);
  }
}

TEST(raw_chunks, the_shared_ftag_and_tau_files_read_as_hdf5_reads_them) {
  compare_file(shared_dir() / "ftag" / "sample_ttbar.h5", {"/jets", "/tracks"}); // deflate
  compare_file(shared_dir() / "tau" / "tau_candidates.h5",                       // shuffle, deflate, fletcher32
               {"/TauJets/nTracks", "/TauJets/pt", "/TauTracks/pt", "/TauTracks/d0", "/TauClusters/et"});
}

enum class f : std::uint8_t { shuffle, deflate, fletcher32 };

/// A file with one dataset of `rows` × `width` (width 0: rank 1) of `type`,
/// chunked as given, with the filters in this (write) order.
fs::path write_file(const std::string& name, hid_t type, std::size_t rows, std::size_t width, hsize_t chunk_rows, hsize_t chunk_cols,
                    const std::vector<f>& filters, std::vector<unsigned char>* data = nullptr) {
  const fs::path path = scratch(name);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const int rank = width ? 2 : 1;
  const hsize_t dims[2] = {rows, width ? width : 1}, chunk[2] = {chunk_rows, chunk_cols};
  const hid_t space = H5Screate_simple(rank, dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, rank, chunk);
  for (f x : filters) {
    if (x == f::shuffle) H5Pset_shuffle(dcpl);
    if (x == f::deflate) H5Pset_deflate(dcpl, 6);
    if (x == f::fletcher32) H5Pset_fletcher32(dcpl);
  }
  const hid_t d = H5Dcreate2(file, "x", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  EXPECT_GE(d, 0);
  // compressible but not constant: small integers and smooth values, in every byte
  std::vector<unsigned char> bytes(rows * dims[1] * H5Tget_size(type));
  std::mt19937 rng(7);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i % 5 == 0 ? rng() % 256 : i % 13);
  EXPECT_GE(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0);
  if (data) *data = bytes;
  H5Dclose(d);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Fclose(file);
  return path;
}

TEST(raw_chunks, every_order_of_the_three_filters_and_edge_chunks) {
  const std::vector<std::vector<f>> pipelines = {
      {},
      {f::deflate},
      {f::shuffle},
      {f::fletcher32},
      {f::shuffle, f::deflate},
      {f::shuffle, f::deflate, f::fletcher32},
      {f::fletcher32, f::shuffle, f::deflate},
      {f::deflate, f::shuffle},
      {f::deflate, f::fletcher32},
  };
  // a compound row of odd size, and plain numbers
  const hid_t row = H5Tcreate(H5T_COMPOUND, 11);
  H5Tinsert(row, "a", 0, H5T_IEEE_F32LE);
  H5Tinsert(row, "b", 4, H5T_STD_I16LE);
  H5Tinsert(row, "c", 6, H5T_STD_U8LE);
  H5Tinsert(row, "d", 7, H5T_IEEE_F32LE);
  const std::pair<const char*, hid_t> types[] = {{"f4", H5T_IEEE_F32LE}, {"i8", H5T_STD_I64LE}, {"u1", H5T_STD_U8LE}, {"row", row}};
  int k = 0;
  for (const auto& p : pipelines)
    for (const auto& [tname, type] : types) {
      std::string id = tname;
      id += std::to_string(k);
      SCOPED_TRACE(id);
      // rank 1 with a partial last chunk; rank 2 with column chunks, partial in both directions
      compare_file(write_file(id + "_a.h5", type, 1003, 0, 100, 1, p), {"/x"});
      compare_file(write_file(id + "_b.h5", type, 257, 10, 64, 4, p), {"/x"});
      ++k;
    }
  H5Tclose(row);
}

TEST(raw_chunks, what_it_does_not_take_on_is_left_to_hdf5) {
  auto refused = [](const fs::path& path, const std::string& expected) {
    const auto fl = h5::file::open(path.string());
    const hid_t d = H5Dopen2(fl.raw().get(), "/x", H5P_DEFAULT);
    std::string why;
    const bool taken = h5::chunk_reader::open(fl, "/x", d, &why).has_value();
    H5Dclose(d);
    EXPECT_FALSE(taken) << path;
    EXPECT_NE(why.find(expected), std::string::npos) << why;
  };
  // contiguous
  {
    const fs::path path = scratch("contiguous.h5");
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t n = 10;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    H5Dclose(H5Dcreate2(file, "x", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
    H5Fclose(file);
    refused(path, "not chunked");
  }
  // another filter (scale-offset), and chunks never written (fill values)
  {
    const fs::path path = scratch("other.h5");
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t n = 100, c = 10;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &c);
    H5Pset_scaleoffset(dcpl, H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT);
    H5Dclose(H5Dcreate2(file, "x", H5T_STD_I32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
    refused(path, "filter");
  }
  {
    const fs::path path = scratch("unwritten.h5");
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t n = 100, c = 10;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &c);
    H5Pset_deflate(dcpl, 4);
    H5Dclose(H5Dcreate2(file, "x", H5T_STD_I32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
    refused(path, "unallocated");
  }
  // the escape hatch
  const fs::path ok = write_file("hatch.h5", H5T_IEEE_F32LE, 100, 0, 10, 1, {f::deflate});
  ::setenv("HEPNN_HDF5_PIPELINE", "1", 1);
  refused(ok, "HEPNN_HDF5_PIPELINE");
  ::unsetenv("HEPNN_HDF5_PIPELINE");
}

/// Flips a byte in the middle of the chunk that starts at row `row`.
void damage_chunk(const fs::path& path, hsize_t row) {
  haddr_t addr = 0;
  hsize_t size = 0;
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(file, "x", H5P_DEFAULT);
    const hsize_t offset[1] = {row};
    unsigned mask = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(d, offset, &mask, &addr, &size), 0);
    H5Dclose(d);
    H5Fclose(file);
  }
  std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(static_cast<std::streamoff>(addr + size / 2));
  char c = 0;
  io.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  io.seekp(static_cast<std::streamoff>(addr + size / 2));
  io.write(&c, 1);
}

TEST(raw_chunks, a_damaged_chunk_is_named_with_its_file_dataset_and_row) {
  for (const auto& [name, filters] : {std::pair{"damaged_sum.h5", std::vector<f>{f::shuffle, f::deflate, f::fletcher32}},
                                      std::pair{"damaged_deflate.h5", std::vector<f>{f::deflate}}}) {
    const fs::path path = write_file(name, H5T_IEEE_F32LE, 1000, 0, 100, 1, filters);
    damage_chunk(path, 300);
    const auto fl = h5::file::open(path.string());
    const hid_t d = H5Dopen2(fl.raw().get(), "/x", H5P_DEFAULT);
    const auto r = h5::chunk_reader::open(fl, "/x", d);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(raw_rows(*r, 0, 300).size(), 1200u); // the chunks before are fine
    try {
      raw_rows(*r, 250, 100);
      ADD_FAILURE() << "no error for " << path;
    } catch (const config_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path.string()), std::string::npos) << what;
      EXPECT_NE(what.find("/x: chunk at row 300"), std::string::npos) << what;
      EXPECT_NE(what.find(filters.size() == 3 ? "Fletcher-32 checksum mismatch" : "deflate"), std::string::npos) << what;
    }
    H5Dclose(d);
  }
}

TEST(raw_chunks, fletcher32_is_hdf5s) {
  // the bytes "abcde": words 0x6162, 0x6364 and the odd byte as 0x6500
  const unsigned char data[] = {'a', 'b', 'c', 'd', 'e'};
  const std::uint32_t s1 = 0x6162 + 0x6364 + 0x6500, s2 = 0x6162 + (0x6162 + 0x6364) + s1;
  const auto fold = [](std::uint32_t x) { return (x & 0xffff) + (x >> 16); };
  EXPECT_EQ(h5::fletcher32(data, 5), fold(fold(s2)) << 16 | fold(fold(s1)));
}

} // namespace
} // namespace hepnn::test
