// Built with c++ $(pkg-config --cflags --libs hepnn) against an installed
// hepnn: the generated version header and the library must both be found.
#include <hepnn/hepnn.hpp>
#include <hepnn/version.hpp>

#include <cmath>
#include <cstdio>
#include <string>

static_assert(HEPNN_VERSION_MAJOR >= 0 && HEPNN_VERSION_MINOR >= 0 && HEPNN_VERSION_PATCH >= 0);

int main() {
  const char* json = R"({"inputs": [{"name": "in", "variables": [{"name": "x", "offset": 1, "scale": 2}]}],
    "input_sequences": [], "nodes": [{"type": "input", "sources": [0], "size": 1},
    {"type": "feed_forward", "sources": [0], "layer_index": 0}],
    "layers": [{"architecture": "dense", "weights": [3.0], "bias": [-1.0], "activation": "linear"}],
    "outputs": {"y": {"node_index": 1, "labels": ["y"]}}})";
  const hepnn::network net(hepnn::parse_network(json, "pkgconfig-consumer.json"));
  const double y = net.compute({{"in", {{"x", 0.5}}}}).at("y"); // 3 * (0.5 + 1) * 2 - 1
  const bool ok = std::fabs(y - 8.0) < 1e-12;
  std::printf("pkg-config consumer: hepnn %s, y = %g (expected 8): %s\n", HEPNN_VERSION_STRING, y, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
