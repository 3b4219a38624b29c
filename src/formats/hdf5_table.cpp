#include "formats/hdf5_table.hpp"
#include "model/text.hpp"

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
    const std::string have = join(root.members());
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
  if (width_ > max_slots)
    fail(std::to_string(width_) + " entries per row: more than the limit of " + std::to_string(max_slots));
  row_bytes_ = H5Tget_size(type.get());
  // reads take at least one row, so one row must fit in a read
  if (row_bytes_ == 0 || width_ > max_read_bytes / row_bytes_)
    fail("a row of " + std::to_string(width_) + " entries of " + std::to_string(row_bytes_) + " bytes: more than the limit of " +
         std::to_string(max_read_bytes) + " bytes for one read (damaged file?)");
  const int n = H5Tget_nmembers(type.get());
  const std::size_t row_size = row_bytes_;
  for (int i = 0; i < n; ++i) {
    char* name = H5Tget_member_name(type.get(), static_cast<unsigned>(i));
    table_field fd;
    fd.name = name ? name : "";
    H5free_memory(name);
    handle mt(H5Tget_member_type(type.get(), static_cast<unsigned>(i)));
    // libhdf5 1.10 does not check this when it decodes a damaged type, and its
    // conversions then read outside the row
    const std::size_t offset = H5Tget_member_offset(type.get(), static_cast<unsigned>(i));
    if (!mt || offset > row_size || H5Tget_size(mt.get()) > row_size - offset)
      fail("field '" + fd.name + "' lies outside the " + std::to_string(row_size) + "-byte row (damaged file?)");
    if (const auto size = absurd_number_size(mt.get()))
      fail("field '" + fd.name + "' is a number of " + std::to_string(*size) + " bytes (damaged file?)");
    fd.type = type_text(mt.get(), fd.kind);
    fields_.push_back(std::move(fd));
  }
  chunks_ = chunk_reader::open(f, path_, dataset_.get());
}

void table::fail(const std::string& message) const { file_->fail(path_, message); }

std::size_t table::rows_per_read(std::size_t wanted) const noexcept {
  // raw rows plus every field as a double, per entry
  const std::size_t per_row = width_ * (row_bytes_ + 8 * fields_.size()) + 1;
  return std::clamp<std::size_t>(max_read_bytes / per_row, 1, std::max<std::size_t>(wanted, 1));
}

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

table::rows_view::layout table::packed_layout(const std::vector<std::string>& names) const {
  require(names, "reading");
  // HDF5 reads the wanted members in their own (native) types, packed: a
  // plain copy per member, far faster than its conversions to double
  handle file_type(H5Dget_type(dataset_.get()));
  rows_view::layout l;
  for (const auto& name : names) {
    const int idx = H5Tget_member_index(file_type.get(), name.c_str());
    handle ft(H5Tget_member_type(file_type.get(), static_cast<unsigned>(idx)));
    handle native(H5Tget_native_type(ft.get(), H5T_DIR_ASCEND));
    const H5T_class_t cls = H5Tget_class(native.get());
    bool is_signed = true;
    if (cls == H5T_INTEGER) is_signed = H5Tget_sign(native.get()) != H5T_SGN_NONE;
    if (cls == H5T_ENUM) {
      handle base(H5Tget_super(native.get()));
      is_signed = H5Tget_sign(base.get()) != H5T_SGN_NONE;
    }
    const std::size_t size = H5Tget_size(native.get());
    if ((cls == H5T_FLOAT && size != 4 && size != 8) || (cls != H5T_FLOAT && size != 1 && size != 2 && size != 4 && size != 8))
      fail("field '" + name + "': a " + std::to_string(size) + "-byte number is not supported");
    l.slots.push_back({l.row, size, cls == H5T_FLOAT, is_signed});
    l.row += size;
  }
  return l;
}

std::optional<table::rows_view::layout> table::stored_layout(const std::vector<std::string>& names) const {
  if (!chunks_) return std::nullopt;
  rows_view::layout l = packed_layout(names);
  handle file_type(H5Dget_type(dataset_.get()));
  for (std::size_t i = 0; i < names.size(); ++i) {
    // in place only when the stored member is what the machine's own type is (byte order, size, enum values)
    const int idx = H5Tget_member_index(file_type.get(), names[i].c_str());
    handle ft(H5Tget_member_type(file_type.get(), static_cast<unsigned>(idx)));
    handle native(H5Tget_native_type(ft.get(), H5T_DIR_ASCEND));
    if (H5Tequal(ft.get(), native.get()) <= 0) return std::nullopt;
    l.slots[i].offset = H5Tget_member_offset(file_type.get(), static_cast<unsigned>(idx));
  }
  l.row = row_bytes_;
  return l;
}

void table::fetch_into(std::size_t first, std::size_t count, const std::vector<std::string>& names, const rows_view::layout& packed,
                       std::vector<unsigned char>& buffer) const {
  if (count > rows_ || first > rows_ - count) fail("rows " + std::to_string(first) + ".." + std::to_string(first + count) + " are past the end");
  const std::size_t entries = checked_mul(count, width_, *file_, path_);
  const std::size_t row = packed.row;
  // a damaged or hostile file can declare any extent: refuse one read of more than 1 GiB
  constexpr std::size_t max_bytes = std::size_t(1) << 30;
  if (row != 0 && entries > max_bytes / row)
    fail(std::to_string(count) + " rows of " + std::to_string(width_) + " entries of " + std::to_string(row) +
         " bytes are too many to read at once (damaged file?)");
  buffer.clear();
  if (entries == 0 || names.empty()) return; // nothing to read
  handle file_type(H5Dget_type(dataset_.get()));
  handle mem(H5Tcreate(H5T_COMPOUND, row));
  for (std::size_t i = 0; i < names.size(); ++i) {
    const int idx = H5Tget_member_index(file_type.get(), names[i].c_str());
    handle ft(H5Tget_member_type(file_type.get(), static_cast<unsigned>(idx)));
    handle native(H5Tget_native_type(ft.get(), H5T_DIR_ASCEND));
    H5Tinsert(mem.get(), names[i].c_str(), packed.slots[i].offset, native.get());
  }
  const std::size_t bytes = checked_mul(entries, row, *file_, path_);
  if (bytes > max_read_bytes)
    fail("reading " + std::to_string(count) + " rows at once needs " + std::to_string(bytes) + " bytes, more than the limit of " +
         std::to_string(max_read_bytes));
  buffer.resize(bytes);
  read_slab(*file_, path_, dataset_.get(), mem.get(), first, count, width_, buffer.data());
}

const table::rows_view& table::fetch(std::size_t first, std::size_t count, const std::vector<std::string>& names) const {
  layout_ = packed_layout(names);
  fetch_into(first, count, names, layout_, buffer_);
  view_ = rows_view(&layout_, buffer_.data(), count * width_);
  return view_;
}

void table::rows_view::convert(std::size_t entry, double* out) const {
  for (std::size_t i = 0; i < l_->slots.size(); ++i) out[i] = value(entry, i);
}

void table::read(std::size_t first, std::size_t count, const std::vector<std::string>& names, std::vector<double>& out) const {
  const rows_view& v = fetch(first, count, names);
  const std::size_t k = names.size();
  out.resize(count * width_ * k);
  for (std::size_t e = 0; e < v.size() && k; ++e) v.convert(e, out.data() + e * k);
}

namespace {

struct stored_type {
  const char* spelling;
  hid_t file, memory;
  bool is_float, is_signed;
};

const stored_type* stored(const std::string& spelling) {
  static const stored_type known[] = {
      {"f4", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, true, true},   {"f8", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, true, true},
      {"i1", H5T_STD_I8LE, H5T_NATIVE_INT8, false, true},     {"i2", H5T_STD_I16LE, H5T_NATIVE_INT16, false, true},
      {"i4", H5T_STD_I32LE, H5T_NATIVE_INT32, false, true},   {"i8", H5T_STD_I64LE, H5T_NATIVE_INT64, false, true},
      {"u1", H5T_STD_U8LE, H5T_NATIVE_UINT8, false, false},   {"bool", H5T_STD_U8LE, H5T_NATIVE_UINT8, false, false},
      {"u2", H5T_STD_U16LE, H5T_NATIVE_UINT16, false, false}, {"u4", H5T_STD_U32LE, H5T_NATIVE_UINT32, false, false},
      {"u8", H5T_STD_U64LE, H5T_NATIVE_UINT64, false, false}};
  for (const auto& t : known)
    if (spelling == t.spelling) return &t;
  return nullptr;
}

} // namespace

void table_writer::fail(const std::string& message) const { file_->fail("/" + name_, message); }

table_writer::table_writer(file& f, const std::string& name, std::vector<column> columns)
    : file_(&f), name_(name), columns_(std::move(columns)) {
  const std::size_t k = columns_.size();
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (columns_[i].name == columns_[j].name)
        fail("column '" + columns_[i].name + "' would be written twice, by " + columns_[j].source + " and by " +
             columns_[i].source + " (rename one of them)");
  std::vector<const stored_type*> types;
  for (const auto& c : columns_) {
    const stored_type* t = stored(c.type);
    if (!t) fail("cannot store column '" + c.name + "' as " + c.type);
    types.push_back(t);
    offsets_.push_back(row_size_);
    sizes_.push_back(H5Tget_size(t->memory));
    row_size_ += sizes_.back();
  }
  auto check = [this](bool ok, const char* what) {
    if (!ok) throw error(file_->name() + ": /" + name_ + ": cannot " + what + " (HDF5 error)");
  };
  handle file_type(H5Tcreate(H5T_COMPOUND, row_size_ == 0 ? 1 : row_size_));
  memory_type_ = handle(H5Tcreate(H5T_COMPOUND, row_size_ == 0 ? 1 : row_size_));
  check(file_type && memory_type_, "create the row type");
  for (std::size_t i = 0; i < k; ++i) {
    // file and memory rows have the same sizes and offsets; only the byte order may differ
    check(H5Tinsert(file_type.get(), columns_[i].name.c_str(), offsets_[i], types[i]->file) >= 0 &&
              H5Tinsert(memory_type_.get(), columns_[i].name.c_str(), offsets_[i], types[i]->memory) >= 0,
          "add a column to the row type");
  }
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = 4096;
  handle space(H5Screate_simple(1, &zero, &unlimited));
  handle props(H5Pcreate(H5P_DATASET_CREATE));
  check(space && props && H5Pset_chunk(props.get(), 1, &chunk) >= 0, "set up the dataset");
  // level 1: compressing runs on the one thread that writes (serial when
  // scoring on several threads), and scores gain little from higher levels
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) check(H5Pset_deflate(props.get(), 1) >= 0, "set up compression");
  dataset_ = handle(H5Dcreate2(f.raw().get(), name.c_str(), file_type.get(), space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT));
  check(static_cast<bool>(dataset_), "create the dataset");
}

void table_writer::put(unsigned char* row, std::size_t k, double v) const {
  const stored_type& t = *stored(columns_[k].type);
  unsigned char* p = row + offsets_[k];
  auto store = [p](auto x) { std::memcpy(p, &x, sizeof x); };
  switch (sizes_[k]) {
  case 1: return t.is_signed ? store(static_cast<std::int8_t>(v)) : store(static_cast<std::uint8_t>(v));
  case 2: return t.is_signed ? store(static_cast<std::int16_t>(v)) : store(static_cast<std::uint16_t>(v));
  case 4:
    if (t.is_float) return store(static_cast<float>(v));
    return t.is_signed ? store(static_cast<std::int32_t>(v)) : store(static_cast<std::uint32_t>(v));
  default:
    if (t.is_float) return store(v);
    return t.is_signed ? store(static_cast<std::int64_t>(v)) : store(static_cast<std::uint64_t>(v));
  }
}

void table_writer::append(const double* rows, std::size_t count) {
  const std::size_t k = columns_.size();
  packed_.assign(count * row_size_, 0);
  for (std::size_t r = 0; r < count; ++r)
    for (std::size_t c = 0; c < k; ++c) put(packed_.data() + r * row_size_, c, rows[r * k + c]);
  append(packed_.data(), count);
}

void table_writer::append(const unsigned char* rows, std::size_t count) {
  if (count == 0) return;
  const hsize_t total = rows_ + count, start = rows_, n = count;
  if (H5Dset_extent(dataset_.get(), &total) < 0) fail("cannot extend the dataset");
  handle space(H5Dget_space(dataset_.get()));
  handle mspace(H5Screate_simple(1, &n, nullptr));
  if (!space || !mspace || H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr) < 0)
    fail("cannot select rows " + std::to_string(start) + ".." + std::to_string(total));
  if (H5Dwrite(dataset_.get(), memory_type_.get(), mspace.get(), space.get(), H5P_DEFAULT, rows) < 0)
    fail("cannot write rows (disk full?)");
  rows_ = total;
}

} // namespace hepnn::detail::h5
