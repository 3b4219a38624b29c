#include "support/h5_tables.hpp"

#include <hdf5.h>

#include <cstring>
#include <stdexcept>

namespace hepnn::test {

void write_table(const std::string& path, const std::string& name, std::size_t rows, std::size_t width,
                 const std::vector<column>& columns, bool truncate_file) {
  const hid_t f = truncate_file ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                                : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  std::vector<hid_t> types;
  std::size_t size = 0;
  for (const auto& c : columns) {
    hid_t t;
    if (c.type == "f4") t = H5Tcopy(H5T_NATIVE_FLOAT);
    else if (c.type == "f8") t = H5Tcopy(H5T_NATIVE_DOUBLE);
    else if (c.type == "i4") t = H5Tcopy(H5T_NATIVE_INT32);
    else if (c.type == "u1") t = H5Tcopy(H5T_NATIVE_UINT8);
    else if (c.type == "bool") {
      t = H5Tenum_create(H5T_NATIVE_INT8);
      std::int8_t no = 0, yes = 1;
      H5Tenum_insert(t, "FALSE", &no);
      H5Tenum_insert(t, "TRUE", &yes);
    } else if (c.type == "str") {
      t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, 8);
    } else throw std::runtime_error("unknown column type " + c.type);
    types.push_back(t);
    size += H5Tget_size(t);
  }
  const hid_t row_type = H5Tcreate(H5T_COMPOUND, size);
  std::size_t offset = 0;
  std::vector<std::size_t> offsets;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    H5Tinsert(row_type, columns[k].name.c_str(), offset, types[k]);
    offsets.push_back(offset);
    offset += H5Tget_size(types[k]);
  }
  const std::size_t n = rows * width;
  std::vector<unsigned char> buf(n * size, 0);
  for (std::size_t e = 0; e < n; ++e)
    for (std::size_t k = 0; k < columns.size(); ++k) {
      unsigned char* p = buf.data() + e * size + offsets[k];
      const auto& c = columns[k];
      const double v = e < c.values.size() ? c.values[e] : 0.0;
      if (c.type == "f4") {
        const float x = static_cast<float>(v);
        std::memcpy(p, &x, 4);
      } else if (c.type == "f8") std::memcpy(p, &v, 8);
      else if (c.type == "i4") {
        const auto x = static_cast<std::int32_t>(v);
        std::memcpy(p, &x, 4);
      } else if (c.type == "u1" || c.type == "bool") *p = static_cast<unsigned char>(v);
      else std::memcpy(p, "text", 4);
    }
  const hsize_t dims[2] = {rows, width};
  const hid_t space = H5Screate_simple(width > 1 ? 2 : 1, dims, nullptr);
  const hid_t d = H5Dcreate2(f, name.c_str(), row_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0 || H5Dwrite(d, row_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    throw std::runtime_error("cannot write " + name + " to " + path);
  H5Dclose(d), H5Sclose(space), H5Tclose(row_type);
  for (hid_t t : types) H5Tclose(t);
  H5Fclose(f);
}

} // namespace hepnn::test

namespace hepnn::test {

void write_dataset(const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
                   const std::vector<double>& values, bool truncate_file) {
  const hid_t f = truncate_file ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                                : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  std::vector<hsize_t> d(dims.begin(), dims.end());
  std::vector<float> v(values.begin(), values.end());
  const hid_t space = H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr);
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t ds = H5Dcreate2(f, name.c_str(), H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw std::runtime_error("cannot write " + name + " to " + path);
  H5Dclose(ds), H5Pclose(lcpl), H5Sclose(space), H5Fclose(f);
}

void write_unallocated_dataset(const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
                               bool truncate_file) {
  const hid_t f = truncate_file ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                                : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  std::vector<hsize_t> d(dims.begin(), dims.end()), chunk(dims.size(), 1);
  const hid_t space = H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t ds = H5Dcreate2(f, name.c_str(), H5T_IEEE_F32LE, space, lcpl, dcpl, H5P_DEFAULT);
  if (ds < 0) throw std::runtime_error("cannot create " + name + " in " + path);
  H5Dclose(ds), H5Pclose(lcpl), H5Pclose(dcpl), H5Sclose(space), H5Fclose(f);
}

void copy_to_family(const std::string& source, const std::string& pattern, std::size_t member_size) {
  const hid_t src = H5Fopen(source.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_family(fapl, member_size, H5P_DEFAULT);
  const hid_t dst = H5Fcreate(pattern.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (src < 0 || dst < 0) throw std::runtime_error("cannot copy " + source + " to the family " + pattern);
  auto copy = [](hid_t group, const char* name, const H5L_info_t*, void* to) -> herr_t {
    return H5Ocopy(group, name, *static_cast<hid_t*>(to), name, H5P_DEFAULT, H5P_DEFAULT);
  };
  hid_t target = dst;
  if (H5Literate(src, H5_INDEX_NAME, H5_ITER_INC, nullptr, copy, &target) < 0)
    throw std::runtime_error("cannot copy the groups of " + source);
  H5Fclose(dst), H5Pclose(fapl), H5Fclose(src);
}

} // namespace hepnn::test
