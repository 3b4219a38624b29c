#pragma once
// Finding a Keras layer's weights in the two HDF5 layouts (keras-format.md
// §2, §6.2): the Keras 2 legacy layout (a group per layer with
// `weight_names`, whole model or save_weights), and the Keras 3 weight store
// (`layers/<snake_case>[_k]/vars/0..n`, matched through each group's `name`
// attribute). Weights come back with their short names: "kernel", "bias",
// "recurrent_kernel", "gamma", ... (Keras 2/3) or "W", "b", "W_z", ...
// (Keras 1, theano naming).

#include "formats/hdf5_file.hpp"
#include "keras/keras_config.hpp"

#include <memory>
#include <string>
#include <vector>

namespace hepnn::detail::keras {

struct tensor {
  std::string name;
  std::string path; ///< the full weight name as stored ("bidirectional/backward_lstm/kernel:0")
  std::vector<std::size_t> shape;
  std::vector<double> data;
};

class weight_store {
public:
  virtual ~weight_store() = default;
  /// The weights of `layer`, inside the nested models `scope` (outermost
  /// first; empty for the top model). `siblings` are the layers of the model
  /// that contains `layer` (for Keras 3 files without name attributes).
  virtual std::vector<tensor> weights(const std::vector<std::string>& scope, const layer_def& layer,
                                      const std::vector<layer_def>& siblings) const = 0;
  /// The keras_version attribute the file carries, if any.
  virtual std::string keras_version() const = 0;
};

/// A Keras 2 legacy file: `model.save()` (weights under model_weights) or
/// `save_weights()` (weights at the root).
std::unique_ptr<weight_store> legacy_store(h5::file file);

/// A Keras 3 weight store (`model.weights.h5`, `*.weights.h5`).
std::unique_ptr<weight_store> keras3_store(h5::file file);

/// Whether a file's layout is the Keras 3 weight store (it has `layers`
/// and `vars` groups and no `layer_names` attribute).
bool is_keras3_store(const h5::file& file);

} // namespace hepnn::detail::keras
