#pragma once
// The open file: header, directories, keys, streamer infos, and reading a
// key's object (decompressed) or a range of raw bytes.

#include "root/model.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hepnn::root {

struct file::impl {
  std::string path;
  std::FILE* fp = nullptr;
  std::uint64_t size = 0;
  int version = 0;
  int compress = 0;
  std::int64_t seek_info = 0;
  std::int32_t nbytes_info = 0;
  struct tree_key {
    tree_info info;
    detail::key k;
  };
  std::vector<tree_key> trees;
  bool infos_read = false;
  std::vector<detail::streamer_info> infos;

  explicit impl(const std::string& p);
  ~impl();
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  /// Reads [at, at + n) of the file; throws input_error naming `what`.
  void read_bytes(std::uint64_t at, std::size_t n, unsigned char* out, const std::string& what) const;
  /// Reads [at, at + n) into a new buffer (the range is checked before allocating).
  std::vector<unsigned char> read_range(std::uint64_t at, std::size_t n, const std::string& what) const;
  /// Parses a key header from a buffer.
  detail::key parse_key(const unsigned char* data, std::size_t n, const std::string& what) const;
  /// Reads a key header at `at` (its length bounded by the file).
  detail::key read_key(std::uint64_t at, const std::string& what) const;
  /// The object a key holds, decompressed.
  std::vector<unsigned char> read_object(const detail::key& k, const std::string& what) const;
  const std::vector<detail::streamer_info>& streamer_infos();
  void walk(std::uint64_t dir_at_record, const std::vector<unsigned char>& record, const std::string& prefix, std::size_t depth,
            std::vector<std::int64_t>& seen);
};

} // namespace hepnn::root
