#include "args.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace hepnn::cli {

arguments::arguments(std::string command, std::string synopsis, std::vector<option> options)
    : command_(std::move(command)), synopsis_(std::move(synopsis)), options_(std::move(options)) {}

namespace {
/// Long options are the same with '-' or '_' between words (--tracks_name = --tracks-name).
std::string spelling(const std::string& name) {
  std::string s = name;
  if (s.rfind("--", 0) == 0) std::replace(s.begin() + 2, s.end(), '_', '-');
  return s;
}
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
  bool only_positional = false;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || (a[1] >= '0' && a[1] <= '9') || a[1] == '.') {
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    const option* o = find(a);
    if (!o) {
      std::vector<std::string> known{"--help"};
      for (const auto& opt : options_) known.insert(known.end(), opt.names.begin(), opt.names.end());
      throw usage_error("unknown option '" + a + "'" + did_you_mean(a, known));
    }
    const std::string& key = o->names.back();
    if (values_.count(key) && !o->repeatable) throw usage_error("option '" + a + "' given twice");
    if (!o->takes_value) {
      if (inline_value) throw usage_error("option '" + a + "' takes no value");
      values_[key].push_back("");
      continue;
    }
    if (inline_value) {
      values_[key].push_back(*inline_value);
    } else {
      if (i + 1 >= argc) throw usage_error("option '" + a + "' needs a value (" + o->metavar + ")");
      values_[key].push_back(argv[++i]);
    }
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
  return text;
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
