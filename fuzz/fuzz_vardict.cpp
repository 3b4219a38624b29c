// umami's variables file from a scale dict and a variables YAML
// (ftag::umami_vardict, src/workflow/vardict.cpp and yaml.cpp). The input is
//   YAML \0 scale-dict JSON \0 tagger \0 tracks_name \0 sequence name
// (missing parts: tagger "umami", tracks_name "tracks", no sequence name);
// make_corpus.sh builds seeds in this layout from ../shared/umami.
#include "fuzz_support.hpp"

#include "hepnn/ftag.hpp"

namespace {
const hepnn::fuzz::scratch_file yaml("vars.yaml");
const hepnn::fuzz::scratch_file scale_dict("scale_dict.json");
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  const auto parts = fuzz::split_nul(fuzz::as_text(data, size), 5);
  ftag::vardict_options o;
  o.var_dict = yaml.write(parts[0]);
  o.scale_dict = scale_dict.write(parts.size() > 1 ? parts[1] : std::string_view{});
  o.tagger = parts.size() > 2 ? std::string(parts[2]) : "umami";
  o.tracks_name = parts.size() > 3 ? std::string(parts[3]) : "tracks";
  if (parts.size() > 4) o.sequence_name = std::string(parts[4]);
  try {
    (void)ftag::umami_vardict(o);
  } catch (const error& e) {
    fuzz::expected(e);
  }
  return 0;
}
