#pragma once
// The parts of ROOT's on-disk objects that the reader keeps: keys,
// directories, streamer elements, branches, leaves and baskets.

#include "hepnn/root.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hepnn::root::detail {

struct key {
  std::int32_t nbytes = 0;
  std::int32_t version = 0;
  std::int32_t objlen = 0;
  std::int32_t keylen = 0;
  std::int16_t cycle = 0;
  std::int64_t seek_key = 0;
  std::size_t header_bytes = 0; ///< bytes the header really took (ROOT 5 wrote some keys whose fKeylen disagrees)
  std::string class_name, name, title;
};

struct streamer_element {
  std::string name, type_name;
  std::int32_t type = 0;
  std::int32_t array_length = 0;
};

struct streamer_info {
  std::string class_name;
  std::int32_t class_version = 0;
  std::vector<streamer_element> elements;
};

struct leaf_rec {
  std::string cls, name, title;
  std::int32_t len = 1;
  bool is_unsigned = false;
  std::string count; ///< name of the counting leaf, or ""
  std::int32_t id = -1, type = 0; ///< TLeafElement
};

/// A basket stored inside the branch object (the one in memory when the tree was written).
struct embedded_basket {
  std::int32_t slot = 0;
  std::int32_t keylen = 0;
  std::int32_t entries = 0;
  std::vector<unsigned char> data;     ///< the entries' bytes (without the key header)
  std::vector<std::uint32_t> offsets;  ///< entry starts in data, plus the end; empty without offsets
};

struct branch_rec {
  std::string cls, name, title;
  std::int32_t version = 0;
  std::int32_t entry_offset_len = 0;
  std::int32_t write_basket = 0;
  std::int64_t entries = 0;
  std::vector<std::int32_t> basket_bytes;
  std::vector<std::int64_t> basket_entry;
  std::vector<std::int64_t> basket_seek;
  std::vector<leaf_rec> leaves;
  std::vector<branch_rec> children;
  std::vector<embedded_basket> embedded;
  // TBranchElement
  std::string class_name;
  std::int32_t class_version = 0, id = -1, type = 0, streamer_type = -1;
};

struct ttree_rec {
  std::string name, title;
  std::int64_t entries = 0;
  std::vector<branch_rec> branches;
};

/// Parsing of the streamed objects (objects.cpp).
std::vector<streamer_info> parse_streamer_infos(const std::vector<unsigned char>& data, std::int32_t keylen, const std::string& where);
ttree_rec parse_ttree(const std::vector<unsigned char>& data, std::int32_t keylen, const std::string& class_name, const std::string& where);

} // namespace hepnn::root::detail
