#include "formats/zip_archive.hpp"

#include "hepnn/errors.hpp"

#include <zip.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace hepnn::detail {

bool is_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char sig[4] = {};
  in.read(sig, 4);
  return in.gcount() == 4 && std::memcmp(sig, "PK\x03\x04", 4) == 0;
}

zip_archive::zip_archive(const std::string& path) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw config_error(path + ": cannot read the file: No such file or directory");
  file_size_ = std::filesystem::file_size(path, ec);
  int err = 0;
  zip_ = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!zip_) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    throw config_error(path + ": not a readable zip archive (" + msg + ")");
  }
}

zip_archive::~zip_archive() {
  if (zip_) zip_discard(static_cast<zip_t*>(zip_));
}

bool zip_archive::has(const std::string& entry) const {
  return zip_name_locate(static_cast<zip_t*>(zip_), entry.c_str(), 0) >= 0;
}

namespace {

/// Refuses a size the entry cannot really have, before anything is allocated.
void check_size(const std::string& path, std::uint64_t file_size, const std::string& entry, const zip_stat_t& st) {
  const std::string claim = path + ": entry '" + entry + "' claims " + std::to_string(st.size) + " bytes";
  if (st.size > max_zip_member_bytes)
    throw config_error(claim + ", more than the limit of " + std::to_string(max_zip_member_bytes) + " (damaged or hostile archive?)");
  if (!(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD)) return;
  if (st.comp_method == ZIP_CM_STORE && (st.size > st.comp_size || st.size > file_size))
    throw config_error(claim + ", but is stored uncompressed in " + std::to_string(st.comp_size) + " (damaged archive?)");
  if (st.comp_method == ZIP_CM_DEFLATE && st.size > st.comp_size * max_deflate_ratio + 1024)
    throw config_error(claim + ", more than " + std::to_string(st.comp_size) + " compressed bytes can hold (damaged archive?)");
}

} // namespace

std::vector<char> zip_archive::read(const std::string& entry) const {
  auto* z = static_cast<zip_t*>(zip_);
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(z, entry.c_str(), 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE))
    throw config_error(path_ + ": the archive has no entry '" + entry + "'");
  check_size(path_, file_size_, entry, st);
  zip_file_t* f = zip_fopen(z, entry.c_str(), 0);
  if (!f) throw config_error(path_ + ": cannot open entry '" + entry + "' of the archive");
  std::vector<char> data(static_cast<std::size_t>(st.size));
  const zip_int64_t got = zip_fread(f, data.data(), st.size);
  zip_fclose(f);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size)
    throw config_error(path_ + ": entry '" + entry + "' is truncated or damaged");
  return data;
}

} // namespace hepnn::detail
