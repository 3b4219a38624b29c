#pragma once
// Hand-made hostile files shared by the command-line tests: zip archives
// whose headers lie, and YAML documents whose aliases explode.

#include <cstdint>
#include <string>

namespace hepnn::test {

/// A zip of one member `name` holding `data` (stored: method 0, deflated: 8)
/// whose headers claim `size` bytes once extracted.
std::string zip_claiming(const std::string& name, std::uint16_t method, const std::string& data, std::uint32_t size);

/// "Billion laughs": nine levels of ten aliases each (10^9 scalars once
/// expanded), the last level under the key `key`.
std::string billion_laughs(const std::string& key);

} // namespace hepnn::test
