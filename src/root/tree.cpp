// TTree: typing every branch (leaves, streamer infos, STL class names) and
// reading a range of entries basket by basket.
#include "root/cursor.hpp"
#include "root/decompress.hpp"
#include "root/file_impl.hpp"

#include <algorithm>
#include <cstring>

namespace hepnn::root {

using detail::cursor;

namespace {

/// How one entry's bytes are laid out.
enum class layout { fixed_bytes, counted, pointer_array, tstring, collection, none, unsupported };

struct decoder {
  layout kind = layout::unsupported;
  value_type type = value_type::int32;
  std::size_t count = 1;       ///< fixed_bytes: values per entry (one field)
  int depth = 0;               ///< collection: 0 a std::string, 1 vector<T>, 2 vector<vector<T>>
  std::size_t entry_bytes = 0; ///< fixed_bytes: bytes of one entry
  std::vector<field> fields;   ///< fixed_bytes: the leaves (one for a plain leaf)
  std::vector<std::size_t> field_counts;
};

struct basket_ref {
  std::int64_t first = 0, last = 0;
  std::int64_t seek = 0;
  std::int32_t bytes = 0;
  int embedded = -1; ///< index into branch_rec::embedded, or -1
};

bool leaf_type(const std::string& cls, bool is_unsigned, value_type& t, std::string& name) {
  if (cls == "TLeafO") t = value_type::boolean, name = "Bool_t";
  else if (cls == "TLeafB") t = is_unsigned ? value_type::uint8 : value_type::int8, name = is_unsigned ? "UChar_t" : "Char_t";
  else if (cls == "TLeafS") t = is_unsigned ? value_type::uint16 : value_type::int16, name = is_unsigned ? "UShort_t" : "Short_t";
  else if (cls == "TLeafI") t = is_unsigned ? value_type::uint32 : value_type::int32, name = is_unsigned ? "UInt_t" : "Int_t";
  else if (cls == "TLeafL") t = is_unsigned ? value_type::uint64 : value_type::int64, name = is_unsigned ? "ULong64_t" : "Long64_t";
  else if (cls == "TLeafG") t = is_unsigned ? value_type::uint64 : value_type::int64, name = is_unsigned ? "ULong_t" : "Long_t";
  else if (cls == "TLeafF") t = value_type::float32, name = "Float_t";
  else if (cls == "TLeafD") t = value_type::float64, name = "Double_t";
  else if (cls == "TLeafC") t = value_type::string, name = "char*";
  else return false;
  return true;
}

/// TStreamerInfo's type codes of basic types (kChar .. kBool).
bool streamer_code_type(int code, value_type& t) {
  switch (code) {
  case 1: t = value_type::int8; return true;
  case 2: t = value_type::int16; return true;
  case 3:
  case 6: t = value_type::int32; return true;
  case 4:
  case 16: t = value_type::int64; return true;
  case 5: t = value_type::float32; return true;
  case 8: t = value_type::float64; return true;
  case 11: t = value_type::uint8; return true;
  case 12: t = value_type::uint16; return true;
  case 13:
  case 15: t = value_type::uint32; return true;
  case 14:
  case 17: t = value_type::uint64; return true;
  case 18: t = value_type::boolean; return true;
  default: return false; // kCharStar, Double32_t, Float16_t, ...
  }
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.rfind("std::", 0) == 0) s.erase(0, 5);
  return s;
}

bool basic_cxx_type(const std::string& n, value_type& t) {
  static const std::pair<const char*, value_type> names[] = {
      {"bool", value_type::boolean},           {"Bool_t", value_type::boolean},
      {"char", value_type::int8},              {"Char_t", value_type::int8},           {"signed char", value_type::int8},
      {"int8_t", value_type::int8},            {"unsigned char", value_type::uint8},   {"UChar_t", value_type::uint8},
      {"uint8_t", value_type::uint8},          {"short", value_type::int16},           {"Short_t", value_type::int16},
      {"int16_t", value_type::int16},          {"unsigned short", value_type::uint16}, {"UShort_t", value_type::uint16},
      {"uint16_t", value_type::uint16},        {"int", value_type::int32},             {"Int_t", value_type::int32},
      {"int32_t", value_type::int32},          {"unsigned int", value_type::uint32},   {"UInt_t", value_type::uint32},
      {"unsigned", value_type::uint32},        {"uint32_t", value_type::uint32},       {"long", value_type::int64},
      {"Long_t", value_type::int64},           {"long long", value_type::int64},       {"Long64_t", value_type::int64},
      {"int64_t", value_type::int64},          {"unsigned long", value_type::uint64},  {"ULong_t", value_type::uint64},
      {"unsigned long long", value_type::uint64}, {"ULong64_t", value_type::uint64}, {"uint64_t", value_type::uint64},
      {"float", value_type::float32},          {"Float_t", value_type::float32},       {"double", value_type::float64},
      {"Double_t", value_type::float64},
  };
  for (const auto& [name, type] : names)
    if (n == name) return t = type, true;
  return false;
}

/// The first template argument of "vector<...>" (allocators dropped), or "".
std::string vector_argument(const std::string& n) {
  if (n.rfind("vector<", 0) != 0 || n.back() != '>') return "";
  int depth = 0;
  for (std::size_t i = 7; i < n.size(); ++i) {
    const char ch = n[i];
    if (ch == '<') ++depth;
    else if (ch == '>') {
      if (depth == 0) return trim(n.substr(7, i - 7));
      --depth;
    } else if (ch == ',' && depth == 0) {
      return trim(n.substr(7, i - 7));
    }
  }
  return "";
}

/// std::string, vector<T>, vector<vector<T>> of basic T or strings.
bool stl_type(const std::string& raw, decoder& d, std::string& why) {
  const std::string n = trim(raw);
  if (n == "string" || n == "TString") {
    d.kind = layout::collection, d.depth = 0, d.type = value_type::string;
    return true;
  }
  const std::string inner = vector_argument(n);
  if (inner.empty()) {
    why = "type '" + raw + "' is not a std::vector, std::string or basic type";
    return false;
  }
  const std::string inner2 = vector_argument(inner);
  const std::string elem = inner2.empty() ? inner : inner2;
  value_type t{};
  if (elem == "string" || elem == "TString") t = value_type::string;
  else if (!basic_cxx_type(elem, t)) {
    why = "element type '" + elem + "' of '" + raw + "' is not a basic type or string";
    return false;
  }
  d.kind = layout::collection, d.type = t, d.depth = inner2.empty() ? 1 : 2;
  if (!inner2.empty() && !vector_argument(inner2).empty()) {
    why = "vectors nested more than two deep ('" + raw + "')";
    return false;
  }
  return true;
}

template <class Byte> void append_swapped(std::vector<unsigned char>& out, const Byte* src, std::size_t n, std::size_t w) {
  if (n == 0) return;
  const std::size_t at = out.size();
  out.resize(at + n * w);
  unsigned char* dst = out.data() + at;
  const unsigned char* s = reinterpret_cast<const unsigned char*>(src);
  if (w == 1) {
    std::memcpy(dst, s, n);
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < w; ++k) dst[i * w + k] = s[i * w + w - 1 - k];
}

} // namespace

struct tree::impl {
  std::shared_ptr<file::impl> f;
  tree_info info;
  std::vector<branch_info> infos;
  std::vector<const detail::branch_rec*> recs;
  std::vector<decoder> decoders;
  std::vector<std::vector<basket_ref>> baskets;
  detail::ttree_rec rec;
  // the last basket read (consecutive chunks of one branch reuse it)
  std::size_t cached_branch = SIZE_MAX, cached_basket = SIZE_MAX;
  std::vector<unsigned char> cached_data;
  std::vector<std::uint32_t> cached_offsets;

  void add(const detail::branch_rec& b, const std::string& parent, int parent_type);
  void type_element(const detail::branch_rec& b, branch_info& i, decoder& d, int parent_type);
  void type_plain(const detail::branch_rec& b, branch_info& i, decoder& d);
  std::vector<basket_ref> list_baskets(const detail::branch_rec& b) const;
  void load_basket(std::size_t branch, std::size_t basket);
  void decode(std::size_t branch, const unsigned char* p, std::size_t n, const std::string& where, branch_values& out) const;
};

void tree::impl::type_plain(const detail::branch_rec& b, branch_info& i, decoder& d) {
  i.branch_class = b.cls;
  if (b.leaves.empty()) {
    if (!b.children.empty()) i.shape = shape::none, d.kind = layout::none, i.type = "(sub-branches)";
    else i.unsupported = "a branch without leaves";
    return;
  }
  if (b.leaves.size() > 1) {
    i.type = "leaflist";
    d.kind = layout::fixed_bytes;
    for (const auto& l : b.leaves) {
      value_type t{};
      std::string tn;
      if (!leaf_type(l.cls, l.is_unsigned, t, tn) || t == value_type::string || l.len != 1 || !l.count.empty()) {
        i.unsupported = "leaf list with leaf '" + l.name + "' of class " + l.cls + " (only single basic values are read)";
        i.type += ":" + l.name + "/" + l.cls;
        continue;
      }
      i.type += ":" + l.name + "/" + tn;
      d.fields.push_back({l.name, t});
      d.field_counts.push_back(1);
      d.entry_bytes += width(t);
    }
    i.shape = shape::leaflist;
    i.fields = d.fields;
    return;
  }
  const auto& l = b.leaves.front();
  value_type t{};
  std::string tn;
  if (!leaf_type(l.cls, l.is_unsigned, t, tn)) {
    i.type = l.cls;
    i.unsupported = "leaf class " + l.cls;
    return;
  }
  const auto bracket = l.title.find('[');
  i.type = tn + (bracket == std::string::npos || t == value_type::string ? std::string() : l.title.substr(bracket));
  i.type_of_values = d.type = t;
  if (t == value_type::string) {
    i.shape = shape::scalar, d.kind = layout::tstring;
  } else if (!l.count.empty()) {
    i.shape = shape::jagged, i.count_leaf = l.count, d.kind = layout::counted;
  } else {
    if (l.len < 1) {
      i.unsupported = "leaf '" + l.name + "' has length " + std::to_string(l.len);
      return;
    }
    i.shape = l.len > 1 ? shape::fixed : shape::scalar;
    i.length = std::size_t(l.len);
    d.kind = layout::fixed_bytes;
    d.fields.push_back({l.name, t});
    d.field_counts.push_back(std::size_t(l.len));
    d.entry_bytes = std::size_t(l.len) * width(t);
  }
}

void tree::impl::type_element(const detail::branch_rec& b, branch_info& i, decoder& d, int parent_type) {
  i.branch_class = b.cls;
  std::string why;
  bool is_array = false;
  if (parent_type == 3 || parent_type == 4) {
    i.type = b.class_name;
    i.unsupported = "member of a split collection of objects (memberwise storage)";
    return;
  }
  if (b.id < 0) {
    i.type = b.class_name;
    if (!b.children.empty()) {
      i.shape = shape::none, d.kind = layout::none;
      if (b.type == 3 || b.type == 4) i.unsupported = "split collection of objects '" + b.class_name + "'";
      return;
    }
    if (!stl_type(b.class_name, d, why)) {
      i.unsupported = why;
      return;
    }
  } else {
    const auto& streamers = f->streamer_infos();
    const detail::streamer_info* si = nullptr;
    for (const auto& s : streamers)
      if (s.class_name == b.class_name && (s.class_version == b.class_version || !si)) si = &s;
    if (!si || std::size_t(b.id) >= si->elements.size()) {
      i.type = b.class_name;
      i.unsupported = "no streamer info for member " + std::to_string(b.id) + " of class '" + b.class_name + "'";
      return;
    }
    const auto& e = si->elements[std::size_t(b.id)];
    const int code = e.type;
    i.type = e.type_name;
    value_type t{};
    if (code > 0 && code < 20 && streamer_code_type(code, t)) {
      d.kind = layout::fixed_bytes, d.type = t, d.fields.push_back({e.name, t}), d.field_counts.push_back(1), d.entry_bytes = width(t);
    } else if (code > 20 && code < 40 && streamer_code_type(code - 20, t)) {
      if (e.array_length < 1 || std::uint64_t(e.array_length) > limits::max_object_bytes) {
        i.unsupported = "array member with length " + std::to_string(e.array_length);
        return;
      }
      i.type += "[" + std::to_string(e.array_length) + "]";
      is_array = true;
      d.kind = layout::fixed_bytes, d.type = t, d.fields.push_back({e.name, t});
      d.field_counts.push_back(std::size_t(e.array_length));
      d.entry_bytes = std::size_t(e.array_length) * width(t);
    } else if (code > 40 && code < 60 && streamer_code_type(code - 40, t)) {
      d.kind = layout::pointer_array, d.type = t;
    } else if (code == 65) {
      d.kind = layout::tstring, d.type = value_type::string;
    } else if (code == 300 || code == 365 || code == 500) {
      if (!stl_type(e.type_name, d, why)) {
        i.unsupported = why;
        return;
      }
    } else if (!b.children.empty()) {
      i.shape = shape::none, d.kind = layout::none;
      return;
    } else {
      i.unsupported = "member '" + e.name + "' of streamer type " + std::to_string(code);
      return;
    }
  }
  d.type = d.kind == layout::tstring ? value_type::string : d.type;
  i.type_of_values = d.type;
  switch (d.kind) {
  case layout::fixed_bytes: i.shape = is_array ? shape::fixed : shape::scalar; break;
  case layout::pointer_array: i.shape = shape::jagged; break;
  case layout::tstring: i.shape = shape::scalar; break;
  case layout::collection: i.shape = d.depth == 0 ? shape::scalar : d.depth == 1 ? shape::vector : shape::vector_vector; break;
  default: break;
  }
  if (i.shape == shape::fixed) i.length = d.field_counts.front();
}

void tree::impl::add(const detail::branch_rec& b, const std::string& parent, int parent_type) {
  branch_info i;
  decoder d;
  i.name = b.name;
  i.parent = parent;
  i.entries = b.entries;
  if (b.cls == "TBranch") type_plain(b, i, d);
  else if (b.cls == "TBranchElement") type_element(b, i, d, parent_type);
  else {
    i.branch_class = b.cls;
    i.type = b.cls;
    i.unsupported = "branch class " + b.cls;
  }
  std::vector<basket_ref> list;
  if (i.unsupported.empty() && d.kind != layout::none) {
    try {
      list = list_baskets(b);
    } catch (const input_error& e) {
      i.unsupported = e.what();
    }
  }
  if (!i.unsupported.empty()) i.shape = shape::unsupported, d.kind = layout::unsupported;
  i.baskets = list.size();
  infos.push_back(i);
  recs.push_back(&b);
  decoders.push_back(d);
  baskets.push_back(std::move(list));
  for (const auto& c : b.children) add(c, b.name, b.cls == "TBranchElement" ? b.type : 0);
}

std::vector<basket_ref> tree::impl::list_baskets(const detail::branch_rec& b) const {
  std::vector<basket_ref> out;
  const std::string where = f->path + ": tree '" + info.path + "', branch '" + b.name + "'";
  const std::size_t n = std::size_t(b.write_basket);
  if (n > b.basket_entry.size() || (n > 0 && (b.basket_bytes.size() < n || b.basket_seek.size() < n)))
    throw input_error(where + ": fWriteBasket exceeds the basket arrays");
  std::int64_t next = 0;
  for (std::size_t k = 0; k < n; ++k) {
    basket_ref r;
    r.first = b.basket_entry[k];
    r.last = k + 1 < b.basket_entry.size() && k + 1 <= n ? b.basket_entry[k + 1] : b.entries;
    if (k + 1 == n) {
      // the last written basket ends where the next (embedded) one starts
      r.last = k + 1 < b.basket_entry.size() ? b.basket_entry[k + 1] : b.entries;
      if (r.last == 0 || r.last < r.first) r.last = b.entries;
    }
    r.seek = b.basket_seek[k];
    r.bytes = b.basket_bytes[k];
    if (r.first != next || r.last < r.first || r.last > b.entries || r.seek <= 0 || r.bytes <= 0)
      throw input_error(where + ": basket " + std::to_string(k) + " has a bad entry range or position (" + std::to_string(r.first) + ".." + std::to_string(r.last) + " seek " + std::to_string(r.seek) + " bytes " + std::to_string(r.bytes) + ")");
    next = r.last;
    out.push_back(r);
  }
  for (std::size_t k = 0; k < b.embedded.size(); ++k) {
    const auto& e = b.embedded[k];
    if (std::size_t(e.slot) < n) continue; // also written to the file
    basket_ref r;
    r.first = next;
    r.last = next + e.entries;
    r.embedded = int(k);
    if (r.last > b.entries) throw input_error(where + ": embedded basket has more entries than the branch");
    next = r.last;
    out.push_back(r);
  }
  if (next != b.entries)
    throw input_error(where + ": baskets hold " + std::to_string(next) + " entries, the branch has " + std::to_string(b.entries));
  return out;
}

void tree::impl::load_basket(std::size_t branch, std::size_t k) {
  if (cached_branch == branch && cached_basket == k) return;
  cached_branch = cached_basket = SIZE_MAX;
  const auto& r = baskets[branch][k];
  const auto& b = *recs[branch];
  const std::string what = "tree '" + info.path + "', branch '" + b.name + "', basket " + std::to_string(k);
  const std::int64_t n_entries = r.last - r.first;
  cached_offsets.clear();
  if (r.embedded >= 0) {
    const auto& e = b.embedded[std::size_t(r.embedded)];
    if (e.entries != n_entries) throw input_error(f->path + ": " + what + ": entry count mismatch");
    cached_data = e.data;
    cached_offsets = e.offsets;
  } else {
    const std::vector<unsigned char> raw = f->read_range(std::uint64_t(r.seek), std::size_t(r.bytes), what);
    const detail::key k0 = f->parse_key(raw.data(), raw.size(), what);
    const std::string where = f->path + ": " + what;
    cursor c(raw.data(), raw.size(), &where);
    // the TBasket fields close the key header
    c.seek(std::size_t(k0.keylen) < 19 ? 0 : std::size_t(k0.keylen) - 19, "basket header");
    c.u16("TBasket version");
    c.i32("fBufferSize");
    c.i32("fNevBufSize");
    const std::int32_t nev = c.i32("fNevBuf");
    const std::int32_t last = c.i32("fLast");
    if (k0.nbytes != r.bytes) c.fail("key length " + std::to_string(k0.nbytes) + " differs from the branch's fBasketBytes " + std::to_string(r.bytes));
    if (nev != n_entries) c.fail("holds " + std::to_string(nev) + " entries, the branch says " + std::to_string(n_entries));
    const std::size_t stored = std::size_t(k0.nbytes - k0.keylen);
    std::vector<unsigned char> obj = stored == std::size_t(k0.objlen)
                                         ? std::vector<unsigned char>(raw.begin() + k0.keylen, raw.end())
                                         : detail::decompress(raw.data() + k0.keylen, stored, std::size_t(k0.objlen), where);
    const std::int64_t border = std::int64_t(last) - k0.keylen;
    if (border < 0 || std::uint64_t(border) > obj.size()) c.fail("fLast lies outside the basket");
    if (std::uint64_t(border) < obj.size()) {
      cursor oc(obj.data(), obj.size(), &where);
      oc.seek(std::size_t(border), "entry offsets");
      const std::int32_t count = oc.i32("entry offset count");
      if (count < nev || std::size_t(count) > oc.left() / 4) oc.fail("bad entry offset count " + std::to_string(count));
      for (std::int32_t e = 0; e < nev; ++e) {
        const std::int64_t o = std::int64_t(oc.i32("entry offset")) - k0.keylen;
        if (o < 0 || o > border || (!cached_offsets.empty() && std::uint32_t(o) < cached_offsets.back()))
          oc.fail("entry offset " + std::to_string(e) + " out of order or outside the data");
        cached_offsets.push_back(std::uint32_t(o));
      }
      cached_offsets.push_back(std::uint32_t(border));
    }
    obj.resize(std::size_t(border));
    cached_data = std::move(obj);
  }
  cached_branch = branch;
  cached_basket = k;
}

namespace {

struct entry_reader {
  cursor c;
  const std::string& branch;
  std::int64_t entry;
  [[noreturn]] void fail(const std::string& what) const {
    throw input_error(c.where() + ": entry " + std::to_string(entry) + ": " + what);
  }
};

void read_string(cursor& c, std::vector<std::string>& out) { out.push_back(c.tstring("string")); }

void read_values(cursor& c, column& col, std::size_t n) {
  if (col.type == value_type::string) {
    for (std::size_t i = 0; i < n; ++i) read_string(c, col.strings);
    return;
  }
  const std::size_t w = width(col.type);
  if (n > c.left() / w) c.fail("a list of " + std::to_string(n) + " values runs past the entry");
  append_swapped(col.values, c.here(), n, w);
  c.skip(n * w);
}

std::size_t list_size(cursor& c) {
  const std::int32_t n = c.i32("list size");
  if (n < 0 || std::size_t(n) > c.left()) c.fail("bad list size " + std::to_string(n));
  return std::size_t(n);
}

/// An STL object's optional byte count and version; memberwise storage is refused.
void stl_header(cursor& c, std::size_t total) {
  if (c.left() < 6) return;
  const std::uint32_t first = cursor::load<std::uint32_t>(c.here());
  if (!(first & 0x40000000) || (first & ~0x40000000u) != total - 4) return;
  c.skip(4);
  const std::uint16_t version = c.u16("version");
  if (version & 0x4000) c.fail("memberwise-streamed collection is not supported");
}

} // namespace

void tree::impl::decode(std::size_t branch, const unsigned char* p, std::size_t n, const std::string& where, branch_values& out) const {
  const decoder& d = decoders[branch];
  cursor c(p, n, &where);
  column& col = out.columns.front();
  switch (d.kind) {
  case layout::fixed_bytes: {
    if (n != d.entry_bytes) c.fail("holds " + std::to_string(n) + " bytes, " + std::to_string(d.entry_bytes) + " expected");
    for (std::size_t k = 0; k < d.fields.size(); ++k) {
      column& fc = out.columns[k];
      read_values(c, fc, d.field_counts[k]);
      if (fc.depth == 1) fc.offsets.push_back(fc.values.size() / width(fc.type));
    }
    return;
  }
  case layout::counted: {
    const std::size_t w = width(d.type);
    if (n % w) c.fail(std::to_string(n) + " bytes is not a whole number of values");
    read_values(c, col, n / w);
    break;
  }
  case layout::pointer_array: {
    const std::size_t w = width(d.type);
    if (n > 0) c.skip(1); // a one-byte "is an array" flag precedes the values
    if ((n - c.pos()) % w) c.fail(std::to_string(n) + " bytes is not a whole number of values");
    read_values(c, col, (n - c.pos()) / w);
    break;
  }
  case layout::tstring: read_string(c, col.strings); break;
  case layout::collection: {
    stl_header(c, n);
    if (d.depth == 0) {
      read_string(c, col.strings);
    } else if (d.depth == 1) {
      read_values(c, col, list_size(c));
    } else {
      const std::size_t outer = list_size(c);
      for (std::size_t k = 0; k < outer; ++k) {
        read_values(c, col, list_size(c));
        col.inner.push_back(col.size());
      }
    }
    break;
  }
  default: c.fail("branch cannot be read");
  }
  if (c.left()) c.fail(std::to_string(c.left()) + " bytes left over after decoding the entry");
  if (col.depth == 1) col.offsets.push_back(col.size());
  if (col.depth == 2) col.offsets.push_back(col.inner.size() - 1);
}

tree::tree(std::shared_ptr<impl> p) : impl_(std::move(p)) {}
const tree_info& tree::info() const { return impl_->info; }
const std::vector<branch_info>& tree::branches() const { return impl_->infos; }

const branch_info& tree::branch(const std::string& name) const {
  for (const auto& b : impl_->infos)
    if (b.name == name) return b;
  std::string near;
  for (const auto& b : impl_->infos)
    if (b.name.find(name) != std::string::npos || name.find(b.name) != std::string::npos) near += (near.empty() ? "" : ", ") + b.name;
  throw input_error(impl_->f->path + ": tree '" + impl_->info.path + "' has no branch '" + name + "'" +
                    (near.empty() ? std::string() : " (similar: " + near + ")"));
}

branch_values tree::read(const std::string& name, std::int64_t first, std::int64_t last) const {
  const branch_info& info = branch(name);
  const std::size_t idx = std::size_t(&info - impl_->infos.data());
  const std::string where = impl_->f->path + ": tree '" + impl_->info.path + "', branch '" + name + "'";
  if (info.shape == shape::unsupported) throw input_error(where + " of type '" + info.type + "' cannot be read: " + info.unsupported);
  if (info.shape == shape::none) throw input_error(where + " of type '" + info.type + "' holds no values: read its sub-branches");
  if (first < 0 || last < first || last > info.entries)
    throw input_error(where + ": entries " + std::to_string(first) + ":" + std::to_string(last) + " outside 0:" + std::to_string(info.entries));
  const decoder& d = impl_->decoders[idx];
  branch_values out;
  out.branch = name;
  out.first = first;
  out.last = last;
  const std::size_t ncols = d.kind == layout::fixed_bytes ? d.fields.size() : 1;
  for (std::size_t k = 0; k < ncols; ++k) {
    column col;
    col.type = d.kind == layout::fixed_bytes ? d.fields[k].type : d.type;
    if (d.kind == layout::fixed_bytes) col.depth = info.shape == shape::fixed ? 1 : 0;
    else if (d.kind == layout::counted || d.kind == layout::pointer_array) col.depth = 1;
    else if (d.kind == layout::collection) col.depth = d.depth;
    if (col.depth > 0) col.offsets.push_back(0);
    if (col.depth == 2) col.inner.push_back(0);
    out.columns.push_back(std::move(col));
  }
  const auto& list = impl_->baskets[idx];
  for (std::size_t k = 0; k < list.size(); ++k) {
    const auto& r = list[k];
    if (r.last <= first || r.first >= last || r.first == r.last) continue;
    impl_->load_basket(idx, k);
    const auto& data = impl_->cached_data;
    const auto& offs = impl_->cached_offsets;
    const std::int64_t from = std::max(first, r.first), to = std::min(last, r.last);
    const std::size_t count = std::size_t(r.last - r.first);
    // messages name the entry; the text is made only when something fails
    std::int64_t e = from;
    try {
      const std::string& branch_where = where;
      if (offs.empty()) {
        const std::size_t size = d.entry_bytes;
        if (d.kind != layout::fixed_bytes || size == 0) throw input_error(where + ": basket " + std::to_string(k) + " has no entry offsets");
        if (data.size() != size * count)
          throw input_error(where + ": basket " + std::to_string(k) + " holds " + std::to_string(data.size()) + " bytes for " +
                            std::to_string(count) + " entries of " + std::to_string(size));
        if (d.fields.size() == 1) {
          // one field of fixed size: the whole range at once
          column& c = out.columns.front();
          const std::size_t per = d.field_counts.front();
          append_swapped(c.values, data.data() + std::size_t(from - r.first) * size, std::size_t(to - from) * per, width(c.type));
          if (c.depth == 1)
            for (std::int64_t i = from; i < to; ++i) c.offsets.push_back(c.offsets.back() + per);
          e = to;
        }
        for (; e < to; ++e) impl_->decode(idx, data.data() + std::size_t(e - r.first) * size, size, branch_where, out);
      } else if (d.kind == layout::counted) {
        // leaf-count arrays: the entries' values are contiguous
        column& c = out.columns.front();
        const std::size_t w = width(c.type);
        const std::size_t a = offs[std::size_t(from - r.first)], z = offs[std::size_t(to - r.first)];
        for (std::int64_t i = from; i < to; ++i) {
          const std::size_t bytes = offs[std::size_t(i - r.first) + 1] - offs[std::size_t(i - r.first)];
          if (bytes % w) {
            e = i;
            throw input_error(where + ": " + std::to_string(bytes) + " bytes is not a whole number of values");
          }
          c.offsets.push_back(c.offsets.back() + bytes / w);
        }
        append_swapped(c.values, data.data() + a, (z - a) / w, w);
        e = to;
      } else {
        for (; e < to; ++e) {
          const std::size_t a = std::size_t(e - r.first);
          impl_->decode(idx, data.data() + offs[a], offs[a + 1] - offs[a], branch_where, out);
        }
      }
    } catch (const input_error& x) {
      throw input_error(std::string(x.what()) + " (entry " + std::to_string(e) + ")");
    }
  }
  return out;
}

tree file::open_tree(const std::string& path) const {
  const auto it = std::find_if(impl_->trees.begin(), impl_->trees.end(), [&](const impl::tree_key& t) { return t.info.path == path; });
  if (it == impl_->trees.end()) {
    std::string names;
    for (const auto& t : impl_->trees) names += (names.empty() ? "" : ", ") + t.info.path;
    throw input_error(impl_->path + ": no tree '" + path + "' (trees: " + (names.empty() ? "none" : names) + ")");
  }
  auto t = std::make_shared<tree::impl>();
  t->f = impl_;
  t->info = it->info;
  const std::string what = "tree '" + path + "'";
  const detail::key k = impl_->read_key(std::uint64_t(it->k.seek_key), what);
  t->rec = detail::parse_ttree(impl_->read_object(k, what), k.keylen, k.class_name, impl_->path + ": " + what);
  t->info.entries = t->rec.entries;
  it->info.entries = t->rec.entries;
  for (const auto& b : t->rec.branches) t->add(b, "", 0);
  return tree(t);
}

} // namespace hepnn::root
