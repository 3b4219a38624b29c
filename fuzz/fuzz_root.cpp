// ROOT files read with hepnn::root: the header, directories, keys, streamer
// infos, every tree and every readable branch (the first 1000 entries, in
// two chunks so that basket reuse is exercised), as `hepnn root dump` does.
#include "fuzz_support.hpp"

#include "hepnn/root.hpp"

#include <algorithm>

namespace {

const hepnn::fuzz::scratch_file input("input.root");

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  try {
    const root::file f(input.write(fuzz::as_text(data, size)));
    for (const auto& ti : f.trees()) {
      const root::tree t = f.open_tree(ti.path);
      const std::int64_t n = std::min<std::int64_t>(t.info().entries, 1000);
      for (const auto& b : t.branches()) {
        if (b.shape == root::shape::unsupported || b.shape == root::shape::none) continue;
        try {
          (void)root::dump_json(t, {b.name}, 0, n / 2);
          (void)root::dump_json(t, {b.name}, n / 2, n);
        } catch (const error& e) {
          fuzz::expected(e); // one bad branch: the others are still read
        }
      }
    }
  } catch (const error& e) {
    fuzz::expected(e);
  }
  return 0;
}
