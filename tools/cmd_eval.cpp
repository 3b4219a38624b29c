// hepnn eval: evaluate a network on events.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"

#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#include "workflow/json_events.hpp"

#include <chrono>
#include <cstdio>

namespace hepnn::cli {

int run_eval(int argc, char** argv) {
  arguments args("eval", "NETWORK.json --inputs EVENTS.json [options]",
                 {
                     {{"--inputs"}, true, "events as JSON (the zoo's inputs.json layout)", "EVENTS.json"},
                     {{"--precision"}, true, "float32 (default) or float64", "PRECISION"},
                     {{"-o", "--output"}, true, "write the outputs here instead of standard output", "FILE"},
                 });
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw usage_error("expected one network file");
  if (!args.has("--inputs")) throw usage_error("--inputs EVENTS.json is required");
  const std::string precision = args.get("--precision", "float32");
  if (precision != "float32" && precision != "float64")
    throw usage_error("--precision must be float32 or float64, not '" + precision + "'");

  const auto start = std::chrono::steady_clock::now();
  const model m = read_network(args.positional()[0]);
  const auto events = detail::read_json_events(args.get("--inputs"));
  std::string text = precision == "float32" ? detail::evaluate_json_events(network(m), events)
                                            : detail::evaluate_json_events(network64(m), events);
  if (auto out = args.maybe("--output")) write_file_atomically(*out, text);
  else std::fwrite(text.data(), 1, text.size(), stdout);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report_summary("evaluated", events.size(), "events", seconds);
  return 0;
}

} // namespace hepnn::cli
