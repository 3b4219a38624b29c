#pragma once
// Reading entries of a zip archive (the Keras 3 `.keras` format) with libzip.

#include <string>
#include <vector>

namespace hepnn::detail {

class zip_archive {
public:
  /// Throws config_error naming the file if it is missing or not a valid zip.
  explicit zip_archive(const std::string& path);
  ~zip_archive();
  zip_archive(const zip_archive&) = delete;
  zip_archive& operator=(const zip_archive&) = delete;

  bool has(const std::string& entry) const;
  /// The whole entry; throws naming the archive and the entry.
  std::vector<char> read(const std::string& entry) const;

private:
  std::string path_;
  void* zip_ = nullptr;
};

/// Whether the file starts with a zip signature.
bool is_zip(const std::string& path);

} // namespace hepnn::detail
