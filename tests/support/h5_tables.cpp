#include "support/h5_tables.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace hepnn::test {

namespace {

hid_t column_type(const std::string& type) {
  static const std::pair<const char*, hid_t> plain[] = {
      {"f4", H5T_NATIVE_FLOAT},  {"f8", H5T_NATIVE_DOUBLE}, {"i1", H5T_NATIVE_INT8},   {"i2", H5T_NATIVE_INT16},
      {"i4", H5T_NATIVE_INT32},  {"i8", H5T_NATIVE_INT64},  {"u1", H5T_NATIVE_UINT8},  {"u2", H5T_NATIVE_UINT16},
      {"u4", H5T_NATIVE_UINT32}, {"u8", H5T_NATIVE_UINT64}};
  for (const auto& [name, id] : plain)
    if (type == name) return H5Tcopy(id);
  if (type == "bool") {
    const hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    std::int8_t no = 0, yes = 1;
    H5Tenum_insert(t, "FALSE", &no);
    H5Tenum_insert(t, "TRUE", &yes);
    return t;
  }
  if (type == "str") {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 8);
    return t;
  }
  if (type == "f32") { // a float of 32 bytes: what a damaged type's size looks like
    const hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_size(t, 32);
    return t;
  }
  if (type == "s4096") {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 4096);
    return t;
  }
  throw std::runtime_error("unknown column type " + type);
}

/// One entry of a column, stored in its type.
void store(unsigned char* p, const column& c, std::size_t e) {
  const double v = e < c.values.size() ? c.values[e] : 0.0;
  auto put = [p](auto x) { std::memcpy(p, &x, sizeof x); };
  if (c.type == "str" || c.type == "s4096") std::memcpy(p, "text", 4);
  else if (c.type == "f32") put(static_cast<float>(v)); // the low bytes (little-endian)
  else if (c.type == "f4") put(static_cast<float>(v));
  else if (c.type == "f8") put(v);
  else if (e < c.exact.size() && c.type != "bool") {
    const std::int64_t x = c.exact[e]; // the bits of the integer, in the column's width
    std::memcpy(p, &x, static_cast<std::size_t>(c.type[1] - '0')); // little-endian: the low bytes
  } else if (c.type == "u1" || c.type == "bool") put(static_cast<std::uint8_t>(v));
  else if (c.type == "i1") put(static_cast<std::int8_t>(v));
  else if (c.type == "i2") put(static_cast<std::int16_t>(v));
  else if (c.type == "u2") put(static_cast<std::uint16_t>(v));
  else if (c.type == "i4") put(static_cast<std::int32_t>(v));
  else if (c.type == "u4") put(static_cast<std::uint32_t>(v));
  else if (c.type == "i8") put(static_cast<std::int64_t>(v));
  else put(static_cast<std::uint64_t>(v));
}

void write(const std::string& path, const std::string& name, std::size_t rows, std::size_t width,
           const std::vector<column>& columns, bool truncate_file, bool fill) {
  const hid_t f = truncate_file ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                                : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  std::vector<hid_t> types;
  std::size_t size = 0;
  for (const auto& c : columns) {
    types.push_back(column_type(c.type));
    size += H5Tget_size(types.back());
  }
  const hid_t row_type = H5Tcreate(H5T_COMPOUND, size);
  std::size_t offset = 0;
  std::vector<std::size_t> offsets;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    H5Tinsert(row_type, columns[k].name.c_str(), offset, types[k]);
    offsets.push_back(offset);
    offset += H5Tget_size(types[k]);
  }
  const hsize_t dims[2] = {rows, width};
  const hid_t space = H5Screate_simple(width > 1 ? 2 : 1, dims, nullptr);
  const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
  if (!fill) {
    // nothing written: a chunked dataset takes no room in the file, whatever its extent
    const hsize_t chunk[2] = {1, std::min<hsize_t>(width, 1024)};
    H5Pset_chunk(props, width > 1 ? 2 : 1, chunk);
  }
  const hid_t d = H5Dcreate2(f, name.c_str(), row_type, space, H5P_DEFAULT, props, H5P_DEFAULT);
  if (d < 0) throw std::runtime_error("cannot create " + name + " in " + path);
  if (fill) {
    const std::size_t n = rows * width;
    std::vector<unsigned char> buf(n * size, 0);
    for (std::size_t e = 0; e < n; ++e)
      for (std::size_t k = 0; k < columns.size(); ++k) store(buf.data() + e * size + offsets[k], columns[k], e);
    if (H5Dwrite(d, row_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      throw std::runtime_error("cannot write " + name + " to " + path);
  }
  H5Dclose(d), H5Pclose(props), H5Sclose(space), H5Tclose(row_type);
  for (hid_t t : types) H5Tclose(t);
  H5Fclose(f);
}

} // namespace

void write_table(const std::string& path, const std::string& name, std::size_t rows, std::size_t width,
                 const std::vector<column>& columns, bool truncate_file) {
  write(path, name, rows, width, columns, truncate_file, true);
}

std::vector<std::int64_t> read_integers(const std::string& path, const std::string& dataset, const std::string& field) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = f < 0 ? -1 : H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  if (d < 0) throw std::runtime_error("cannot open " + dataset + " in " + path);
  const hid_t type = H5Dget_type(d), space = H5Dget_space(d);
  const int idx = H5Tget_member_index(type, field.c_str());
  if (idx < 0) throw std::runtime_error("no field " + field + " in " + dataset);
  const hid_t member = H5Tget_member_type(type, static_cast<unsigned>(idx));
  const hid_t native = H5Tget_native_type(member, H5T_DIR_ASCEND);
  const std::size_t size = H5Tget_size(native);
  const bool is_signed = H5Tget_sign(native) == H5T_SGN_2;
  const hid_t mem = H5Tcreate(H5T_COMPOUND, size);
  H5Tinsert(mem, field.c_str(), 0, native);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  std::vector<unsigned char> buf(n * size);
  if (H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) throw std::runtime_error("cannot read " + field);
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, buf.data() + i * size, size); // little-endian: the low bytes
    if (is_signed && size < 8 && (bits >> (8 * size - 1)) & 1) bits |= ~std::uint64_t{0} << (8 * size);
    out.push_back(static_cast<std::int64_t>(bits));
  }
  H5Tclose(mem), H5Tclose(native), H5Tclose(member), H5Sclose(space), H5Tclose(type), H5Dclose(d), H5Fclose(f);
  return out;
}

void declare_table(const std::string& path, const std::string& name, std::size_t rows, std::size_t width,
                   const std::vector<column>& columns, bool truncate_file) {
  write(path, name, rows, width, columns, truncate_file, false);
}

} // namespace hepnn::test

namespace hepnn::test {

void write_dataset(const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
                   const std::vector<double>& values, bool truncate_file) {
  const hid_t f = truncate_file ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                                : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  if (!truncate_file && H5Lexists(f, name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(f, name.c_str(), H5P_DEFAULT); // replaced
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
                               bool truncate_file, std::size_t element_bytes) {
  const hid_t f = truncate_file ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                                : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  if (!truncate_file && H5Lexists(f, name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(f, name.c_str(), H5P_DEFAULT); // replaced
  const hid_t type = H5Tcopy(H5T_IEEE_F32LE);
  H5Tset_size(type, element_bytes);
  std::vector<hsize_t> d(dims.begin(), dims.end()), chunk(dims.size(), 1);
  const hid_t space = H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t ds = H5Dcreate2(f, name.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT);
  if (ds < 0) throw std::runtime_error("cannot create " + name + " in " + path);
  H5Dclose(ds), H5Pclose(lcpl), H5Pclose(dcpl), H5Sclose(space), H5Tclose(type), H5Fclose(f);
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
