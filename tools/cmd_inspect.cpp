// hepnn inspect: what a network file holds and what it costs to evaluate.
#include "args.hpp"
#include "commands.hpp"

#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#include "model/shapes.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace hepnn::cli {
namespace {

std::string describe(const activation& a) {
  std::string s(to_string(a.function));
  char buf[96];
  switch (a.function) {
  case activation_function::elu:
  case activation_function::leaky_relu:
  case activation_function::swish: std::snprintf(buf, sizeof buf, "(%g)", a.alpha); return s + buf;
  case activation_function::hard_sigmoid: std::snprintf(buf, sizeof buf, "(%gx%+g)", a.alpha, a.beta); return s + buf;
  default: return s;
  }
}

std::string layer_text(const model& m, const detail::model_shapes& sh, std::size_t li) {
  const layer& l = m.layers[li];
  const auto& ls = sh.layers[li];
  std::string s = std::string(to_string(l.kind)) + " " + std::to_string(ls.n_in) + "→" + std::to_string(ls.n_out);
  switch (l.kind) {
  case layer_kind::dense:
    if (l.weights.empty()) s = "activation";
    s += " " + describe(l.act);
    if (!l.weights.empty() && l.bias.empty()) s += ", no bias";
    break;
  case layer_kind::lstm:
  case layer_kind::gru:
    s += " " + describe(l.act) + ", gates " + describe(l.inner_act);
    if (l.kind == layer_kind::gru) s += l.reset_after ? ", reset_after" : ", reset_before";
    if (l.go_backwards) s += ", go_backwards";
    break;
  case layer_kind::simple_rnn:
    s += " " + describe(l.act);
    if (l.go_backwards) s += ", go_backwards";
    break;
  case layer_kind::conv1d:
    s += " kernel " + std::to_string(ls.kernel) + ", dilation " + std::to_string(l.dilation) + ", " +
         std::string(to_string(l.pad)) + ", " + describe(l.act);
    break;
  case layer_kind::highway: s += " " + describe(l.act); break;
  case layer_kind::maxout: s += " × " + std::to_string(l.sublayers.size()); break;
  default: break;
  }
  return s;
}

void print_inputs(const char* title, const std::vector<input_node>& nodes) {
  if (nodes.empty()) return;
  std::printf("%s:\n", title);
  for (const auto& n : nodes) {
    std::printf("  '%s' (%zu variables)\n", n.name.c_str(), n.variables.size());
    for (const auto& v : n.variables) {
      std::printf("    %-40s offset %-12.6g scale %-12.6g", v.name.c_str(), v.offset, v.scale);
      if (v.default_value) std::printf(" default %g", *v.default_value);
      std::printf("\n");
    }
  }
}

} // namespace

int run_inspect(int argc, char** argv) {
  arguments args("inspect", "NETWORK.json [--brief]",
                 {{{"--brief"}, false, "only the summary lines (inputs, outputs, cost, load time)"}});
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw usage_error("expected one network file");
  const auto start = std::chrono::steady_clock::now();
  const model m = read_network(args.positional()[0]);
  const network net(m);
  const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const auto sh = detail::analyse(m);
  const auto c = cost(m);
  const bool brief = args.has("--brief");

  std::printf("network: %s (%s format)\n", m.source.c_str(), m.sequential ? "lwtnn sequential" : "graph");
  if (!brief) {
    print_inputs("inputs", m.inputs);
    print_inputs("input sequences", m.input_sequences);
  } else {
    for (const auto& n : m.inputs) std::printf("input '%s': %zu variables\n", n.name.c_str(), n.variables.size());
    for (const auto& n : m.input_sequences)
      std::printf("input sequence '%s': %zu variables per step%s\n", n.name.c_str(), n.variables.size(),
                  n.steps ? (", exactly " + std::to_string(n.steps) + " steps").c_str() : "");
  }
  std::printf("outputs:\n");
  for (const auto& o : m.outputs) {
    std::printf("  '%s' ← node %zu%s:", o.name.c_str(), o.node, sh.nodes[o.node].sequence ? " (sequence)" : "");
    for (const auto& l : o.labels) std::printf(" %s", l.c_str());
    std::printf("\n");
  }
  if (!brief) {
    std::printf("nodes (in evaluation order):\n");
    for (std::size_t n : sh.order) {
      const node& nd = m.nodes[n];
      if (!sh.nodes[n].reachable) continue;
      std::printf("  %3zu %-16s", n, std::string(to_string(nd.kind)).c_str());
      std::string from;
      for (std::size_t s : nd.sources) from += (from.empty() ? "" : ", ") + std::to_string(s);
      const bool layered = nd.kind == node_kind::feed_forward || nd.kind == node_kind::sequence ||
                           nd.kind == node_kind::time_distributed;
      if (nd.kind == node_kind::input || nd.kind == node_kind::input_sequence)
        std::printf(" input %s", from.c_str());
      else
        std::printf(" ← %s", from.c_str());
      if (layered) std::printf("  layer %zu: %s", nd.layer, layer_text(m, sh, nd.layer).c_str());
      if (nd.kind == node_kind::masking) std::printf("  mask value %g", nd.mask_value);
      const auto& ns = sh.nodes[n];
      const char* what = ns.sequence ? "sequence" : ns.dims.size() == 1 ? "vector" : ns.dims.size() == 3 ? "image" : "tensor";
      std::printf("  [%s %s]\n", what, detail::dims_text(ns.dims).c_str());
    }
  }
  std::printf("parameters: %zu\n", c.parameters);
  std::printf("multiply-adds per evaluation: %zu", c.macs_fixed);
  for (std::size_t i = 0; i < c.macs_per_step.size(); ++i)
    if (c.macs_per_step[i])
      std::printf(" + %zu per step of '%s'", c.macs_per_step[i], m.input_sequences[i].name.c_str());
  std::printf("\n");
  for (const auto& [k, v] : m.miscellaneous) std::printf("miscellaneous: %s = %s\n", k.c_str(), v.c_str());
  std::printf("kernels: %s; read and compiled in %.2f ms\n", std::string(net.isa()).c_str(), load_ms);
  return 0;
}

} // namespace hepnn::cli
