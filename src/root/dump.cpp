// hepnn root dump: a tree's values as JSON.
#include "hepnn/root.hpp"

#include <cmath>
#include <cstdio>

namespace hepnn::root {
namespace {

void quote(std::string& out, const std::string& s) {
  out += '"';
  for (const unsigned char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\', out += char(ch);
    else if (ch == '\n') out += "\\n";
    else if (ch == '\t') out += "\\t";
    else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else out += char(ch);
  }
  out += '"';
}

void number(std::string& out, const column& c, std::size_t i) {
  char buf[40];
  switch (c.type) {
  case value_type::boolean: out += c.as_int64(i) ? "true" : "false"; return;
  case value_type::float32:
  case value_type::float64: {
    const double v = c.as_double(i);
    if (std::isnan(v)) out += "\"nan\"";
    else if (std::isinf(v)) out += v > 0 ? "\"inf\"" : "\"-inf\"";
    else {
      std::snprintf(buf, sizeof buf, "%.17g", v);
      out += buf;
    }
    return;
  }
  case value_type::uint64: std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(c.as_uint64(i))); break;
  case value_type::string: quote(out, c.strings[i]); return;
  default: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(c.as_int64(i))); break;
  }
  out += buf;
}

void list(std::string& out, const column& c, std::size_t a, std::size_t b) {
  out += '[';
  for (std::size_t k = a; k < b; ++k) {
    if (k > a) out += ',';
    number(out, c, k);
  }
  out += ']';
}

void entry(std::string& out, const branch_info& info, const branch_values& v, std::size_t e) {
  if (info.shape == shape::leaflist) {
    out += '{';
    for (std::size_t k = 0; k < v.columns.size(); ++k) {
      if (k) out += ',';
      quote(out, info.fields[k].name);
      out += ':';
      number(out, v.columns[k], e);
    }
    out += '}';
    return;
  }
  const column& c = v.columns.front();
  if (c.depth == 0) number(out, c, e);
  else if (c.depth == 1) list(out, c, c.offsets[e], c.offsets[e + 1]);
  else {
    out += '[';
    for (std::size_t k = c.offsets[e]; k < c.offsets[e + 1]; ++k) {
      if (k > c.offsets[e]) out += ',';
      list(out, c, c.inner[k], c.inner[k + 1]);
    }
    out += ']';
  }
}

} // namespace

std::string dump_json(const tree& t, const std::vector<std::string>& names, std::int64_t first, std::int64_t last) {
  std::vector<const branch_info*> chosen;
  if (names.empty()) {
    for (const auto& b : t.branches())
      if (b.shape != shape::unsupported && b.shape != shape::none) chosen.push_back(&b);
  } else {
    for (const auto& n : names) chosen.push_back(&t.branch(n));
  }
  std::string out = "{\"tree\": ";
  quote(out, t.info().path);
  out += ", \"entries\": " + std::to_string(last - first) + ", \"branches\": {";
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    const branch_values v = t.read(chosen[k]->name, first, last);
    out += k ? ",\n  " : "\n  ";
    quote(out, chosen[k]->name);
    out += ": [";
    for (std::int64_t e = 0; e < last - first; ++e) {
      if (e) out += ',';
      entry(out, *chosen[k], v, std::size_t(e));
    }
    out += ']';
  }
  out += chosen.empty() ? "}}\n" : "\n}}\n";
  return out;
}

} // namespace hepnn::root
