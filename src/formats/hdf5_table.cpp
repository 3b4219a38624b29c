#include "formats/hdf5_table.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>

namespace hepnn::detail::h5 {
namespace {

/// numpy's spelling: f4, i8, u1
std::string sized(char letter, std::size_t size) {
  std::string s(1, letter);
  s.append(std::to_string(size));
  return s;
}

std::string type_text(hid_t t, field_kind& kind) {
  const std::size_t size = H5Tget_size(t);
  switch (H5Tget_class(t)) {
  case H5T_FLOAT: kind = field_kind::floating; return sized('f', size);
  case H5T_INTEGER:
    kind = field_kind::integer;
    return sized(H5Tget_sign(t) == H5T_SGN_NONE ? 'u' : 'i', size);
  case H5T_ENUM: {
    // h5py stores numpy bools as an enum {FALSE, TRUE}; other enums have no numeric meaning here
    const int n = H5Tget_nmembers(t);
    bool is_bool = n == 2;
    for (int i = 0; i < n && is_bool; ++i) {
      char* name = H5Tget_member_name(t, static_cast<unsigned>(i));
      const std::string s = name ? name : "";
      H5free_memory(name);
      is_bool = s == "FALSE" || s == "TRUE";
    }
    kind = is_bool ? field_kind::boolean : field_kind::other;
    return is_bool ? "bool" : "enum";
  }
  case H5T_STRING: kind = field_kind::other; return "string";
  case H5T_COMPOUND: kind = field_kind::other; return "compound";
  case H5T_ARRAY: kind = field_kind::other; return "array";
  default: kind = field_kind::other; return "unsupported type";
  }
}

/// The integer value of an enum member of `size` bytes.
double enum_value(const unsigned char* p, std::size_t size, bool is_signed) {
  std::int64_t v = 0;
  std::memcpy(&v, p, std::min<std::size_t>(size, 8));
  if (is_signed && size < 8 && (v >> (8 * size - 1)) & 1) v -= std::int64_t{1} << (8 * size);
  return static_cast<double>(v);
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  std::string p(1, '/');
  p.append(path);
  return p;
}

} // namespace

table::table(const file& f, const std::string& path) : file_(&f), path_(absolute(path)) {
  const group root = f.root();
  const std::string rel = path_.substr(1);
  if (!root.has_dataset(rel)) {
    std::string have;
    for (const auto& m : root.members()) have += (have.empty() ? "" : ", ") + m;
    fail("no such dataset" + (have.empty() ? std::string() : " (the file has: " + have + ")"));
  }
  dataset_ = handle(H5Dopen2(f.raw().get(), path_.c_str(), H5P_DEFAULT));
  if (!dataset_) fail("cannot open the dataset");
  handle type(H5Dget_type(dataset_.get()));
  handle space(H5Dget_space(dataset_.get()));
  if (H5Tget_class(type.get()) != H5T_COMPOUND) fail("not a table of named fields (a compound dataset)");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 1 && rank != 2) fail("expected 1 or 2 dimensions, found " + std::to_string(rank));
  hsize_t dims[2] = {0, 1};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  rows_ = static_cast<std::size_t>(dims[0]);
  width_ = rank == 2 ? static_cast<std::size_t>(dims[1]) : 1;
  const int n = H5Tget_nmembers(type.get());
  for (int i = 0; i < n; ++i) {
    char* name = H5Tget_member_name(type.get(), static_cast<unsigned>(i));
    table_field fd;
    fd.name = name ? name : "";
    H5free_memory(name);
    handle mt(H5Tget_member_type(type.get(), static_cast<unsigned>(i)));
    fd.type = type_text(mt.get(), fd.kind);
    fields_.push_back(std::move(fd));
  }
}

void table::fail(const std::string& message) const { file_->fail(path_, message); }

std::vector<std::string> table::field_names() const {
  std::vector<std::string> names;
  for (const auto& f : fields_) names.push_back(f.name);
  return names;
}

const table_field* table::find(const std::string& name) const {
  for (const auto& f : fields_)
    if (f.name == name) return &f;
  return nullptr;
}

void table::require(const std::vector<std::string>& names, const std::string& purpose) const {
  for (const auto& n : names) {
    const table_field* f = find(n);
    if (!f) fail("no field '" + n + "' (needed for " + purpose + ")");
    if (f->kind == field_kind::other)
      fail("field '" + n + "' is of type " + f->type + ", not a number (needed for " + purpose + ")");
  }
}

void table::read(std::size_t first, std::size_t count, const std::vector<std::string>& names, std::vector<double>& out) const {
  require(names, "reading");
  const std::size_t k = names.size();
  out.resize(count * width_ * k);
  if (count == 0 || k == 0) return;
  if (first + count > rows_) fail("rows " + std::to_string(first) + ".." + std::to_string(first + count) + " are past the end");
  handle file_type(H5Dget_type(dataset_.get()));
  handle mem(H5Tcreate(H5T_COMPOUND, 8 * k));
  struct flag_field {
    std::size_t index, size;
    bool is_signed;
  };
  std::vector<flag_field> flags;
  for (std::size_t i = 0; i < k; ++i) {
    if (find(names[i])->kind == field_kind::boolean) {
      const int idx = H5Tget_member_index(file_type.get(), names[i].c_str());
      handle ft(H5Tget_member_type(file_type.get(), static_cast<unsigned>(idx)));
      handle native(H5Tget_native_type(ft.get(), H5T_DIR_ASCEND));
      handle base(H5Tget_super(native.get()));
      flags.push_back({i, H5Tget_size(native.get()), H5Tget_sign(base.get()) != H5T_SGN_NONE});
      H5Tinsert(mem.get(), names[i].c_str(), 8 * i, native.get());
    } else {
      H5Tinsert(mem.get(), names[i].c_str(), 8 * i, H5T_NATIVE_DOUBLE);
    }
  }
  handle space(H5Dget_space(dataset_.get()));
  const hsize_t start[2] = {first, 0}, extent[2] = {count, width_};
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr);
  const hsize_t n = count * width_;
  handle mspace(H5Screate_simple(1, &n, nullptr));
  if (H5Dread(dataset_.get(), mem.get(), mspace.get(), space.get(), H5P_DEFAULT, out.data()) < 0)
    fail("cannot read rows " + std::to_string(first) + ".." + std::to_string(first + count) + " (damaged or truncated file?)");
  for (const auto& fl : flags)
    for (std::size_t e = 0; e < n; ++e) {
      double* slot = out.data() + e * k + fl.index;
      unsigned char raw[8];
      std::memcpy(raw, slot, 8);
      *slot = enum_value(raw, fl.size, fl.is_signed);
    }
}

table_writer::table_writer(file& f, const std::string& name, std::vector<column> columns)
    : file_(&f), name_(name), columns_(std::move(columns)) {
  const std::size_t k = columns_.size();
  std::vector<hid_t> types;
  std::size_t size = 0;
  for (const auto& c : columns_) {
    static const std::pair<const char*, hid_t> known[] = {
        {"f4", H5T_IEEE_F32LE}, {"f8", H5T_IEEE_F64LE}, {"i1", H5T_STD_I8LE}, {"i4", H5T_STD_I32LE},
        {"i8", H5T_STD_I64LE},  {"u1", H5T_STD_U8LE},   {"bool", H5T_STD_U8LE}, {"u4", H5T_STD_U32LE}};
    hid_t t = -1;
    for (const auto& [spelling, id] : known)
      if (c.type == spelling) t = id;
    if (t < 0) f.fail("/" + name, "cannot store column '" + c.name + "' as " + c.type);
    types.push_back(t);
    size += H5Tget_size(t);
  }
  handle file_type(H5Tcreate(H5T_COMPOUND, size == 0 ? 1 : size));
  memory_type_ = handle(H5Tcreate(H5T_COMPOUND, 8 * (k == 0 ? 1 : k)));
  std::size_t offset = 0;
  for (std::size_t i = 0; i < k; ++i) {
    H5Tinsert(file_type.get(), columns_[i].name.c_str(), offset, types[i]);
    offset += H5Tget_size(types[i]);
    H5Tinsert(memory_type_.get(), columns_[i].name.c_str(), 8 * i, H5T_NATIVE_DOUBLE);
  }
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = 4096;
  handle space(H5Screate_simple(1, &zero, &unlimited));
  handle props(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(props.get(), 1, &chunk);
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) H5Pset_deflate(props.get(), 4);
  dataset_ = handle(H5Dcreate2(f.raw().get(), name.c_str(), file_type.get(), space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT));
  if (!dataset_) f.fail("/" + name, "cannot create the dataset");
}

void table_writer::append(const double* rows, std::size_t count) {
  if (count == 0) return;
  const hsize_t total = rows_ + count, start = rows_, n = count;
  if (H5Dset_extent(dataset_.get(), &total) < 0) file_->fail("/" + name_, "cannot extend the dataset");
  handle space(H5Dget_space(dataset_.get()));
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
  handle mspace(H5Screate_simple(1, &n, nullptr));
  if (H5Dwrite(dataset_.get(), memory_type_.get(), mspace.get(), space.get(), H5P_DEFAULT, rows) < 0)
    file_->fail("/" + name_, "cannot write rows (disk full?)");
  rows_ = total;
}

} // namespace hepnn::detail::h5
