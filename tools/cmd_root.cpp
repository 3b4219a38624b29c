// hepnn root ls | dump: what a ROOT file's trees hold, and their values as JSON.
#include "args.hpp"
#include "commands.hpp"
#include "output.hpp"

#include "hepnn/root.hpp"

#include <cstdio>
#include <string>

namespace hepnn::cli {
namespace {

std::string shape_text(const root::branch_info& b) {
  switch (b.shape) {
  case root::shape::scalar: return "scalar";
  case root::shape::fixed: return "fixed[" + std::to_string(b.length) + "]";
  case root::shape::jagged: return "jagged[" + b.count_leaf + "]";
  case root::shape::vector: return "vector";
  case root::shape::vector_vector: return "vector of vectors";
  case root::shape::leaflist: return "leaf list";
  case root::shape::none: return "split object (values in its sub-branches)";
  case root::shape::unsupported: return "UNSUPPORTED: " + b.unsupported;
  }
  return "";
}

int run_ls(int argc, char** argv) {
  arguments args("root ls", "FILE\n\nLists the trees of a ROOT file (entries) and their branches (ROOT type, shape, value type).", {});
  args.parse(argc, argv, 3);
  if (args.help_requested()) return std::fputs(args.usage().c_str(), stdout), 0;
  if (args.positional().size() != 1) throw usage_error("expected one ROOT file");
  const root::file f(args.positional().front());
  const auto trees = f.trees();
  if (trees.empty()) std::printf("%s: no trees\n", f.path().c_str());
  for (const auto& ti : trees) {
    const root::tree t = f.open_tree(ti.path);
    std::printf("TTree %s;%d \"%s\" %lld entries, %zu branches\n", ti.path.c_str(), int(ti.cycle), ti.title.c_str(),
                static_cast<long long>(t.info().entries), t.branches().size());
    for (const auto& b : t.branches()) {
      const std::string indent = b.parent.empty() ? "  " : "    ";
      std::printf("%s%-30s %-26s %-18s %s\n", indent.c_str(), b.name.c_str(), b.type.c_str(), shape_text(b).c_str(),
                  b.shape == root::shape::unsupported || b.shape == root::shape::none ? "" : root::type_name(b.type_of_values));
    }
  }
  return 0;
}

int run_dump(int argc, char** argv) {
  arguments args("root dump", "FILE TREE [-b BRANCH ...] [--entries FIRST:LAST] [-o OUT.json]\n\n"
                              "Prints {\"tree\", \"entries\", \"branches\": {NAME: [one value per entry]}} (all readable branches\n"
                              "when no -b is given); numbers with 17 significant digits.",
                 {
                     {{"-b", "--branch"}, true, "a branch to dump (repeatable)", "BRANCH", true},
                     {{"--entries"}, true, "the entries FIRST:LAST (LAST excluded; either may be omitted)", "FIRST:LAST"},
                     {{"-o", "--output"}, true, "write the JSON here instead of standard output", "FILE"},
                 });
  args.parse(argc, argv, 3);
  if (args.help_requested()) return std::fputs(args.usage().c_str(), stdout), 0;
  if (args.positional().size() != 2) throw usage_error("expected a ROOT file and a tree name");
  const root::file f(args.positional()[0]);
  const root::tree t = f.open_tree(args.positional()[1]);
  const long long n = t.info().entries;
  long long first = 0, last = n;
  if (auto range = args.maybe("--entries")) {
    const auto colon = range->find(':');
    if (colon == std::string::npos) throw usage_error("--entries wants FIRST:LAST, got '" + *range + "'");
    const std::string a = range->substr(0, colon), b = range->substr(colon + 1);
    if (!a.empty()) first = to_integer("--entries", a, 0, n);
    if (!b.empty()) last = to_integer("--entries", b, 0, n);
    if (last < first) throw usage_error("--entries: LAST (" + b + ") is before FIRST (" + a + ")");
  }
  std::vector<std::string> branches;
  if (args.has("--branch")) branches = args.all("--branch");
  const std::string text = root::dump_json(t, branches, first, last);
  if (auto out = args.maybe("--output"); out && *out != "-") write_file_atomically(*out, text);
  else std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

} // namespace

int run_root(int argc, char** argv) {
  const std::string sub = argc > 2 ? argv[2] : "";
  if (sub == "ls") return run_ls(argc, argv);
  if (sub == "dump") return run_dump(argc, argv);
  if (sub == "-h" || sub == "--help" || sub.empty()) {
    std::fputs("usage: hepnn root ls FILE\n       hepnn root dump FILE TREE [-b BRANCH ...] [--entries FIRST:LAST] [-o OUT.json]\n",
               sub.empty() ? stderr : stdout);
    return sub.empty() ? 2 : 0;
  }
  throw usage_error("unknown 'root' command '" + sub + "'" + did_you_mean(sub, {"ls", "dump"}));
}

} // namespace hepnn::cli
