// The hepnn tool as a user runs it: output, files, exit codes, messages.
#include "cli/run_cli.hpp"
#include "support/events.hpp"
#include "support/shared_data.hpp"

#include <gtest/gtest.h>

#include <fstream>

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
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(std::filesystem::file_size(out), before);
  for (const auto& e : std::filesystem::directory_iterator(out.parent_path()))
    EXPECT_EQ(e.path().filename().string().find("hepnn-cli-eval.json.tmp"), std::string::npos);
}

TEST_F(cli, errors_and_exit_codes) {
  auto r = hepnn_cli("eval /nonexistent/net.json --inputs x.json");
  EXPECT_EQ(r.status, 1);
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
  EXPECT_EQ(r.status, 1);
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
