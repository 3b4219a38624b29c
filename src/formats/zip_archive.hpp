#pragma once
// Reading entries of a zip archive (the Keras 3 `.keras` format) with libzip.

#include <cstdint>
#include <string>
#include <vector>

namespace hepnn::detail {

/// The largest member read (a .keras file's weights are far smaller).
inline constexpr std::uint64_t max_zip_member_bytes = std::uint64_t{2} << 30;
/// Deflate cannot expand data by more than about 1032:1.
inline constexpr std::uint64_t max_deflate_ratio = 1032;

class zip_archive {
public:
  /// Throws config_error naming the file if it is missing or not a valid zip.
  explicit zip_archive(const std::string& path);
  ~zip_archive();
  zip_archive(const zip_archive&) = delete;
  zip_archive& operator=(const zip_archive&) = delete;

  bool has(const std::string& entry) const;
  /// The whole entry; throws naming the archive and the entry. A size the
  /// entry cannot have (above max_zip_member_bytes, stored uncompressed but
  /// larger than its data or the archive, beyond deflate's ratio) is refused
  /// before anything is allocated.
  std::vector<char> read(const std::string& entry) const;

private:
  std::string path_;
  std::uint64_t file_size_ = 0;
  void* zip_ = nullptr;
};

/// Whether the file starts with a zip signature.
bool is_zip(const std::string& path);

} // namespace hepnn::detail
