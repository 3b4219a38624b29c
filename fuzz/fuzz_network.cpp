// Network files: parse_network on the bytes (lwtnn sequential / graph JSON,
// hepnn's extension), write_network on the model, then compile it and
// evaluate one all-zero event (sequences of 3 steps) in float32 and float64.
#include "fuzz_support.hpp"

#include "hepnn/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hepnn;
  try {
    const model m = parse_network(fuzz::as_text(data, size), "fuzz-input");
    (void)write_network(m);
    fuzz::evaluate_zero(network(m));
    fuzz::evaluate_zero(network64(m), 1);
  } catch (const error& e) {
    fuzz::expected(e);
  }
  return 0;
}
