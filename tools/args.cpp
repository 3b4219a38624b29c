// The subcommands' option parsing, on CLI11. hepnn's own conventions sit
// around it: long options are the same with '-' or '_' between words, an
// unknown option gets a "did you mean", a repeated option is an error unless
// it is declared repeatable, and help is hepnn's text with the exit codes.
#include "args.hpp"
#include "model/text.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace hepnn::cli {

arguments::arguments(std::string command, std::string synopsis, std::vector<option> options)
    : command_(std::move(command)), synopsis_(std::move(synopsis)), options_(std::move(options)) {}

namespace {

/// Long options are the same with '-' or '_' between words (--tracks_name = --tracks-name):
/// every long name is registered with CLI11, and looked up, in its hyphen spelling.
std::string spelling(const std::string& name) {
  std::string s = name;
  if (s.rfind("--", 0) == 0) std::replace(s.begin() + 2, s.end(), '_', '-');
  return s;
}

bool is_long(const std::string& a) { return a.size() > 2 && a.rfind("--", 0) == 0; }

} // namespace

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(const std::string& given, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, given.size() / 3) + 1;
  for (const auto& k : known) {
    const std::size_t d = edit_distance(given, k);
    if (d < best_d) best_d = d, best = k;
  }
  return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

const option* arguments::find(const std::string& name) const {
  const std::string want = spelling(name);
  for (const auto& o : options_)
    for (const auto& n : o.names)
      if (spelling(n) == want) return &o;
  return nullptr;
}

void arguments::parse(int argc, char** argv, int first) {
  CLI::App app("hepnn " + command_, "hepnn " + command_);
  app.set_help_flag(); // hepnn's own help text (usage()), printed by the command
  app.allow_extras();  // unknown options are reported below, with a suggestion
  app.add_flag("-h,--help", help_);

  std::vector<std::string> known{"--help"};
  std::vector<std::pair<const option*, CLI::Option*>> declared;
  for (const auto& o : options_) {
    std::vector<std::string> names;
    for (const auto& n : o.names) {
      known.push_back(n);
      if (std::find(names.begin(), names.end(), spelling(n)) == names.end()) names.push_back(spelling(n));
    }
    const std::string spec = detail::join(names, ",");
    CLI::Option* opt = o.takes_value ? app.add_option(spec, o.help) : app.add_flag(spec, o.help);
    if (o.takes_value) opt->type_name(o.metavar)->expected(1)->allow_extra_args(false);
    // every occurrence is kept; "given twice" is decided below, with hepnn's message
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    declared.emplace_back(&o, opt);
  }
  app.add_option("arguments", positional_);

  // CLI11 takes the arguments last first; long names in their hyphen spelling
  std::vector<std::string> args;
  for (int i = argc - 1; i >= first; --i) {
    std::string a = argv[i];
    if (is_long(a)) {
      const auto eq = a.find('=');
      const std::string name = a.substr(0, eq);
      if (const option* o = find(name); o && !o->takes_value && eq != std::string::npos)
        throw usage_error("option '" + name + "' takes no value");
      a = spelling(name) + (eq == std::string::npos ? "" : a.substr(eq));
    }
    args.push_back(std::move(a));
  }
  // the user's spelling of each argument, for messages
  auto as_given = [&](const std::string& normalised) {
    for (int i = first; i < argc; ++i) {
      const std::string a = argv[i];
      if (spelling(a.substr(0, a.find('='))) == normalised) return a.substr(0, a.find('='));
    }
    return normalised;
  };
  try {
    app.parse(args);
  } catch (const CLI::ArgumentMismatch& e) {
    // an option at the end, or followed by another option, has no value
    for (const auto& [o, opt] : declared)
      if (o->takes_value && opt->count() == 0 && std::string(e.what()).find(opt->get_name()) != std::string::npos)
        throw usage_error("option '" + as_given(opt->get_name()) + "' needs a value (" + o->metavar + ")");
    throw usage_error(e.what());
  } catch (const CLI::ParseError& e) {
    throw usage_error(e.what());
  }
  for (const auto& extra : app.remaining()) {
    if (extra == "--") continue;
    const std::string name = as_given(extra.substr(0, extra.find('=')));
    throw usage_error("unknown option '" + name + "'" + did_you_mean(name, known));
  }
  for (const auto& [o, opt] : declared) {
    if (opt->count() == 0) continue;
    if (opt->count() > 1 && !o->repeatable) throw usage_error("option '" + o->names.back() + "' given twice");
    auto& values = values_[o->names.back()];
    if (o->takes_value) values = opt->results();
    else values.assign(opt->count(), "");
  }
}

std::string arguments::get(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second.back();
}

std::optional<std::string> arguments::maybe(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

const std::vector<std::string>& arguments::all(const std::string& key) const {
  static const std::vector<std::string> none;
  auto it = values_.find(key);
  return it == values_.end() ? none : it->second;
}

std::string exit_status_text(const std::string& command) {
  if (command == "check")
    return "exit status: 0 every difference within the tolerance, 1 a difference above it (or no jet compared),\n"
           "             2 an error or a usage mistake\n";
  return "exit status: 0 success, 2 an error or a usage mistake (1 is 'hepnn check' finding differences)\n";
}

std::string arguments::usage() const {
  std::string text = "usage: hepnn " + command_ + " " + synopsis_ + "\n";
  if (!options_.empty()) text += "\noptions:\n";
  for (const auto& o : options_) {
    std::string names = detail::join(o.names);
    if (o.takes_value) names += " " + o.metavar;
    text += "  " + names;
    text += names.size() < 30 ? std::string(30 - names.size(), ' ') : "\n" + std::string(32, ' ');
    text += o.help + "\n";
  }
  text += "  -h, --help                    show this help\n";
  text += "\nLong options may be written with '-' or '_' between words (--tracks-name, --tracks_name).\n";
  return text + exit_status_text(command_);
}

option precision_option() { return {{"--precision"}, true, "float32 (default) or float64", "PRECISION"}; }

bool float64_requested(const arguments& args) {
  const std::string precision = args.get("--precision", "float32");
  if (precision != "float32" && precision != "float64")
    throw usage_error("--precision must be float32 or float64, not '" + precision + "'");
  return precision == "float64";
}

double to_number(const std::string& key, const std::string& text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v))
    throw usage_error("option " + key + ": '" + text + "' is not a number");
  return v;
}

long long to_integer(const std::string& key, const std::string& text, long long min, long long max) {
  long long v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (r.ec == std::errc::result_out_of_range || (r.ec == std::errc() && r.ptr == text.data() + text.size() && (v < min || v > max)))
    throw usage_error("option " + key + ": " + text + " is out of range (" + range + ")");
  if (r.ec != std::errc() || r.ptr != text.data() + text.size())
    throw usage_error("option " + key + ": '" + text + "' is not " + range);
  return v;
}

std::size_t to_count(const std::string& key, const std::string& text, std::size_t min, std::size_t max) {
  constexpr auto top = static_cast<std::size_t>(std::numeric_limits<long long>::max());
  return static_cast<std::size_t>(
      to_integer(key, text, static_cast<long long>(std::min(min, top)), static_cast<long long>(std::min(max, top))));
}

} // namespace hepnn::cli
