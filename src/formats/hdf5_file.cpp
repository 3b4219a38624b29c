#include "formats/hdf5_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace hepnn::detail::h5 {
namespace {

std::string join(const std::string& path, const std::string& name) {
  if (path.empty() || path == "/") return "/" + name;
  return path + "/" + name;
}

/// HDF5 link names along a path "a/b/c" exist one after the other.
bool link_exists(hid_t loc, const std::string& path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (H5Lexists(loc, path.substr(0, end).c_str(), H5P_DEFAULT) <= 0) return false;
    start = end + 1;
  }
  return true;
}

H5I_type_t object_type(hid_t loc, const std::string& name) {
  if (!link_exists(loc, name)) return H5I_BADID;
  handle o(H5Oopen(loc, name.c_str(), H5P_DEFAULT));
  if (!o) return H5I_BADID;
  return H5Iget_type(o.get());
}

std::string strip(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Reads the string elements of an attribute or dataset of string type.
std::vector<std::string> strings_of(hid_t obj, hid_t type, hid_t space, bool attribute, const std::string& where,
                                      const file& f) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  if (static_cast<std::size_t>(n) > max_values)
    f.fail(where, std::to_string(n) + " strings: more than the limit of " + std::to_string(max_values));
  if (H5Tis_variable_str(type) > 0) {
    handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type));
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    herr_t rc = attribute ? H5Aread(obj, mem.get(), ptrs.data()) : H5Dread(obj, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    if (rc < 0) f.fail(where, "cannot read the strings");
    for (char* p : ptrs) out.push_back(p ? strip(p) : std::string());
    H5Dvlen_reclaim(mem.get(), space, H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t size = H5Tget_size(type);
  const std::size_t bytes = checked_mul(size, static_cast<std::size_t>(n), f, where);
  if (bytes > max_read_bytes)
    f.fail(where, std::to_string(n) + " strings of " + std::to_string(size) + " bytes: more than the limit of " +
                      std::to_string(max_read_bytes) + " bytes");
  handle mem(H5Tcopy(H5T_C_S1));
  H5Tset_size(mem.get(), size);
  H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
  std::vector<char> buf(bytes + 1, '\0');
  herr_t rc = attribute ? H5Aread(obj, mem.get(), buf.data()) : H5Dread(obj, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  if (rc < 0) f.fail(where, "cannot read the strings");
  for (hssize_t i = 0; i < n; ++i) out.push_back(strip(std::string(buf.data() + static_cast<std::size_t>(i) * size, size)));
  return out;
}

} // namespace

void quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::size_t checked_mul(std::size_t a, std::size_t b, const file& f, const std::string& where) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    f.fail(where, "the size " + std::to_string(a) + " x " + std::to_string(b) + " does not fit in memory (damaged file?)");
  return r;
}

handle& handle::operator=(handle&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0 && H5Iis_valid(id_) > 0) H5Idec_ref(id_);
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

handle::~handle() {
  if (id_ >= 0 && H5Iis_valid(id_) > 0) H5Idec_ref(id_);
}

bool is_hdf5(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char sig[8] = {};
  in.read(sig, 8);
  return in.gcount() == 8 && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

file file::open(const std::string& path) {
  quiet();
  file f;
  f.name_ = path;
  if (path.find("%d") != std::string::npos) {
    // HDF5 uses the name as a printf format: one %d and no other directive
    if (path.find('%') != path.find("%d") || path.find('%', path.find("%d") + 1) != std::string::npos)
      throw config_error(path + ": a file family name has one '%d' and no other '%'");
    const std::size_t at = path.find("%d");
    const std::string first = path.substr(0, at) + "0" + path.substr(at + 2);
    if (!is_hdf5(first)) throw config_error(path + ": no HDF5 family member " + first);
    handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    // member size 0: take the one recorded in the file
    H5Pset_fapl_family(fapl.get(), 0, H5P_DEFAULT);
    f.h_ = handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (!f.h_) throw config_error(path + ": cannot open the HDF5 file family (a member missing or damaged?)");
    return f;
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw config_error(path + ": cannot read the file: No such file or directory");
  if (!is_hdf5(path)) throw config_error(path + ": not an HDF5 file");
  f.h_ = handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.h_) throw config_error(path + ": cannot open the HDF5 file (damaged or truncated?)");
  return f;
}

file file::open_image(std::vector<char> image, const std::string& name) {
  quiet();
  file f;
  f.name_ = name;
  f.image_ = std::make_shared<std::vector<char>>(std::move(image));
  if (f.image_->size() < 8 || std::memcmp(f.image_->data(), "\x89HDF\r\n\x1a\n", 8) != 0)
    throw config_error(name + ": not an HDF5 file");
  handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_core(fapl.get(), 1 << 16, 0);
  H5Pset_file_image(fapl.get(), f.image_->data(), f.image_->size());
  f.h_ = handle(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!f.h_) throw config_error(name + ": cannot open the HDF5 file (damaged or truncated?)");
  return f;
}

file file::create(const std::string& path, const std::string& shown_as) {
  quiet();
  file f;
  f.name_ = shown_as.empty() ? path : shown_as;
  f.h_ = handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!f.h_) throw error(f.name_ + ": cannot create the HDF5 file");
  return f;
}

void file::flush() const {
  if (H5Fflush(h_.get(), H5F_SCOPE_GLOBAL) < 0) throw error(name_ + ": cannot write the file (disk full?)");
}

group file::root() const {
  handle g(H5Gopen2(h_.get(), "/", H5P_DEFAULT));
  if (!g) fail("/", "cannot open the root group");
  return group(*this, "/", std::move(g));
}

void file::fail(const std::string& path, const std::string& message) const {
  throw config_error(name_ + ": " + path + ": " + message);
}

group::group(const file& f, std::string path, handle h) : file_(&f), path_(std::move(path)), h_(std::move(h)) {}

std::string group::where(const std::string& name) const { return join(path_, name); }

bool group::has(const std::string& name) const { return link_exists(h_.get(), name); }
bool group::has_group(const std::string& name) const { return object_type(h_.get(), name) == H5I_GROUP; }
bool group::has_dataset(const std::string& name) const { return object_type(h_.get(), name) == H5I_DATASET; }

group group::open_group(const std::string& name) const {
  if (!has_group(name)) file_->fail(where(name), "no such group");
  handle g(H5Gopen2(h_.get(), name.c_str(), H5P_DEFAULT));
  if (!g) file_->fail(where(name), "cannot open the group");
  return group(*file_, where(name), std::move(g));
}

std::vector<std::string> group::members() const {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Literate(h_.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0)
    file_->fail(path_, "cannot list the group");
  return names;
}

bool group::has_attribute(const std::string& name) const { return H5Aexists(h_.get(), name.c_str()) > 0; }

std::optional<std::string> group::maybe_string_attribute(const std::string& name) const {
  if (!has_attribute(name)) return std::nullopt;
  return string_attribute(name);
}

std::string group::string_attribute(const std::string& name) const {
  const std::string at = path_ + " attribute '" + name + "'";
  if (!has_attribute(name)) file_->fail(path_, "missing attribute '" + name + "'");
  handle a(H5Aopen(h_.get(), name.c_str(), H5P_DEFAULT));
  handle type(H5Aget_type(a.get()));
  handle space(H5Aget_space(a.get()));
  if (H5Tget_class(type.get()) != H5T_STRING) file_->fail(at, "not a string");
  auto strings = strings_of(a.get(), type.get(), space.get(), true, at, *file_);
  if (strings.size() != 1) file_->fail(at, "expected one string, found " + std::to_string(strings.size()));
  return strings[0];
}

std::vector<std::string> group::string_list_attribute(const std::string& name) const {
  if (!has_attribute(name)) {
    if (!has_attribute(name + "0")) file_->fail(path_, "missing attribute '" + name + "'");
    std::vector<std::string> all;
    for (int k = 0; has_attribute(name + std::to_string(k)); ++k) {
      auto part = string_list_attribute(name + std::to_string(k));
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }
  const std::string at = path_ + " attribute '" + name + "'";
  handle a(H5Aopen(h_.get(), name.c_str(), H5P_DEFAULT));
  handle type(H5Aget_type(a.get()));
  handle space(H5Aget_space(a.get()));
  if (H5Tget_class(type.get()) != H5T_STRING) {
    if (H5Sget_simple_extent_npoints(space.get()) == 0) return {}; // Keras: an empty float64 array
    file_->fail(at, "not a list of strings");
  }
  return strings_of(a.get(), type.get(), space.get(), true, at, *file_);
}

handle group::open_dataset(const std::string& dataset, dataset_info& info) const {
  if (!has_dataset(dataset)) file_->fail(where(dataset), "no such dataset");
  handle d(H5Dopen2(h_.get(), dataset.c_str(), H5P_DEFAULT));
  if (!d) file_->fail(where(dataset), "cannot open the dataset");
  handle space(H5Dget_space(d.get()));
  handle type(H5Dget_type(d.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) file_->fail(where(dataset), "cannot read the dataset's shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  info = {};
  for (hsize_t d0 : dims) info.shape.push_back(static_cast<std::size_t>(d0));
  const H5T_class_t cls = H5Tget_class(type.get());
  info.is_float = cls == H5T_FLOAT;
  info.is_integer = cls == H5T_INTEGER || cls == H5T_ENUM;
  info.is_compound = cls == H5T_COMPOUND;
  info.is_string = cls == H5T_STRING;
  if (const auto size = absurd_number_size(type.get()))
    file_->fail(where(dataset), "a number of " + std::to_string(*size) + " bytes (damaged file?)");
  return d;
}

std::optional<std::size_t> absurd_number_size(std::int64_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER && cls != H5T_ENUM) return std::nullopt;
  const std::size_t size = H5Tget_size(type);
  if (size == 0 || size > max_number_bytes) return size;
  return std::nullopt;
}

dataset_info group::info(const std::string& dataset) const {
  dataset_info in;
  open_dataset(dataset, in);
  return in;
}

std::vector<double> group::read(const std::string& dataset, dataset_info* shape) const {
  dataset_info in;
  const handle d = open_dataset(dataset, in);
  if (!in.is_float && !in.is_integer) file_->fail(where(dataset), "not a numeric dataset");
  std::size_t n = 1;
  for (std::size_t k : in.shape) n = checked_mul(n, k, *file_, where(dataset));
  if (n > max_values)
    file_->fail(where(dataset), std::to_string(n) + " values: more than the limit of " + std::to_string(max_values) +
                                    " for a dataset read whole");
  std::vector<double> out(n);
  if (n && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    file_->fail(where(dataset), "cannot read the dataset (damaged or truncated file?)");
  if (shape) *shape = in;
  return out;
}

void read_slab(const file& f, const std::string& where, std::int64_t dataset, std::int64_t memory_type, std::size_t first,
               std::size_t count, std::size_t width, void* out) {
  handle space(H5Dget_space(dataset));
  const hsize_t start[2] = {first, 0}, extent[2] = {count, width};
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr);
  const hsize_t n = count * width;
  handle mspace(H5Screate_simple(1, &n, nullptr));
  if (H5Dread(dataset, memory_type, mspace.get(), space.get(), H5P_DEFAULT, out) < 0)
    f.fail(where, "cannot read rows " + std::to_string(first) + ".." + std::to_string(first + count) +
                      " (damaged or truncated file?)");
}

void group::read_rows(const std::string& dataset, std::size_t first, std::size_t count, std::vector<double>& out,
                      std::optional<std::size_t> slots) const {
  dataset_info in;
  const handle d = open_dataset(dataset, in);
  if (!in.is_float && !in.is_integer) file_->fail(where(dataset), "not a numeric dataset");
  if (in.shape.empty() || in.shape.size() > 2) file_->fail(where(dataset), "expected 1 or 2 dimensions");
  if (count > in.shape[0] || first > in.shape[0] - count)
    file_->fail(where(dataset), "rows " + std::to_string(first) + ".." + std::to_string(first + count) + " are past the end (" +
                                    std::to_string(in.shape[0]) + " rows)");
  const std::size_t width = in.shape.size() == 2 ? in.shape[1] : 1;
  if (slots && width != *slots)
    file_->fail(where(dataset), std::to_string(width) + " entries per row where " + std::to_string(*slots) + " are expected");
  if (width > max_slots)
    file_->fail(where(dataset), std::to_string(width) + " entries per row: more than the limit of " + std::to_string(max_slots));
  const std::size_t n = checked_mul(count, width, *file_, where(dataset));
  if (n > max_read_bytes / sizeof(double))
    file_->fail(where(dataset), "reading " + std::to_string(count) + " rows of " + std::to_string(width) + " entries at once needs more than " +
                                    std::to_string(max_read_bytes) + " bytes");
  out.resize(n);
  if (!out.empty()) read_slab(*file_, where(dataset), d.get(), H5T_NATIVE_DOUBLE, first, count, width, out.data());
}

std::vector<std::string> group::read_strings(const std::string& dataset) const {
  dataset_info in;
  const handle d = open_dataset(dataset, in);
  if (!in.is_string) file_->fail(where(dataset), "not a dataset of strings");
  handle type(H5Dget_type(d.get()));
  handle space(H5Dget_space(d.get()));
  return strings_of(d.get(), type.get(), space.get(), false, where(dataset), *file_);
}

void copy_group(const group& source, group& dest_parent, const std::string& name) {
  if (H5Ocopy(source.raw().get(), ".", dest_parent.raw().get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
    throw error("cannot copy " + source.path() + " into the new file");
}

void write_string_attribute(group& g, const std::string& name, const std::string& value) {
  handle type(H5Tcopy(H5T_C_S1));
  handle space(H5Screate(H5S_SCALAR));
  bool ok = type && space && H5Tset_size(type.get(), H5T_VARIABLE) >= 0 && H5Tset_cset(type.get(), H5T_CSET_UTF8) >= 0;
  if (ok && H5Aexists(g.raw().get(), name.c_str()) > 0) ok = H5Adelete(g.raw().get(), name.c_str()) >= 0;
  handle a(ok ? H5Acreate2(g.raw().get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT) : -1);
  const char* p = value.c_str();
  if (!a || H5Awrite(a.get(), type.get(), &p) < 0)
    throw error(g.owner().name() + ": " + g.path() + ": cannot write attribute '" + name + "'");
}

void write_string_list_attribute(group& g, const std::string& name, const std::vector<std::string>& values) {
  std::size_t size = 1;
  for (const auto& v : values) size = std::max(size, v.size());
  handle type(H5Tcopy(H5T_C_S1));
  const hsize_t n = values.size();
  handle space(H5Screate_simple(1, &n, nullptr));
  bool ok = type && space && H5Tset_size(type.get(), size) >= 0 && H5Tset_strpad(type.get(), H5T_STR_NULLPAD) >= 0;
  std::vector<char> buf(size * values.size() + 1, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) std::memcpy(buf.data() + i * size, values[i].data(), values[i].size());
  if (ok && H5Aexists(g.raw().get(), name.c_str()) > 0) ok = H5Adelete(g.raw().get(), name.c_str()) >= 0;
  handle a(ok ? H5Acreate2(g.raw().get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT) : -1);
  if (!a || H5Awrite(a.get(), type.get(), buf.data()) < 0)
    throw error(g.owner().name() + ": " + g.path() + ": cannot write attribute '" + name + "'");
}

} // namespace hepnn::detail::h5
