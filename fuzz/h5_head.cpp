// h5_head IN OUT ROWS [SLOTS]: writes a small copy of an HDF5 file for fuzz
// seeds: the same groups and datasets (same element types, compound ones
// included), each cut to its first ROWS rows and, for datasets of rank 2 or
// more, its first SLOTS entries of the second dimension. The copies are
// contiguous and unfiltered; attributes and variable-length data are left
// out. Used by make_corpus.sh on the shared ntuples.
#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct job {
  hid_t out;
  hsize_t rows, slots;
  int failures = 0;
};

bool copy_dataset(hid_t src, const char* name, job& j) {
  const hid_t d = H5Dopen2(src, name, H5P_DEFAULT);
  if (d < 0) return false;
  const hid_t ftype = H5Dget_type(d);
  const hid_t fspace = H5Dget_space(d);
  bool ok = false;
  if (H5Tdetect_class(ftype, H5T_VLEN) > 0 || H5Tis_variable_str(ftype) > 0) {
    std::fprintf(stderr, "h5_head: %s skipped (variable-length data)\n", name);
    ok = true;
  } else {
    const int rank = H5Sget_simple_extent_ndims(fspace);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(fspace, dims.data(), nullptr);
    std::vector<hsize_t> start(dims.size(), 0), count = dims;
    if (rank >= 1) count[0] = std::min(count[0], j.rows);
    if (rank >= 2) count[1] = std::min(count[1], j.slots);
    hsize_t n = 1;
    for (hsize_t c : count) n *= c;
    const hid_t mtype = H5Tget_native_type(ftype, H5T_DIR_DEFAULT);
    std::vector<unsigned char> buf(static_cast<std::size_t>(n) * H5Tget_size(mtype) + 1);
    const hid_t mspace = rank > 0 ? H5Screate_simple(rank, count.data(), nullptr) : H5Screate(H5S_SCALAR);
    if (rank > 0) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    if (H5Dread(d, mtype, mspace, fspace, H5P_DEFAULT, buf.data()) >= 0) {
      const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
      H5Pset_create_intermediate_group(lcpl, 1);
      const hid_t od = H5Dcreate2(j.out, name, ftype, mspace, lcpl, H5P_DEFAULT, H5P_DEFAULT);
      ok = od >= 0 && H5Dwrite(od, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0;
      if (od >= 0) H5Dclose(od);
      H5Pclose(lcpl);
    }
    H5Sclose(mspace);
    H5Tclose(mtype);
  }
  H5Sclose(fspace);
  H5Tclose(ftype);
  H5Dclose(d);
  return ok;
}

herr_t visit(hid_t src, const char* name, const H5O_info_t* info, void* data) {
  job& j = *static_cast<job*>(data);
  if (info->type == H5O_TYPE_GROUP && std::string(name) != ".") {
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const hid_t g = H5Gcreate2(j.out, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) ++j.failures;
    else H5Gclose(g);
    H5Pclose(lcpl);
  } else if (info->type == H5O_TYPE_DATASET && !copy_dataset(src, name, j)) {
    std::fprintf(stderr, "h5_head: cannot copy %s\n", name);
    ++j.failures;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s IN OUT ROWS [SLOTS]\n", argv[0]);
    return 2;
  }
  const hid_t in = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (in < 0) return 1;
  job j{H5Fcreate(argv[2], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), std::strtoull(argv[3], nullptr, 10),
        argc > 4 ? std::strtoull(argv[4], nullptr, 10) : ~hsize_t(0)};
  if (j.out < 0) return 1;
  H5Ovisit2(in, H5_INDEX_NAME, H5_ITER_NATIVE, visit, &j, H5O_INFO_BASIC);
  H5Fclose(j.out);
  H5Fclose(in);
  return j.failures == 0 ? 0 : 1;
}
