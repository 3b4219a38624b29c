#include "cli/hostile_files.hpp"

namespace hepnn::test {

std::string zip_claiming(const std::string& name, std::uint16_t method, const std::string& data, std::uint32_t size) {
  std::string z;
  auto u16 = [&z](std::uint32_t v) { z += static_cast<char>(v & 0xff), z += static_cast<char>((v >> 8) & 0xff); };
  auto u32 = [&](std::uint32_t v) { u16(v & 0xffff), u16(v >> 16); };
  auto common = [&] { // version needed, flags, method, time, date, crc, sizes, name length, extra length
    u16(20), u16(0), u16(method), u16(0), u16(0x21), u32(0), u32(static_cast<std::uint32_t>(data.size())), u32(size);
    u16(static_cast<std::uint16_t>(name.size())), u16(0);
  };
  u32(0x04034b50), common();
  z += name + data;
  const auto directory = static_cast<std::uint32_t>(z.size());
  u32(0x02014b50), u16(20), common(), u16(0), u16(0), u16(0), u32(0), u32(0);
  z += name;
  const auto directory_size = static_cast<std::uint32_t>(z.size()) - directory;
  u32(0x06054b50), u16(0), u16(0), u16(1), u16(1), u32(directory_size), u32(directory), u16(0);
  return z;
}

std::string billion_laughs(const std::string& key) {
  std::string text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string n = std::to_string(i), prev = std::string("*l").append(std::to_string(i - 1));
    text.append("l").append(n).append(": &l").append(n).append(" [");
    for (int k = 0; k < 10; ++k) {
      if (k) text += ", ";
      text += prev;
    }
    text += "]\n";
  }
  return text + key + ": *l9\n";
}

} // namespace hepnn::test
