#pragma once
/// \file keras.hpp
/// Converting a Keras model into a hepnn model, without Python. Accepted:
///  * a Keras 2 full-model `.h5` (`model.save`), standalone Keras 1/2 or
///    tf.keras up to 2.15;
///  * an architecture JSON (`model.to_json()`) with its weights `.h5`
///    (`save_weights`, Keras 2 layout, or a Keras 3 `*.weights.h5`);
///  * a Keras 3 `.keras` archive.
/// `hard_sigmoid` follows the file's Keras version (Keras 1/2: 0.2x + 0.5,
/// Keras 3: x/6 + 0.5) and is stored explicitly.

#include "hepnn/model.hpp"
#include "hepnn/variables.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hepnn {

struct convert_options {
  /// Build only what lwtnn evaluates like Keras: Masking is dropped (lwtnn's
  /// unpadded-sequence contract) and anything else lwtnn would get wrong is
  /// an error naming the Keras layer.
  bool lwtnn = false;
};

struct conversion {
  model network;
  /// The Keras version the files record ("" when they record none: Keras 1).
  std::string keras_version;
  /// The variables file a user fills in: inputs node_N with variables
  /// variable_N (offset 0, scale 1), outputs <layer>_<node> with labels out_N.
  variables_spec template_variables;
  /// Things worth knowing about the conversion (layers dropped, ...).
  std::vector<std::string> notes;
};

/// Reads the Keras files and builds the network; with `variables`, names,
/// offsets, scales, defaults and labels come from it (matched to the Keras
/// inputs and outputs by order), otherwise the template names are used.
/// Throws config_error naming the file and the Keras layer (name and class).
conversion convert_keras(const std::filesystem::path& model, const std::filesystem::path& weights = {},
                         const variables_spec* variables = nullptr, const convert_options& options = {});

/// Splits a full-model `.h5` into an architecture JSON and a weights `.h5`
/// with the weights at the root, as lwtnn's lwtnn-split-keras-network.py
/// does. Both outputs are written atomically.
void split_keras_model(const std::filesystem::path& model, const std::filesystem::path& architecture,
                       const std::filesystem::path& weights);

} // namespace hepnn
