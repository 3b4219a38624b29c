// Keras layers on fixed-shape tensors → hepnn nodes: Flatten, Reshape,
// Permute, RepeatVector, zero padding and cropping, Conv1D/Conv2D (Keras 1
// and 2 spellings, channels_first through permutes), pooling.
#include "keras/builder.hpp"
#include "model/shapes.hpp"

#include <numeric>

namespace hepnn::detail::keras {
namespace {

using call = builder::call;

std::string dims(const std::vector<std::size_t>& d) { return detail::dims_text(d); }

std::vector<std::size_t> fixed_shape(builder& b, const call& c, const tensor_state& in) {
  auto d = in.shape();
  if (d.size() == 2 && d[0] == 0) b.fail(c, "the input is a sequence of any length; this layer needs a fixed shape");
  return d;
}

tensor_state add(builder& b, const call& c, node_kind kind, const tensor_state& in, std::vector<std::size_t> shape,
                 std::vector<std::size_t> out_dims) {
  return tensor_state::of(b.add_node(c, plain_node(kind, {in.node}, std::move(shape))), std::move(out_dims));
}

tensor_state permute(builder& b, const call& c, const tensor_state& in, const std::vector<std::size_t>& order) {
  const auto d = fixed_shape(b, c, in);
  std::vector<std::size_t> out;
  for (std::size_t a : order) out.push_back(d[a]);
  return add(b, c, node_kind::permute, in, order, out);
}

/// channels_first ↔ channels_last for a tensor of rank r (per event).
std::vector<std::size_t> to_last(std::size_t r) {
  std::vector<std::size_t> o;
  for (std::size_t a = 1; a < r; ++a) o.push_back(a);
  o.push_back(0);
  return o;
}
std::vector<std::size_t> to_first(std::size_t r) {
  std::vector<std::size_t> o{r - 1};
  for (std::size_t a = 0; a + 1 < r; ++a) o.push_back(a);
  return o;
}

padding padding_of(builder& b, const call& c) {
  const std::string pad = c.has("padding") ? c.text("padding", "valid") : c.text("border_mode", "valid");
  if (pad == "valid") return padding::valid;
  if (pad == "same") return padding::same;
  if (pad == "causal") return padding::causal;
  b.fail(c, "padding '" + pad + "' is not supported");
}

std::vector<tensor_state> flatten(builder& b, const call& c) {
  const tensor_state& in = c.in.front();
  auto d = fixed_shape(b, c, in);
  if (d.size() == 1) return {in};
  tensor_state x = in;
  if (channels_first(c)) x = permute(b, c, in, to_first(d.size())), d = x.dims;
  const std::size_t total = std::accumulate(d.begin(), d.end(), std::size_t(1), std::multiplies<>());
  return {add(b, c, node_kind::reshape, x, {total}, {total})};
}

std::vector<tensor_state> reshape(builder& b, const call& c) {
  const tensor_state& in = c.in.front();
  const auto d = fixed_shape(b, c, in);
  const std::size_t total = std::accumulate(d.begin(), d.end(), std::size_t(1), std::multiplies<>());
  if (!c.has("target_shape")) b.fail(c, "no target_shape");
  std::vector<std::size_t> target;
  std::size_t known = 1, unknown = 0;
  const auto items = c.config->at("target_shape").items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double v = items[i].number();
    if (v == -1) {
      if (unknown++) b.fail(c, "target_shape has more than one -1");
      target.push_back(0);
    } else {
      if (!(v >= 1) || v > static_cast<double>(max_tensor_elements)) b.fail(c, "target_shape has an invalid size");
      target.push_back(static_cast<std::size_t>(v));
      known *= target.back();
    }
  }
  if (target.empty()) b.fail(c, "target_shape is empty");
  for (auto& t : target)
    if (t == 0) t = known ? total / known : 0;
  const std::size_t want = std::accumulate(target.begin(), target.end(), std::size_t(1), std::multiplies<>());
  if (want != total) b.fail(c, "cannot reshape " + dims(d) + " (" + std::to_string(total) + " values) to " + dims(target));
  return {add(b, c, node_kind::reshape, in, target, target)};
}

std::vector<tensor_state> permute_layer(builder& b, const call& c) {
  const auto d = fixed_shape(b, c, c.in.front());
  if (!c.has("dims")) b.fail(c, "no dims");
  std::vector<std::size_t> order;
  for (const auto& v : c.config->at("dims").items()) {
    const std::size_t a = v.index();
    if (a < 1 || a > d.size()) b.fail(c, "dims refers to axis " + std::to_string(a) + " of a tensor of shape " + dims(d));
    order.push_back(a - 1);
  }
  if (order.size() != d.size()) b.fail(c, "dims has " + std::to_string(order.size()) + " axes, the input has shape " + dims(d));
  return {permute(b, c, c.in.front(), order)};
}

std::vector<tensor_state> repeat(builder& b, const call& c) {
  const tensor_state& in = c.in.front();
  if (in.shape().size() != 1) b.fail(c, "RepeatVector needs a vector input");
  const std::size_t n = c.count("n", 0);
  if (n == 0 || n > max_fixed_steps) b.fail(c, "n must be from 1 to " + std::to_string(max_fixed_steps));
  return {add(b, c, node_kind::repeat, in, {n}, {n, in.width})};
}

/// ZeroPadding / Cropping: per leading axis (before, after).
std::vector<tensor_state> pad_or_crop(builder& b, const call& c, bool pad, std::size_t axes) {
  const tensor_state& in = c.in.front();
  auto d = fixed_shape(b, c, in);
  if (d.size() != axes + 1) b.fail(c, "needs a tensor of rank " + std::to_string(axes + 1) + ", the input has shape " + dims(d));
  if (channels_first(c)) b.fail(c, "only channels_last is supported");
  const char* key = pad ? "padding" : "cropping";
  std::vector<std::size_t> amounts;
  if (!c.has(key)) {
    amounts.assign(2 * axes, pad ? 1 : 0);
  } else {
    const json::value v = c.config->at(key);
    if (v.is_number()) {
      amounts.assign(2 * axes, v.index());
    } else {
      const auto items = v.items();
      if (items.size() != axes && !(axes == 1 && items.size() == 2)) b.fail(c, std::string(key) + " has the wrong number of entries");
      if (axes == 1) {
        for (const auto& x : items) amounts.push_back(x.index());
        if (amounts.size() == 1) amounts.push_back(amounts[0]);
      } else {
        for (const auto& x : items) {
          if (x.is_number()) amounts.insert(amounts.end(), 2, x.index());
          else
            for (const auto& y : x.items()) amounts.push_back(y.index());
        }
      }
    }
  }
  if (amounts.size() != 2 * axes) b.fail(c, std::string(key) + " needs two values per axis");
  for (std::size_t a = 0; a < axes; ++a) {
    if (pad) {
      d[a] += amounts[2 * a] + amounts[2 * a + 1];
    } else {
      if (amounts[2 * a] + amounts[2 * a + 1] >= d[a]) b.fail(c, "cropping leaves nothing of axis " + std::to_string(a + 1));
      d[a] -= amounts[2 * a] + amounts[2 * a + 1];
    }
  }
  return {add(b, c, pad ? node_kind::zero_pad : node_kind::crop, in, amounts, d)};
}

const tensor& need(builder& b, const call& c, const std::vector<tensor>& ws, std::initializer_list<const char*> names) {
  if (const tensor* t = find_weight(ws, names)) return *t;
  b.fail(c, "weights '" + std::string(*names.begin()) + "' not found");
}

std::vector<tensor_state> conv(builder& b, const call& c, std::size_t axes) {
  tensor_state x = c.in.front();
  auto d = x.shape();
  if (d.size() != axes + 1)
    b.fail(c, "a " + std::to_string(axes) + "-D convolution needs a tensor of rank " + std::to_string(axes + 1) +
                  ", the input has shape " + dims(d));
  const bool first = channels_first(c);
  if (first) x = permute(b, c, x, to_last(d.size())), d = x.dims;
  if (c.count("groups", 1) != 1) b.fail(c, "grouped convolutions are not supported");
  const auto ws = b.fetch(c);
  const tensor& kernel = need(b, c, ws, {"kernel", "W"});
  const std::size_t C = d.back();
  if (kernel.shape.size() != axes + 2) b.fail(c, "kernel has shape " + shape_text(kernel));
  // Keras 2 (and Keras 1 'tf'): (k..., in, out); Keras 1 'th': (out, in, k...)
  const bool th = c.text("dim_ordering", "tf") == "th";
  const std::size_t filters = th ? kernel.shape[0] : kernel.shape[axes + 1];
  const std::size_t n_in = th ? kernel.shape[1] : kernel.shape[axes];
  if (n_in != C) b.fail(c, "kernel has shape " + shape_text(kernel) + " for an input with " + std::to_string(C) + " channels");
  std::vector<std::size_t> window;
  for (std::size_t a = 0; a < axes; ++a) window.push_back(th ? kernel.shape[2 + a] : kernel.shape[a]);
  const std::size_t k = axes == 1 ? window[0] : window[0] * window[1];
  layer l;
  l.kind = axes == 1 ? layer_kind::conv1d : layer_kind::conv2d;
  l.weights.resize(filters * k * C);
  for (std::size_t o = 0; o < filters; ++o)
    for (std::size_t i = 0; i < C; ++i)
      for (std::size_t q = 0; q < k; ++q) {
        const std::size_t from = th ? (o * C + i) * k + q : (q * C + i) * filters + o;
        // conv1d: [o][i][k] (lwtnn); conv2d: [o][kh][kw][i]
        l.weights[axes == 1 ? (o * C + i) * k + q : (o * k + q) * C + i] = kernel.data[from];
      }
  if (const tensor* bias = find_weight(ws, {"bias", "b"})) {
    if (bias->data.size() != filters) b.fail(c, "bias has shape " + shape_text(*bias) + " for " + std::to_string(filters) + " filters");
    l.bias = bias->data;
  } else {
    l.bias.assign(filters, 0.0); // zeros are exact, and give the filter count
  }
  l.pad = padding_of(b, c);
  if (axes == 2 && l.pad == padding::causal) b.fail(c, "causal padding is only for 1-D convolutions");
  const auto strides = c.has("strides") ? config_sizes(b, c, "strides", axes, 1) : config_sizes(b, c, "subsample", axes, 1);
  const auto dilations = config_sizes(b, c, axes == 1 && !c.has("dilation_rate") ? "atrous_rate" : "dilation_rate", axes, 1);
  if (axes == 1) {
    l.dilation = dilations[0];
    if (strides[0] != 1) l.strides = strides;
  } else {
    l.window = window;
    if (strides != std::vector<std::size_t>{1, 1}) l.strides = strides;
    if (dilations != std::vector<std::size_t>{1, 1}) l.dilations = dilations;
  }
  l.act = b.activation_of(c, "activation", "linear");
  const std::size_t li = b.layer_index(c, std::move(l));
  const node_kind kind = axes == 1 ? node_kind::sequence : node_kind::feed_forward;
  node n = plain_node(kind, {x.node});
  n.layer = li;
  std::vector<std::size_t> out;
  for (std::size_t a = 0; a < axes; ++a) {
    if (d[a] == 0) {
      if (strides[a] != 1) b.fail(c, "strides other than 1 need an input of fixed length (a sequence of any length has none)");
      out.push_back(0);
      continue;
    }
    const auto ap = plan_axis(d[a], window[a], strides[a], dilations[a], padding_of(b, c));
    if (ap.out == 0) b.fail(c, "the kernel is larger than the input of shape " + dims(d));
    out.push_back(ap.out);
  }
  out.push_back(filters);
  tensor_state y = tensor_state::of(b.add_node(c, n), out);
  if (first) y = permute(b, c, y, to_first(out.size()));
  return {y};
}

std::vector<tensor_state> pool(builder& b, const call& c, std::size_t axes, bool max) {
  tensor_state x = c.in.front();
  auto d = fixed_shape(b, c, x);
  if (d.size() != axes + 1) b.fail(c, "needs a tensor of rank " + std::to_string(axes + 1) + ", the input has shape " + dims(d));
  const bool first = channels_first(c);
  if (first) x = permute(b, c, x, to_last(d.size())), d = x.dims;
  layer l;
  l.kind = layer_kind::pooling;
  l.pool_max = max;
  l.window = c.has("pool_size") ? config_sizes(b, c, "pool_size", axes, 2) : config_sizes(b, c, "pool_length", axes, 2);
  const char* skey = c.has("strides") ? "strides" : "stride";
  l.strides = c.has(skey) ? config_sizes(b, c, skey, axes, 1) : l.window;
  l.pad = padding_of(b, c);
  if (l.pad == padding::causal) b.fail(c, "causal padding is not a pooling padding");
  std::vector<std::size_t> out;
  for (std::size_t a = 0; a < axes; ++a) {
    const auto ap = plan_axis(d[a], l.window[a], l.strides[a], 1, l.pad);
    if (ap.out == 0) b.fail(c, "the pooling window " + std::to_string(l.window[a]) + " is larger than the input of shape " + dims(d));
    out.push_back(ap.out);
  }
  out.push_back(d.back());
  const std::size_t li = b.layer_index(c, std::move(l));
  node n = plain_node(node_kind::feed_forward, {x.node});
  n.layer = li;
  tensor_state y = tensor_state::of(b.add_node(c, n), out);
  if (first) y = permute(b, c, y, to_first(out.size()));
  return {y};
}

} // namespace

bool channels_first(const builder::call& c) {
  return c.text("data_format", "channels_last") == "channels_first" || c.text("dim_ordering", "tf") == "th";
}

std::vector<std::size_t> config_sizes(builder& b, const builder::call& c, const char* key, std::size_t n, std::size_t fallback) {
  if (!c.has(key)) return std::vector<std::size_t>(n, fallback);
  const json::value v = c.config->at(key);
  std::vector<std::size_t> out;
  if (v.is_number()) out.assign(n, v.index());
  else
    for (const auto& x : v.items()) out.push_back(x.index());
  if (out.size() != n) b.fail(c, std::string(key) + " needs " + std::to_string(n) + " values");
  for (std::size_t x : out)
    if (x == 0 || x > (1u << 20)) b.fail(c, std::string(key) + " values must be from 1 to 2^20");
  return out;
}

std::vector<tensor_state> convert_tensor(builder& b, const builder::call& c, bool& handled) {
  handled = true;
  const std::string& cls = c.class_name;
  if (cls == "Flatten") return flatten(b, c);
  if (cls == "Reshape") return reshape(b, c);
  if (cls == "Permute") return permute_layer(b, c);
  if (cls == "RepeatVector") return repeat(b, c);
  if (cls == "ZeroPadding1D") return pad_or_crop(b, c, true, 1);
  if (cls == "ZeroPadding2D") return pad_or_crop(b, c, true, 2);
  if (cls == "Cropping1D") return pad_or_crop(b, c, false, 1);
  if (cls == "Cropping2D") return pad_or_crop(b, c, false, 2);
  if (cls == "Conv1D" || cls == "Convolution1D") return conv(b, c, 1);
  if (cls == "Conv2D" || cls == "Convolution2D") return conv(b, c, 2);
  if (cls == "MaxPooling1D" || cls == "MaxPool1D") return pool(b, c, 1, true);
  if (cls == "MaxPooling2D" || cls == "MaxPool2D") return pool(b, c, 2, true);
  if (cls == "AveragePooling1D" || cls == "AvgPool1D") return pool(b, c, 1, false);
  if (cls == "AveragePooling2D" || cls == "AvgPool2D") return pool(b, c, 2, false);
  handled = false;
  return {};
}

} // namespace hepnn::detail::keras
