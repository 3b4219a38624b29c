// umami's create_lwtnn_vardict.py (workflow.md §2): the variables file of a
// DL1 / DIPS / UMAMI tagger from the preprocessing scale dict and the
// variables YAML.
#include "hepnn/ftag.hpp"

#include "formats/json.hpp"
#include "formats/json_writer.hpp"
#include "model/text.hpp"
#include "hepnn/errors.hpp"
#include "workflow/yaml.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

namespace hepnn::ftag {
namespace {

using detail::json::value;

struct number {
  double v = 0;
  bool integer = false;
};

struct var_entry {
  std::string name;
  double offset = 0, scale = 1;
  std::optional<number> fallback;
};

number read_number(const value& v) {
  const auto t = v.raw().type();
  const bool integer = t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64;
  return {v.number(), integer};
}

class scale_dict {
public:
  explicit scale_dict(const std::string& path) : path_(path), text_(detail::json::load_file(path)), ctx_(path) {
    root_ = detail::json::parse(parser_, text_, ctx_);
    if (!root_->is_object()) root_->fail("a scale dict is a JSON object");
  }
  const std::string& path() const { return path_; }

  /// A jet variable: "jets" is a dict {var: {shift, scale, default}} or (older) a list of {name, ...}.
  value jet(const std::string& var) const {
    const value jets = section("jets");
    if (jets.is_array()) {
      for (const auto& e : jets.items())
        if (e.at("name").string() == var) return e;
    } else if (auto v = jets.find(var)) {
      return *v;
    }
    fail("jets", "no entry for the jet variable '" + var + "'");
  }
  value track(const std::string& collection, const std::string& var) const {
    const value tracks = section(collection);
    if (auto v = tracks.find(var)) return *v;
    fail(collection, "no entry for the track variable '" + var + "'");
  }

private:
  std::string path_;
  detail::json::text text_;
  detail::json::context ctx_;
  simdjson::dom::parser parser_;
  std::optional<value> root_;

  value section(const std::string& name) const {
    if (auto s = root_->find(name)) return *s;
    throw config_error(path_ + ": the scale dict has no section '" + name + "'");
  }
  [[noreturn]] void fail(const std::string& section, const std::string& message) const {
    throw config_error(path_ + ": /" + section + ": " + message);
  }
};

/// lwtnn's (x + offset)·scale from umami's (x − shift)/scale. A zero scale
/// (a variable constant in the training sample) has no inverse: umami's
/// script stops there with a ZeroDivisionError, and an infinite scale would
/// make the variables file invalid JSON; so it is refused, as is a
/// non-finite shift or scale.
var_entry scaled(const scale_dict& sd, const std::string& where, const value& entry, std::string name) {
  var_entry v;
  v.name = std::move(name);
  const double shift = entry.at("shift").number(), scale = entry.at("scale").number();
  if (!std::isfinite(shift)) throw config_error(sd.path() + ": " + where + ": the shift is not a finite number");
  if (scale == 0)
    throw config_error(sd.path() + ": " + where + ": the scale is 0 (the variable was constant in the training sample), so "
                       "(x - shift) / scale has no value; umami's script fails here too. Retrain without the variable, or "
                       "set its scale to 1 in the scale dict if the network learnt nothing from it");
  if (!std::isfinite(scale)) throw config_error(sd.path() + ": " + where + ": the scale is not a finite number");
  v.offset = -1.0 * shift;
  v.scale = 1.0 / scale;
  if (auto d = entry.find("default"); d && !d->is_null()) v.fallback = read_number(*d);
  return v;
}

std::vector<var_entry> jet_variables(const detail::yaml_node& vars, const scale_dict& sd) {
  std::vector<var_entry> out;
  const auto& groups = vars.at("train_variables");
  if (!groups.is_map()) groups.fail("expected groups of variable lists");
  for (const auto& [group, list] : groups.entries)
    for (const auto& var : list.strings()) {
      std::string name = var == "pt_btagJes" ? "pt" : var == "absEta_btagJes" ? "abs_eta" : var;
      out.push_back(scaled(sd, "/jets/" + var, sd.jet(var), name));
    }
  return out;
}

std::vector<var_entry> track_variables(const detail::yaml_node& vars, const scale_dict& sd, const std::string& tracks) {
  const auto& all = vars.at("track_train_variables");
  // an old flat layout holds the three lists directly: it is the "tracks" collection
  const detail::yaml_node* collection = &all;
  if (all.find("noNormVars") || all.find("logNormVars") || all.find("jointNormVas") || all.find("jointNormVars")) {
    if (tracks != "tracks") all.fail("the flat variable lists only describe the 'tracks' collection, not '" + tracks + "'");
  } else {
    collection = &all.at(tracks);
  }
  std::vector<var_entry> out;
  for (const auto& var : collection->at("noNormVars").strings()) out.push_back({var, 0.0, 1.0, std::nullopt});
  for (const auto& var : collection->at("logNormVars").strings()) {
    std::string name;
    if (var == "ptfrac") name = "log_ptfrac";
    else if (var == "dr") name = "log_dr_nansafe";
    else if (var == "z0RelativeToBeamspotUncertainty") name = "log_z0RelativeToBeamspotUncertainty";
    else collection->at("logNormVars").fail("'" + var + "' is not a known logNormVars variable (ptfrac, dr, z0RelativeToBeamspotUncertainty)");
    out.push_back(scaled(sd, "/" + tracks + "/" + var, sd.track(tracks, var), name)); // the scale dict keys the original name
  }
  const auto* joint = collection->find("jointNormVars");
  if (!joint) joint = collection->find("jointNormVas");
  if (!joint) collection->at("jointNormVars");
  for (const auto& var : joint->strings()) out.push_back(scaled(sd, "/" + tracks + "/" + var, sd.track(tracks, var), var));
  return out;
}

void write_variables(detail::json_writer& w, const std::vector<var_entry>& vars) {
  w.begin_array();
  for (const auto& v : vars) {
    w.begin_object().key("name").value(v.name).key("offset").value(v.offset).key("scale").value(v.scale);
    if (v.fallback) {
      w.key("default");
      // an integer default beyond int's range (found by fuzz_vardict) keeps its value as a number
      if (v.fallback->integer && std::abs(v.fallback->v) <= 2147483647.0) w.value(static_cast<int>(v.fallback->v));
      else w.value(v.fallback->v);
    }
    w.end_object();
  }
  w.end_array();
}

} // namespace

tagger_family family_of(const std::string& name) {
  const std::string lower = detail::lower(name);
  if (lower.find("dips") != std::string::npos) return tagger_family::dips;
  if (lower.find("dl1") != std::string::npos) return tagger_family::dl1;
  if (lower.find("umami") != std::string::npos) return tagger_family::umami;
  throw config_error("tagger '" + name + "': the name must contain dips, dl1 or umami (umami's create_lwtnn_vardict.py "
                     "chooses the network family by it)");
}

std::string umami_vardict(const vardict_options& o) {
  const tagger_family family = family_of(o.tagger);
  const scale_dict sd(o.scale_dict.string());
  const detail::yaml_node vars = detail::load_yaml(o.var_dict.string());
  const bool tracks = family != tagger_family::dl1;
  const bool jets = family != tagger_family::dips;
  if (tracks && o.tracks_name.empty())
    throw config_error("tagger '" + o.tagger + "': a track-based tagger needs --tracks_name (the track collection of the training)");
  std::vector<var_entry> track_vars, jet_vars;
  if (tracks) track_vars = track_variables(vars, sd, o.tracks_name);
  if (jets) jet_vars = jet_variables(vars, sd);

  std::vector<std::string> labels = {"pu", "pc", "pb"};
  if (family == tagger_family::dl1 && o.tagger.find("tau") != std::string::npos) labels.push_back("ptau");

  detail::json_writer w(4);
  w.begin_object().key("input_sequences").begin_array();
  if (tracks) {
    w.begin_object().key("name");
    if (o.sequence_name) w.value(*o.sequence_name);
    else w.null();
    w.key("variables");
    write_variables(w, track_vars);
    w.end_object();
  }
  w.end_array().key("inputs").begin_array();
  if (jets) {
    w.begin_object().key("name").value("b-tagging").key("variables");
    write_variables(w, jet_vars);
    w.end_object();
  }
  w.end_array().key("outputs").begin_array();
  auto output = [&](const std::string& name) {
    w.begin_object().key("labels").begin_array();
    for (const auto& l : labels) w.value(l);
    w.end_array().key("name").value(name).end_object();
  };
  if (family == tagger_family::umami) output("dips_" + o.tagger); // the DIPS head comes first, as in the Keras outputs
  output(o.tagger);
  w.end_array().end_object();
  return w.take();
}

} // namespace hepnn::ftag
