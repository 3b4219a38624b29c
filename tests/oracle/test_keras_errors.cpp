// Bad Keras input is an error naming the file and the Keras layer, never a
// crash; --lwtnn refuses what lwtnn would evaluate differently; split keeps
// the network.
#include "formats/hdf5_file.hpp"
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "support/h5_tables.hpp"
#include "support/shared_data.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

fs::path zoo(const std::string& m) { return shared_dir() / "zoo" / m; }

class scratch {
public:
  scratch() : dir_(fs::temp_directory_path() / ("hepnn-keras-" + std::to_string(::getpid()))) { fs::create_directories(dir_); }
  ~scratch() { fs::remove_all(dir_); }
  fs::path operator/(const std::string& f) const { return dir_ / f; }

private:
  fs::path dir_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string error_of(const fs::path& model, const fs::path& weights = {}, const variables_spec* vars = nullptr,
                     bool lwtnn = false) {
  try {
    convert_options o;
    o.lwtnn = lwtnn;
    convert_keras(model, weights, vars, o);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(keras_errors, truncated_and_corrupt_files) {
  scratch tmp;
  const std::string h5 = slurp(zoo("dips_like") / "model.h5");
  spit(tmp / "half.h5", h5.substr(0, h5.size() / 2));
  EXPECT_NE(error_of(tmp / "half.h5").find((tmp / "half.h5").string() + ": "), std::string::npos);
  const std::string keras = slurp(zoo("dips_like") / "model.keras");
  spit(tmp / "half.keras", keras.substr(0, keras.size() / 2));
  EXPECT_EQ(error_of(tmp / "half.keras").rfind((tmp / "half.keras").string() + ": not a readable zip archive", 0), 0u)
      << error_of(tmp / "half.keras");
  spit(tmp / "garbage.json", "{\"class_name\": ");
  EXPECT_NE(error_of(tmp / "garbage.json", zoo("dips_like") / "weights.h5").find("not valid JSON"), std::string::npos);
  EXPECT_EQ(error_of(tmp / "missing.h5"), (tmp / "missing.h5").string() + ": cannot read the file: No such file or directory");
}

TEST(keras_errors, files_that_are_not_keras_models) {
  EXPECT_EQ(error_of(shared_dir() / "tau" / "tau_candidates.h5"),
            (shared_dir() / "tau" / "tau_candidates.h5").string() +
                ": no 'model_config' attribute: this is a weights file, not a full model; give the architecture JSON "
                "first and this file as the weights");
  scratch tmp;
  spit(tmp / "not_a_model.json", R"({"inputs": []})");
  EXPECT_EQ(error_of(tmp / "not_a_model.json", zoo("dips_like") / "weights.h5"),
            (tmp / "not_a_model.json").string() + ": not a Keras model (no class_name at the top of the architecture)");
  spit(tmp / "odd.json", R"({"class_name": "Foo", "config": {}})");
  EXPECT_EQ(error_of(tmp / "odd.json", zoo("dips_like") / "weights.h5"),
            (tmp / "odd.json").string() + ": /: not a Keras model: class_name 'Foo' (expected Sequential, Functional or Model)");
  EXPECT_NE(error_of(zoo("dips_like") / "architecture.json").find("an architecture JSON needs its weights file"), std::string::npos);
}

TEST(keras_errors, unsupported_and_unknown_layers_are_named) {
  scratch tmp;
  const std::string arch = slurp(zoo("dips_like") / "architecture.json");
  spit(tmp / "conv3d.json", replace(arch, "\"class_name\": \"Dense\", \"config\": {\"name\": \"dense_3\"",
                                    "\"class_name\": \"Conv3D\", \"config\": {\"name\": \"dense_3\""));
  EXPECT_EQ(error_of(tmp / "conv3d.json", zoo("dips_like") / "weights.h5"),
            (tmp / "conv3d.json").string() + ": layer 'dense_3' (Conv3D): unsupported layer class 'Conv3D'");
  // a supported layer on the wrong input names both
  spit(tmp / "conv2d.json", replace(arch, "\"class_name\": \"Dense\", \"config\": {\"name\": \"dense_3\"",
                                    "\"class_name\": \"Conv2D\", \"config\": {\"name\": \"dense_3\""));
  EXPECT_EQ(error_of(tmp / "conv2d.json", zoo("dips_like") / "weights.h5"),
            (tmp / "conv2d.json").string() +
                ": layer 'dense_3' (Conv2D): a 2-D convolution needs a tensor of rank 3, the input has shape (100,)");
  spit(tmp / "custom.json", replace(arch, "\"class_name\": \"Sum\"", "\"class_name\": \"MySum\""));
  EXPECT_EQ(error_of(tmp / "custom.json", zoo("dips_like") / "weights.h5"),
            (tmp / "custom.json").string() + ": layer 'sum' (MySum): unknown custom layer (module umami.tf_tools.layers)");
  spit(tmp / "act.json", replace(arch, "\"activation\": \"softmax\"", "\"activation\": \"mish\""));
  EXPECT_EQ(error_of(tmp / "act.json", zoo("dips_like") / "weights.h5"),
            (tmp / "act.json").string() + ": layer 'dense_6' (Dense): activation 'mish' is not supported");
}

// Issue 9: a size the network reader would refuse is refused when converting
// (both apply the same limits), naming the layer.
TEST(keras_errors, sizes_beyond_the_limits_are_refused_at_conversion) {
  scratch tmp;
  const auto dir = shared_dir() / "lwtnn-test-data" / "conv1d_functional";
  const std::string arch = slurp(dir / "model.json");
  spit(tmp / "dilated.json", replace(arch, "\"dilation_rate\": [2]", "\"dilation_rate\": [1099511627776]"));
  EXPECT_EQ(error_of(tmp / "dilated.json", dir / "weights.h5"),
            (tmp / "dilated.json").string() + ": layer 'conv1d_1' (Conv1D): dilation_rate values must be from 1 to 2^20");
  spit(tmp / "wide.json", replace(arch, "\"batch_input_shape\": [null, 20, 2]", "\"batch_input_shape\": [null, 20, 2000000000000]"));
  EXPECT_EQ(error_of(tmp / "wide.json", dir / "weights.h5"),
            (tmp / "wide.json").string() + ": layer 'input_1' (InputLayer): the input shape asks for more than 16777216 values per event");
  spit(tmp / "strided.json", replace(arch, "\"strides\": [1], \"padding\": \"same\"", "\"strides\": [3], \"padding\": \"same\""));
  EXPECT_EQ(error_of(tmp / "strided.json", dir / "weights.h5"), "no error"); // a fixed length of 20 steps allows strides
}

// Issue 10's rough edges: swapped files, and a model where a network belongs
TEST(keras_errors, swapped_files_and_models_given_as_networks_say_what_happened) {
  const auto dir = zoo("dips_like");
  EXPECT_EQ(error_of(dir / "weights.h5", dir / "architecture.json"),
            (dir / "weights.h5").string() + ": this is a weights file and " + (dir / "architecture.json").string() +
                " is not: give the architecture JSON first, then the weights (the files are swapped)");
  try {
    read_network(dir / "model.h5");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "model.h5").string() + ": an HDF5 file (a Keras model?), not a network file: make one with 'hepnn convert'");
  }
}

TEST(keras_errors, missing_and_misshapen_weights) {
  // the architecture of one model with the weights of another
  EXPECT_EQ(error_of(zoo("dips_like") / "architecture.json", zoo("act_tanh") / "weights.h5"),
            (zoo("dips_like") / "architecture.json").string() +
                ": layer 'time_distributed' (TimeDistributed(Dense)): weights 'kernel' not found in an empty weight list");
  scratch tmp;
  spit(tmp / "wide.json", replace(slurp(zoo("act_tanh") / "architecture.json"), "[null, 6]", "[null, 7]"));
  EXPECT_EQ(error_of(tmp / "wide.json", zoo("act_tanh") / "weights.h5"),
            (tmp / "wide.json").string() + ": layer 'dense' (Dense): kernel has shape (6, 8) but the layer's input has width 7");
}

TEST(keras_errors, variables_that_do_not_match_the_model) {
  const auto dl1 = read_variables(zoo("dl1_like_functional") / "variables.json");
  EXPECT_EQ(error_of(zoo("dips_like") / "model.h5", {}, &dl1),
            (zoo("dips_like") / "model.h5").string() +
                ": the variables file " + (zoo("dl1_like_functional") / "variables.json").string() +
                " does not match the Keras model: 1 input nodes for 0 vector inputs of the model");
  auto dips = read_variables(zoo("dips_like") / "variables.json");
  dips.input_sequences[0].variables.pop_back();
  EXPECT_EQ(error_of(zoo("dips_like") / "model.h5", {}, &dips),
            (zoo("dips_like") / "model.h5").string() + ": the variables file " + (zoo("dips_like") / "variables.json").string() +
                " does not match the Keras model: input node '" +
                dips.input_sequences[0].name + "' has 20 variables but Keras input 0 has width 21");
  dips = read_variables(zoo("dips_like") / "variables.json");
  dips.outputs[0].labels.pop_back();
  EXPECT_NE(error_of(zoo("dips_like") / "model.h5", {}, &dips).find("has 2 labels but Keras output 0 has width 3"),
            std::string::npos);
}

// Issue 8: lwtnn has no convolution over fixed shapes, pooling, Bidirectional,
// LayerNormalization, attention or step-wise merges; a pruned Dense is a
// Dense, and Dense per step with a sum is lwtnn's time_distributed + sum.
TEST(keras_lwtnn_mode, refuses_the_layers_of_the_second_zoo_by_name) {
  for (const auto& name : cases_with(shared_dir() / "zoo2", {"model.h5", "variables.json"})) {
    SCOPED_TRACE(name);
    const auto dir = shared_dir() / "zoo2" / name;
    const auto vars = read_variables(dir / "variables.json");
    const std::string e = error_of(dir / "model.h5", {}, &vars, true);
    if (name == "prune_wrapper" || name == "dense_on_sequence") { // Dense layers and lwtnn's time_distributed + sum
      EXPECT_EQ(e, "no error");
      continue;
    }
    EXPECT_EQ(e.rfind((dir / "model.h5").string() + ": layer '", 0), 0u) << e;
    EXPECT_NE(e.find("without --lwtnn hepnn writes a network file that evaluates it exactly"), std::string::npos) << e;
    std::cout << "[--lwtnn] " << name << ": " << e.substr(e.find("layer '")) << "\n";
  }
}

TEST(keras_lwtnn_mode, refuses_what_lwtnn_would_evaluate_differently) {
  auto lwtnn_error = [](const std::string& m) {
    const auto vars = read_variables(zoo(m) / "variables.json");
    return error_of(zoo(m) / "model.h5", {}, &vars, true);
  };
  EXPECT_EQ(lwtnn_error("gru_reset_after"),
            (zoo("gru_reset_after") / "model.h5").string() +
                ": layer 'gru' (GRU): reset_after: lwtnn has only the reset-before GRU; without --lwtnn hepnn writes a "
                "network file that evaluates it exactly");
  EXPECT_NE(lwtnn_error("lstm_go_backwards").find("layer 'lstm' (LSTM): go_backwards"), std::string::npos);
  EXPECT_NE(lwtnn_error("act_selu").find("layer 'dense' (Dense): activation selu"), std::string::npos);
  EXPECT_NE(lwtnn_error("merge_misc").find("lwtnn has no 'multiply' node"), std::string::npos);
  EXPECT_NE(lwtnn_error("masked_global_average").find("(GlobalAveragePooling1D): lwtnn has no 'mean' node"), std::string::npos);
  // what lwtnn evaluates like Keras converts, and the file is lwtnn's format
  const auto vars = read_variables(zoo("dips_like") / "variables.json");
  convert_options o;
  o.lwtnn = true;
  const auto c = convert_keras(zoo("dips_like") / "model.h5", {}, &vars, o);
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("layer 'masking' (Masking) dropped"), std::string::npos);
  write_options w;
  w.lwtnn = true;
  const std::string text = write_network(c.network, w);
  EXPECT_EQ(text.find("hepnn"), std::string::npos);
  EXPECT_EQ(text.find("masking"), std::string::npos);
  EXPECT_EQ(error_of(zoo("act_hard_sigmoid") / "model.keras", {}, nullptr, true),
            (zoo("act_hard_sigmoid") / "model.keras").string() +
                ": layer 'dense' (Dense): activation hard_sigmoid with these parameters is not one lwtnn knows; without "
                "--lwtnn hepnn writes a network file that evaluates it exactly");
}

TEST(keras_split, split_files_convert_to_the_same_network) {
  scratch tmp;
  for (const fs::path& model : {zoo("tau_rnn") / "model.h5", shared_dir() / "tau" / "tau_1p" / "model.h5"}) {
    split_keras_model(model, tmp / "architecture.json", tmp / "weights.h5");
    EXPECT_EQ(write_network(convert_keras(model).network),
              write_network(convert_keras(tmp / "architecture.json", tmp / "weights.h5").network))
        << model;
    auto w = detail::h5::file::open((tmp / "weights.h5").string());
    EXPECT_FALSE(w.root().string_list_attribute("layer_names").empty());
  }
  EXPECT_THROW(split_keras_model(zoo("tau_rnn") / "weights.h5", tmp / "a.json", tmp / "w.h5"), config_error);
  EXPECT_FALSE(fs::exists(tmp / "a.json"));
  EXPECT_FALSE(fs::exists(tmp / "w.h5"));
}

TEST(keras_versions, hard_sigmoid_follows_the_keras_version) {
  const auto k2 = convert_keras(zoo("act_hard_sigmoid") / "model.h5");
  const auto k3 = convert_keras(zoo("act_hard_sigmoid") / "model.keras");
  EXPECT_EQ(k2.keras_version, "2.15.0");
  EXPECT_EQ(k3.keras_version, "3.15.1");
  EXPECT_EQ(k2.network.layers[0].act, keras2_hard_sigmoid());
  EXPECT_EQ(k3.network.layers[0].act, keras3_hard_sigmoid());
  // and the Keras 3 constants survive the file format
  const model back = parse_network(write_network(k3.network), "k3.json");
  EXPECT_EQ(back.layers[0].act, keras3_hard_sigmoid());
}


// Issue 9: a PReLU whose alpha is one scalar (a 0-D dataset) read back() of
// its empty shape when the layer is one feature wide; it is refused naming
// the layer. The same file with alpha of shape (1,) converts.
TEST(keras_errors, a_prelu_with_a_scalar_alpha_is_refused) {
  scratch tmp;
  spit(tmp / "prelu.json", R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"batch_shape": [null, 1], "name": "input_layer"}},
      {"class_name": "PReLU", "config": {"name": "p_re_lu", "shared_axes": null}}]}})");
  const std::string weights = (tmp / "prelu.weights.h5").string();
  write_dataset(weights, "layers/p_re_lu/vars/0", {1}, {0.25}, true);
  EXPECT_EQ(error_of(tmp / "prelu.json", weights), "no error");
  write_dataset(weights, "layers/p_re_lu/vars/0", {}, {0.25}, true);
  EXPECT_EQ(error_of(tmp / "prelu.json", weights),
            (tmp / "prelu.json").string() + ": layer 'p_re_lu' (PReLU): alpha has shape (): only one slope per feature is supported");
}

} // namespace
} // namespace hepnn::test
