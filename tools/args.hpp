#pragma once
// Command-line parsing for the hepnn subcommands (on CLI11): long and short
// options, "--name value" and "--name=value", flags, and positional arguments.

#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hepnn::cli {

/// A mistake on the command line (exit status 2).
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct option {
  std::vector<std::string> names; ///< e.g. {"-o", "--output"}; the last one is the key
  bool takes_value = true;
  std::string help;
  std::string metavar = "VALUE";
  bool repeatable = false;
};

class arguments {
public:
  arguments(std::string command, std::string synopsis, std::vector<option> options);
  /// Parses argv[first..argc); throws usage_error.
  void parse(int argc, char** argv, int first);

  bool has(const std::string& key) const { return values_.count(key) > 0; }
  std::string get(const std::string& key, const std::string& fallback = "") const;
  std::optional<std::string> maybe(const std::string& key) const;
  const std::vector<std::string>& all(const std::string& key) const;
  const std::vector<std::string>& positional() const { return positional_; }
  /// The help text: synopsis and options.
  std::string usage() const;
  bool help_requested() const { return help_; }

private:
  std::string command_, synopsis_;
  std::vector<option> options_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
  const option* find(const std::string& name) const;
};

/// Levenshtein distance, and " (did you mean 'x'?)" for the closest of `known` (or "").
std::size_t edit_distance(const std::string& a, const std::string& b);
std::string did_you_mean(const std::string& given, const std::vector<std::string>& known);

/// The exit codes, as every --help states them (check's 1 for differences found).
std::string exit_status_text(const std::string& command);

/// --precision float32|float64, shared by the evaluating commands.
option precision_option();
/// Whether --precision asks for float64 (float32 is the default); usage_error otherwise.
bool float64_requested(const arguments& args);

/// Parses a number option, naming it in the error.
double to_number(const std::string& key, const std::string& text);
/// Parses a whole number in [min, max]; usage_error naming the option for
/// anything else (signs where none is allowed, fractions, overflow).
long long to_integer(const std::string& key, const std::string& text, long long min, long long max);
/// A count in [min, max] (by default any non-negative int).
std::size_t to_count(const std::string& key, const std::string& text, std::size_t min = 0,
                     std::size_t max = std::numeric_limits<int>::max());

} // namespace hepnn::cli
