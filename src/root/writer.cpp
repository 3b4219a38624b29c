// tree_writer: one flat TTree in a new ROOT file, laid out as ROOT 6.22+
// writes it: header, the top directory at byte 100, baskets as they fill,
// then the TTree, the streamer-info list, the key list and the free list.
#include "root/decompress.hpp"

#include "hepnn/root.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <limits>
#include <map>

namespace hepnn::root {
namespace {

constexpr std::uint32_t byte_count_mask = 0x40000000;
constexpr std::int64_t begin_at = 100;
constexpr std::int64_t big_file = 2000000000; // ROOT's kStartBigFile
constexpr std::int32_t root_version = 62400;
constexpr std::uint32_t tobject_bits = 0x03000000;
constexpr std::uint32_t io_features_checksum = 0x1aa12f10;
constexpr std::int16_t vector_class_version = 6; // fClassVersion of std::vector in TBranchElement
constexpr std::uint16_t vector_data_version = 9; // the version before each streamed vector

/// A growing big-endian buffer with byte-count placeholders.
struct out {
  std::vector<unsigned char> b;
  template <class T> void put(T v) {
    unsigned char tmp[sizeof(T)];
    std::memcpy(tmp, &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T); ++i) b.push_back(tmp[sizeof(T) - 1 - i]);
  }
  void u8(std::uint8_t v) { b.push_back(v); }
  void i16(std::int16_t v) { put(v); }
  void u16(std::uint16_t v) { put(v); }
  void i32(std::int32_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void i64(std::int64_t v) { put(v); }
  void str(const std::string& s) {
    if (s.size() < 255) u8(std::uint8_t(s.size()));
    else u8(255), u32(std::uint32_t(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void cstr(const std::string& s) { b.insert(b.end(), s.begin(), s.end()), b.push_back(0); }
  std::size_t open_count() {
    const std::size_t at = b.size();
    u32(0);
    return at;
  }
  void close_count(std::size_t at) {
    const std::uint32_t n = std::uint32_t(b.size() - at - 4) | byte_count_mask;
    for (int i = 0; i < 4; ++i) b[at + std::size_t(i)] = static_cast<unsigned char>(n >> (24 - 8 * i));
  }
  void tobject(std::uint32_t bits = tobject_bits) { u16(1), u32(0), u32(bits); }
  void tnamed(const std::string& name, const std::string& title) {
    const std::size_t c = open_count();
    u16(1);
    tobject();
    str(name);
    str(title);
    close_count(c);
  }
  void io_features() {
    const std::size_t c = open_count();
    u16(0);
    u32(io_features_checksum);
    u8(0);
    close_count(c);
  }
  void empty_objarray() {
    const std::size_t c = open_count();
    u16(3);
    tobject();
    str("");
    i32(0);
    i32(0);
    close_count(c);
  }
};

std::size_t str_len(const std::string& s) { return (s.size() < 255 ? 1 : 5) + s.size(); }

std::size_t key_length(bool big, const std::string& cls, const std::string& name, const std::string& title) {
  return 18 + (big ? 16 : 8) + str_len(cls) + str_len(name) + str_len(title);
}

std::uint32_t datime_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return std::uint32_t(tm.tm_year + 1900 - 1995) << 26 | std::uint32_t(tm.tm_mon + 1) << 22 | std::uint32_t(tm.tm_mday) << 17 |
         std::uint32_t(tm.tm_hour) << 12 | std::uint32_t(tm.tm_min) << 6 | std::uint32_t(tm.tm_sec);
}

struct leaf_code {
  const char* cls;
  char letter;
};

leaf_code code_of(value_type t) {
  switch (t) {
  case value_type::boolean: return {"TLeafO", 'O'};
  case value_type::int8: return {"TLeafB", 'B'};
  case value_type::uint8: return {"TLeafB", 'b'};
  case value_type::int16: return {"TLeafS", 'S'};
  case value_type::uint16: return {"TLeafS", 's'};
  case value_type::int32: return {"TLeafI", 'I'};
  case value_type::uint32: return {"TLeafI", 'i'};
  case value_type::int64: return {"TLeafL", 'L'};
  case value_type::uint64: return {"TLeafL", 'l'};
  case value_type::float32: return {"TLeafF", 'F'};
  case value_type::float64: return {"TLeafD", 'D'};
  case value_type::string: break;
  }
  throw input_error("the ROOT writer writes numbers and booleans, not strings");
}

const char* cxx_name(value_type t) {
  switch (t) {
  case value_type::boolean: return "bool";
  case value_type::int8: return "char";
  case value_type::uint8: return "unsigned char";
  case value_type::int16: return "short";
  case value_type::uint16: return "unsigned short";
  case value_type::int32: return "int";
  case value_type::uint32: return "unsigned int";
  case value_type::int64: return "Long64_t";
  case value_type::uint64: return "ULong64_t";
  case value_type::float32: return "float";
  case value_type::float64: return "double";
  case value_type::string: break;
  }
  return "?";
}

/// ROOT's checksum of a class without members: the name hashed by x*3 + c.
std::uint32_t name_checksum(const std::string& s) {
  std::uint32_t id = 0;
  for (const unsigned char ch : s) id = id * 3 + ch;
  return id;
}

struct element_fact {
  const char* kind; ///< TStreamerBase, TStreamerBasicType, ...
  const char* name;
  const char* title;
  int type, size, array_length, array_dim;
  int max_index[5];
  const char* type_name;
  int extra;             ///< base version, count version, or STL kind
  const char* count_name;
  const char* count_class;
  int stl_ctype;
};

struct class_fact {
  const char* name;
  std::uint32_t checksum;
  int version;
  std::vector<element_fact> elements;
};

const std::vector<class_fact>& class_layouts() {
  static const std::vector<class_fact> layouts = {
#include "root/class_layouts.inc"
  };
  return layouts;
}

/// The TList of TStreamerInfo records for the classes of a flat tree.
/// `keylen` fixes the displacements that class tags refer to.
std::vector<unsigned char> streamer_list(std::size_t keylen, const std::vector<std::string>& leaf_classes, bool has_elements) {
  out o;
  std::map<std::string, std::uint32_t> tags; // class name -> its tag position
  auto class_tag = [&](const std::string& cls) {
    const auto it = tags.find(cls);
    if (it != tags.end()) {
      o.u32(it->second | 0x80000000u);
      return;
    }
    tags[cls] = std::uint32_t(keylen + o.b.size() + 2);
    o.u32(0xffffffff);
    o.cstr(cls);
  };
  std::vector<const class_fact*> chosen;
  for (const auto& c : class_layouts()) {
    const std::string n = c.name;
    const bool leaf = n.rfind("TLeaf", 0) == 0 && n != "TLeaf" && n != "TLeafElement";
    if (leaf && std::find(leaf_classes.begin(), leaf_classes.end(), n) == leaf_classes.end()) continue;
    if (!has_elements && (n == "TBranchElement" || n == "TLeafElement")) continue;
    chosen.push_back(&c);
  }
  const std::size_t list = o.open_count();
  o.u16(5);
  o.tobject();
  o.str("");
  o.i32(std::int32_t(chosen.size()));
  for (const class_fact* c : chosen) {
    const std::size_t any = o.open_count();
    class_tag("TStreamerInfo");
    const std::size_t info = o.open_count();
    o.u16(9);
    {
      const std::size_t named = o.open_count();
      o.u16(1);
      o.tobject(0x03010000);
      o.str(c->name);
      o.str("");
      o.close_count(named);
    }
    o.u32(c->checksum);
    o.i32(c->version);
    const std::size_t arr_any = o.open_count();
    class_tag("TObjArray");
    const std::size_t arr = o.open_count();
    o.u16(3);
    o.tobject(0);
    o.str("");
    o.i32(std::int32_t(c->elements.size()));
    o.i32(0);
    for (const auto& e : c->elements) {
      const std::string kind = e.kind;
      const std::size_t el_any = o.open_count();
      class_tag(kind);
      const std::size_t el = o.open_count();
      const bool base_v3 = kind == "TStreamerBase" || kind == "TStreamerSTL";
      o.u16(base_v3 ? 3 : 2);
      std::size_t stl = 0;
      if (kind == "TStreamerSTLstring") stl = o.open_count(), o.u16(3);
      const std::size_t elem = o.open_count();
      o.u16(4);
      {
        const std::size_t named = o.open_count();
        o.u16(1);
        o.tobject();
        o.str(e.name);
        o.str(e.title);
        o.close_count(named);
      }
      o.i32(e.type), o.i32(e.size), o.i32(e.array_length), o.i32(e.array_dim);
      for (int k = 0; k < 5; ++k) o.i32(e.max_index[k]);
      o.str(e.type_name);
      o.close_count(elem);
      if (kind == "TStreamerBase") o.i32(e.extra);
      else if (kind == "TStreamerBasicPointer" || kind == "TStreamerLoop") o.i32(e.extra), o.str(e.count_name), o.str(e.count_class);
      else if (kind == "TStreamerSTL" || kind == "TStreamerSTLstring") o.i32(e.extra), o.i32(e.stl_ctype);
      if (stl) o.close_count(stl);
      o.close_count(el);
      o.close_count(el_any);
    }
    o.close_count(arr);
    o.close_count(arr_any);
    o.close_count(info);
    o.close_count(any);
    o.u8(0); // the entry's option string
  }
  o.close_count(list);
  return o.b;
}

struct branch_state {
  branch_spec spec;
  std::vector<unsigned char> data;      ///< big-endian entries of the open basket
  std::vector<std::uint32_t> starts;    ///< entry starts in data (vectors)
  std::int64_t basket_first = 0;
  std::vector<std::int32_t> basket_bytes;
  std::vector<std::int64_t> basket_entry, basket_seek;
  std::int64_t tot_bytes = 0, zip_bytes = 0;
};

} // namespace

struct tree_writer::impl {
  std::string path, file_name, tree_name;
  std::FILE* fp = nullptr;
  std::int64_t end = 0; ///< where the next record goes
  int level = 1;
  std::size_t basket_bytes = 32000;
  std::uint32_t datime = datime_now();
  std::vector<branch_state> branches;
  std::int64_t entries = 0;
  bool closed = false;
  bool embed = false; ///< keep the last basket of each branch inside the TTree
  std::size_t top_bytes = 0;

  void write_at(std::int64_t at, const std::vector<unsigned char>& bytes) {
    if (fseeko(fp, off_t(at), SEEK_SET) != 0 || std::fwrite(bytes.data(), 1, bytes.size(), fp) != bytes.size())
      throw error(path + ": cannot write: " + std::strerror(errno));
  }
  /// Appends a key with its object at the end of the file; returns its header (for key lists).
  std::vector<unsigned char> append_key(const std::string& cls, const std::string& name, const std::string& title,
                                        const std::vector<unsigned char>& object, bool compress, std::int16_t cycle,
                                        std::int32_t* nbytes_out = nullptr) {
    const std::int64_t at = end;
    const bool big = at > big_file;
    std::vector<unsigned char> stored;
    if (compress && level > 0 && !object.empty()) {
      detail::compress_zlib(object.data(), object.size(), level, stored);
      if (stored.size() >= object.size()) stored = object;
    } else {
      stored = object;
    }
    const std::size_t keylen = key_length(big, cls, name, title);
    out h;
    h.i32(std::int32_t(keylen + stored.size()));
    h.i16(big ? 1004 : 4);
    h.i32(std::int32_t(object.size()));
    h.u32(datime);
    h.i16(std::int16_t(keylen));
    h.i16(cycle);
    if (big) h.i64(at), h.i64(begin_at);
    else h.i32(std::int32_t(at)), h.i32(std::int32_t(begin_at));
    h.str(cls);
    h.str(name);
    h.str(title);
    std::vector<unsigned char> record = h.b;
    record.insert(record.end(), stored.begin(), stored.end());
    write_at(at, record);
    end += std::int64_t(record.size());
    if (nbytes_out) *nbytes_out = std::int32_t(record.size());
    return h.b;
  }

  void flush(branch_state& b) {
    const std::int64_t nev = (b.spec.vector ? std::int64_t(b.starts.size()) : std::int64_t(b.data.size() / width(b.spec.type)));
    if (nev == 0) return;
    const bool big = true; // baskets always carry 64-bit seeks, as ROOT writes them
    const std::string cls = "TBasket";
    const std::size_t keylen = key_length(big, cls, b.spec.name, tree_name) + 19;
    std::vector<unsigned char> object = b.data;
    const std::int32_t last = std::int32_t(keylen + b.data.size());
    if (b.spec.vector) {
      out o;
      o.u32(std::uint32_t(nev + 1));
      for (const auto s : b.starts) o.u32(std::uint32_t(keylen + s));
      o.u32(0);
      object.insert(object.end(), o.b.begin(), o.b.end());
    }
    std::vector<unsigned char> stored;
    if (level > 0) {
      detail::compress_zlib(object.data(), object.size(), level, stored);
      if (stored.size() >= object.size()) stored = object;
    } else {
      stored = object;
    }
    const std::int64_t at = end;
    out h;
    h.i32(std::int32_t(keylen + stored.size()));
    h.i16(1004);
    h.i32(std::int32_t(object.size()));
    h.u32(datime);
    h.i16(std::int16_t(keylen));
    h.i16(0);
    h.i64(at);
    h.i64(begin_at);
    h.str(cls);
    h.str(b.spec.name);
    h.str(tree_name);
    h.u16(2);
    h.i32(std::int32_t(std::max<std::size_t>(basket_bytes, keylen + object.size())));
    h.i32(b.spec.vector ? std::int32_t(std::max<std::int64_t>(1000, nev + 1)) : std::int32_t(width(b.spec.type)));
    h.i32(std::int32_t(nev));
    h.i32(last);
    h.u8(0);
    std::vector<unsigned char> record = h.b;
    record.insert(record.end(), stored.begin(), stored.end());
    write_at(at, record);
    end += std::int64_t(record.size());
    b.basket_bytes.push_back(std::int32_t(record.size()));
    b.basket_entry.push_back(b.basket_first);
    b.basket_seek.push_back(at);
    b.tot_bytes += std::int64_t(keylen + object.size());
    b.zip_bytes += std::int64_t(record.size());
    b.basket_first += nev;
    b.data.clear();
    b.starts.clear();
  }

  std::vector<unsigned char> top_record(std::int64_t seek_keys, std::int32_t nbytes_keys) const {
    const std::size_t keylen = key_length(false, "TFile", file_name, "");
    const std::size_t name_bytes = str_len(file_name) + str_len("");
    out d;
    const bool big = seek_keys > big_file;
    d.i16(big ? 1005 : 5);
    d.u32(datime);
    d.u32(datime);
    d.i32(nbytes_keys);
    d.i32(std::int32_t(keylen + name_bytes));
    if (big) d.i64(begin_at), d.i64(0), d.i64(seek_keys);
    else d.i32(std::int32_t(begin_at)), d.i32(0), d.i32(std::int32_t(seek_keys));
    d.u16(1);
    for (int i = 0; i < 16; ++i) d.u8(0);
    while (d.b.size() < 60) d.u8(0); // room for 64-bit seeks, as ROOT leaves it
    out h;
    const std::size_t objlen = name_bytes + d.b.size();
    h.i32(std::int32_t(keylen + objlen));
    h.i16(4);
    h.i32(std::int32_t(objlen));
    h.u32(datime);
    h.i16(std::int16_t(keylen));
    h.i16(1);
    h.i32(std::int32_t(begin_at));
    h.i32(0);
    h.str("TFile");
    h.str(file_name);
    h.str("");
    h.str(file_name);
    h.str("");
    h.b.insert(h.b.end(), d.b.begin(), d.b.end());
    return h.b;
  }

  /// fBaskets holding the open basket at slot `slot`, as ROOT stores the
  /// basket in memory when a tree is written without flushing it.
  void embedded_basket(out& o, const branch_state& b, std::int32_t slot) const {
    const std::int64_t nev = b.spec.vector ? std::int64_t(b.starts.size()) : std::int64_t(b.data.size() / width(b.spec.type));
    const std::size_t arr = o.open_count();
    o.u16(3);
    o.tobject();
    o.str("");
    o.i32(slot + 1);
    o.i32(0);
    for (std::int32_t k = 0; k < slot; ++k) o.u32(0);
    const std::size_t any = o.open_count();
    o.u32(0xffffffff);
    o.cstr("TBasket");
    const std::size_t keylen = key_length(true, "TBasket", b.spec.name, tree_name) + 19;
    const std::int32_t last = std::int32_t(keylen + b.data.size());
    o.i32(std::int32_t(keylen)); // fNbytes: no bytes in the file
    o.i16(1004);
    o.i32(std::int32_t(b.data.size()));
    o.u32(datime);
    o.i16(std::int16_t(keylen));
    o.i16(0);
    o.i64(0), o.i64(begin_at);
    o.str("TBasket");
    o.str(b.spec.name);
    o.str(tree_name);
    o.u16(2);
    o.i32(std::max<std::int32_t>(std::int32_t(basket_bytes), last));
    o.i32(b.spec.vector ? std::int32_t(std::max<std::int64_t>(1000, nev + 1)) : std::int32_t(width(b.spec.type)));
    o.i32(std::int32_t(nev));
    o.i32(last);
    o.u8(b.spec.vector ? 11 : 12); // 1: entry offsets follow, 2: none; +10: the buffer follows
    if (b.spec.vector) {
      o.i32(std::int32_t(nev));
      for (const auto st : b.starts) o.i32(std::int32_t(keylen + st));
    }
    o.b.insert(o.b.end(), keylen, 0); // the buffer starts with room for the key
    o.b.insert(o.b.end(), b.data.begin(), b.data.end());
    o.close_count(any);
    o.close_count(arr);
  }

  std::vector<unsigned char> ttree(std::size_t keylen) const {
    out o;
    const std::size_t tree_count = o.open_count();
    o.u16(20);
    o.tnamed(tree_name, "");
    std::size_t c = o.open_count(); // TAttLine
    o.u16(2), o.i16(602), o.i16(1), o.i16(1);
    o.close_count(c);
    c = o.open_count(); // TAttFill
    o.u16(2), o.i16(0), o.i16(1001);
    o.close_count(c);
    c = o.open_count(); // TAttMarker
    o.u16(2), o.i16(1), o.i16(1), o.put(1.0f);
    o.close_count(c);
    std::int64_t tot = 0, zip = 0;
    for (const auto& b : branches) tot += b.tot_bytes, zip += b.zip_bytes;
    o.i64(entries), o.i64(tot), o.i64(zip), o.i64(0), o.i64(zip);
    o.put(1.0);                                 // fWeight
    o.i32(0), o.i32(25), o.i32(0), o.i32(1000); // fTimerInterval, fScanField, fUpdate, fDefaultEntryOffsetLen
    o.i32(0);                                   // fNClusterRange
    o.i64(1000000000000), o.i64(1000000000000), o.i64(0), o.i64(-300000000), o.i64(-30000000), o.i64(1000000);
    o.u8(0), o.u8(0); // empty fClusterRangeEnd and fClusterSize
    o.io_features();
    std::vector<std::uint32_t> leaf_refs;
    const std::size_t arr = o.open_count();
    o.u16(3);
    o.tobject();
    o.str("");
    o.i32(std::int32_t(branches.size()));
    o.i32(0);
    for (const auto& b : branches) {
      const std::size_t any = o.open_count();
      o.u32(0xffffffff);
      o.cstr(b.spec.vector ? "TBranchElement" : "TBranch");
      std::size_t element = 0;
      if (b.spec.vector) element = o.open_count(), o.u16(10);
      const std::size_t br = o.open_count();
      o.u16(13);
      const leaf_code lc = code_of(b.spec.type);
      const std::string leaf_name = b.spec.leaf.empty() || b.spec.vector ? b.spec.name : b.spec.leaf;
      o.tnamed(b.spec.name, b.spec.vector ? b.spec.name : leaf_name + "/" + lc.letter);
      c = o.open_count(); // TAttFill
      o.u16(2), o.i16(0), o.i16(1001);
      o.close_count(c);
      const std::int32_t nb = std::int32_t(b.basket_seek.size());
      const std::int32_t max_baskets = std::max(10, nb + 1);
      o.i32(100 + level);
      o.i32(std::int32_t(basket_bytes));
      o.i32(b.spec.vector ? 40 : 0);
      o.i32(nb);
      o.i64(entries);
      o.io_features();
      o.i32(0);
      o.i32(max_baskets);
      o.i32(b.spec.vector ? 99 : 0);
      o.i64(entries), o.i64(0), o.i64(b.tot_bytes), o.i64(b.zip_bytes);
      o.empty_objarray(); // fBranches
      const std::size_t leaves = o.open_count();
      o.u16(3);
      o.tobject();
      o.str("");
      o.i32(1);
      o.i32(0);
      leaf_refs.push_back(std::uint32_t(keylen + o.b.size() + 2));
      const std::size_t leaf_any = o.open_count();
      o.u32(0xffffffff);
      o.cstr(b.spec.vector ? "TLeafElement" : lc.cls);
      const std::size_t leaf_outer = o.open_count();
      o.u16(1);
      const std::size_t leaf = o.open_count();
      o.u16(2);
      o.tnamed(leaf_name, leaf_name);
      o.i32(1);                                  // fLen
      o.i32(std::int32_t(width(b.spec.type)));   // fLenType
      o.i32(0);                                  // fOffset
      o.u8(0);                                   // fIsRange
      o.u8(lc.letter >= 'a' && lc.letter <= 'z'); // fIsUnsigned
      o.u32(0);                                  // fLeafCount
      o.close_count(leaf);
      if (b.spec.vector) {
        o.i32(-1), o.i32(-1); // fID, fType
      } else {
        for (int k = 0; k < 2; ++k) // fMinimum, fMaximum
          for (std::size_t z = 0; z < width(b.spec.type); ++z) o.u8(0);
      }
      o.close_count(leaf_outer);
      o.close_count(leaf_any);
      o.close_count(leaves);
      if (embed && !b.data.empty()) embedded_basket(o, b, nb);
      else o.empty_objarray(); // fBaskets
      o.u8(1);
      for (std::int32_t k = 0; k < max_baskets; ++k) o.i32(k < nb ? b.basket_bytes[std::size_t(k)] : 0);
      o.u8(1);
      const std::int64_t open_first = b.basket_first; // the embedded basket's first entry, or the end
      for (std::int32_t k = 0; k < max_baskets; ++k) o.i64(k < nb ? b.basket_entry[std::size_t(k)] : k == nb ? open_first : 0);
      o.u8(1);
      for (std::int32_t k = 0; k < max_baskets; ++k) o.i64(k < nb ? b.basket_seek[std::size_t(k)] : 0);
      o.str(""); // fFileName
      o.close_count(br);
      if (b.spec.vector) {
        const std::string cls = std::string("vector<") + cxx_name(b.spec.type) + ">";
        o.str(cls);
        o.str("");
        o.str("");
        o.u32(name_checksum(cls));
        o.i16(vector_class_version);
        o.i32(-1), o.i32(0), o.i32(-1), o.i32(0); // fID, fType, fStreamerType, fMaximum
        o.u32(0), o.u32(0);                       // fBranchCount, fBranchCount2
        o.close_count(element);
      }
      o.close_count(any);
    }
    o.close_count(arr);
    // fLeaves: references to the leaves above
    const std::size_t lv = o.open_count();
    o.u16(3);
    o.tobject();
    o.str("");
    o.i32(std::int32_t(leaf_refs.size()));
    o.i32(0);
    for (const auto r : leaf_refs) o.u32(r);
    o.close_count(lv);
    for (int k = 0; k < 7; ++k) o.u32(0); // fAliases, fIndexValues, fIndex, fTreeIndex, fFriends, fUserInfo, fBranchRef
    o.close_count(tree_count);
    return o.b;
  }
};

tree_writer::tree_writer(const std::string& path, const std::string& tree_name, std::vector<branch_spec> branches, int zlib_level,
                         std::size_t basket_bytes)
    : impl_(std::make_unique<impl>()) {
  auto& m = *impl_;
  m.path = path;
  m.tree_name = tree_name;
  m.level = zlib_level;
  m.basket_bytes = std::max<std::size_t>(basket_bytes, 64);
  const auto slash = path.find_last_of('/');
  m.file_name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (tree_name.empty() || tree_name.size() > 200) throw input_error(path + ": bad tree name");
  if (zlib_level < 0 || zlib_level > 9) throw input_error(path + ": zlib level must be 0-9");
  for (auto& s : branches) {
    if (s.name.empty() || s.name.size() > 200) throw input_error(path + ": bad branch name '" + s.name + "'");
    code_of(s.type); // refuses strings
    for (const auto& b : m.branches)
      if (b.spec.name == s.name) throw input_error(path + ": branch '" + s.name + "' given twice");
    branch_state b;
    b.spec = s;
    m.branches.push_back(std::move(b));
  }
  m.fp = std::fopen(path.c_str(), "wb");
  if (!m.fp) throw error(path + ": cannot create: " + std::strerror(errno));
  // placeholders for the header and the top directory, rewritten by close()
  m.write_at(0, std::vector<unsigned char>(std::size_t(begin_at), 0));
  const auto top = m.top_record(0, 0);
  m.top_bytes = top.size();
  m.write_at(begin_at, top);
  m.end = begin_at + std::int64_t(top.size());
}

tree_writer::~tree_writer() {
  if (impl_ && impl_->fp) std::fclose(impl_->fp);
}

std::int64_t tree_writer::entries() const { return impl_->entries; }
void tree_writer::embed_last_baskets(bool on) { impl_->embed = on; }

void tree_writer::append(const std::vector<column>& columns) {
  auto& m = *impl_;
  if (m.closed) throw input_error(m.path + ": tree already closed");
  if (columns.size() != m.branches.size())
    throw input_error(m.path + ": " + std::to_string(columns.size()) + " columns for " + std::to_string(m.branches.size()) + " branches");
  std::size_t n = 0;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const auto& c = columns[k];
    const auto& s = m.branches[k].spec;
    const std::size_t count = s.vector ? (c.offsets.empty() ? 0 : c.offsets.size() - 1) : c.size();
    if (c.type != s.type || c.depth != (s.vector ? 1 : 0) || (s.vector && (c.offsets.empty() || c.offsets.back() != c.size())))
      throw input_error(m.path + ": column for branch '" + s.name + "' has the wrong type or shape");
    if (k == 0) n = count;
    else if (count != n) throw input_error(m.path + ": branch '" + s.name + "' gets " + std::to_string(count) + " entries, not " + std::to_string(n));
  }
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const auto& c = columns[k];
    auto& b = m.branches[k];
    const std::size_t w = width(b.spec.type);
    auto put_values = [&](std::size_t from, std::size_t to) {
      for (std::size_t i = from; i < to; ++i)
        for (std::size_t z = 0; z < w; ++z) b.data.push_back(c.values[i * w + w - 1 - z]);
    };
    for (std::size_t e = 0; e < n; ++e) {
      if (b.spec.vector) {
        const std::size_t a = c.offsets[e], z = c.offsets[e + 1];
        if (z < a || (z - a) > (std::size_t(1) << 28)) throw input_error(m.path + ": branch '" + b.spec.name + "': bad offsets");
        b.starts.push_back(std::uint32_t(b.data.size()));
        out h;
        h.u32(std::uint32_t(6 + (z - a) * w) | byte_count_mask);
        h.u16(vector_data_version);
        h.i32(std::int32_t(z - a));
        b.data.insert(b.data.end(), h.b.begin(), h.b.end());
        put_values(a, z);
      } else {
        put_values(e, e + 1);
      }
      if (b.data.size() >= m.basket_bytes) m.flush(b);
    }
  }
  m.entries += std::int64_t(n);
}

void tree_writer::close() {
  auto& m = *impl_;
  if (m.closed) return;
  if (!m.embed)
    for (auto& b : m.branches) m.flush(b);
  // the tree
  const bool big_tree = m.end > big_file;
  const std::size_t tree_keylen = key_length(big_tree, "TTree", m.tree_name, "");
  const auto tree_object = m.ttree(tree_keylen);
  const auto tree_key = m.append_key("TTree", m.tree_name, "", tree_object, true, 1);
  // the class layouts, for readers without built-in ones (JSROOT)
  const std::int64_t seek_info = m.end;
  std::vector<std::string> leaf_classes;
  bool has_elements = false;
  for (const auto& b : m.branches) {
    leaf_classes.push_back(code_of(b.spec.type).cls);
    has_elements = has_elements || b.spec.vector;
  }
  const std::size_t info_keylen = key_length(seek_info > big_file, "TList", "StreamerInfo", "Doubly linked list");
  std::int32_t nbytes_info = 0;
  m.append_key("TList", "StreamerInfo", "Doubly linked list", streamer_list(info_keylen, leaf_classes, has_elements), true, 1, &nbytes_info);
  // the top directory's key list
  const std::int64_t seek_keys = m.end;
  out keys;
  keys.i32(1);
  keys.b.insert(keys.b.end(), tree_key.begin(), tree_key.end());
  std::int32_t nbytes_keys = 0;
  m.append_key("TFile", m.file_name, "", keys.b, false, 1, &nbytes_keys);
  // the free list: everything after the end
  const std::int64_t seek_free = m.end;
  const bool big = seek_free > big_file;
  const std::size_t free_keylen = key_length(big, "TFile", m.file_name, "");
  const std::int64_t file_end = seek_free + std::int64_t(free_keylen) + (big ? 18 : 10);
  out fr;
  fr.u16(big ? 1001 : 1);
  if (big) fr.i64(file_end), fr.i64(std::numeric_limits<std::int64_t>::max() / 2);
  else fr.i32(std::int32_t(file_end)), fr.i32(std::int32_t(big_file));
  std::int32_t nbytes_free = 0;
  m.append_key("TFile", m.file_name, "", fr.b, false, 1, &nbytes_free);
  // header and top directory
  const auto top = m.top_record(seek_keys, nbytes_keys);
  if (top.size() != m.top_bytes) throw error(m.path + ": internal error: top directory changed size");
  m.write_at(begin_at, top);
  out h;
  h.b = {'r', 'o', 'o', 't'};
  const bool big_header = m.end > big_file;
  h.i32(big_header ? root_version + 1000000 : root_version);
  h.i32(std::int32_t(begin_at));
  const std::int32_t name_bytes = std::int32_t(key_length(false, "TFile", m.file_name, "") + str_len(m.file_name) + str_len(""));
  if (big_header) {
    h.i64(m.end), h.i64(seek_free), h.i32(nbytes_free), h.i32(1), h.i32(name_bytes), h.u8(8), h.i32(100 + m.level), h.i64(seek_info),
        h.i32(nbytes_info);
  } else {
    h.i32(std::int32_t(m.end)), h.i32(std::int32_t(seek_free)), h.i32(nbytes_free), h.i32(1), h.i32(name_bytes), h.u8(4),
        h.i32(100 + m.level), h.i32(std::int32_t(seek_info)), h.i32(nbytes_info);
  }
  h.u16(1);
  for (int i = 0; i < 16; ++i) h.u8(0);
  m.write_at(0, h.b);
  if (std::fflush(m.fp) != 0) throw error(m.path + ": cannot write: " + std::strerror(errno));
  const int rc = std::fclose(m.fp);
  m.fp = nullptr;
  if (rc != 0) throw error(m.path + ": cannot close: " + std::strerror(errno));
  m.closed = true;
}

} // namespace hepnn::root
