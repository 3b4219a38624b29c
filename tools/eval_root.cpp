// hepnn eval NETWORK.json NTUPLE.root: every entry of a flat ROOT tree
// scored, one branch per network variable (scalar branches feed the vector
// inputs, std::vector branches the sequence inputs), the scores written in
// entry order to an HDF5 table or to a ROOT tree to use as a friend.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "progress.hpp"

#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#include "hepnn/root.hpp"

#include "formats/hdf5_file.hpp"
#include "formats/hdf5_table.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace hepnn::cli {
namespace {

constexpr std::int64_t chunk = 4096;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

template <typename T> int score(const arguments& args) {
  const std::string net_path = args.positional()[0], in_path = args.positional()[1], out_path = args.get("--output");
  const basic_network<T> net{std::filesystem::path(net_path)};
  const root::file f(in_path);
  std::string tree_name = args.get("--tree");
  if (tree_name.empty()) {
    const auto trees = f.trees();
    if (trees.size() != 1) throw usage_error(in_path + " has " + std::to_string(trees.size()) + " trees: choose one with --tree");
    tree_name = trees.front().path;
  }
  const root::tree t = f.open_tree(tree_name);
  // every variable is a branch of the same name
  auto need = [&](const std::string& node, const std::string& var, bool vector) -> const root::branch_info& {
    for (const auto& b : t.branches())
      if (b.name == var) {
        const bool ok = vector ? b.shape == root::shape::vector : b.shape == root::shape::scalar;
        if (!ok || b.type_of_values == root::value_type::string)
          throw input_error(in_path + ": branch '" + var + "' (input '" + node + "') is '" + b.type + "', not " +
                            (vector ? "a std::vector of numbers" : "one number per entry"));
        return b;
      }
    throw input_error(in_path + ": tree '" + tree_name + "' has no branch '" + var + "' (variable of the network's input '" + node + "')");
  };
  for (const auto& n : net.inputs())
    for (const auto& v : n.variables) (void)need(n.name, v.name, false);
  for (const auto& n : net.input_sequences())
    for (const auto& v : n.variables) (void)need(n.name, v.name, true);
  std::vector<std::string> outputs;
  for (const auto& o : net.output_names())
    if (!net.is_sequence_output(o)) outputs.push_back(o);
  const binding bind = net.bind(net.native_order(), outputs);
  std::vector<std::string> columns;
  for (const auto& [name, offset] : bind.outputs())
    for (const auto& label : net.labels(name)) columns.push_back(name + "_" + label);
  if (columns.size() != bind.output_size()) throw error("internal: output columns differ from the binding");

  const std::int64_t n = t.info().entries;
  std::vector<T> scores(std::size_t(n) * columns.size());
  workspace ws;
  progress_bar bar("entries");
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::vector<T>> scal(net.inputs().size());
  std::vector<std::vector<T>> seq(net.input_sequences().size());
  std::vector<std::vector<std::uint64_t>> seq_offsets(net.input_sequences().size());
  for (std::int64_t first = 0; first < n; first += chunk) {
    const std::int64_t last = std::min(n, first + chunk), m = last - first;
    for (std::size_t k = 0; k < net.inputs().size(); ++k) {
      const auto& node = net.inputs()[k];
      scal[k].assign(std::size_t(m) * node.variables.size(), T(0));
      for (std::size_t v = 0; v < node.variables.size(); ++v) {
        const auto col = t.read(node.variables[v].name, first, last);
        for (std::int64_t e = 0; e < m; ++e) scal[k][std::size_t(e) * node.variables.size() + v] = T(col.columns[0].as_double(std::size_t(e)));
      }
    }
    for (std::size_t k = 0; k < net.input_sequences().size(); ++k) {
      const auto& node = net.input_sequences()[k];
      const std::size_t nv = node.variables.size();
      for (std::size_t v = 0; v < nv; ++v) {
        const auto col = t.read(node.variables[v].name, first, last);
        const auto& c = col.columns[0];
        if (v == 0) {
          seq_offsets[k] = c.offsets;
          seq[k].assign(c.size() * nv, T(0));
        } else if (c.offsets != seq_offsets[k]) {
          throw input_error(in_path + ": branch '" + node.variables[v].name + "' has other lengths than '" + node.variables[0].name +
                            "' (input '" + node.name + "') in entries " + std::to_string(first) + " to " + std::to_string(last - 1));
        }
        for (std::size_t i = 0; i < c.size(); ++i) seq[k][i * nv + v] = T(c.as_double(i));
      }
    }
    std::vector<const T*> sp(scal.size());
    std::vector<sequence_input<T>> qp(seq.size());
    for (std::int64_t e = 0; e < m; ++e) {
      for (std::size_t k = 0; k < scal.size(); ++k) sp[k] = scal[k].data() + std::size_t(e) * net.inputs()[k].variables.size();
      for (std::size_t k = 0; k < seq.size(); ++k) {
        const std::size_t nv = net.input_sequences()[k].variables.size();
        qp[k] = {seq[k].data() + seq_offsets[k][std::size_t(e)] * nv, std::size_t(seq_offsets[k][std::size_t(e) + 1] - seq_offsets[k][std::size_t(e)])};
      }
      net.evaluate(bind, sp, qp, std::span<T>(scores.data() + std::size_t(first + e) * columns.size(), columns.size()), ws);
    }
    bar.update(std::size_t(last), std::size_t(n));
  }
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  refuse_overwriting_inputs(out_path, {{"the network", net_path}, {"the ntuple", in_path}});
  const bool f64 = sizeof(T) == 8;
  if (ends_with(out_path, ".root")) {
    // a friend tree: the same entries, in the same order
    detail::write_atomically(out_path, [&](const std::string& tmp) {
      std::vector<root::branch_spec> specs;
      for (const auto& c : columns) specs.push_back({c, f64 ? root::value_type::float64 : root::value_type::float32, false, ""});
      root::tree_writer w(tmp, args.get("--score-tree", "scores"), specs);
      for (std::int64_t first = 0; first < n; first += chunk) {
        const std::int64_t last = std::min(n, first + chunk);
        std::vector<root::column> cols(columns.size());
        for (std::size_t k = 0; k < columns.size(); ++k) {
          cols[k].type = f64 ? root::value_type::float64 : root::value_type::float32;
          for (std::int64_t e = first; e < last; ++e) {
            const T v = scores[std::size_t(e) * columns.size() + k];
            unsigned char b[sizeof(T)];
            std::memcpy(b, &v, sizeof(T));
            cols[k].values.insert(cols[k].values.end(), b, b + sizeof(T));
          }
        }
        w.append(cols);
      }
      w.close();
    });
  } else {
    detail::write_atomically(out_path, [&](const std::string& tmp) {
      auto out = detail::h5::file::create(tmp, out_path);
      std::vector<detail::h5::table_writer::column> cols;
      for (const auto& c : columns) cols.push_back({c, f64 ? "f8" : "f4", "a score of the network"});
      detail::h5::table_writer w(out, args.get("--score-tree", "scores"), cols);
      std::vector<double> rows(scores.begin(), scores.end());
      if (n > 0) w.append(rows.data(), std::size_t(n));
      out.flush();
    });
  }
  std::fprintf(stderr, "hepnn: wrote %s (%s: %zu columns)\n", out_path.c_str(), args.get("--score-tree", "scores").c_str(), columns.size());
  report_summary("scored", std::size_t(n), "entries", seconds);
  return 0;
}

} // namespace

bool is_root_file(const std::string& path) {
  std::FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) return false;
  char magic[4] = {};
  const bool ok = std::fread(magic, 1, 4, fp) == 4 && std::memcmp(magic, "root", 4) == 0;
  std::fclose(fp);
  return ok;
}

int eval_root(const arguments& args) {
  if (!args.has("--output")) throw usage_error("-o SCORES.h5 or -o SCORES.root is required when scoring a ROOT tree");
  return args.has("--precision") && float64_requested(args) ? score<double>(args) : score<float>(args);
}

} // namespace hepnn::cli
