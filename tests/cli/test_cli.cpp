// The hepnn tool as a user runs it: output, files, exit codes, messages.
#include "cli/run_cli.hpp"
#include "hepnn/variables.hpp"
#include "workflow/json_events.hpp"
#include "support/events.hpp"
#include "support/shared_data.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

namespace hepnn::test {
namespace {

std::filesystem::path zoo(const std::string& m) { return shared_dir() / "zoo" / m; }

class cli : public scratch_test {};

TEST_F(cli, eval_reproduces_lwtnn_on_a_zoo_model) {
  for (const char* precision : {"float32", "float64"}) {
    const auto r = hepnn_cli("eval " + (zoo("tau_rnn") / "lwtnn.json").string() + " --inputs " +
                             (zoo("tau_rnn") / "inputs.json").string() + " --precision " + precision);
    ASSERT_EQ(r.status, 0) << r.err;
    std::ofstream(path("out.json")) << r.out;
    const auto c = compare(read_expected((zoo("tau_rnn") / "lwtnn_outputs.json").string()), read_expected(path("out.json")));
    EXPECT_LE(c.max_abs, std::string(precision) == "float32" ? 1e-5 : 1e-10) << c.worst;
    EXPECT_EQ(c.values, 24u);
    EXPECT_NE(r.err.find("evaluated 24 events"), std::string::npos) << r.err;
  }
}

// Issue 15: events given as arrays in the network's variable order: an image
// as a nested (H, W, C) list, a fixed-length sequence as a list of rows.
TEST_F(cli, eval_takes_arrays_as_physicists_hold_their_data) {
  for (const char* name : {"conv2d_image", "conv1d_fixed"}) {
    SCOPED_TRACE(name);
    const auto dir = shared_dir() / "zoo2" / name;
    auto r = hepnn_cli("convert " + (dir / "model.h5").string() + " --variables " + (dir / "variables.json").string() +
                       " -o " + path("net.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto vars = read_variables(dir / "variables.json");
    const auto events = detail::read_json_events((dir / "inputs.json").string());
    auto num = [](double v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      return std::string(buf);
    };
    std::string text = "{\"events\": [";
    for (std::size_t e = 0; e < events.size(); ++e) {
      text += e ? ", {" : "{";
      if (!vars.inputs.empty()) { // 12 × 12 × 1, row-major
        const auto& node = vars.inputs.front();
        text += "\"inputs\": {\"" + node.name + "\": [";
        for (std::size_t row = 0; row < 12; ++row) {
          text += row ? ", [" : "[";
          for (std::size_t col = 0; col < 12; ++col)
            text += (col ? ", [" : "[") + num(events[e].inputs.at(node.name).at(node.variables[row * 12 + col].name)) + "]";
          text += "]";
        }
        text += "]}";
      } else {
        const auto& node = vars.input_sequences.front();
        const auto& columns = events[e].sequences.at(node.name);
        text += "\"input_sequences\": {\"" + node.name + "\": [";
        const std::size_t steps = columns.begin()->second.size();
        for (std::size_t t = 0; t < steps; ++t) {
          text += t ? ", [" : "[";
          for (std::size_t i = 0; i < node.variables.size(); ++i)
            text += (i ? ", " : "") + num(columns.at(node.variables[i].name)[t]);
          text += "]";
        }
        text += "]}";
      }
      text += "}";
    }
    text += "]}";
    std::ofstream(path("arrays.json")) << text;
    r = hepnn_cli("eval " + path("net.json") + " --inputs " + path("arrays.json") + " --precision float64 -o " + path("out.json"));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto c = compare(read_expected((dir / "outputs.json").string()), read_expected(path("out.json")));
    EXPECT_LE(c.max_abs, 1e-10) << c.worst;
    EXPECT_EQ(c.values, events.size() * vars.outputs.front().labels.size());
  }
  // an array of the wrong size names the node and both counts
  std::ofstream(path("bad.json")) << R"({"events": [{"inputs": {"jet_image": [1, 2, 3]}}]})";
  const auto dir = shared_dir() / "zoo2" / "conv2d_image";
  auto r = hepnn_cli("convert " + (dir / "model.h5").string() + " --variables " + (dir / "variables.json").string() + " -o " + path("img.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("eval " + path("img.json") + " --inputs " + path("bad.json"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("input 'jet_image' has 144 variables, the array gives 3 values"), std::string::npos) << r.err;
}

TEST_F(cli, a_bare_nan_in_events_says_to_write_null) {
  std::ofstream(path("nan.json")) << R"({"events": [{"inputs": {"node_0": {"variable_0": NaN}}}]})";
  const auto r = hepnn_cli("eval " + (zoo("act_tanh") / "lwtnn.json").string() + " --inputs " + path("nan.json"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("(a bare NaN is not JSON: write null for a missing value)"), std::string::npos) << r.err;
}

// The spellings of the scripts hepnn replaces, hyphens or underscores, and
// "did you mean" for a mistyped command or option.
TEST_F(cli, script_spellings_and_did_you_mean) {
  auto r = hepnn_cli("evl x");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command 'evl' (did you mean 'eval'?)"), std::string::npos) << r.err;
  r = hepnn_cli("--verison");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command '--verison' (did you mean '--version'?)"), std::string::npos) << r.err;
  r = hepnn_cli("convert x.h5 --variabels v.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown option '--variabels' (did you mean '--variables'?)"), std::string::npos) << r.err;
  // umami's conv_lwtnn_model.py: -m MODEL -o BASE
  const auto model = (zoo("dips_like") / "model.h5").string();
  r = hepnn_cli("split -m " + model + " -o " + path("dips"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(path("architecture-dips.json")));
  EXPECT_TRUE(std::filesystem::exists(path("weights-dips.h5")));
  // lwtnn's split script, with underscores instead of hyphens too
  r = hepnn_cli("split " + model + " --architecture_file_name " + path("a.json") + " --weight-file-name " + path("w.h5"));
  ASSERT_EQ(r.status, 0) << r.err;
  // kerasfunc2json.py ARCH WEIGHTS VARIABLES: the same network as --variables
  const auto vars = (zoo("dips_like") / "variables.json").string();
  r = hepnn_cli("convert " + path("a.json") + " " + path("w.h5") + " " + vars + " -o " + path("n1.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("convert " + model + " --variables " + vars + " -o " + path("n2.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream a(path("n1.json")), b(path("n2.json"));
  std::string ta((std::istreambuf_iterator<char>(a)), {}), tb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(ta.substr(ta.find("\"inputs\"")), tb.substr(tb.find("\"inputs\"")));
}

TEST_F(cli, every_help_states_the_exit_codes) {
  for (const char* command : {"", "convert", "split", "vardict", "eval", "check", "varspec", "tauid", "inspect"}) {
    const auto r = hepnn_cli(std::string(command) + " --help");
    EXPECT_EQ(r.status, 0) << command;
    EXPECT_NE(r.out.find("exit status: 0 "), std::string::npos) << command << "\n" << r.out;
    EXPECT_NE(r.out.find("2 an error or a usage mistake"), std::string::npos) << command << "\n" << r.out;
    EXPECT_NE(r.out.find(std::string(command) == "check" ? "1 a difference above it" : "1 is 'hepnn check' finding differences"),
              std::string::npos) << command << "\n" << r.out;
  }
}

// The option syntax (CLI11 underneath): --name value, --name=value, short
// options, repeatable options, '-' as a value, and the mistakes named.
TEST_F(cli, option_syntax_and_its_mistakes) {
  const auto net = (zoo("act_tanh") / "lwtnn.json").string(), inputs = (zoo("act_tanh") / "inputs.json").string();
  auto r = hepnn_cli("eval " + net + " --inputs=" + inputs + " --precision=float64 -o " + path("a.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("eval --precision float64 " + net + " --inputs - --output " + path("b.json") + " < " + inputs);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream a(path("a.json")), b(path("b.json"));
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(a)), {}), std::string((std::istreambuf_iterator<char>(b)), {}));
  struct c {
    std::string args, message;
  };
  for (const auto& k : {c{"eval " + net + " --inputs", "option '--inputs' needs a value (EVENTS.json)"},
                        c{"eval " + net + " --inputs a.json --inputs b.json", "option '--inputs' given twice"},
                        c{"convert m.h5 --lwtnn=yes", "option '--lwtnn' takes no value"},
                        c{"convert m.h5 --lwtnn --lwtnn", "option '--lwtnn' given twice"},
                        c{"eval " + net + " --input_s x", "unknown option '--input_s' (did you mean '--inputs'?)"},
                        c{"check --tolerence 1 x", "unknown option '--tolerence' (did you mean '--tolerance'?)"},
                        c{"vardict -x", "unknown option '-x'"},
                        c{"tauid --net_1p a --net-1p b", "option '--net-1p' given twice"}}) {
    r = hepnn_cli(k.args);
    EXPECT_EQ(r.status, 2) << k.args;
    EXPECT_NE(r.err.find(k.message), std::string::npos) << k.args << "\n" << r.err;
    EXPECT_NE(r.err.find("(see 'hepnn "), std::string::npos) << r.err;
  }
  // '--' ends the options: what follows is an argument even when it starts with '-'
  r = hepnn_cli("inspect -- --brief");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--brief: cannot read the file"), std::string::npos) << r.err;
}

// Issue 10's rough edges, as a user meets them on the command line (the
// others: --chunk 0 in test_cli_hostile, a bare NaN and "did you mean" above,
// check -c from the config's folder in test_cli_ftag).
TEST_F(cli, rough_edges_of_issue_10) {
  const auto dips = zoo("dips_like");
  // swapped architecture and weights
  auto r = hepnn_cli("convert " + (dips / "weights.h5").string() + " " + (dips / "architecture.json").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("give the architecture JSON first, then the weights (the files are swapped)"), std::string::npos) << r.err;
  // inspect on a Keras model: no JSON parser's message
  r = hepnn_cli("inspect " + (dips / "model.h5").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("model.h5: an HDF5 file (a Keras model?), not a network file: make one with 'hepnn convert'"),
            std::string::npos) << r.err;
  // an output that cannot be created is named as the user wrote it, never by its temporary name
  const std::string json_out = path("no/such/folder/out.json"), h5_out = path("no/such/folder/scores.h5");
  r = hepnn_cli("eval " + (dips / "lwtnn.json").string() + " --inputs " + (dips / "inputs.json").string() + " -o " + json_out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(json_out + ": cannot create"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(".tmp"), std::string::npos) << r.err;
  r = hepnn_cli("eval " + (dips / "lwtnn.json").string() + " " + (shared_dir() / "ftag" / "sample_ttbar.h5").string() +
                " --no-track-selection -o " + h5_out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(h5_out + ": cannot create"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(".tmp"), std::string::npos) << r.err;
  // a missing file is an error (2), not "differences found" (1)
  r = hepnn_cli("check " + path("missing.h5") + " --scores " + path("missing_scores.h5") + " --reference dips");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
}

TEST_F(cli, eval_prints_17_significant_digits) {
  const auto r = hepnn_cli("eval " + (zoo("act_sigmoid") / "lwtnn.json").string() + " --inputs " +
                           (zoo("act_sigmoid") / "inputs.json").string() + " --precision float64");
  ASSERT_EQ(r.status, 0) << r.err;
  // e.g. "out_0": 0.47024778074353520 style: 17 digits survive the round trip
  EXPECT_NE(r.out.find("\"events\""), std::string::npos);
  const auto pos = r.out.find("\": 0.");
  ASSERT_NE(pos, std::string::npos);
  const auto end = r.out.find_first_of(",\n", pos);
  EXPECT_GE(end - pos - 3, 18u) << r.out.substr(pos, end - pos);
}

TEST_F(cli, eval_writes_the_output_file_atomically) {
  const std::filesystem::path out = path("hepnn-cli-eval.json");
  auto r = hepnn_cli("eval " + (zoo("act_tanh") / "lwtnn.json").string() + " --inputs " +
                     (zoo("act_tanh") / "inputs.json").string() + " -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out));
  // a failing run leaves the previous file untouched and no temporary behind
  const auto before = std::filesystem::file_size(out);
  r = hepnn_cli("eval /nonexistent.json --inputs " + (zoo("act_tanh") / "inputs.json").string() + " -o " + out.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::filesystem::file_size(out), before);
  for (const auto& e : std::filesystem::directory_iterator(out.parent_path()))
    EXPECT_EQ(e.path().filename().string().find("hepnn-cli-eval.json.tmp"), std::string::npos);
}

TEST_F(cli, errors_and_exit_codes) {
  auto r = hepnn_cli("eval /nonexistent/net.json --inputs x.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "hepnn eval: error: /nonexistent/net.json: cannot read the file: No such file or directory\n");
  r = hepnn_cli("eval net.json --inputs x.json --precision float16");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--precision must be float32 or float64, not 'float16'"), std::string::npos);
  r = hepnn_cli("eval net.json --frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown option '--frobnicate'"), std::string::npos);
  r = hepnn_cli("transmogrify");
  EXPECT_EQ(r.status, 2);
  r = hepnn_cli("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("hepnn ", 0), 0u);
}

TEST_F(cli, inspect_describes_the_network) {
  const auto r = hepnn_cli("inspect " + (shared_dir() / "lwtnn-test-data" / "Dense_dropout_functional" / "lwtnn.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("parameters: 47504"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("multiply-adds per evaluation: 47000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'node_0' (66 variables)"), std::string::npos) << r.out;
  const auto lstm = hepnn_cli("inspect --brief " + (shared_dir() / "lwtnn-test-data" / "lstm_functional" / "lwtnn.json").string());
  ASSERT_EQ(lstm.status, 0) << lstm.err;
  // 2 × LSTM(32) per step: 4·(8+32)·32 + 4·(32+32)·32 = 13312 multiply-adds, plus the final dense 32·4
  EXPECT_NE(lstm.out.find("multiply-adds per evaluation: 128 + 13312 per step of 'node_0'"), std::string::npos) << lstm.out;
}

TEST_F(cli, convert_then_eval_reproduces_the_keras_reference) {
  const auto& dir = dir_;
  const auto net = (dir / "tau.json").string();
  auto r = hepnn_cli("convert " + (zoo("tau_rnn") / "model.keras").string() + " --variables " +
                     (zoo("tau_rnn") / "variables.json").string() + " -o " + net);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("Keras 3.15.1"), std::string::npos) << r.err;
  r = hepnn_cli("eval " + net + " --inputs " + (zoo("tau_rnn") / "inputs.json").string() + " --precision float64");
  ASSERT_EQ(r.status, 0) << r.err;
  std::ofstream(dir / "out.json") << r.out;
  EXPECT_LE(compare(read_expected((zoo("tau_rnn") / "outputs.json").string()), read_expected((dir / "out.json").string())).max_abs,
            1e-10);
  // without --variables: the template to fill
  r = hepnn_cli("convert " + (zoo("tau_rnn") / "architecture.json").string() + " " + (zoo("tau_rnn") / "weights.h5").string() +
                " -o " + (dir / "template.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("wrote the variables template"), std::string::npos);
  std::ifstream t(dir / "template.json");
  const std::string tmpl((std::istreambuf_iterator<char>(t)), {});
  EXPECT_NE(tmpl.find("\"variable_0\""), std::string::npos);
  // a failing conversion leaves no file behind
  r = hepnn_cli("convert " + (zoo("gru_reset_after") / "model.h5").string() + " --variables " +
                (zoo("gru_reset_after") / "variables.json").string() + " --lwtnn -o " + (dir / "lwtnn.json").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("layer 'gru' (GRU): reset_after"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "lwtnn.json"));
  for (const auto& e : std::filesystem::directory_iterator(dir)) EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos);
  // split
  r = hepnn_cli("split " + (zoo("tau_rnn") / "model.h5").string() + " -a " + (dir / "a.json").string() + " -w " +
                (dir / "w.h5").string());
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("convert " + (dir / "a.json").string() + " " + (dir / "w.h5").string() + " --variables " +
                (zoo("tau_rnn") / "variables.json").string() + " -o " + (dir / "split.json").string());
  EXPECT_EQ(r.status, 0) << r.err;
}

} // namespace
} // namespace hepnn::test
