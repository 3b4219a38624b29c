#pragma once
// tauRecTools' variable calculators (TauJetRNNUtils, workflow.md §6.5): how
// each network variable is computed from a candidate, a track or a cluster.
// Clamps are done on the float values with float constants, as Athena does
// on its float details; logarithms in double.

#include "hepnn/tau.hpp"

#include <string_view>

namespace hepnn::tau::detail {

struct scalar_calc {
  const char* name;
  float candidate::*field;
  double (*transform)(float);
};

/// Track and cluster variables read the object, or (pt_jetseed_log) the candidate.
template <typename Object> struct object_calc {
  const char* name;
  float Object::*field;     ///< null: reads candidate_field
  float candidate::*candidate_field;
  double (*transform)(float);
};
using track_calc = object_calc<track>;
using cluster_calc = object_calc<cluster>;

const scalar_calc* find_scalar(std::string_view name);
const track_calc* find_track(std::string_view name);
const cluster_calc* find_cluster(std::string_view name);

std::span<const scalar_calc> all_scalars();
std::span<const track_calc> all_tracks();
std::span<const cluster_calc> all_clusters();

/// The member of that name, or null.
float candidate::*candidate_field(std::string_view name);
float track::*track_field(std::string_view name);
float cluster::*cluster_field(std::string_view name);

/// The candidate member a field pointer names ("centFrac", "ptJetSeed", ...).
const char* candidate_field_name(float candidate::*field);
const char* track_field_name(float track::*field);
const char* cluster_field_name(float cluster::*field);

} // namespace hepnn::tau::detail
