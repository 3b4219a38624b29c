// Comparing evaluated scores with reference scores the way umami's
// check_lwtnn_model.py reports them (workflow.md §4.3).
#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hepnn::ftag {

comparison compare_scores(const std::vector<std::string>& evaluated_fields, const std::vector<std::vector<double>>& evaluated,
                          const std::vector<std::string>& reference_fields, const std::vector<std::vector<double>>& reference,
                          const std::vector<int>& n_tracks, double ntracks_max, const std::vector<bool>& include) {
  if (evaluated.size() != reference.size() || evaluated.empty())
    throw error("compare: " + std::to_string(evaluated.size()) + " evaluated and " + std::to_string(reference.size()) +
                " reference columns");
  const std::size_t n = evaluated[0].size();
  for (std::size_t k = 0; k < evaluated.size(); ++k)
    if (evaluated[k].size() != n || reference[k].size() != n)
      throw error("compare: '" + evaluated_fields.at(k) + "' has " + std::to_string(evaluated[k].size()) + " jets, '" +
                  reference_fields.at(k) + "' has " + std::to_string(reference[k].size()));
  if (!n_tracks.empty() && n_tracks.size() != n) throw error("compare: track counts for a different number of jets");
  if (!include.empty() && include.size() != n) throw error("compare: a jet selection for a different number of jets");
  comparison c;
  c.evaluated_fields = evaluated_fields;
  c.reference_fields = reference_fields;
  for (std::size_t j = 0; j < n; ++j) {
    jet_difference d;
    d.index = j;
    d.n_tracks = n_tracks.empty() ? -1 : n_tracks[j];
    if (static_cast<double>(d.n_tracks) >= ntracks_max || (!include.empty() && !include[j])) continue;
    for (std::size_t k = 0; k < evaluated.size(); ++k) {
      const double e = evaluated[k][j], r = reference[k][j];
      d.evaluated.push_back(e);
      d.reference.push_back(r);
      double diff = std::fabs(e - r);
      if (std::isnan(e) && std::isnan(r)) diff = 0;
      else if (std::isnan(e) || std::isnan(r)) {
        diff = std::numeric_limits<double>::infinity();
        ++c.nan_mismatches;
      }
      d.diff = std::max(d.diff, diff);
    }
    c.max_diff = std::max(c.max_diff, d.diff);
    c.jets.push_back(std::move(d));
  }
  c.counted = c.jets.size();
  std::stable_sort(c.jets.begin(), c.jets.end(), [](const jet_difference& a, const jet_difference& b) { return a.diff > b.diff; });
  return c;
}

std::vector<double> umami_thresholds() {
  std::vector<double> t;
  for (int e = -6; e <= -1; ++e)
    for (int m = 1; m <= 5; ++m) t.push_back(m * std::pow(10.0, e));
  return t;
}

namespace {

/// Python's repr of round(x, 2): two decimals, trailing zeros dropped, one kept.
std::string python_round2(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

} // namespace

std::string differences_table(const comparison& c) {
  std::string out;
  if (c.counted == 0) return "no jets to compare\n";
  for (double t : umami_thresholds()) {
    std::size_t above = 0;
    // the jets are sorted worst first
    while (above < c.jets.size() && c.jets[above].diff > t) ++above;
    const double share = 100.0 * static_cast<double>(above) / static_cast<double>(c.counted);
    char buf[96];
    std::snprintf(buf, sizeof buf, "Differences off %.1e %s%%\n", t, python_round2(share).c_str());
    out += buf;
    if (above == 0) break;
  }
  return out;
}

std::string differences_csv(const comparison& c) {
  std::string out = "diff";
  for (const auto& f : c.evaluated_fields) out += ",eval_" + f;
  for (const auto& f : c.reference_fields) out += "," + f;
  out += ",index,ntrks\n";
  char buf[64];
  for (const auto& j : c.jets) {
    std::snprintf(buf, sizeof buf, "%.17g", j.diff);
    out += buf;
    for (const auto* v : {&j.evaluated, &j.reference})
      for (double x : *v) {
        std::snprintf(buf, sizeof buf, ",%.17g", x);
        out += buf;
      }
    std::snprintf(buf, sizeof buf, ",%zu,%d\n", j.index, j.n_tracks);
    out += buf;
  }
  return out;
}

} // namespace hepnn::ftag
