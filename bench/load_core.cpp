// hepnn-load NETWORK.json: reads and compiles a network in a fresh process,
// linking hepnn::core only — what the fresh-process load benchmark times.
#include <hepnn/hepnn.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    const hepnn::network net{std::filesystem::path(argv[1])};
    return net.output_names().empty() ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}
