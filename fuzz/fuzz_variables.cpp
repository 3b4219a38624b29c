// lwtnn variables files (both forms): parse_variables, write_variables and a
// second parse of what was written, which must succeed.
#include "fuzz_support.hpp"

#include "hepnn/variables.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  std::string written;
  try {
    written = write_variables(parse_variables(fuzz::as_text(data, size), "fuzz-input"));
  } catch (const error& e) {
    fuzz::expected(e);
    return 0;
  }
  // hepnn's own output is always readable
  (void)parse_variables(written, "written");
  return 0;
}
