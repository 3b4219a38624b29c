// TFile: the header, the directory tree and its keys, the streamer infos.
#include "root/file_impl.hpp"

#include "root/cursor.hpp"
#include "root/decompress.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace hepnn::root {

using detail::cursor;

file::impl::impl(const std::string& p) : path(p) {
  fp = std::fopen(p.c_str(), "rb");
  if (!fp) throw input_error(p + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(fp);
    throw input_error(p + ": not a regular file");
  }
  size = std::uint64_t(st.st_size);
  try {
    unsigned char head[64] = {};
    const std::size_t n = std::size_t(std::min<std::uint64_t>(size, sizeof head));
    read_bytes(0, n, head, "the file header");
    const std::string where = p + ": file header";
    cursor c(head, n, &where);
    c.need(4, "magic");
    if (std::memcmp(head, "root", 4) != 0) throw input_error(p + ": not a ROOT file (no 'root' magic)");
    c.skip(4);
    version = c.i32("fVersion");
    const bool big = version >= 1000000;
    version %= 1000000;
    const std::int32_t begin = c.i32("fBEGIN");
    const std::int64_t end = big ? c.i64("fEND") : c.i32("fEND");
    big ? c.i64("fSeekFree") : c.i32("fSeekFree");
    c.i32("fNbytesFree");
    c.i32("nfree");
    const std::int32_t nbytes_name = c.i32("fNbytesName");
    c.u8("fUnits");
    compress = c.i32("fCompress");
    seek_info = big ? c.i64("fSeekInfo") : c.i32("fSeekInfo");
    nbytes_info = c.i32("fNbytesInfo");
    if (begin <= 0 || std::uint64_t(begin) >= size || nbytes_name <= 0 || nbytes_name > 1 << 20 || end < begin)
      throw input_error(p + ": file header: bad fBEGIN / fNbytesName");
    // the top directory's record follows the file's own key and name
    const std::uint64_t at = std::uint64_t(begin) + std::uint64_t(nbytes_name);
    const std::size_t len = std::size_t(std::min<std::uint64_t>(64, size > at ? size - at : 0));
    std::vector<unsigned char> record(len);
    read_bytes(at, len, record.data(), "the top directory");
    std::vector<std::int64_t> seen;
    walk(at, record, "", 0, seen);
  } catch (...) {
    std::fclose(fp);
    throw;
  }
}

file::impl::~impl() {
  if (fp) std::fclose(fp);
}

void file::impl::read_bytes(std::uint64_t at, std::size_t n, unsigned char* out, const std::string& what) const {
  if (at > size || n > size - at)
    throw input_error(path + ": " + what + " at byte " + std::to_string(at) + " (" + std::to_string(n) + " bytes) lies past the end of the file (" +
                      std::to_string(size) + " bytes)");
  if (n == 0) return;
  if (fseeko(fp, off_t(at), SEEK_SET) != 0 || std::fread(out, 1, n, fp) != n)
    throw input_error(path + ": cannot read " + what + ": " + std::strerror(errno));
}

std::vector<unsigned char> file::impl::read_range(std::uint64_t at, std::size_t n, const std::string& what) const {
  if (at > size || n > size - at) read_bytes(at, n, nullptr, what); // throws, naming the range
  std::vector<unsigned char> out(n);
  read_bytes(at, n, out.data(), what);
  return out;
}

detail::key file::impl::parse_key(const unsigned char* data, std::size_t n, const std::string& what) const {
  const std::string where = path + ": " + what;
  cursor c(data, n, &where);
  detail::key k;
  k.nbytes = c.i32("key fNbytes");
  k.version = c.i16("key fVersion");
  k.objlen = c.i32("key fObjlen");
  c.u32("key fDatime");
  k.keylen = c.i16("key fKeylen");
  k.cycle = c.i16("key fCycle");
  k.seek_key = k.version > 1000 ? c.i64("key fSeekKey") : c.i32("key fSeekKey");
  k.version > 1000 ? c.i64("key fSeekPdir") : c.i32("key fSeekPdir");
  k.class_name = c.tstring("key class name");
  k.name = c.tstring("key name");
  k.title = c.tstring("key title");
  k.header_bytes = c.pos();
  if (k.keylen <= 0 || k.nbytes < k.keylen || k.objlen < 0 || std::uint64_t(k.objlen) > limits::max_object_bytes)
    c.fail("bad key lengths (fNbytes " + std::to_string(k.nbytes) + ", fKeylen " + std::to_string(k.keylen) + ", fObjlen " +
           std::to_string(k.objlen) + ")");
  return k;
}

detail::key file::impl::read_key(std::uint64_t at, const std::string& what) const {
  unsigned char buf[1024];
  const std::size_t n = std::size_t(std::min<std::uint64_t>(sizeof buf, at < size ? size - at : 0));
  read_bytes(at, n, buf, what);
  return parse_key(buf, n, what);
}

std::vector<unsigned char> file::impl::read_object(const detail::key& k, const std::string& what) const {
  const std::size_t stored = std::size_t(k.nbytes - k.keylen);
  const std::vector<unsigned char> raw = read_range(std::uint64_t(k.seek_key) + std::uint64_t(k.keylen), stored, what);
  if (std::size_t(k.objlen) == stored) return raw;
  return detail::decompress(raw.data(), raw.size(), std::size_t(k.objlen), path + ": " + what);
}

void file::impl::walk(std::uint64_t at, const std::vector<unsigned char>& record, const std::string& prefix, std::size_t depth,
                      std::vector<std::int64_t>& seen) {
  const std::string what = prefix.empty() ? std::string("the top directory") : "directory '" + prefix + "'";
  if (depth > limits::max_depth) throw input_error(path + ": " + what + ": directories nested more than " + std::to_string(limits::max_depth) + " deep");
  if (std::find(seen.begin(), seen.end(), std::int64_t(at)) != seen.end()) throw input_error(path + ": " + what + " contains itself");
  seen.push_back(std::int64_t(at));
  const std::string where = path + ": " + what;
  cursor c(record.data(), record.size(), &where);
  const std::int16_t v = c.i16("TDirectory version");
  c.u32("fDatimeC");
  c.u32("fDatimeM");
  const std::int32_t nbytes_keys = c.i32("fNbytesKeys");
  c.i32("fNbytesName");
  const bool big = v > 1000;
  big ? c.i64("fSeekDir") : c.i32("fSeekDir");
  big ? c.i64("fSeekParent") : c.i32("fSeekParent");
  const std::int64_t seek_keys = big ? c.i64("fSeekKeys") : c.i32("fSeekKeys");
  if (seek_keys == 0) return; // an empty directory
  if (nbytes_keys <= 0 || std::uint64_t(nbytes_keys) > limits::max_object_bytes || seek_keys < 0)
    throw input_error(where + ": bad key list (fSeekKeys " + std::to_string(seek_keys) + ", fNbytesKeys " + std::to_string(nbytes_keys) + ")");
  const std::vector<unsigned char> list = read_range(std::uint64_t(seek_keys), std::size_t(nbytes_keys), what + "'s key list");
  const detail::key head = parse_key(list.data(), list.size(), what + "'s key list");
  cursor lc(list.data(), list.size(), &where);
  lc.seek(std::size_t(head.keylen), "key list");
  const std::int32_t nkeys = lc.i32("number of keys");
  if (nkeys < 0 || std::size_t(nkeys) > limits::max_keys || std::size_t(nkeys) > lc.left() / 20)
    throw input_error(where + ": bad number of keys (" + std::to_string(nkeys) + ")");
  for (std::int32_t i = 0; i < nkeys; ++i) {
    const std::size_t start = lc.pos();
    const detail::key k = parse_key(lc.here(), lc.left(), what + ", key " + std::to_string(i));
    lc.seek(start + k.header_bytes, "key");
    const std::string name = prefix.empty() ? k.name : prefix + "/" + k.name;
    if (k.class_name == "TDirectory" || k.class_name == "TDirectoryFile") {
      // a sub-directory: its record is the key's (small) object
      const detail::key full = read_key(std::uint64_t(k.seek_key), "directory '" + name + "'");
      walk(std::uint64_t(k.seek_key), read_object(full, "directory '" + name + "'"), name, depth + 1, seen);
    } else if (k.class_name == "TTree" || k.class_name == "TNtuple" || k.class_name == "TNtupleD") {
      auto it = std::find_if(trees.begin(), trees.end(), [&](const tree_key& t) { return t.info.path == name; });
      if (it != trees.end() && it->info.cycle >= k.cycle) continue;
      tree_key tk{{name, k.title, k.cycle, -1}, k};
      if (it != trees.end()) *it = tk;
      else trees.push_back(tk);
    }
  }
}

const std::vector<detail::streamer_info>& file::impl::streamer_infos() {
  if (infos_read) return infos;
  infos_read = true;
  if (seek_info <= 0 || nbytes_info <= 0) return infos;
  const detail::key k = read_key(std::uint64_t(seek_info), "the streamer infos");
  infos = detail::parse_streamer_infos(read_object(k, "the streamer infos"), k.keylen, path + ": the streamer infos");
  return infos;
}

file::file(const std::string& path) : impl_(std::make_shared<impl>(path)) {}
file::~file() = default;
file::file(file&&) noexcept = default;
file& file::operator=(file&&) noexcept = default;
const std::string& file::path() const { return impl_->path; }
int file::version() const { return impl_->version; }
int file::compression() const { return impl_->compress; }

std::vector<tree_info> file::trees() const {
  std::vector<tree_info> out;
  for (auto& t : impl_->trees) {
    tree_info i = t.info;
    if (i.entries < 0) i.entries = open_tree(i.path).info().entries;
    out.push_back(i);
  }
  return out;
}

} // namespace hepnn::root
