// TauJetRNNEvaluator (workflow.md §6.2–§6.4): choose the network by the
// charged-track count, select and order tracks and clusters, compute every
// input with the calculators, evaluate. A value that cannot be computed
// gives the no-score value, as Athena's failing calculators do.
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "hepnn/tau.hpp"

#include "runtime/execute.hpp"
#include "workflow/tau_calculators.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace hepnn::tau {
namespace {

using detail::cluster_calc;
using detail::scalar_calc;
using detail::track_calc;

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

} // namespace

template <typename T> struct basic_evaluator<T>::impl {
  struct entry {
    std::string file;
    model m;
    std::unique_ptr<basic_network<T>> net;
    binding bind;
    bool has_scalar = false, has_tracks = false, has_clusters = false;
    std::vector<const scalar_calc*> scalars;
    std::vector<const track_calc*> tracks;
    std::vector<const cluster_calc*> clusters;
    std::size_t out_index = 0;
  };
  evaluator_options opt;
  std::unique_ptr<entry> nets[4]; // by prong
  // what selection and order read come first
  std::vector<std::string> scalar_fields, track_fields, cluster_fields;

  explicit impl(const evaluator_options& o) : opt(o) {
    const std::filesystem::path* files[4] = {&o.network_0p, &o.network_1p, &o.network_2p, &o.network_3p};
    if (o.network_1p.empty()) throw config_error("tau evaluator: no 1-prong network file (NetworkFile1P)");
    if (o.network_3p.empty()) throw config_error("tau evaluator: no 3-prong network file (NetworkFile3P)");
    if (o.max_tracks == 0 && o.max_clusters == 0) throw config_error("tau evaluator: MaxTracks and MaxClusters are both 0");
    for (int p = 0; p < 4; ++p)
      if (!files[p]->empty()) nets[p] = load(*files[p]);
  }

  std::unique_ptr<entry> load(const std::filesystem::path& file) {
    auto e = std::make_unique<entry>();
    e->file = file.string();
    e->m = read_network(file);
    e->net = std::make_unique<basic_network<T>>(e->m, opt.network);
    auto fail = [&](const std::string& what) { throw config_error(e->file + ": " + what); };
    input_order order;
    for (const auto& in : e->net->inputs()) {
      if (in.name != opt.input_layer_scalar)
        fail("input '" + in.name + "' is not the scalar input the evaluator feeds ('" + opt.input_layer_scalar + "')");
      e->has_scalar = true;
      std::vector<std::string> names;
      for (const auto& v : in.variables) {
        const scalar_calc* c = detail::find_scalar(v.name);
        if (!c) fail("input '" + in.name + "': no calculator for the scalar variable '" + v.name + "'");
        e->scalars.push_back(c);
        names.push_back(v.name);
        add_unique(scalar_fields, detail::candidate_field_name(c->field));
      }
      order.scalar.emplace_back(in.name, names);
    }
    for (const auto& in : e->net->input_sequences()) {
      const bool tracks = in.name == opt.input_layer_tracks, clusters = in.name == opt.input_layer_clusters;
      if (!tracks && !clusters)
        fail("input sequence '" + in.name + "' is neither the tracks ('" + opt.input_layer_tracks + "') nor the clusters ('" +
             opt.input_layer_clusters + "')");
      std::vector<std::string> names;
      for (const auto& v : in.variables) {
        names.push_back(v.name);
        if (tracks) {
          const track_calc* c = detail::find_track(v.name);
          if (!c) fail("input sequence '" + in.name + "': no calculator for the track variable '" + v.name + "'");
          e->tracks.push_back(c);
          if (c->field) add_unique(track_fields, detail::track_field_name(c->field));
          else add_unique(scalar_fields, detail::candidate_field_name(c->candidate_field));
        } else {
          const cluster_calc* c = detail::find_cluster(v.name);
          if (!c) fail("input sequence '" + in.name + "': no calculator for the cluster variable '" + v.name + "'");
          e->clusters.push_back(c);
          if (c->field) add_unique(cluster_fields, detail::cluster_field_name(c->field));
          else add_unique(scalar_fields, detail::candidate_field_name(c->candidate_field));
        }
      }
      (tracks ? e->has_tracks : e->has_clusters) = true;
      if (tracks) add_unique(track_fields, "pt");
      else
        for (const char* f : {"et", "dEta", "dPhi"}) add_unique(cluster_fields, f);
      order.sequence.emplace_back(in.name, names);
    }
    // the evaluator passes tracks first, then clusters
    std::sort(order.sequence.begin(), order.sequence.end(),
              [&](const auto& a, const auto& b) { return (a.first == opt.input_layer_tracks) > (b.first == opt.input_layer_tracks); });
    const auto outs = e->net->output_names();
    if (std::find(outs.begin(), outs.end(), opt.output_layer) == outs.end()) {
      fail("no output '" + opt.output_layer + "' (OutputLayer); the network's outputs: " + hepnn::detail::join(outs));
    }
    const auto& labels = e->net->labels(opt.output_layer);
    const auto it = std::find(labels.begin(), labels.end(), opt.output_node);
    if (it == labels.end()) fail("output '" + opt.output_layer + "' has no node '" + opt.output_node + "' (OutputNode)");
    e->out_index = static_cast<std::size_t>(it - labels.begin());
    e->bind = e->net->bind(order, {opt.output_layer});
    return e;
  }

  /// The network for `n` charged tracks, or null (no score).
  const entry* choose(int n, int& prong) const {
    prong = -1;
    if (n < opt.min_charged_tracks) return nullptr;
    if (n <= 0) prong = nets[0] ? 0 : 1;
    else if (n == 1) prong = 1;
    else if (n == 2) prong = nets[2] ? 2 : 3;
    else prong = 3;
    return nets[prong].get();
  }

  /// Selected objects in network order (no allocation once the vectors have grown).
  void select(const candidate& c, std::vector<std::size_t>& tracks, std::vector<std::size_t>& clusters) const {
    tracks.clear();
    for (std::size_t i = 0; i < c.tracks.size(); ++i)
      if (!std::isnan(c.tracks[i].pt)) tracks.push_back(i);
    // pt descending; ties (none in practice) by position, for reproducibility
    std::sort(tracks.begin(), tracks.end(), [&](std::size_t a, std::size_t b) {
      return c.tracks[a].pt != c.tracks[b].pt ? c.tracks[a].pt > c.tracks[b].pt : a < b;
    });
    if (tracks.size() > opt.max_tracks) tracks.resize(opt.max_tracks);
    clusters.clear();
    for (std::size_t i = 0; i < c.clusters.size(); ++i) {
      const auto& k = c.clusters[i];
      if (std::isnan(k.et)) continue;
      const double deta = k.dEta, dphi = k.dPhi;
      if (std::sqrt(deta * deta + dphi * dphi) < opt.max_cluster_dr) clusters.push_back(i);
    }
    std::sort(clusters.begin(), clusters.end(), [&](std::size_t a, std::size_t b) {
      return c.clusters[a].et != c.clusters[b].et ? c.clusters[a].et > c.clusters[b].et : a < b;
    });
    if (clusters.size() > opt.max_clusters) clusters.resize(opt.max_clusters);
  }

  /// Every input of `e` into `out` (scalars, then track rows, then cluster
  /// rows), in the precision the network takes; false if one is NaN.
  template <typename V>
  bool compute(const entry& e, const candidate& c, const std::vector<std::size_t>& tracks,
               const std::vector<std::size_t>& clusters, V* out) const {
    bool ok = true;
    auto put = [&](double v) {
      ok = ok && !std::isnan(v);
      *out++ = static_cast<V>(v);
    };
    auto nan_in = [](float x) { return std::isnan(x); };
    for (const scalar_calc* s : e.scalars) {
      const float x = c.*(s->field);
      put(nan_in(x) ? std::nan("") : s->transform(x));
    }
    for (std::size_t t : tracks)
      for (const track_calc* s : e.tracks) {
        const float x = s->field ? c.tracks[t].*(s->field) : c.*(s->candidate_field);
        put(nan_in(x) ? std::nan("") : s->transform(x));
      }
    for (std::size_t k : clusters)
      for (const cluster_calc* s : e.clusters) {
        const float x = s->field ? c.clusters[k].*(s->field) : c.*(s->candidate_field);
        put(nan_in(x) ? std::nan("") : s->transform(x));
      }
    return ok;
  }
};

template <typename T> basic_evaluator<T>::basic_evaluator(const evaluator_options& o) : impl_(std::make_shared<impl>(o)) {}

template <typename T> const evaluator_options& basic_evaluator<T>::options() const noexcept { return impl_->opt; }
template <typename T> const std::vector<std::string>& basic_evaluator<T>::scalar_fields() const noexcept {
  return impl_->scalar_fields;
}
template <typename T> const std::vector<std::string>& basic_evaluator<T>::track_fields() const noexcept {
  return impl_->track_fields;
}
template <typename T> const std::vector<std::string>& basic_evaluator<T>::cluster_fields() const noexcept {
  return impl_->cluster_fields;
}

template <typename T> evaluation basic_evaluator<T>::evaluate(const candidate& c, workspace& ws) const {
  const impl& p = *impl_;
  evaluation r;
  const auto* e = p.choose(c.n_charged_tracks, r.network);
  if (!e) return r;
  auto& st = ws.get();
  p.select(c, st.tau_tracks, st.tau_clusters);
  const std::size_t nt = e->has_tracks ? st.tau_tracks.size() : 0, nc = e->has_clusters ? st.tau_clusters.size() : 0;
  r.tracks_used = nt;
  r.clusters_used = nc;
  if (!e->has_tracks) st.tau_tracks.clear();
  if (!e->has_clusters) st.tau_clusters.clear();
  const std::size_t ns = e->scalars.size();
  auto& values = hepnn::detail::by_precision<T>(st.tau_inputs32, st.tau_inputs64);
  values.resize(ns + nt * e->tracks.size() + nc * e->clusters.size());
  if (!p.compute(*e, c, st.tau_tracks, st.tau_clusters, values.data())) return r;
  const T* scalar_ptr[1] = {values.data()};
  sequence_input<T> seqs[2];
  std::size_t n_seqs = 0;
  if (e->has_tracks) seqs[n_seqs++] = {values.data() + ns, nt};
  if (e->has_clusters) seqs[n_seqs++] = {values.data() + ns + nt * e->tracks.size(), nc};
  auto& out = hepnn::detail::by_precision<T>(st.tau_outputs32, st.tau_outputs64);
  out.resize(e->bind.output_size());
  e->net->evaluate(e->bind, std::span(scalar_ptr, e->has_scalar ? 1 : 0), std::span(seqs, n_seqs), out, ws);
  r.score = static_cast<double>(out[e->out_index]);
  return r;
}

/// One network's share of a batch: its candidates and their inputs.
template <typename T> struct batch_group {
  std::vector<std::size_t> members;
  std::vector<T> scalars, tracks, clusters, outputs;
  std::vector<std::size_t> track_offsets, cluster_offsets;
};

struct batch_workspace::state {
  workspace ws;
  std::vector<std::size_t> tracks, clusters;
  std::vector<float> inputs32;
  std::vector<double> inputs64;
  batch_group<float> groups32[4];
  batch_group<double> groups64[4];
};

batch_workspace::batch_workspace() : state_(std::make_unique<state>()) {}
batch_workspace::~batch_workspace() = default;
batch_workspace::batch_workspace(batch_workspace&&) noexcept = default;
batch_workspace& batch_workspace::operator=(batch_workspace&&) noexcept = default;

template <typename T>
void basic_evaluator<T>::evaluate_batch(std::span<const candidate> candidates, std::span<evaluation> results,
                                        batch_workspace& bws) const {
  const impl& p = *impl_;
  if (results.size() < candidates.size())
    throw input_error("tau evaluator: " + std::to_string(results.size()) + " results for " + std::to_string(candidates.size()) + " candidates");
  auto& st = bws.get();
  auto& groups = [&]() -> batch_group<T>(&)[4] {
    if constexpr (std::is_same_v<T, float>) return st.groups32;
    else return st.groups64;
  }();
  auto& values = hepnn::detail::by_precision<T>(st.inputs32, st.inputs64);
  for (auto& g : groups) {
    g.members.clear();
    g.scalars.clear();
    g.tracks.clear();
    g.clusters.clear();
    g.track_offsets.assign(1, 0);
    g.cluster_offsets.assign(1, 0);
  }
  // the same choice, selection and inputs as evaluate(), gathered per network
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const candidate& c = candidates[i];
    evaluation r;
    const auto* e = p.choose(c.n_charged_tracks, r.network);
    results[i] = r;
    if (!e) continue;
    p.select(c, st.tracks, st.clusters);
    const std::size_t nt = e->has_tracks ? st.tracks.size() : 0, nc = e->has_clusters ? st.clusters.size() : 0;
    r.tracks_used = nt;
    r.clusters_used = nc;
    results[i] = r;
    if (!e->has_tracks) st.tracks.clear();
    if (!e->has_clusters) st.clusters.clear();
    const std::size_t ns = e->scalars.size(), track_values = nt * e->tracks.size();
    values.resize(ns + track_values + nc * e->clusters.size());
    if (!p.compute(*e, c, st.tracks, st.clusters, values.data())) continue;
    auto& g = groups[r.network];
    g.members.push_back(i);
    g.scalars.insert(g.scalars.end(), values.begin(), values.begin() + static_cast<std::ptrdiff_t>(ns));
    g.tracks.insert(g.tracks.end(), values.begin() + static_cast<std::ptrdiff_t>(ns),
                    values.begin() + static_cast<std::ptrdiff_t>(ns + track_values));
    g.clusters.insert(g.clusters.end(), values.begin() + static_cast<std::ptrdiff_t>(ns + track_values), values.end());
    g.track_offsets.push_back(g.track_offsets.back() + nt);
    g.cluster_offsets.push_back(g.cluster_offsets.back() + nc);
  }
  for (int prong = 0; prong < 4; ++prong) {
    auto& g = groups[prong];
    if (g.members.empty()) continue;
    const auto& e = *p.nets[prong];
    const std::size_t n = g.members.size();
    const T* scalar_ptr[1] = {g.scalars.data()};
    sequence_batch<T> seqs[2];
    std::size_t n_seqs = 0;
    if (e.has_tracks) seqs[n_seqs++] = {g.tracks.data(), g.track_offsets.data()};
    if (e.has_clusters) seqs[n_seqs++] = {g.clusters.data(), g.cluster_offsets.data()};
    const std::size_t width = e.bind.output_size();
    g.outputs.resize(n * width);
    e.net->evaluate_batch(e.bind, n, std::span(scalar_ptr, e.has_scalar ? 1 : 0), std::span(seqs, n_seqs), g.outputs, st.ws);
    for (std::size_t k = 0; k < n; ++k) results[g.members[k]].score = static_cast<double>(g.outputs[k * width + e.out_index]);
  }
}

template <typename T> computed_inputs basic_evaluator<T>::compute_inputs(const candidate& c) const {
  const impl& p = *impl_;
  computed_inputs in;
  const auto* e = p.choose(c.n_charged_tracks, in.network);
  if (!e) return in;
  p.select(c, in.track_order, in.cluster_order);
  if (!e->has_tracks) in.track_order.clear();
  if (!e->has_clusters) in.cluster_order.clear();
  std::vector<double> all(e->scalars.size() + in.track_order.size() * e->tracks.size() +
                          in.cluster_order.size() * e->clusters.size());
  if (!p.compute(*e, c, in.track_order, in.cluster_order, all.data())) return {};
  const auto ns = static_cast<std::ptrdiff_t>(e->scalars.size());
  const auto nt = static_cast<std::ptrdiff_t>(in.track_order.size() * e->tracks.size());
  in.scalars.assign(all.begin(), all.begin() + ns);
  in.tracks.assign(all.begin() + ns, all.begin() + ns + nt);
  in.clusters.assign(all.begin() + ns + nt, all.end());
  return in;
}

template <typename T> std::size_t basic_evaluator<T>::macs(const candidate& c) const {
  const impl& p = *impl_;
  int prong = -1;
  const auto* e = p.choose(c.n_charged_tracks, prong);
  if (!e) return 0;
  std::vector<std::size_t> tracks, clusters, steps;
  p.select(c, tracks, clusters);
  for (const auto& in : e->net->input_sequences())
    steps.push_back(in.name == p.opt.input_layer_tracks ? tracks.size() : clusters.size());
  return cost(e->m).macs(steps);
}

template class basic_evaluator<float>;
template class basic_evaluator<double>;

std::vector<std::string> scalar_calculators() {
  std::vector<std::string> v;
  for (const auto& c : detail::all_scalars()) v.push_back(c.name);
  return v;
}
std::vector<std::string> track_calculators() {
  std::vector<std::string> v;
  for (const auto& c : detail::all_tracks()) v.push_back(c.name);
  return v;
}
std::vector<std::string> cluster_calculators() {
  std::vector<std::string> v;
  for (const auto& c : detail::all_clusters()) v.push_back(c.name);
  return v;
}

} // namespace hepnn::tau
