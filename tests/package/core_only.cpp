// A program that links hepnn::core alone, as a reconstruction framework
// would: it reads a network file and evaluates one event. The test around it
// checks that no HDF5, zip or YAML library is loaded with it.
#include <hepnn/hepnn.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s NETWORK.json\n", argv[0]);
    return 2;
  }
  try {
    const hepnn::network net{std::filesystem::path(argv[1])};
    hepnn::node_map inputs;
    for (const auto& node : net.inputs())
      for (const auto& v : node.variables) inputs[node.name][v.name] = 0.5;
    hepnn::seq_node_map sequences;
    for (const auto& node : net.input_sequences())
      for (const auto& v : node.variables) sequences[node.name][v.name] = {0.5, -0.5};
    for (const auto& [output, values] : net.compute_all(inputs, sequences))
      for (const auto& [label, x] : values) std::printf("%s %s %.9g\n", output.c_str(), label.c_str(), x);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
