// The public evaluation API on top of plan + executor.
#include "hepnn/network.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "runtime/execute.hpp"

#include <algorithm>

namespace hepnn {

workspace::workspace() : state_(std::make_unique<state>()) {}
workspace::~workspace() = default;
workspace::workspace(workspace&&) noexcept = default;
workspace& workspace::operator=(workspace&&) noexcept = default;
std::size_t workspace::bytes() const noexcept { return state_->capacity; }

template <typename T>
basic_network<T>::basic_network(const model& m, const network_options& options)
    : plan_(detail::compile<T>(
          m, {options.replace_defaults, options.nan == nan_policy::error, options.batch_tile, options.isa})) {}

template <typename T>
basic_network<T>::basic_network(const std::filesystem::path& file, const network_options& options)
    : basic_network(read_network(file), options) {}

template <typename T> const std::vector<input_node>& basic_network<T>::inputs() const noexcept { return plan_->inputs; }
template <typename T> const std::vector<input_node>& basic_network<T>::input_sequences() const noexcept {
  return plan_->input_sequences;
}
template <typename T> std::string_view basic_network<T>::isa() const noexcept { return plan_->kernels->isa; }

template <typename T> std::vector<std::string> basic_network<T>::output_names() const {
  std::vector<std::string> out;
  for (const auto& o : plan_->outputs) out.push_back(o.name);
  return out;
}

template <typename T> std::size_t basic_network<T>::output_index(std::string_view name) const {
  if (name.empty()) {
    if (plan_->outputs.size() == 1) return 0;
    throw config_error(plan_->source + ": the network has " + std::to_string(plan_->outputs.size()) +
                       " outputs; name the one to evaluate");
  }
  for (std::size_t i = 0; i < plan_->outputs.size(); ++i)
    if (plan_->outputs[i].name == name) return i;
  throw config_error(plan_->source + ": no output named '" + std::string(name) + "'");
}

template <typename T> const std::vector<std::string>& basic_network<T>::labels(std::string_view output) const {
  return plan_->outputs[output_index(output)].labels;
}

template <typename T> bool basic_network<T>::is_sequence_output(std::string_view output) const {
  return plan_->outputs[output_index(output)].sequence_value >= 0;
}

template <typename T> input_order basic_network<T>::native_order() const {
  input_order order;
  auto names = [](const input_node& n) {
    std::vector<std::string> v;
    for (const auto& var : n.variables) v.push_back(var.name);
    return v;
  };
  for (const auto& n : plan_->inputs) order.scalar.emplace_back(n.name, names(n));
  for (const auto& n : plan_->input_sequences) order.sequence.emplace_back(n.name, names(n));
  return order;
}

std::vector<std::string> available_isas() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < detail::kernel_count<float>(); ++i) out.emplace_back(detail::kernels_at<float>(i).isa);
  return out;
}

namespace {

/// Marks the ops (and values) that the selected outputs depend on.
template <typename T>
void dependencies(const detail::plan<T>& p, const std::vector<int>& targets, std::vector<bool>& ops,
                  std::vector<bool>& values) {
  ops.assign(p.ops.size(), false);
  values.assign(p.values.size(), false);
  for (int v : targets) values[v] = true;
  for (std::size_t i = p.ops.size(); i-- > 0;) {
    const auto& o = p.ops[i];
    bool need = values[o.out];
    if (auto* r = std::get_if<detail::op_recurrent>(&o.body); r && r->final_value >= 0)
      need = need || values[r->final_value];
    if (!need) continue;
    ops[i] = true;
    for (int v : o.in) values[v] = true;
  }
}

} // namespace

template <typename T>
binding basic_network<T>::bind(const input_order& order, const std::vector<std::string>& outputs) const {
  const auto& p = *plan_;
  binding b;
  b.plan_ = plan_.get();
  b.caller_scalars_ = order.scalar.size();
  b.caller_sequences_ = order.sequence.size();
  auto resolve = [&](const std::vector<input_node>& nodes,
                     const std::vector<std::pair<std::string, std::vector<std::string>>>& given, const char* kind,
                     std::vector<binding::source>& out) {
    for (const auto& node : nodes) {
      binding::source s;
      auto it = std::find_if(given.begin(), given.end(), [&](const auto& g) { return g.first == node.name; });
      // one node on each side: names need not match (lwtnn's sequential files name none)
      if (it == given.end() && nodes.size() == 1 && given.size() == 1) it = given.begin();
      if (it == given.end())
        throw config_error(p.source + ": the input order has no " + kind + " node '" + node.name + "'");
      s.node = static_cast<std::size_t>(it - given.begin());
      s.stride = it->second.size();
      for (const auto& var : node.variables) {
        auto col = std::find(it->second.begin(), it->second.end(), var.name);
        if (col == it->second.end())
          throw config_error(p.source + ": the input order for " + kind + " node '" + it->first +
                             "' has no variable '" + var.name + "'");
        s.columns.push_back(static_cast<std::size_t>(col - it->second.begin()));
      }
      s.in_order = true;
      for (std::size_t i = 0; i < s.columns.size(); ++i) s.in_order = s.in_order && s.columns[i] == i;
      out.push_back(std::move(s));
    }
  };
  resolve(p.inputs, order.scalar, "scalar", b.scalars_);
  resolve(p.input_sequences, order.sequence, "sequence", b.sequences_);

  std::vector<int> targets;
  auto select = [&](std::size_t i) {
    const auto& o = p.outputs[i];
    b.selected_.push_back(i);
    b.output_names_.emplace_back(o.name, b.output_size_);
    b.output_size_ += o.labels.size();
    targets.push_back(o.vector_value);
  };
  if (outputs.empty())
    for (std::size_t i = 0; i < p.outputs.size(); ++i) select(i);
  for (const auto& name : outputs) select(output_index(name));
  dependencies(p, targets, b.needed_ops_, b.wanted_values_);
  return b;
}

template <typename T>
void basic_network<T>::evaluate(const binding& b, std::span<const T* const> scalars,
                                std::span<const sequence_input<T>> sequences, std::span<T> out, workspace& ws) const {
  const auto& p = *plan_;
  if (b.plan_ != plan_.get()) throw config_error(p.source + ": the binding was made for another network");
  if (scalars.size() < b.caller_scalars_ || sequences.size() < b.caller_sequences_)
    throw input_error(p.source + ": expected " + std::to_string(b.caller_scalars_) + " scalar and " +
                      std::to_string(b.caller_sequences_) + " sequence inputs, got " + std::to_string(scalars.size()) +
                      " and " + std::to_string(sequences.size()));
  if (out.size() < b.output_size_)
    throw input_error(p.source + ": the output buffer holds " + std::to_string(out.size()) + " values, " +
                      std::to_string(b.output_size_) + " needed");
  detail::executor<T> ex(p, ws.get());
  ex.begin(1, [&](std::size_t i, std::size_t) { return sequences[b.sequences_[i].node].steps; });
  for (std::size_t k = 0; k < b.scalars_.size(); ++k) {
    const auto& s = b.scalars_[k];
    const T* src = scalars[s.node];
    if (s.in_order) ex.gather_vector_rows(k, src, s.stride);
    else ex.gather_vector(k, [&](std::size_t, std::size_t i) { return src[s.columns[i]]; });
  }
  for (std::size_t k = 0; k < b.sequences_.size(); ++k) {
    const auto& s = b.sequences_[k];
    const T* src = sequences[s.node].values;
    if (s.in_order) { // whole runs of steps through the prepare kernel, as for a batch
      const std::size_t origin = 0;
      ex.gather_sequence_rows(k, src, &origin, s.stride);
      continue;
    }
    ex.gather_sequence(k, [&](std::size_t, std::size_t t, std::size_t i) { return src[t * s.stride + s.columns[i]]; });
  }
  ex.run(&b.needed_ops_, &b.wanted_values_);
  std::size_t at = 0;
  for (std::size_t i : b.selected_) {
    const auto& o = p.outputs[i];
    const T* row = ex.rows(o.vector_value);
    std::copy(row, row + o.labels.size(), out.begin() + static_cast<std::ptrdiff_t>(at));
    at += o.labels.size();
  }
}

template <typename T>
void basic_network<T>::evaluate_batch(const binding& b, std::size_t n, std::span<const T* const> scalars,
                                      std::span<const sequence_batch<T>> sequences, std::span<T> out,
                                      workspace& ws) const {
  const auto& p = *plan_;
  if (b.plan_ != plan_.get()) throw config_error(p.source + ": the binding was made for another network");
  if (scalars.size() < b.caller_scalars_ || sequences.size() < b.caller_sequences_)
    throw input_error(p.source + ": expected " + std::to_string(b.caller_scalars_) + " scalar and " +
                      std::to_string(b.caller_sequences_) + " sequence inputs");
  if (out.size() < n * b.output_size_)
    throw input_error(p.source + ": the output buffer holds " + std::to_string(out.size()) + " values, " +
                      std::to_string(n * b.output_size_) + " needed");
  const std::size_t width = b.output_size_;
  for (std::size_t first = 0; first < n; first += p.batch_tile) {
    const std::size_t count = std::min(p.batch_tile, n - first);
    detail::executor<T> ex(p, ws.get());
    ex.begin(count, [&](std::size_t i, std::size_t e) {
      const std::size_t* off = sequences[b.sequences_[i].node].offsets;
      return off[first + e + 1] - off[first + e];
    });
    for (std::size_t k = 0; k < b.scalars_.size(); ++k) {
      const auto& s = b.scalars_[k];
      const T* src = scalars[s.node] + first * s.stride;
      if (s.in_order) ex.gather_vector_rows(k, src, s.stride);
      else ex.gather_vector_columns(k, src, s.stride, s.columns.data());
    }
    for (std::size_t k = 0; k < b.sequences_.size(); ++k) {
      const auto& s = b.sequences_[k];
      const auto& seq = sequences[s.node];
      if (s.in_order) {
        ex.gather_sequence_rows(k, seq.values, seq.offsets + first, s.stride);
        continue;
      }
      ex.gather_sequence(k, [&](std::size_t e, std::size_t t, std::size_t i) {
        return seq.values[(seq.offsets[first + e] + t) * s.stride + s.columns[i]];
      });
    }
    ex.run(&b.needed_ops_, &b.wanted_values_);
    std::size_t at = 0;
    for (std::size_t i : b.selected_) {
      const auto& o = p.outputs[i];
      const auto& val = p.values[o.vector_value];
      const T* rows = ex.rows(o.vector_value);
      for (std::size_t e = 0; e < count; ++e)
        std::copy(rows + e * val.ld, rows + e * val.ld + o.labels.size(),
                  out.begin() + static_cast<std::ptrdiff_t>((first + e) * width + at));
      at += o.labels.size();
    }
  }
}

namespace {

/// Runs the name-keyed API: looks every network variable up by name.
template <typename T>
void run_named(const detail::plan<T>& p, detail::executor<T>& ex, const node_map& inputs, const seq_node_map& sequences) {
  auto find_node = [&](const auto& map, const std::string& name, const char* kind, std::size_t nodes) -> const auto& {
    auto it = map.find(name);
    // one node on each side: names need not match (as in bind)
    if (it == map.end() && nodes == 1 && map.size() == 1) it = map.begin();
    if (it == map.end()) throw input_error(p.source + ": no " + std::string(kind) + " input node '" + name + "' given");
    return it->second;
  };
  std::vector<std::vector<const std::vector<double>*>> seq_columns(p.input_sequences.size());
  for (std::size_t k = 0; k < p.input_sequences.size(); ++k) {
    const auto& node = p.input_sequences[k];
    const vector_map& given = find_node(sequences, node.name, "sequence", p.input_sequences.size());
    std::size_t steps = 0;
    bool first = true;
    static const std::vector<double> no_steps;
    for (const auto& var : node.variables) {
      auto it = given.find(var.name);
      if (it == given.end() && given.empty()) { // an empty sequence may come without variable names
        seq_columns[k].push_back(&no_steps);
        first = false;
        continue;
      }
      if (it == given.end())
        throw input_error(p.source + ": sequence input '" + node.name + "' has no variable '" + var.name + "'");
      if (!first && it->second.size() != steps)
        throw input_error(p.source + ": sequence input '" + node.name + "' variable '" + var.name + "' has " +
                          std::to_string(it->second.size()) + " steps, '" + node.variables[0].name + "' has " +
                          std::to_string(steps));
      steps = it->second.size();
      first = false;
      seq_columns[k].push_back(&it->second);
    }
  }
  ex.begin(1, [&](std::size_t i, std::size_t) { return seq_columns[i].empty() ? 0 : seq_columns[i][0]->size(); });
  for (std::size_t k = 0; k < p.inputs.size(); ++k) {
    const auto& node = p.inputs[k];
    const value_map& given = find_node(inputs, node.name, "scalar", p.inputs.size());
    std::vector<double> values;
    for (const auto& var : node.variables) {
      auto it = given.find(var.name);
      if (it == given.end())
        throw input_error(p.source + ": input '" + node.name + "' has no variable '" + var.name + "'");
      values.push_back(it->second);
    }
    ex.gather_vector(k, [&](std::size_t, std::size_t i) { return values[i]; });
  }
  for (std::size_t k = 0; k < p.input_sequences.size(); ++k)
    ex.gather_sequence(k, [&](std::size_t, std::size_t t, std::size_t i) { return (*seq_columns[k][i])[t]; });
}

} // namespace

template <typename T>
std::map<std::string, value_map> basic_network<T>::compute_all(const node_map& inputs, const seq_node_map& sequences) const {
  const auto& p = *plan_;
  workspace ws;
  detail::executor<T> ex(p, ws.get());
  run_named(p, ex, inputs, sequences);
  ex.run(nullptr, nullptr);
  std::map<std::string, value_map> out;
  for (const auto& o : p.outputs) {
    const T* row = ex.rows(o.vector_value);
    auto& m = out[o.name];
    for (std::size_t i = 0; i < o.labels.size(); ++i) m[o.labels[i]] = static_cast<double>(row[i]);
  }
  return out;
}

template <typename T>
value_map basic_network<T>::compute(const node_map& inputs, const seq_node_map& sequences, std::string_view output) const {
  const std::size_t index = output_index(output);
  auto all = compute_all(inputs, sequences);
  return all[plan_->outputs[index].name];
}

template <typename T>
vector_map basic_network<T>::scan(const node_map& inputs, const seq_node_map& sequences, std::string_view output) const {
  const auto& p = *plan_;
  const auto& o = p.outputs[output_index(output)];
  if (o.sequence_value < 0) throw input_error(p.source + ": output '" + o.name + "' is not a sequence");
  workspace ws;
  detail::executor<T> ex(p, ws.get());
  run_named(p, ex, inputs, sequences);
  ex.run(nullptr, nullptr);
  const auto& val = p.values[o.sequence_value];
  const auto& ps = ex.packing(val.packing);
  const T* rows = ex.rows(o.sequence_value);
  vector_map out;
  for (std::size_t i = 0; i < o.labels.size(); ++i) {
    auto& col = out[o.labels[i]];
    for (std::size_t t = 0; t < ps.steps; ++t) col.push_back(static_cast<double>(rows[ps.offset[t] * val.ld + i]));
  }
  return out;
}

template class basic_network<float>;
template class basic_network<double>;

} // namespace hepnn
