// Streamed ROOT objects: TObject, TNamed, TObjArray, TList, TStreamerInfo and
// its elements, TTree, TBranch, TBranchElement, TLeaf*, TBasket. Every
// object is framed by a byte count, which bounds what is read and lets
// unknown parts be skipped; class names travel as new-class tags or as
// references to earlier ones.
#include "root/cursor.hpp"
#include "root/model.hpp"

#include <functional>
#include <limits>

namespace hepnn::root::detail {
namespace {

constexpr std::uint32_t byte_count_mask = 0x40000000;
constexpr std::uint32_t class_mask = 0x80000000;
constexpr std::uint32_t new_class_tag = 0xffffffff;
constexpr std::int64_t map_offset = 2;
constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

struct header {
  int version = 0;
  std::size_t end = npos; ///< one past the object, when it has a byte count
};

struct object_tag {
  std::string class_name; ///< "" for a null pointer or a reference to an earlier object
  std::size_t end = npos;
};

class reader {
public:
  reader(const std::vector<unsigned char>& data, std::int32_t keylen, const std::string& where)
      : c(data.data(), data.size(), &where, keylen) {}
  cursor c;
  std::map<std::int64_t, std::string> classes;
  std::size_t depth = 0;

  struct nest {
    reader& r;
    explicit nest(reader& rr) : r(rr) {
      if (++r.depth > limits::max_depth) r.c.fail("objects nested more than " + std::to_string(limits::max_depth) + " deep");
    }
    ~nest() { --r.depth; }
  };

  header version() {
    header h;
    c.need(4, "version");
    const std::uint32_t first = cursor::load<std::uint32_t>(c.here());
    if (first & byte_count_mask) {
      c.skip(4);
      const std::size_t count = first & ~byte_count_mask;
      if (count > c.left()) c.fail("byte count " + std::to_string(count) + " runs past the end of the record");
      h.end = c.pos() + count;
    }
    h.version = c.u16("version");
    return h;
  }
  void finish(const header& h, const char* what) {
    if (h.end == npos) return;
    if (c.pos() > h.end) c.fail(std::string(what) + " is longer than its byte count");
    c.seek(h.end, what);
  }
  void skip_object(const char* what) {
    const header h = version();
    if (h.end == npos) c.fail(std::string(what) + " has no byte count and cannot be skipped");
    finish(h, what);
  }
  void tobject() {
    header h = version();
    c.u32("TObject::fUniqueID");
    const std::uint32_t bits = c.u32("TObject::fBits");
    if (bits & 0x10) c.u16("TObject pid"); // kIsReferenced
    finish(h, "TObject");
  }
  void tnamed(std::string& name, std::string& title) {
    header h = version();
    tobject();
    name = c.tstring("TNamed::fName");
    title = c.tstring("TNamed::fTitle");
    finish(h, "TNamed");
  }
  object_tag object_any() {
    object_tag t;
    const std::size_t begin = c.pos();
    const std::int64_t beg_disp = c.displacement();
    (void)beg_disp;
    std::uint32_t bcnt = c.u32("object tag");
    std::uint32_t tag;
    std::int64_t start;
    bool counted = false;
    if (!(bcnt & byte_count_mask) || bcnt == new_class_tag) {
      tag = bcnt;
      start = beg_disp;
    } else {
      counted = true;
      const std::size_t count = bcnt & ~byte_count_mask;
      if (count > c.left()) c.fail("object byte count runs past the end of the record");
      t.end = begin + 4 + count;
      start = c.displacement();
      tag = c.u32("object tag");
    }
    if (!(tag & class_mask)) { // null or a reference to an object already read
      if (counted) c.seek(t.end, "object reference");
      return t;
    }
    if (tag == new_class_tag) {
      t.class_name = c.cstring("class name");
      if (t.class_name.empty() || t.class_name.size() > 4096) c.fail("bad class name in a new-class tag");
      classes[start + map_offset] = t.class_name;
    } else {
      const auto it = classes.find(std::int64_t(tag & ~class_mask));
      if (it == classes.end()) c.fail("reference to an unknown class tag " + std::to_string(tag & ~class_mask));
      t.class_name = it->second;
    }
    return t;
  }
  /// Reads a TObjArray's header and calls `each(tag, slot)` for every element.
  template <class F> void objarray(const char* what, F&& each) {
    nest guard(*this);
    header h = version();
    tobject();
    c.tstring("TObjArray::fName");
    const std::int32_t count = c.i32("TObjArray size");
    c.i32("TObjArray lower bound");
    if (count < 0 || std::size_t(count) > c.left() / 4) c.fail(std::string(what) + ": array size " + std::to_string(count) + " exceeds the record");
    for (std::int32_t i = 0; i < count; ++i) {
      object_tag t = object_any();
      each(t, i);
      if (t.end != npos && !t.class_name.empty()) c.seek(t.end, what);
    }
    finish(h, what);
  }

  // ---- TStreamerInfo
  streamer_element element(const object_tag& t) {
    streamer_element e;
    header outer = version();
    header middle{};
    if (t.class_name == "TStreamerSTLstring") middle = version(); // its TStreamerSTL base comes first
    header inner = version();
    std::string title;
    tnamed(e.name, title);
    e.type = c.i32("fType");
    c.i32("fSize");
    e.array_length = c.i32("fArrayLength");
    c.i32("fArrayDim");
    if (inner.version == 1) {
      const std::int32_t n = c.i32("fMaxIndex size");
      if (n < 0 || n > 5) c.fail("bad fMaxIndex size");
      c.skip(std::size_t(n) * 4);
    } else {
      c.skip(20, "fMaxIndex");
    }
    e.type_name = c.tstring("fTypeName");
    finish(inner, (t.class_name + " '" + e.name + "' (version " + std::to_string(inner.version) + ")").c_str());
    finish(middle, "TStreamerSTL");
    finish(outer, t.class_name.c_str());
    return e;
  }
  streamer_info info() {
    nest guard(*this);
    streamer_info s;
    header h = version();
    std::string title;
    tnamed(s.class_name, title);
    c.u32("fCheckSum");
    s.class_version = c.i32("fClassVersion");
    object_tag arr = object_any();
    if (arr.class_name == "TObjArray") {
      objarray("TStreamerInfo::fElements", [&](const object_tag& t, std::int32_t) {
        if (t.class_name.rfind("TStreamer", 0) == 0) s.elements.push_back(element(t));
        else if (!t.class_name.empty()) skip_object("streamer element");
      });
    }
    finish(h, "TStreamerInfo");
    return s;
  }

  // ---- TTree and its parts
  leaf_rec leaf(const std::string& cls) {
    nest guard(*this);
    leaf_rec l;
    l.cls = cls;
    header outer = version();
    header base = outer;
    if (cls != "TLeaf") base = version();
    tnamed(l.name, l.title);
    l.len = c.i32("TLeaf::fLen");
    c.i32("TLeaf::fLenType");
    c.i32("TLeaf::fOffset");
    c.u8("TLeaf::fIsRange");
    l.is_unsigned = c.u8("TLeaf::fIsUnsigned") != 0;
    object_tag count = object_any();
    if (!count.class_name.empty()) {
      if (count.class_name.rfind("TLeaf", 0) != 0) c.fail("fLeafCount of leaf '" + l.name + "' is a " + count.class_name);
      l.count = leaf(count.class_name).name;
      if (count.end != npos) c.seek(count.end, "count leaf");
    }
    if (cls != "TLeaf") finish(base, "TLeaf");
    if (cls == "TLeafElement") {
      l.id = c.i32("TLeafElement::fID");
      l.type = c.i32("TLeafElement::fType");
    }
    finish(outer, cls.c_str());
    // the count leaf's name also appears in the title ("Jet_Px[NJet]")
    if (l.count.empty()) {
      const auto open = l.title.find('['), close = l.title.find(']');
      if (open != std::string::npos && close != std::string::npos && close > open + 1) {
        const std::string inside = l.title.substr(open + 1, close - open - 1);
        if (inside.find_first_not_of("0123456789") != std::string::npos) l.count = inside;
      }
    }
    return l;
  }

  void basket(branch_rec& b, const object_tag& t, std::int32_t slot) {
    if (t.end == npos) c.fail("embedded basket of branch '" + b.name + "' has no byte count");
    embedded_basket e;
    e.slot = slot;
    c.i32("TBasket fNbytes");
    const std::int16_t key_version = c.i16("TBasket key version");
    c.i32("TBasket fObjlen");
    c.u32("TBasket fDatime");
    e.keylen = c.i16("TBasket fKeylen");
    c.i16("TBasket fCycle");
    c.skip(key_version > 1000 ? 16 : 8, "TBasket seeks");
    c.tstring("TBasket class name");
    c.tstring("TBasket name");
    c.tstring("TBasket title");
    const std::uint16_t version = c.u16("TBasket version");
    c.i32("TBasket fBufferSize");
    c.i32("TBasket fNevBufSize");
    const std::int32_t nev = c.i32("TBasket fNevBuf");
    const std::int32_t last = c.i32("TBasket fLast");
    int flag = static_cast<std::int8_t>(c.u8("TBasket flag"));
    if (nev < 0 || last < e.keylen || e.keylen < 0) c.fail("embedded basket of branch '" + b.name + "': bad entry count or length");
    e.entries = nev;
    const bool generate = flag >= 80;
    if (generate) flag -= 80;
    std::vector<std::int32_t> raw;
    if (!generate && flag && flag % 10 != 2) {
      if (nev) {
        const std::int32_t n = c.i32("entry offsets size");
        if (n < nev || std::size_t(n) > c.left() / 4) c.fail("embedded basket of branch '" + b.name + "': bad entry offset array");
        for (std::int32_t i = 0; i < n; ++i) raw.push_back(c.i32("entry offset"));
      }
      if (flag > 40) {
        const std::int32_t n = c.i32("displacement size");
        if (n < 0 || std::size_t(n) > c.left() / 4) c.fail("bad displacement array");
        c.skip(std::size_t(n) * 4);
      }
    }
    if (flag == 1 || flag > 10) {
      std::size_t n = std::size_t(last);
      if (version <= 1) n = std::size_t(c.i32("basket buffer size"));
      if (n < std::size_t(e.keylen)) c.fail("embedded basket shorter than its key");
      c.need(n, "embedded basket buffer");
      e.data.assign(c.here() + e.keylen, c.here() + n);
      c.skip(n);
      if (!raw.empty()) {
        for (std::int32_t i = 0; i < nev; ++i) {
          const std::int64_t o = std::int64_t(raw[std::size_t(i)]) - e.keylen;
          if (o < 0 || std::size_t(o) > e.data.size() || (!e.offsets.empty() && std::uint32_t(o) < e.offsets.back()))
            c.fail("embedded basket of branch '" + b.name + "': entry offset out of range");
          e.offsets.push_back(std::uint32_t(o));
        }
        e.offsets.push_back(std::uint32_t(e.data.size()));
      }
      if (nev > 0) b.embedded.push_back(std::move(e));
    }
    c.seek(t.end, "embedded basket");
  }

  void tbranch(branch_rec& b) {
    nest guard(*this);
    header h = version();
    b.version = h.version;
    tnamed(b.name, b.title);
    skip_object("TAttFill");
    if (h.version < 10) c.fail("branch '" + b.name + "': TBranch version " + std::to_string(h.version) + " (before ROOT 5.16?) is not supported");
    c.i32("fCompress");
    c.i32("fBasketSize");
    b.entry_offset_len = c.i32("fEntryOffsetLen");
    b.write_basket = c.i32("fWriteBasket");
    c.i64("fEntryNumber");
    if (h.version >= 13) skip_object("TIOFeatures");
    c.i32("fOffset");
    const std::int32_t max_baskets = c.i32("fMaxBaskets");
    c.i32("fSplitLevel");
    b.entries = c.i64("fEntries");
    if (h.version >= 11) c.i64("fFirstEntry");
    c.i64("fTotBytes");
    c.i64("fZipBytes");
    if (max_baskets < 0 || std::uint64_t(max_baskets) > limits::max_baskets || b.write_basket < 0 || b.write_basket > max_baskets || b.entries < 0)
      c.fail("branch '" + b.name + "': bad basket count (fMaxBaskets " + std::to_string(max_baskets) + ", fWriteBasket " +
             std::to_string(b.write_basket) + ")");
    objarray("TBranch::fBranches", [&](const object_tag& t, std::int32_t) {
      if (t.class_name.empty()) return;
      if (b.children.size() >= limits::max_branches) c.fail("too many branches");
      branch_rec child;
      branch_any(child, t);
      b.children.push_back(std::move(child));
    });
    objarray("TBranch::fLeaves", [&](const object_tag& t, std::int32_t) {
      if (t.class_name.rfind("TLeaf", 0) == 0) b.leaves.push_back(leaf(t.class_name));
      else if (!t.class_name.empty()) skip_object("leaf");
    });
    objarray("TBranch::fBaskets", [&](const object_tag& t, std::int32_t slot) {
      if (t.class_name == "TBasket") basket(b, t, slot);
      else if (!t.class_name.empty()) skip_object("basket");
    });
    const std::size_t n = std::size_t(max_baskets);
    if (c.u8("fBasketBytes flag")) {
      c.need(n * 4, "fBasketBytes");
      for (std::size_t i = 0; i < n; ++i) b.basket_bytes.push_back(c.i32("fBasketBytes"));
    }
    if (c.u8("fBasketEntry flag")) {
      c.need(n * 8, "fBasketEntry");
      for (std::size_t i = 0; i < n; ++i) b.basket_entry.push_back(c.i64("fBasketEntry"));
    }
    if (c.u8("fBasketSeek flag")) {
      c.need(n * 8, "fBasketSeek");
      for (std::size_t i = 0; i < n; ++i) b.basket_seek.push_back(c.i64("fBasketSeek"));
    }
    finish(h, "TBranch");
  }

  void branch_any(branch_rec& b, const object_tag& t) {
    b.cls = t.class_name;
    if (t.class_name == "TBranch") {
      tbranch(b);
    } else if (t.class_name == "TBranchElement") {
      nest guard(*this);
      header h = version();
      tbranch(b);
      b.class_name = c.tstring("fClassName");
      c.tstring("fParentName");
      c.tstring("fClonesName");
      c.u32("fCheckSum");
      b.class_version = h.version >= 10 ? c.i16("fClassVersion") : c.i32("fClassVersion");
      b.id = c.i32("fID");
      b.type = c.i32("fType");
      b.streamer_type = c.i32("fStreamerType");
      finish(h, "TBranchElement"); // fMaximum and the count branches are not needed
    } else {
      // TBranchObject, TBranchRef, TBranchClones...: listed, not read
      const header h = version();
      if (h.end == npos) c.fail("branch of class " + t.class_name + " has no byte count");
      header inner = version();
      if (inner.end != npos) {
        std::string title;
        tnamed(b.name, b.title);
      }
      c.seek(h.end, t.class_name.c_str());
    }
  }
};

} // namespace

std::vector<streamer_info> parse_streamer_infos(const std::vector<unsigned char>& data, std::int32_t keylen, const std::string& where) {
  reader r(data, keylen, where);
  std::vector<streamer_info> out;
  header h = r.version();
  r.tobject();
  r.c.tstring("TList::fName");
  const std::int32_t count = r.c.i32("TList size");
  if (count < 0 || std::size_t(count) > r.c.left() / 4) r.c.fail("bad TList size");
  for (std::int32_t i = 0; i < count; ++i) {
    object_tag t = r.object_any();
    if (t.class_name == "TStreamerInfo") out.push_back(r.info());
    else if (!t.class_name.empty()) r.skip_object("streamer list entry");
    if (t.end != npos && !t.class_name.empty()) r.c.seek(t.end, "streamer list entry");
    const std::uint8_t option = r.c.u8("TList option");
    r.c.skip(option, "TList option");
  }
  r.finish(h, "TList");
  return out;
}

ttree_rec parse_ttree(const std::vector<unsigned char>& data, std::int32_t keylen, const std::string& class_name, const std::string& where) {
  reader r(data, keylen, where);
  ttree_rec t;
  header outer{};
  if (class_name != "TTree") outer = r.version(); // TNtuple / TNtupleD: a TTree base first
  header h = r.version();
  r.tnamed(t.name, t.title);
  r.skip_object("TAttLine");
  r.skip_object("TAttFill");
  r.skip_object("TAttMarker");
  if (h.version < 16) r.c.fail("TTree version " + std::to_string(h.version) + " (older than ROOT 5.26?) is not supported");
  t.entries = r.c.i64("fEntries");
  if (t.entries < 0) r.c.fail("negative fEntries");
  r.c.i64("fTotBytes");
  r.c.i64("fZipBytes");
  r.c.i64("fSavedBytes");
  if (h.version >= 18) r.c.i64("fFlushedBytes");
  r.c.skip(8 + 4 * 3, "TTree fields"); // fWeight, fTimerInterval, fScanField, fUpdate
  if (h.version >= 17) r.c.i32("fDefaultEntryOffsetLen");
  std::int32_t ranges = 0;
  if (h.version >= 19) ranges = r.c.i32("fNClusterRange");
  r.c.skip(8 * 4, "TTree fields"); // fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave
  if (h.version >= 18) r.c.i64("fAutoFlush");
  r.c.i64("fEstimate");
  if (h.version >= 19) {
    if (ranges < 0 || std::size_t(ranges) > r.c.left() / 16) r.c.fail("bad fNClusterRange");
    r.c.skip(1 + std::size_t(ranges) * 8, "fClusterRangeEnd");
    r.c.skip(1 + std::size_t(ranges) * 8, "fClusterSize");
  }
  if (h.version >= 20) r.skip_object("TIOFeatures");
  std::size_t total = 0;
  std::function<void(const branch_rec&)> count_all = [&](const branch_rec& b) {
    ++total;
    for (const auto& c : b.children) count_all(c);
  };
  r.objarray("TTree::fBranches", [&](const object_tag& tag, std::int32_t) {
    if (tag.class_name.empty()) return;
    branch_rec b;
    r.branch_any(b, tag);
    count_all(b);
    if (total > limits::max_branches) r.c.fail("more than " + std::to_string(limits::max_branches) + " branches");
    t.branches.push_back(std::move(b));
  });
  (void)outer;
  return t;
}

} // namespace hepnn::root::detail
