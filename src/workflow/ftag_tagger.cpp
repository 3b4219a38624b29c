// Jet fields and tracks → network inputs, as FlavorTagDiscriminants does
// (workflow.md §7): each network variable gets a recipe (which fields, what
// transform, which *_isDefaults flag); tracks are selected and ordered as the
// sequence name says.
#include "hepnn/ftag.hpp"

#include "hepnn/errors.hpp"
#include "model/text.hpp"
#include "runtime/execute.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace hepnn::ftag {
namespace {

const double nan = std::numeric_limits<double>::quiet_NaN();

enum class op : std::uint8_t { plain, abs, log, log_plus_1e7, log_ratio, log_hypot_1e7, log_hypot };

struct recipe {
  op kind = op::plain;
  int a = -1, b = -1; ///< fields (track or jet, by context)
  int flag = -1;      ///< jet: *_isDefaults field, set → NaN
  int jet = -1;       ///< track recipes: a jet field (log_ptfrac from pt)
};

double apply(const recipe& r, const double* fields, const double* jet) {
  switch (r.kind) {
  case op::plain: return fields[r.a];
  case op::abs: return std::fabs(fields[r.a]);
  case op::log: return std::log(fields[r.a]);
  case op::log_plus_1e7: return std::log(fields[r.a] + 1e-7);
  case op::log_ratio: return std::log(fields[r.a] / jet[r.jet]);
  case op::log_hypot_1e7: return std::log(std::hypot(fields[r.a], fields[r.b]) + 1e-7);
  case op::log_hypot: return std::log(std::hypot(fields[r.a], fields[r.b]));
  }
  return nan;
}

/// One recipe over a jet's ordered tracks into out[0], out[stride], ...: the
/// transform is chosen once per recipe and jet, not once per value.
template <typename T>
void fill_column(const recipe& r, const double* tracks, std::size_t nt, const std::vector<std::size_t>& order, const double* jet,
                 T* out, std::size_t stride) {
  auto each = [&](auto f) {
    for (std::size_t i = 0; i < order.size(); ++i) out[i * stride] = static_cast<T>(f(tracks + order[i] * nt));
  };
  switch (r.kind) {
  case op::plain: return each([&](const double* t) { return t[r.a]; });
  case op::abs: return each([&](const double* t) { return std::fabs(t[r.a]); });
  default: return each([&](const double* t) { return apply(r, t, jet); });
  }
}

/// std::lround of a hit count without the libm call: x86's lround gives
/// LONG_MIN for NaN and for |x| ≥ 2^63, and so does this; the
/// rest rounds half away from zero (x − trunc(x) is exact).
long round_count(double x) {
  if (!(std::fabs(x) < 9223372036854775808.0)) return std::numeric_limits<long>::min();
  const long t = static_cast<long>(x);
  const double f = x - static_cast<double>(t);
  return t + (f >= 0.5 ? 1 : 0) - (f <= -0.5 ? 1 : 0);
}

/// Fields the caller provides; with an availability list, names resolve against it.
class field_list {
public:
  explicit field_list(std::vector<std::string> available) : available_(std::move(available)) {}
  bool has(const std::string& n) const {
    return available_.empty() || std::find(available_.begin(), available_.end(), n) != available_.end();
  }
  int add(const std::string& n) {
    auto it = std::find(names_.begin(), names_.end(), n);
    if (it != names_.end()) return static_cast<int>(it - names_.begin());
    names_.push_back(n);
    return static_cast<int>(names_.size() - 1);
  }
  /// The first candidate the caller has (or the first, when anything goes).
  std::optional<std::string> pick(std::initializer_list<const char*> candidates) const {
    for (const char* c : candidates)
      if (has(c)) return std::string(c);
    return std::nullopt;
  }
  const std::vector<std::string>& names() const { return names_; }

private:
  std::vector<std::string> available_, names_;
};

/// The *_isDefaults flag that governs a jet variable (DataPrepUtilities):
/// the variable's name up to its first '_' names the group.
std::optional<std::string> defaults_flag(const std::string& var) {
  static const std::string flag = "_isDefaults";
  const auto cut = var.find('_');
  if (cut == std::string::npos || var.ends_with(flag)) return std::nullopt;
  const std::string head = var.substr(0, cut);
  for (const char* group : {"IP2D", "IP3D", "SV1", "JetFitterSecondaryVertex", "JetFitter"})
    for (const char* variant : {"", "Neg", "Flip"})
      if (head == std::string(group) + variant) return head + flag;
  if (head == "rnnip" || head == "rnnipflip" || head.starts_with("dips")) return head + flag;
  if (head == "smt" || head == "softMuon") return "softMuon" + flag;
  return std::nullopt;
}

[[noreturn]] void unmapped(const std::string& node, const std::string& var, const char* what, const std::string& needs) {
  throw config_error("network input '" + var + "' (node '" + node + "') maps to nothing in the " + what + ": it needs " + needs);
}

recipe jet_recipe(field_list& jets, const std::string& node, const std::string& var) {
  recipe r;
  auto need = [&](std::initializer_list<const char*> names, const std::string& text) {
    auto n = jets.pick(names);
    if (!n) unmapped(node, var, "jet fields", text);
    return jets.add(*n);
  };
  if (var == "pt") r.a = need({"pt_btagJes", "pt"}, "field pt_btagJes or pt");
  else if (var == "abs_eta") {
    if (auto n = jets.pick({"absEta_btagJes"})) r.a = jets.add(*n);
    else r.kind = op::abs, r.a = need({"eta_btagJes", "eta"}, "field absEta_btagJes, eta_btagJes or eta");
  } else if (var == "log_pt") {
    r.kind = op::log, r.a = need({"pt_btagJes", "pt"}, "field pt_btagJes or pt");
  } else {
    if (!jets.has(var)) unmapped(node, var, "jet fields", "a field '" + var + "'");
    r.a = jets.add(var);
  }
  if (auto flag = defaults_flag(var); flag && jets.has(*flag)) r.flag = jets.add(*flag);
  return r;
}

recipe track_recipe(field_list& tracks, field_list& jets, const std::string& node, const std::string& var) {
  recipe r;
  auto need = [&](std::initializer_list<const char*> names, const std::string& text) {
    auto n = tracks.pick(names);
    if (!n) unmapped(node, var, "track fields", text);
    return tracks.add(*n);
  };
  if (var == "log_ptfrac") {
    if (tracks.has("ptfrac")) r.kind = op::log, r.a = tracks.add("ptfrac");
    else {
      r.kind = op::log_ratio, r.a = need({"pt"}, "field ptfrac, or pt with the jet's pt");
      auto jpt = jets.pick({"pt_btagJes", "pt"});
      if (!jpt) unmapped(node, var, "jet fields", "the jet's pt_btagJes or pt");
      r.jet = jets.add(*jpt);
    }
  } else if (var == "log_dr_nansafe" || var == "log_dr") {
    const bool safe = var == "log_dr_nansafe";
    if (tracks.has("dr")) r.kind = safe ? op::log_plus_1e7 : op::log, r.a = tracks.add("dr");
    else {
      r.kind = safe ? op::log_hypot_1e7 : op::log_hypot;
      r.a = need({"deta"}, "field dr, or deta and dphi");
      r.b = need({"dphi"}, "field dr, or deta and dphi");
    }
  } else if (var == "log_pt") {
    r.kind = op::log, r.a = need({"pt"}, "field pt");
  } else if (var == "log_z0RelativeToBeamspotUncertainty") {
    r.kind = op::log, r.a = need({"z0RelativeToBeamspotUncertainty"}, "field z0RelativeToBeamspotUncertainty");
  } else if (var == "d0" || var == "btagIp_d0") {
    r.a = need({var == "d0" ? "d0" : "btagIp_d0", var == "d0" ? "btagIp_d0" : "d0"}, "field d0 or btagIp_d0");
  } else if (var == "z0SinTheta" || var == "btagIp_z0SinTheta") {
    const bool plain = var == "z0SinTheta";
    r.a = need({plain ? "z0SinTheta" : "btagIp_z0SinTheta", plain ? "btagIp_z0SinTheta" : "z0SinTheta"},
               "field z0SinTheta or btagIp_z0SinTheta");
  } else {
    if (!tracks.has(var)) unmapped(node, var, "track fields", "a field '" + var + "'");
    r.a = tracks.add(var);
  }
  return r;
}

/// The cut table of workflow.md §7.3 (a track fails if any listed condition holds).
struct cuts {
  double abs_eta = 1e300, pt_min = -1e300, abs_d0 = 1e300, abs_z0 = 1e300;
  double shared = 1e300, si_min = -1e300, si_holes = 1e300, pix_holes = 1e300;
};

cuts cuts_of(track_selection s) {
  switch (s) {
  case track_selection::all: return {};
  case track_selection::ip3d: return {2.5, 1000, 1.0, 1.5, 1, 7, 2, 1};
  case track_selection::dips_tight_upgrade: return {4.0, 1000, 1.0, 1.5};
  case track_selection::dips_loose_upgrade: return {4.0, 500, 3.5, 5.0};
  case track_selection::dips_loose_202102: return {2.5, 500, 3.5, 5.0, 1, 7, 2, 1};
  case track_selection::loose_202102_no_ip_cuts: return {2.5, 500, 1e300, 1e300, 1, 7, 2, 1};
  case track_selection::r22default: return {2.5, 500, 3.5, 5.0, 1, 8, 2, 1};
  case track_selection::r22loose: return {2.5, 500, 5.0, 5.0, 1e300, 8, 2, 1};
  }
  return {};
}

} // namespace

template <typename T> struct basic_tagger<T>::impl {
  basic_network<T> net;
  binding bind;
  std::vector<std::string> jet_fields, track_fields, score_names;
  std::string handling;
  std::vector<std::vector<recipe>> jet_nodes, seq_nodes;
  std::size_t jet_width = 0, track_width = 0; ///< network inputs per jet, per track
  std::optional<track_selection> selection;
  cuts cut;
  std::optional<track_sort> sort;
  int f_pt = -1, f_eta = -1, f_d0 = -1, f_z0 = -1, f_pix_shared = -1, f_sct_shared = -1;
  int f_pix = -1, f_pix_dead = -1, f_sct = -1, f_sct_dead = -1, f_pix_holes = -1, f_sct_holes = -1;
  int f_key = -1, f_key2 = -1;

  impl(const model& m, const tagger_options& o) : net(m, o.network), bind(net.bind(net.native_order())) {
    field_list jets(o.jet_fields_available), tracks(o.track_fields_available);
    for (const auto& n : m.inputs) {
      auto& recipes = jet_nodes.emplace_back();
      for (const auto& v : n.variables) recipes.push_back(jet_recipe(jets, n.name, v.name));
    }
    // Athena's taggers read one track collection
    if (m.input_sequences.size() > 1)
      throw config_error("the tagger feeds one track sequence; the network has " + std::to_string(m.input_sequences.size()) +
                         " sequence inputs ('" + m.input_sequences[0].name + "', '" + m.input_sequences[1].name + "', ...)");
    for (const auto& n : m.input_sequences) {
      auto& recipes = seq_nodes.emplace_back();
      for (const auto& v : n.variables) recipes.push_back(track_recipe(tracks, jets, n.name, v.name));
    }
    if (!m.input_sequences.empty()) choose_tracks(m, o, tracks);
    jet_fields = jets.names();
    track_fields = tracks.names();
    for (const auto& r : jet_nodes) jet_width += r.size();
    for (const auto& r : seq_nodes) track_width += r.size();
    // score names are <output>_<label>: two pairs may spell the same name ("a_b" + "c", "a" + "b_c")
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [name, offset] : bind.outputs())
      for (const auto& label : net.labels(name)) {
        const std::string score = name + "_" + label;
        for (std::size_t k = 0; k < score_names.size(); ++k)
          if (score_names[k] == score)
            throw config_error("output '" + pairs[k].first + "' label '" + pairs[k].second + "' and output '" + name + "' label '" +
                               label + "' both make the score name '" + score + "'");
        score_names.push_back(score);
        pairs.emplace_back(name, label);
      }
  }

  void choose_tracks(const model& m, const tagger_options& o, field_list& tracks) {
    const std::string& seq = m.input_sequences.front().name;
    if (!o.select_tracks) {
      handling = "tracks as stored, in stored order (track selection switched off)";
      return;
    }
    const track_convention c = parse_sequence_name(seq);
    selection = o.selection ? o.selection : c.selection;
    sort = o.sort ? o.sort : c.sort;
    std::vector<std::string> notes;
    if (selection && *selection != track_selection::all) {
      cut = cuts_of(*selection);
      // the fields each of the selection's cuts reads, and where their columns go
      struct need {
        bool used;
        std::vector<const char*> names;
        std::vector<int*> slots;
      };
      const need needs[] = {
          {true, {"pt", "eta"}, {&f_pt, &f_eta}},
          {cut.abs_d0 < 1e300, {"d0"}, {&f_d0}},
          {cut.abs_z0 < 1e300, {"z0SinTheta"}, {&f_z0}},
          {cut.shared < 1e300, {"numberOfPixelSharedHits", "numberOfSCTSharedHits"}, {&f_pix_shared, &f_sct_shared}},
          {cut.si_min > -1e300,
           {"numberOfPixelHits", "numberOfPixelDeadSensors", "numberOfSCTHits", "numberOfSCTDeadSensors"},
           {&f_pix, &f_pix_dead, &f_sct, &f_sct_dead}},
          {cut.si_holes < 1e300, {"numberOfPixelHoles", "numberOfSCTHoles"}, {&f_pix_holes, &f_sct_holes}}};
      std::vector<std::string> missing;
      for (const auto& nd : needs)
        for (const char* f : nd.names)
          if (nd.used && !tracks.has(f)) missing.push_back(f);
      if (!missing.empty()) {
        notes.push_back(std::string(to_string(*selection)) + " selection not applied: no track field " + detail::join(missing));
        selection.reset();
      } else {
        for (const auto& nd : needs)
          if (nd.used)
            for (std::size_t k = 0; k < nd.names.size(); ++k) *nd.slots[k] = tracks.add(nd.names[k]);
      }
    } else if (selection) {
      selection.reset(); // "all": nothing to cut
    }
    if (sort) {
      const char* k1 = *sort == track_sort::sd0   ? "IP3D_signed_d0_significance"
                       : *sort == track_sort::pt  ? "pt"
                                                  : "d0";
      const char* k2 = *sort == track_sort::abs_sd0 ? "d0Uncertainty" : nullptr;
      if (!tracks.has(k1) || (k2 && !tracks.has(k2))) {
        notes.push_back(std::string(to_string(*sort)) + " order not applied: no track field " + k1 + (k2 ? std::string(" / ") + k2 : ""));
        sort.reset();
      } else {
        f_key = tracks.add(k1);
        if (k2) f_key2 = tracks.add(k2);
      }
    }
    handling = selection ? std::string(to_string(*selection)) + " selection" : std::string("no selection");
    handling += sort ? ", " + std::string(to_string(*sort)) + " order" : std::string(", stored order");
    handling += " (";
    handling += o.selection || o.sort ? "chosen explicitly" : "from the input name '" + seq + "'";
    handling += ")";
    for (const auto& n : notes) handling += "; " + n;
  }

  bool passes(const double* t) const {
    if (!selection) return true;
    const double abs_eta = std::fabs(t[f_eta]);
    if (abs_eta > cut.abs_eta || t[f_pt] <= cut.pt_min) return false;
    if (f_d0 >= 0 && std::fabs(t[f_d0]) >= cut.abs_d0) return false;
    if (f_z0 >= 0 && std::fabs(t[f_z0]) >= cut.abs_z0) return false;
    if (f_pix_shared >= 0) {
      // integer division, as the C++ on uint8 counters does
      // (wrapping like the hardware: NaN counts give LONG_MIN each, and their sum must not be undefined)
      const long shared = static_cast<long>(static_cast<unsigned long>(round_count(t[f_pix_shared])) +
                                            static_cast<unsigned long>(round_count(t[f_sct_shared]) / 2));
      if (static_cast<double>(shared) > cut.shared) return false;
    }
    if (f_pix >= 0 && t[f_pix] + t[f_pix_dead] + t[f_sct] + t[f_sct_dead] < cut.si_min) return false;
    if (f_pix_holes >= 0) {
      if (t[f_pix_holes] + t[f_sct_holes] > cut.si_holes) return false;
      if (t[f_pix_holes] > cut.pix_holes) return false;
    }
    return true;
  }

  double key(const double* t) const {
    switch (*sort) {
    case track_sort::sd0: return t[f_key];
    case track_sort::abs_sd0: return std::fabs(t[f_key] / t[f_key2]);
    case track_sort::pt: return t[f_key];
    case track_sort::abs_d0: return std::fabs(t[f_key]);
    }
    return 0;
  }
};

template <typename T> basic_tagger<T>::basic_tagger(const model& m, const tagger_options& o) : impl_(std::make_shared<impl>(m, o)) {}

template <typename T> const std::vector<std::string>& basic_tagger<T>::jet_fields() const noexcept { return impl_->jet_fields; }
template <typename T> const std::vector<std::string>& basic_tagger<T>::track_fields() const noexcept { return impl_->track_fields; }
template <typename T> const std::string& basic_tagger<T>::track_handling() const noexcept { return impl_->handling; }
template <typename T> const std::vector<std::string>& basic_tagger<T>::score_names() const noexcept { return impl_->score_names; }
template <typename T> const basic_network<T>& basic_tagger<T>::network() const noexcept { return impl_->net; }

template <typename T>
void basic_tagger<T>::evaluate(std::span<const double> jet, std::span<const double> tracks, std::size_t n_tracks,
                               std::span<T> scores, workspace& ws) const {
  const std::size_t offsets[2] = {0, n_tracks};
  evaluate_batch(1, jet, tracks, offsets, scores, ws);
}

template <typename T>
void basic_tagger<T>::evaluate_batch(std::size_t n_jets, std::span<const double> jets, std::span<const double> tracks,
                                     std::span<const std::size_t> offsets, std::span<T> scores, workspace& ws) const {
  const impl& p = *impl_;
  const std::size_t nj = p.jet_fields.size(), nt = p.track_fields.size();
  if (jets.size() < n_jets * nj) throw input_error("tagger: " + std::to_string(jets.size()) + " jet values for " +
                                                   std::to_string(n_jets) + " jets of " + std::to_string(nj) + " fields");
  if (!p.seq_nodes.empty() && (offsets.size() < n_jets + 1 || tracks.size() < offsets[n_jets] * nt))
    throw input_error("tagger: the track rows do not cover the jets' offsets");
  auto& st = ws.get();
  // network inputs, in the network's own order, kept in the workspace
  auto& in = hepnn::detail::by_precision<T>(st.tagger_inputs32, st.tagger_inputs64);
  auto& seq_offsets = st.tagger_offsets;
  auto& order = st.tagger_order;
  in.resize(n_jets * p.jet_width + (p.seq_nodes.empty() ? 0 : offsets[n_jets] * p.track_width));
  auto& ptrs = hepnn::detail::by_precision<T>(st.tagger_ptrs32, st.tagger_ptrs64);
  ptrs.clear();
  // jet values, node after node
  std::size_t at = 0;
  for (const auto& recipes : p.jet_nodes) {
    ptrs.push_back(in.data() + at);
    for (std::size_t j = 0; j < n_jets; ++j) {
      const double* f = jets.data() + j * nj;
      for (const auto& r : recipes) in[at++] = static_cast<T>(r.flag >= 0 && f[r.flag] != 0 ? nan : apply(r, f, f));
    }
  }
  // tracks: select, order, compute
  seq_offsets.assign(n_jets + 1, 0);
  const std::size_t seq_start = at;
  for (std::size_t j = 0; j < n_jets; ++j) {
    const double* jf = jets.data() + j * nj;
    order.clear();
    if (!p.seq_nodes.empty())
      for (std::size_t t = offsets[j]; t < offsets[j + 1]; ++t)
        if (p.passes(tracks.data() + t * nt)) order.push_back(t);
    if (p.sort)
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const double ka = p.key(tracks.data() + a * nt), kb = p.key(tracks.data() + b * nt);
        return ka != kb ? ka > kb : a < b; // descending; ties keep the stored order
      });
    if (!order.empty()) { // (without tracks `in` may end at `at`: no pointer past it is formed)
      std::size_t col = 0; // the jet's tracks fill order.size() rows of track_width values, a column at a time
      for (const auto& recipes : p.seq_nodes)
        for (const auto& r : recipes) fill_column(r, tracks.data(), nt, order, jf, in.data() + at + col++, p.track_width);
      at += order.size() * p.track_width;
    }
    seq_offsets[j + 1] = seq_offsets[j] + order.size();
  }
  const std::span<const T* const> scalars(ptrs.data(), ptrs.size());
  const sequence_batch<T> seq{in.data() + seq_start, seq_offsets.data()};
  p.net.evaluate_batch(p.bind, n_jets, scalars, std::span(&seq, p.seq_nodes.empty() ? 0 : 1), scores, ws);
}

template <typename T> std::size_t basic_tagger<T>::tracks_used(std::size_t j, workspace& ws) const {
  const auto& off = ws.get().tagger_offsets;
  return j + 1 < off.size() ? off[j + 1] - off[j] : 0;
}

template class basic_tagger<float>;
template class basic_tagger<double>;

} // namespace hepnn::ftag
