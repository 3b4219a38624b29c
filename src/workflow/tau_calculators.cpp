#include "workflow/tau_calculators.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hepnn::tau::detail {
namespace {

double as_is(float x) { return x; }
double log10_of(float x) { return std::log10(double(x)); }
// Athena: log10(abs(x) + 1e-6), the float |x| widened before the addition
double abs_log10_plus_1e6(float x) { return std::log10(double(std::fabs(x)) + 1e-6); }
double log10_plus_01(float x) { return std::log10(double(x) + 0.1); }
double log10_plus_1e6(float x) { return std::log10(double(x) + 1e-6); }
// pt-type scalars: GeV, capped at 100 GeV, in double
double pt_log10(float x) { return std::log10(std::min(double(x) / 1000.0, 100.0)); }

const scalar_calc scalars[] = {
    {"centFrac", &candidate::centFrac, [](float x) { return double(std::min(x, 1.0f)); }},
    {"etOverPtLeadTrk", &candidate::etOverPtLeadTrk, [](float x) { return std::log10(double(std::max(x, 0.1f))); }},
    {"innerTrkAvgDist", &candidate::innerTrkAvgDist, as_is},
    {"SumPtTrkFrac", &candidate::SumPtTrkFrac, as_is},
    {"dRmax", &candidate::dRmax, as_is},
    {"absipSigLeadTrk", &candidate::ipSigLeadTrk, [](float x) { return double(std::min(std::fabs(x), 30.0f)); }},
    {"EMPOverTrkSysP", &candidate::EMPOverTrkSysP, [](float x) { return std::log10(double(std::max(x, 1e-3f))); }},
    {"ptRatioEflowApprox", &candidate::ptRatioEflowApprox, [](float x) { return double(std::min(x, 4.0f)); }},
    {"mEflowApprox", &candidate::mEflowApprox, [](float x) { return std::log10(double(std::max(x, 140.0f))); }},
    {"massTrkSys", &candidate::massTrkSys, [](float x) { return std::log10(double(std::max(x, 140.0f))); }},
    {"trFlightPathSig", &candidate::trFlightPathSig, [](float x) { return std::log10(double(std::max(x, 0.01f))); }},
    {"pt", &candidate::pt, pt_log10},
    {"ptDetectorAxis", &candidate::ptDetectorAxis, pt_log10},
    {"ptIntermediateAxis", &candidate::ptIntermediateAxis, pt_log10},
};

const track_calc tracks[] = {
    {"pt_log", &track::pt, nullptr, log10_of},
    {"pt_jetseed_log", nullptr, &candidate::ptJetSeed, log10_of},
    {"d0_abs_log", &track::d0, nullptr, abs_log10_plus_1e6},
    {"z0sinThetaTJVA_abs_log", &track::z0sinThetaTJVA, nullptr, abs_log10_plus_1e6},
    {"dEta", &track::dEta, nullptr, as_is},
    {"dPhi", &track::dPhi, nullptr, as_is},
    {"nInnermostPixelHits", &track::nInnermostPixelHits, nullptr, as_is},
    {"nPixelHits", &track::nPixelHits, nullptr, as_is},
    {"nSCTHits", &track::nSCTHits, nullptr, as_is},
};

const cluster_calc clusters[] = {
    {"et_log", &cluster::et, nullptr, log10_of},
    {"pt_jetseed_log", nullptr, &candidate::ptJetSeed, log10_of},
    {"dEta", &cluster::dEta, nullptr, as_is},
    {"dPhi", &cluster::dPhi, nullptr, as_is},
    {"SECOND_R", &cluster::SECOND_R, nullptr, log10_plus_01},
    {"SECOND_LAMBDA", &cluster::SECOND_LAMBDA, nullptr, log10_plus_01},
    {"CENTER_LAMBDA", &cluster::CENTER_LAMBDA, nullptr, log10_plus_1e6},
};

template <typename Table> auto find_in(const Table& table, std::string_view name) -> decltype(&table[0]) {
  for (const auto& c : table)
    if (name == c.name) return &c;
  return nullptr;
}

} // namespace

const scalar_calc* find_scalar(std::string_view name) { return find_in(scalars, name); }
const track_calc* find_track(std::string_view name) { return find_in(tracks, name); }
const cluster_calc* find_cluster(std::string_view name) { return find_in(clusters, name); }
std::span<const scalar_calc> all_scalars() { return scalars; }
std::span<const track_calc> all_tracks() { return tracks; }
std::span<const cluster_calc> all_clusters() { return clusters; }

namespace {

const std::pair<float candidate::*, const char*> candidate_names[] = {
    {&candidate::ptJetSeed, "ptJetSeed"},
    {&candidate::centFrac, "centFrac"},
    {&candidate::etOverPtLeadTrk, "etOverPtLeadTrk"},
    {&candidate::innerTrkAvgDist, "innerTrkAvgDist"},
    {&candidate::SumPtTrkFrac, "SumPtTrkFrac"},
    {&candidate::dRmax, "dRmax"},
    {&candidate::ipSigLeadTrk, "ipSigLeadTrk"},
    {&candidate::EMPOverTrkSysP, "EMPOverTrkSysP"},
    {&candidate::ptRatioEflowApprox, "ptRatioEflowApprox"},
    {&candidate::mEflowApprox, "mEflowApprox"},
    {&candidate::massTrkSys, "massTrkSys"},
    {&candidate::trFlightPathSig, "trFlightPathSig"},
    {&candidate::pt, "pt"},
    {&candidate::ptDetectorAxis, "ptDetectorAxis"},
    {&candidate::ptIntermediateAxis, "ptIntermediateAxis"}};

const std::pair<float track::*, const char*> track_names[] = {
    {&track::pt, "pt"}, {&track::dEta, "dEta"}, {&track::dPhi, "dPhi"}, {&track::d0, "d0"},
    {&track::z0sinThetaTJVA, "z0sinThetaTJVA"}, {&track::nInnermostPixelHits, "nInnermostPixelHits"},
    {&track::nPixelHits, "nPixelHits"}, {&track::nSCTHits, "nSCTHits"}};

const std::pair<float cluster::*, const char*> cluster_names[] = {
    {&cluster::et, "et"}, {&cluster::dEta, "dEta"}, {&cluster::dPhi, "dPhi"}, {&cluster::SECOND_R, "SECOND_R"},
    {&cluster::SECOND_LAMBDA, "SECOND_LAMBDA"}, {&cluster::CENTER_LAMBDA, "CENTER_LAMBDA"}};

template <typename M, std::size_t N> const char* name_of(const std::pair<M, const char*> (&table)[N], M field) {
  for (const auto& [f, n] : table)
    if (f == field) return n;
  return "?";
}

template <typename M, std::size_t N> M member_named(const std::pair<M, const char*> (&table)[N], std::string_view name) {
  for (const auto& [f, n] : table)
    if (name == n) return f;
  return nullptr;
}

} // namespace

const char* candidate_field_name(float candidate::*field) { return name_of(candidate_names, field); }
const char* track_field_name(float track::*field) { return name_of(track_names, field); }
const char* cluster_field_name(float cluster::*field) { return name_of(cluster_names, field); }
float candidate::*candidate_field(std::string_view name) { return member_named(candidate_names, name); }
float track::*track_field(std::string_view name) { return member_named(track_names, name); }
float cluster::*cluster_field(std::string_view name) { return member_named(cluster_names, name); }

} // namespace hepnn::tau::detail
