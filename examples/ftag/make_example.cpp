// Writes the flavour-tagging example the README's main job runs: a small
// DIPS-style Keras model (full-model .h5 as tf.keras 2 saves it), umami's
// scale dict and variables YAML for it, a check config, and a dumper-style
// ntuple whose jets carry reference scores.
//
// The reference scores are computed here, in float64, by a deliberately
// plain forward pass with umami's training-time preprocessing (ln x, no
// epsilon; (x - shift) / scale) on the stored float32 track values. It
// shares no code with hepnn's engine, so `hepnn check` compares two
// independent implementations.
//
// Usage: make_example OUTPUT_DIR [N_JETS]

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int max_tracks = 40; // slots per jet in the ntuple and the Keras input
constexpr int hidden = 32;     // width of the per-track and the jet networks

// ---- the model ----------------------------------------------------------------

// Keras feature order: umami's noNormVars, logNormVars, jointNormVars
const char* const no_norm[] = {"IP3D_signed_d0_significance", "IP3D_signed_z0_significance", "numberOfInnermostPixelLayerHits"};
const char* const log_norm[] = {"ptfrac", "dr"};
const char* const joint_norm[] = {"numberOfPixelHits", "numberOfSCTHits", "d0", "z0SinTheta"};
constexpr int n_features = 9;

struct dense {
  std::string name;
  int in, out;
  std::string activation;
  std::vector<float> kernel; // Keras layout: in × out, row-major
  std::vector<float> bias;
};

dense make_dense(std::mt19937_64& rng, std::string name, int in, int out, std::string activation) {
  dense d{std::move(name), in, out, std::move(activation), {}, {}};
  std::normal_distribution<double> w(0.0, std::sqrt(2.0 / in)), b(0.0, 0.05);
  for (int i = 0; i < in * out; ++i) d.kernel.push_back(static_cast<float>(w(rng)));
  for (int o = 0; o < out; ++o) d.bias.push_back(static_cast<float>(b(rng)));
  return d;
}

/// y = activation(x · kernel + bias), in double
std::vector<double> forward(const dense& d, const std::vector<double>& x) {
  std::vector<double> y(static_cast<std::size_t>(d.out));
  for (int o = 0; o < d.out; ++o) {
    double s = d.bias[static_cast<std::size_t>(o)];
    for (int i = 0; i < d.in; ++i) s += x[static_cast<std::size_t>(i)] * d.kernel[static_cast<std::size_t>(i * d.out + o)];
    y[static_cast<std::size_t>(o)] = s;
  }
  if (d.activation == "relu")
    for (double& v : y) v = std::max(v, 0.0);
  if (d.activation == "softmax") {
    const double m = *std::max_element(y.begin(), y.end());
    double z = 0;
    for (double& v : y) z += (v = std::exp(v - m));
    for (double& v : y) v /= z;
  }
  return y;
}

std::string dense_config(const dense& d) {
  return "{\"class_name\": \"Dense\", \"config\": {\"name\": \"" + d.name + "\", \"trainable\": true, \"dtype\": \"float32\", "
         "\"units\": " + std::to_string(d.out) + ", \"activation\": \"" + d.activation + "\", \"use_bias\": true}}";
}

std::string inbound(const std::string& from) { return "[[[\"" + from + "\", 0, 0, {}]]]"; }

std::string model_config(const dense& phi1, const dense& phi2, const dense& f1, const dense& out) {
  std::string layers;
  layers += "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, " + std::to_string(max_tracks) + ", " +
            std::to_string(n_features) + "], \"dtype\": \"float32\", \"name\": \"track_inputs\"}, \"name\": \"track_inputs\", "
            "\"inbound_nodes\": []}";
  layers += ", {\"class_name\": \"Masking\", \"config\": {\"name\": \"masking\", \"trainable\": true, \"dtype\": \"float32\", "
            "\"mask_value\": 0.0}, \"name\": \"masking\", \"inbound_nodes\": " + inbound("track_inputs") + "}";
  std::string prev = "masking";
  for (const dense* d : {&phi1, &phi2}) {
    layers += ", {\"class_name\": \"TimeDistributed\", \"config\": {\"name\": \"" + d->name + "\", \"trainable\": true, "
              "\"dtype\": \"float32\", \"layer\": " + dense_config(*d) + "}, \"name\": \"" + d->name + "\", \"inbound_nodes\": " +
              inbound(prev) + "}";
    prev = d->name;
  }
  layers += ", {\"module\": \"umami.tf_tools.layers\", \"class_name\": \"Sum\", \"config\": {\"name\": \"sum\", \"trainable\": true, "
            "\"dtype\": \"float32\"}, \"registered_name\": \"Sum\", \"name\": \"sum\", \"inbound_nodes\": " + inbound(prev) + "}";
  prev = "sum";
  for (const dense* d : {&f1, &out}) {
    std::string c = dense_config(*d);
    c.insert(c.size() - 1, ", \"name\": \"" + d->name + "\", \"inbound_nodes\": " + inbound(prev));
    layers += ", " + c;
    prev = d->name;
  }
  return "{\"class_name\": \"Functional\", \"config\": {\"name\": \"dips\", \"trainable\": true, \"layers\": [" + layers +
         "], \"input_layers\": [[\"track_inputs\", 0, 0]], \"output_layers\": [[\"" + out.name + "\", 0, 0]]}, "
         "\"keras_version\": \"2.15.0\", \"backend\": \"tensorflow\"}";
}

// ---- HDF5 helpers ---------------------------------------------------------------

void check(herr_t rc, const std::string& what) {
  if (rc < 0) throw std::runtime_error("HDF5: cannot " + what);
}

void string_attribute(hid_t obj, const char* name, const std::string& value) {
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  const hid_t s = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  const char* p = value.c_str();
  check(H5Awrite(a, t, &p), std::string("write attribute ") + name);
  H5Aclose(a), H5Sclose(s), H5Tclose(t);
}

void string_list_attribute(hid_t obj, const char* name, const std::vector<std::string>& values) {
  if (values.empty()) { // as h5py stores an empty list: a float64 array of length 0
    const hsize_t zero = 0;
    const hid_t s = H5Screate_simple(1, &zero, nullptr);
    const hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) throw std::runtime_error(std::string("HDF5: cannot create attribute ") + name);
    H5Aclose(a), H5Sclose(s);
    return;
  }
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  const hsize_t n = values.size();
  const hid_t s = H5Screate_simple(1, &n, nullptr);
  const hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<const char*> p;
  for (const auto& v : values) p.push_back(v.c_str());
  check(H5Awrite(a, t, p.data()), std::string("write attribute ") + name);
  H5Aclose(a), H5Sclose(s), H5Tclose(t);
}

void float_dataset(hid_t loc, const std::string& name, const std::vector<float>& v, std::vector<hsize_t> dims) {
  const hid_t s = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t d = H5Dcreate2(loc, name.c_str(), H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  check(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "write " + name);
  H5Dclose(d), H5Sclose(s);
}

void write_model(const std::string& path, const std::vector<const dense*>& layers, const std::string& config) {
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot create " + path);
  string_attribute(f, "keras_version", "2.15.0");
  string_attribute(f, "backend", "tensorflow");
  string_attribute(f, "model_config", config);
  const hid_t mw = H5Gcreate2(f, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<std::string> names = {"track_inputs", "masking"};
  for (std::size_t i = 0; i < 2; ++i) names.push_back(layers[i]->name);
  names.push_back("sum");
  for (std::size_t i = 2; i < layers.size(); ++i) names.push_back(layers[i]->name);
  string_list_attribute(mw, "layer_names", names);
  string_attribute(mw, "keras_version", "2.15.0");
  string_attribute(mw, "backend", "tensorflow");
  for (const auto& n : names) {
    const hid_t g = H5Gcreate2(mw, n.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const dense* d = nullptr;
    for (const dense* l : layers)
      if (l->name == n) d = l;
    if (!d) {
      string_list_attribute(g, "weight_names", {});
      H5Gclose(g);
      continue;
    }
    string_list_attribute(g, "weight_names", {n + "/kernel:0", n + "/bias:0"});
    const hid_t inner = H5Gcreate2(g, n.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    float_dataset(inner, "kernel:0", d->kernel, {static_cast<hsize_t>(d->in), static_cast<hsize_t>(d->out)});
    float_dataset(inner, "bias:0", d->bias, {static_cast<hsize_t>(d->out)});
    H5Gclose(inner), H5Gclose(g);
  }
  H5Gclose(mw), H5Fclose(f);
}

/// A compound type of named members at given offsets.
struct member {
  const char* name;
  hid_t type;
  std::size_t offset;
};

hid_t compound(std::size_t size, const std::vector<member>& members) {
  const hid_t t = H5Tcreate(H5T_COMPOUND, size);
  for (const auto& m : members) check(H5Tinsert(t, m.name, m.offset, m.type), std::string("add field ") + m.name);
  return t;
}

void table(hid_t f, const char* name, hid_t type, const void* data, std::vector<hsize_t> dims) {
  const hid_t s = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t p = H5Pcreate(H5P_DATASET_CREATE);
  std::vector<hsize_t> chunk = dims;
  chunk[0] = std::min<hsize_t>(dims[0], 1000);
  H5Pset_chunk(p, static_cast<int>(chunk.size()), chunk.data());
  H5Pset_deflate(p, 7);
  const hid_t d = H5Dcreate2(f, name, type, s, H5P_DEFAULT, p, H5P_DEFAULT);
  check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), std::string("write ") + name);
  H5Dclose(d), H5Pclose(p), H5Sclose(s);
}

// ---- the sample -----------------------------------------------------------------

struct jet_row {
  float pt_btagJes, eta_btagJes, absEta_btagJes;
  std::int32_t HadronConeExclTruthLabelID, n_tracks;
  double dips_pu, dips_pc, dips_pb;
};

struct track_row {
  float pt, eta, deta, dphi, dr, ptfrac, d0, z0SinTheta, d0Uncertainty, z0SinThetaUncertainty;
  float IP3D_signed_d0_significance, IP3D_signed_z0_significance;
  std::uint8_t numberOfInnermostPixelLayerHits, numberOfPixelHits, numberOfPixelHoles, numberOfPixelSharedHits,
      numberOfPixelDeadSensors, numberOfSCTHits, numberOfSCTHoles, numberOfSCTSharedHits, numberOfSCTDeadSensors;
  std::int8_t valid;
};

/// The Keras input features of one stored track, before scaling.
std::vector<double> raw_features(const track_row& t) {
  return {t.IP3D_signed_d0_significance, t.IP3D_signed_z0_significance, double(t.numberOfInnermostPixelLayerHits),
          std::log(double(t.ptfrac)),     std::log(double(t.dr)),         double(t.numberOfPixelHits),
          double(t.numberOfSCTHits),      t.d0,                           t.z0SinTheta};
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

} // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR [N_JETS]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int n_jets = argc > 2 ? std::atoi(argv[2]) : 5000;
  if (n_jets <= 0) throw std::runtime_error("N_JETS must be positive");
  std::filesystem::create_directories(dir);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::mt19937_64 rng(20261123);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);

  // jets and their tracks, as a dumper with the r22default selection and
  // sd0 order would store them: every stored track passes that selection
  std::vector<jet_row> jets(static_cast<std::size_t>(n_jets));
  std::vector<track_row> tracks(static_cast<std::size_t>(n_jets) * max_tracks);
  const int flavours[] = {5, 4, 0, 0, 15};
  for (int j = 0; j < n_jets; ++j) {
    jet_row& jet = jets[static_cast<std::size_t>(j)];
    jet.HadronConeExclTruthLabelID = flavours[static_cast<int>(uni(rng) * 5) % 5];
    jet.pt_btagJes = static_cast<float>(20e3 * std::exp(uni(rng) * std::log(25.0)));
    jet.eta_btagJes = static_cast<float>(-2.2 + 4.4 * uni(rng));
    jet.absEta_btagJes = std::fabs(jet.eta_btagJes);
    const double lifetime = jet.HadronConeExclTruthLabelID == 5 ? 0.25 : jet.HadronConeExclTruthLabelID == 4 ? 0.12 : 0.03;
    const int n = std::min(max_tracks, static_cast<int>(std::lround(std::fabs(3 + 5 * gauss(rng)))));
    jet.n_tracks = n;
    std::vector<track_row> mine;
    for (int k = 0; k < n; ++k) {
      track_row t{};
      const double ptfrac = std::clamp(0.01 + 0.15 * std::fabs(gauss(rng)), 0.01, 0.9);
      t.pt = static_cast<float>(std::max(600.0, ptfrac * jet.pt_btagJes));
      t.ptfrac = static_cast<float>(double(t.pt) / double(jet.pt_btagJes));
      // dr >= 0.02: Athena's log_dr_nansafe = ln(dr + 1e-7) then differs
      // from the training's ln(dr) by at most 5e-6
      do {
        t.deta = static_cast<float>(std::clamp(0.08 * gauss(rng), -0.25, 0.25));
        t.dphi = static_cast<float>(std::clamp(0.08 * gauss(rng), -0.25, 0.25));
        t.dr = static_cast<float>(std::hypot(double(t.deta), double(t.dphi)));
      } while (t.dr < 0.02f);
      t.eta = jet.eta_btagJes + t.deta;
      t.d0Uncertainty = static_cast<float>(0.01 + 0.03 * uni(rng));
      t.z0SinThetaUncertainty = static_cast<float>(0.02 + 0.05 * uni(rng));
      t.d0 = static_cast<float>(std::clamp(lifetime * gauss(rng) + 0.01 * gauss(rng), -3.0, 3.0));
      t.z0SinTheta = static_cast<float>(std::clamp(0.05 * gauss(rng), -4.0, 4.0));
      const double sign = uni(rng) < (lifetime > 0.1 ? 0.8 : 0.5) ? 1.0 : -1.0;
      t.IP3D_signed_d0_significance = static_cast<float>(sign * std::fabs(double(t.d0)) / double(t.d0Uncertainty));
      t.IP3D_signed_z0_significance =
          static_cast<float>((uni(rng) < 0.5 ? 1 : -1) * std::fabs(double(t.z0SinTheta)) / double(t.z0SinThetaUncertainty));
      t.numberOfInnermostPixelLayerHits = static_cast<std::uint8_t>(uni(rng) < 0.9);
      t.numberOfPixelHits = static_cast<std::uint8_t>(3 + static_cast<int>(uni(rng) * 3));
      t.numberOfSCTHits = static_cast<std::uint8_t>(6 + static_cast<int>(uni(rng) * 4));
      t.numberOfPixelHoles = static_cast<std::uint8_t>(uni(rng) < 0.1);
      t.numberOfSCTHoles = static_cast<std::uint8_t>(uni(rng) < 0.1);
      t.numberOfPixelSharedHits = static_cast<std::uint8_t>(uni(rng) < 0.1);
      t.numberOfSCTSharedHits = static_cast<std::uint8_t>(uni(rng) < 0.1);
      t.valid = 1;
      mine.push_back(t);
    }
    std::sort(mine.begin(), mine.end(), [](const track_row& a, const track_row& b) {
      return a.IP3D_signed_d0_significance > b.IP3D_signed_d0_significance;
    });
    for (int k = 0; k < max_tracks; ++k) {
      track_row& slot = tracks[static_cast<std::size_t>(j) * max_tracks + static_cast<std::size_t>(k)];
      if (k < n) slot = mine[static_cast<std::size_t>(k)];
      else { // padding, as the dumper writes it
        const float nan = std::numeric_limits<float>::quiet_NaN();
        slot = track_row{};
        for (float* p : {&slot.pt, &slot.eta, &slot.deta, &slot.dphi, &slot.dr, &slot.ptfrac, &slot.d0, &slot.z0SinTheta,
                         &slot.d0Uncertainty, &slot.z0SinThetaUncertainty, &slot.IP3D_signed_d0_significance,
                         &slot.IP3D_signed_z0_significance})
          *p = nan;
      }
    }
  }

  // umami's scale dict: mean and standard deviation of each scaled feature
  // (after ln for logNormVars) over all stored tracks
  double sum[n_features] = {}, sum2[n_features] = {};
  std::size_t count = 0;
  for (const auto& t : tracks)
    if (t.valid) {
      const auto x = raw_features(t);
      for (int i = 0; i < n_features; ++i) sum[i] += x[static_cast<std::size_t>(i)], sum2[i] += x[static_cast<std::size_t>(i)] * x[static_cast<std::size_t>(i)];
      ++count;
    }
  double shift[n_features], scale[n_features];
  for (int i = 0; i < n_features; ++i) {
    const bool scaled = i >= 3;
    shift[i] = scaled ? sum[i] / double(count) : 0.0;
    scale[i] = scaled ? std::sqrt(std::max(sum2[i] / double(count) - shift[i] * shift[i], 1e-12)) : 1.0;
    // the JSON carries 17 digits: use exactly what it says
    shift[i] = std::strtod(number(shift[i]).c_str(), nullptr);
    scale[i] = std::strtod(number(scale[i]).c_str(), nullptr);
  }
  std::string sd = "{\n  \"jets\": {\n    \"pt_btagJes\": {\"shift\": 100000.0, \"scale\": 150000.0, \"default\": 100000.0},\n"
                   "    \"absEta_btagJes\": {\"shift\": 1.1, \"scale\": 0.64, \"default\": 1.1}\n  },\n  \"tracks\": {\n";
  for (int i = 3; i < n_features; ++i) {
    const char* name = i < 5 ? log_norm[i - 3] : joint_norm[i - 5];
    sd += std::string("    \"") + name + "\": {\"shift\": " + number(shift[i]) + ", \"scale\": " + number(scale[i]) + "}" +
          (i + 1 < n_features ? ",\n" : "\n");
  }
  sd += "  }\n}\n";
  write_text(dir / "scale_dict.json", sd);

  std::string yaml = "# umami variables for the example DIPS tagger\nlabel: HadronConeExclTruthLabelID\ntrain_variables:\n"
                     "  JetKinematics:\n    - absEta_btagJes\n    - pt_btagJes\n\n.tracks_variables: &tracks_variables\n  noNormVars:\n";
  for (const char* v : no_norm) yaml += std::string("    - ") + v + "\n";
  yaml += "  logNormVars:\n";
  for (const char* v : log_norm) yaml += std::string("    - ") + v + "\n";
  yaml += "  jointNormVars:\n";
  for (const char* v : joint_norm) yaml += std::string("    - ") + v + "\n";
  yaml += "\ntrack_train_variables:\n  tracks:\n    <<: *tracks_variables\n";
  write_text(dir / "variables.yaml", yaml);

  // the model, and the reference scores of every jet
  const dense phi1 = make_dense(rng, "phi_1", n_features, hidden, "relu");
  const dense phi2 = make_dense(rng, "phi_2", hidden, hidden, "relu");
  const dense f1 = make_dense(rng, "F_1", hidden, hidden, "relu");
  const dense out = make_dense(rng, "dips_output", hidden, 3, "softmax");
  write_model((dir / "dips_model.h5").string(), {&phi1, &phi2, &f1, &out}, model_config(phi1, phi2, f1, out));
  for (int j = 0; j < n_jets; ++j) {
    std::vector<double> pooled(hidden, 0.0);
    for (int k = 0; k < jets[static_cast<std::size_t>(j)].n_tracks; ++k) {
      auto x = raw_features(tracks[static_cast<std::size_t>(j) * max_tracks + static_cast<std::size_t>(k)]);
      for (int i = 0; i < n_features; ++i) x[static_cast<std::size_t>(i)] = (x[static_cast<std::size_t>(i)] - shift[i]) / scale[i];
      const auto h = forward(phi2, forward(phi1, x));
      for (int i = 0; i < hidden; ++i) pooled[static_cast<std::size_t>(i)] += h[static_cast<std::size_t>(i)];
    }
    const auto p = forward(out, forward(f1, pooled));
    jets[static_cast<std::size_t>(j)].dips_pu = p[0];
    jets[static_cast<std::size_t>(j)].dips_pc = p[1];
    jets[static_cast<std::size_t>(j)].dips_pb = p[2];
  }

  // the ntuple
  const auto ntuple = (dir / "ntuple.h5").string();
  const hid_t f = H5Fcreate(ntuple.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot create " + ntuple);
#define F(type, name, h5) {#name, h5, offsetof(type, name)}
  const hid_t jt = compound(sizeof(jet_row), {F(jet_row, pt_btagJes, H5T_NATIVE_FLOAT), F(jet_row, eta_btagJes, H5T_NATIVE_FLOAT),
                                              F(jet_row, absEta_btagJes, H5T_NATIVE_FLOAT),
                                              F(jet_row, HadronConeExclTruthLabelID, H5T_NATIVE_INT32),
                                              F(jet_row, n_tracks, H5T_NATIVE_INT32), F(jet_row, dips_pu, H5T_NATIVE_DOUBLE),
                                              F(jet_row, dips_pc, H5T_NATIVE_DOUBLE), F(jet_row, dips_pb, H5T_NATIVE_DOUBLE)});
  // numpy's bool as h5py stores it: an enum FALSE/TRUE over int8
  const hid_t boolean = H5Tenum_create(H5T_NATIVE_INT8);
  std::int8_t no = 0, yes = 1;
  H5Tenum_insert(boolean, "FALSE", &no);
  H5Tenum_insert(boolean, "TRUE", &yes);
  const hid_t tt = compound(
      sizeof(track_row),
      {F(track_row, pt, H5T_NATIVE_FLOAT), F(track_row, eta, H5T_NATIVE_FLOAT), F(track_row, deta, H5T_NATIVE_FLOAT),
       F(track_row, dphi, H5T_NATIVE_FLOAT), F(track_row, dr, H5T_NATIVE_FLOAT), F(track_row, ptfrac, H5T_NATIVE_FLOAT),
       F(track_row, d0, H5T_NATIVE_FLOAT), F(track_row, z0SinTheta, H5T_NATIVE_FLOAT), F(track_row, d0Uncertainty, H5T_NATIVE_FLOAT),
       F(track_row, z0SinThetaUncertainty, H5T_NATIVE_FLOAT), F(track_row, IP3D_signed_d0_significance, H5T_NATIVE_FLOAT),
       F(track_row, IP3D_signed_z0_significance, H5T_NATIVE_FLOAT),
       F(track_row, numberOfInnermostPixelLayerHits, H5T_NATIVE_UINT8), F(track_row, numberOfPixelHits, H5T_NATIVE_UINT8),
       F(track_row, numberOfPixelHoles, H5T_NATIVE_UINT8), F(track_row, numberOfPixelSharedHits, H5T_NATIVE_UINT8),
       F(track_row, numberOfPixelDeadSensors, H5T_NATIVE_UINT8), F(track_row, numberOfSCTHits, H5T_NATIVE_UINT8),
       F(track_row, numberOfSCTHoles, H5T_NATIVE_UINT8), F(track_row, numberOfSCTSharedHits, H5T_NATIVE_UINT8),
       F(track_row, numberOfSCTDeadSensors, H5T_NATIVE_UINT8), F(track_row, valid, boolean)});
#undef F
  table(f, "jets", jt, jets.data(), {static_cast<hsize_t>(n_jets)});
  table(f, "tracks", tt, tracks.data(), {static_cast<hsize_t>(n_jets), max_tracks});
  string_attribute(f, "generator", "hepnn examples/ftag/make_example: invented jets; dips_* are float64 reference scores "
                                   "of dips_model.h5 with umami's training-time preprocessing");
  H5Tclose(jt), H5Tclose(tt), H5Tclose(boolean), H5Fclose(f);

  write_text(dir / "check_config.yaml",
             "# umami's check_lwtnn_model.py configuration, for 'hepnn check -c'\n"
             // paths relative to the config's own folder: it runs from anywhere
             "input_file: " + std::filesystem::path(ntuple).filename().string() + "\nscale_dict: scale_dict.json\nvar_dict: " +
                 "variables.yaml\ntagger: dips\nmodel_file: dips_model.h5" +
                 "\nclass_labels: [\"ujets\", \"cjets\", \"bjets\"]\nntracks_max: 40\ntracks_name: tracks\n");
  std::printf("make_example: wrote %d jets (%zu tracks), dips_model.h5, scale_dict.json, variables.yaml and check_config.yaml to %s\n",
              n_jets, count, dir.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "make_example: %s\n", e.what());
  return 1;
}
