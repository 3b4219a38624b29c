// hepnn check: compare hepnn's scores with reference scores stored in an
// ntuple (umami's check_lwtnn_model.py), print umami's table, the largest
// differences and the worst jets; fail above a tolerance.
#include "args.hpp"
#include "commands.hpp"
#include "ftag_options.hpp"
#include "output.hpp"
#include "progress.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/variables.hpp"
#include "workflow/yaml.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

namespace hepnn::cli {
namespace {

/// Score columns grouped as output → label → values.
struct score_set {
  std::string source; ///< for messages
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  const std::vector<double>* find(const std::string& name) const {
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == name) return &columns[k];
    return nullptr;
  }
  /// Outputs are the field names up to their last '_' (labels have none).
  std::vector<std::string> outputs() const {
    std::vector<std::string> out;
    for (const auto& n : names) {
      const auto cut = n.rfind('_');
      if (cut == std::string::npos) continue;
      const std::string o = n.substr(0, cut);
      if (std::find(out.begin(), out.end(), o) == out.end()) out.push_back(o);
    }
    return out;
  }
  std::vector<std::string> labels(const std::string& output) const {
    std::vector<std::string> out;
    for (const auto& n : names)
      if (n.size() > output.size() + 1 && n.compare(0, output.size() + 1, output + "_") == 0 &&
          n.find('_', output.size() + 1) == std::string::npos)
        out.push_back(n.substr(output.size() + 1));
    return out;
  }
};

using detail::join;

/// The network output compared with reference `ref`: the one asked for, the
/// only one, or the one `ref` starts with (umami's `dips_<tagger>` head
/// against `dips_…` fields).
std::string choose_output(const score_set& eval, const std::string& ref, const std::string& asked) {
  const auto outs = eval.outputs();
  if (!asked.empty()) {
    if (std::find(outs.begin(), outs.end(), asked) == outs.end())
      throw usage_error("--output: no network output '" + asked + "' (outputs: " + join(outs) + ")");
    return asked;
  }
  if (outs.size() == 1) return outs[0];
  std::string best;
  for (const auto& o : outs)
    if ((ref == o || ref.compare(0, o.size() + 1, o + "_") == 0) && o.size() > best.size()) best = o;
  if (best.empty())
    throw usage_error("the network has several outputs (" + join(outs) + "); choose the one to compare with --output");
  return best;
}

struct pairing {
  std::vector<std::string> eval_fields, ref_fields;
};

/// `ref` is a field ("dips_pu": one label) or a prefix ("dips": every label of the output).
pairing pair_fields(const score_set& eval, const score_set& refs, const std::string& ref, const std::string& output) {
  pairing p;
  const auto labels = eval.labels(output);
  if (std::find(refs.names.begin(), refs.names.end(), ref) != refs.names.end()) {
    for (const auto& l : labels)
      if (ref.size() > l.size() && ref.compare(ref.size() - l.size() - 1, l.size() + 1, "_" + l) == 0) {
        p.eval_fields.push_back(output + "_" + l);
        p.ref_fields.push_back(ref);
        return p;
      }
    throw usage_error("reference field '" + ref + "' ends in none of the labels of output '" + output + "' (" + join(labels) + ")");
  }
  std::vector<std::string> missing;
  for (const auto& l : labels) {
    p.eval_fields.push_back(output + "_" + l);
    p.ref_fields.push_back(ref + "_" + l);
    if (std::find(refs.names.begin(), refs.names.end(), ref + "_" + l) == refs.names.end()) missing.push_back(ref + "_" + l);
  }
  if (!missing.empty())
    throw config_error(refs.source + ": no reference field " + join(missing) + " for --reference " + ref);
  return p;
}

std::vector<std::vector<double>> columns_of(const score_set& s, const std::vector<std::string>& names) {
  std::vector<std::vector<double>> out;
  for (const auto& n : names) {
    const auto* c = s.find(n);
    if (!c) throw config_error(s.source + ": no field '" + n + "'");
    out.push_back(*c);
  }
  return out;
}

/// umami's class labels → the probability suffix and the truth label value.
std::pair<std::string, int> umami_class(const std::string& label, const std::string& file) {
  static const std::map<std::string, std::pair<std::string, int>> known = {
      {"ujets", {"pu", 0}}, {"cjets", {"pc", 4}}, {"bjets", {"pb", 5}}, {"taujets", {"ptau", 15}}};
  auto it = known.find(label);
  if (it == known.end()) throw config_error(file + ": class_labels: unknown class '" + label + "' (known: ujets, cjets, bjets, taujets)");
  return it->second;
}

bool contains_casefold(const std::string& s, const std::string& what) { return detail::lower(s).find(what) != std::string::npos; }

struct umami_config {
  std::string input_file, scale_dict, var_dict, tagger, model_file, tracks_name;
  std::vector<std::string> class_labels;
  double ntracks_max = std::numeric_limits<double>::infinity();
};

umami_config read_config(const std::string& path) {
  const auto root = detail::load_yaml(path);
  if (!root.is_map()) root.fail("a check config is a map of options");
  umami_config c;
  auto need = [&](const char* key) -> const detail::yaml_node& {
    const auto* n = root.find(key);
    if (!n || n->is_null()) root.fail(std::string("needed option '") + key + "' is not given or is None");
    return *n;
  };
  // a relative path is taken from the config file's folder (so a config runs from anywhere), or, as umami's
  // script reads it, from the working directory when only that one exists
  const std::filesystem::path base = path == "-" ? std::filesystem::path() : std::filesystem::path(path).parent_path();
  auto file = [&](const char* key) {
    const std::filesystem::path p = need(key).text;
    std::error_code ec;
    if (p.is_absolute() || base.empty() || (!std::filesystem::exists(base / p, ec) && std::filesystem::exists(p, ec)))
      return p.string();
    return (base / p).string();
  };
  c.input_file = file("input_file");
  c.scale_dict = file("scale_dict");
  c.var_dict = file("var_dict");
  c.tagger = need("tagger").text;
  c.model_file = file("model_file");
  c.class_labels = need("class_labels").strings();
  if (c.class_labels.empty()) root.fail("class_labels is empty");
  if (contains_casefold(c.tagger, "dips") || contains_casefold(c.tagger, "umami")) {
    c.ntracks_max = need("ntracks_max").number();
    c.tracks_name = need("tracks_name").text;
  }
  return c;
}

} // namespace

int run_check(int argc, char** argv) {
  std::vector<option> opts = {
      {{"--reference"}, true, "reference field (dips_pu) or prefix (dips: every label of the output)", "FIELD"},
      {{"--output"}, true, "the network output to compare (default: the only one, or the one the reference starts with)", "NAME"},
      {{"--scores"}, true, "compare this score file from 'hepnn eval' instead of evaluating", "SCORES.h5"},
      {{"-c", "--config"}, true, "umami's check_lwtnn_model config (input_file, tagger, class_labels, ...)", "CONFIG.yaml"},
      {{"--tolerance"}, true, "fail when any |difference| exceeds this (default 1e-5)", "X"},
      {{"--ntracks-max"}, true, "count only jets with fewer tracks (umami's ntracks_max)", "N"},
      {{"--worst"}, true, "how many of the worst jets to list (default 5)", "N"},
      {{"--csv"}, true, "write every compared jet, worst first, as CSV", "FILE"},
      {{"--plot"}, true, "write a histogram of log10 |difference| (.png, .svg or .pdf)", "FILE"},
  };
  for (auto& o : ntuple_options()) opts.push_back(std::move(o));
  arguments args("check",
                 "NETWORK.json NTUPLE.h5 --reference FIELD [options]\n"
                 "       hepnn check NTUPLE.h5 --scores SCORES.h5 --reference FIELD [options]\n"
                 "       hepnn check -c CONFIG.yaml [NETWORK.json] [options]\n\n"
                 "Prints umami's table (the share of jets whose |hepnn - reference| exceeds each threshold),\n"
                 "the largest difference and the worst jets.",
                 std::move(opts));
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::fputs(args.usage().c_str(), stdout);
    return 0;
  }
  const double tolerance = args.has("--tolerance") ? to_number("--tolerance", args.get("--tolerance")) : 1e-5;
  if (!(tolerance > 0)) throw usage_error("option --tolerance: " + args.get("--tolerance") + " is not positive");
  double ntracks_max = args.has("--ntracks-max") ? to_number("--ntracks-max", args.get("--ntracks-max"))
                                                 : std::numeric_limits<double>::infinity();
  const std::size_t worst = args.has("--worst") ? to_count("--worst", args.get("--worst")) : 5;
  const auto& pos = args.positional();
  if (auto f = args.maybe("--plot"); f && !ftag::plot_format_of(*f))
    throw usage_error("option --plot: " + *f + ": the file name must end in .png, .svg or .pdf");

  ftag::score_options o;
  apply_ntuple_options(args, o);
  std::string ntuple, reference = args.get("--reference"), output = args.get("--output");
  std::vector<bool> include;
  std::string classes; ///< the trained classes compared, for the report
  score_set eval;
  std::vector<int> n_tracks;
  std::string handling;
  std::vector<std::string> config_inputs(2); ///< scale_dict, var_dict of a --config

  auto evaluate = [&] {
    progress_bar bar("jets");
    o.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
    const auto start = std::chrono::steady_clock::now();
    auto jets = ftag::score_jets(o);
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::size_t n = jets.n_tracks.size(), k = jets.score_names.size();
    eval.source = "hepnn's evaluation";
    eval.names = jets.score_names;
    eval.columns.assign(k, std::vector<double>(n));
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t c = 0; c < k; ++c) eval.columns[c][j] = jets.scores[j * k + c];
    n_tracks = std::move(jets.n_tracks);
    if (!jets.tracks_dataset.empty()) handling = "tracks from '" + jets.tracks_dataset + "': " + jets.track_handling;
    report_summary("evaluated", n, "jets", seconds);
  };

  if (args.has("--config")) {
    const std::string path = args.get("--config");
    const umami_config c = read_config(path);
    config_inputs = {c.scale_dict, c.var_dict};
    ntuple = c.input_file;
    if (!args.has("--ntracks-max")) ntracks_max = c.ntracks_max;
    if (args.has("--tracks") && !c.tracks_name.empty() && args.get("--tracks") != c.tracks_name)
      throw usage_error("--tracks contradicts tracks_name in " + path);
    o.tracks = c.tracks_name;
    // the ntuple's stored tracks, as the training framework reads them
    if (!args.has("--selection") && !args.has("--sort")) o.tagger.select_tracks = false;
    if (pos.size() > 1) throw usage_error("with --config, at most a network file is given");
    if (pos.size() == 1) {
      o.network = pos[0];
    } else {
      ftag::vardict_options v;
      v.scale_dict = c.scale_dict;
      v.var_dict = c.var_dict;
      v.tagger = c.tagger;
      v.tracks_name = c.tracks_name;
      if (!c.tracks_name.empty()) v.sequence_name = c.tracks_name;
      const variables_spec spec = parse_variables(ftag::umami_vardict(v), c.var_dict + " with " + c.scale_dict);
      o.network_model = std::make_shared<const model>(convert_keras(c.model_file, {}, &spec).network);
      o.network = c.model_file;
    }
    o.input = ntuple;
    evaluate();
    // umami compares the first class only, on jets of the trained classes
    const auto [p0, truth0] = umami_class(c.class_labels[0], path);
    std::vector<int> truths;
    for (const auto& l : c.class_labels) truths.push_back(umami_class(l, path).second);
    classes = "HadronConeExclTruthLabelID in " + join(c.class_labels);
    const auto flavour = ftag::read_jet_columns(ntuple, o.jets, {"HadronConeExclTruthLabelID"})[0];
    include.resize(flavour.size());
    for (std::size_t j = 0; j < flavour.size(); ++j)
      include[j] = std::find(truths.begin(), truths.end(), static_cast<int>(flavour[j])) != truths.end();
    if (reference.empty()) reference = c.tagger + "_" + p0;
    if (output.empty()) {
      const auto outs = eval.outputs();
      // a UMAMI network has the DIPS head first; umami picks it for "dips" taggers
      output = outs.size() > 1 && contains_casefold(c.tagger, "dips") ? "dips_" + c.tagger : c.tagger;
      if (std::find(outs.begin(), outs.end(), output) == outs.end()) output = outs.front();
    }
  } else if (args.has("--scores")) {
    if (pos.size() != 1) throw usage_error("with --scores, give the ntuple holding the reference scores");
    ntuple = pos[0];
    eval.source = args.get("--scores");
    auto scores = ftag::read_score_file(eval.source);
    eval.names = std::move(scores.names);
    eval.columns = std::move(scores.columns);
    n_tracks = std::move(scores.n_tracks);
    if (args.has("--ntracks-max") && n_tracks.empty())
      throw usage_error("--ntracks-max: " + eval.source + " records no track counts (its network reads no tracks)");
  } else {
    if (pos.size() != 2) throw usage_error("expected NETWORK.json NTUPLE.h5 (or --scores, or --config)");
    o.network = pos[0];
    o.input = ntuple = pos[1];
    evaluate();
  }
  if (reference.empty()) throw usage_error("--reference FIELD is required");
  for (const char* report : {"--csv", "--plot"})
    if (auto f = args.maybe(report))
      refuse_overwriting_inputs(*f, {{"the ntuple", ntuple},
                                     {"--scores", args.get("--scores")},
                                     {"--config", args.get("--config")},
                                     {"the network", o.network.string()},
                                     {"the config's scale_dict", config_inputs[0]},
                                     {"the config's var_dict", config_inputs[1]}});

  score_set refs;
  refs.source = ntuple;
  refs.names = ftag::table_fields(ntuple, o.jets);
  output = choose_output(eval, reference, output);
  const pairing p = pair_fields(eval, refs, reference, output);
  refs.columns = ftag::read_jet_columns(ntuple, o.jets, p.ref_fields);
  refs.names = p.ref_fields;
  // a score file of another ntuple: say which two files disagree
  const auto* first = p.eval_fields.empty() ? nullptr : eval.find(p.eval_fields.front());
  if (first && !refs.columns.empty() && first->size() != refs.columns.front().size())
    throw config_error(eval.source + ": " + std::to_string(first->size()) + " jets, but the ntuple " + ntuple + " has " +
                       std::to_string(refs.columns.front().size()) + " (scores of another file?)");
  const auto cmp = ftag::compare_scores(p.eval_fields, columns_of(eval, p.eval_fields), p.ref_fields, refs.columns, n_tracks,
                                        ntracks_max, include);

  std::printf("Comparing %s with %s (%s)\n", join(p.eval_fields).c_str(), join(p.ref_fields).c_str(), ntuple.c_str());
  if (!handling.empty()) std::printf("%s\n", handling.c_str());
  std::printf("%zu jets compared", cmp.counted);
  if (!classes.empty()) std::printf(" (%s", classes.c_str());
  if (std::isfinite(ntracks_max)) std::printf("%sfewer than %g tracks", classes.empty() ? " (" : "; ", ntracks_max);
  if (!classes.empty() || std::isfinite(ntracks_max)) std::printf(")");
  std::printf("\n%s", ftag::differences_table(cmp).c_str());
  std::size_t above = 0;
  for (const auto& j : cmp.jets) above += j.diff > tolerance;
  std::printf("max |difference| %.3g; %zu of %zu jets above the tolerance %g", cmp.max_diff, above, cmp.counted, tolerance);
  if (cmp.nan_mismatches) std::printf("; %zu values NaN on one side only", cmp.nan_mismatches);
  std::printf("\n");
  if (worst && !cmp.jets.empty()) {
    std::printf("worst jets:\n  %8s %6s %12s", "index", "ntrks", "|diff|");
    for (std::size_t k = 0; k < p.eval_fields.size(); ++k)
      std::printf("  %14s %14s", ("hepnn " + p.eval_fields[k].substr(p.eval_fields[k].rfind('_') + 1)).c_str(), p.ref_fields[k].c_str());
    std::printf("\n");
    for (std::size_t i = 0; i < std::min(worst, cmp.jets.size()); ++i) {
      const auto& j = cmp.jets[i];
      std::printf("  %8zu %6d %12.3e", j.index, j.n_tracks, j.diff);
      for (std::size_t k = 0; k < j.evaluated.size(); ++k) std::printf("  %14.9g %14.9g", j.evaluated[k], j.reference[k]);
      std::printf("\n");
    }
  }
  if (auto f = args.maybe("--csv")) write_file_atomically(*f, ftag::differences_csv(cmp));
  if (auto f = args.maybe("--plot")) {
    const std::string title = "hepnn " + output + " vs " + reference + " in " + std::filesystem::path(ntuple).filename().string();
    write_file_atomically(*f, ftag::differences_plot(cmp, tolerance, title, *ftag::plot_format_of(*f)));
  }
  if (cmp.counted == 0) {
    std::fprintf(stderr, "hepnn check: no jets were compared\n");
    return 1;
  }
  return above ? 1 : 0;
}

} // namespace hepnn::cli
