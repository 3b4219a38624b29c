// Built against an installed hepnn with its own compiler flags: the public
// headers carry no SIMD or third-party types, so nothing has to match.
#include <hepnn/hepnn.hpp>

#include <cmath>
#include <cstdio>

int main() {
  const char* json = R"({"inputs": [{"name": "jet", "variables": [{"name": "pt", "offset": 0, "scale": 0.5}]}],
    "input_sequences": [], "nodes": [{"type": "input", "sources": [0], "size": 1},
    {"type": "feed_forward", "sources": [0], "layer_index": 0}],
    "layers": [{"architecture": "dense", "weights": [2.0, -1.0], "bias": [0.5, 0.0], "activation": "sigmoid"}],
    "outputs": {"p": {"node_index": 1, "labels": ["a", "b"]}}})";
  const hepnn::network net(hepnn::parse_network(json, "consumer.json"));
  const auto out = net.compute({{"jet", {{"pt", 2.0}}}});
  const double a = 1 / (1 + std::exp(-2.5)), b = 1 / (1 + std::exp(1.0));
  const bool ok = std::fabs(out.at("a") - a) < 1e-6 && std::fabs(out.at("b") - b) < 1e-6;
  std::printf("consumer: a = %.7f (expected %.7f), b = %.7f (expected %.7f), kernels %s: %s\n", out.at("a"), a,
              out.at("b"), b, std::string(net.isa()).c_str(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
