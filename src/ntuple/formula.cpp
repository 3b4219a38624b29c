// The TTreeFormula subset that rnn-tauid's selections use.
#include "hepnn/errors.hpp"
#include "hepnn/ntuple.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace hepnn::ntuple {

struct formula::node {
  enum kind_t { number, variable, neg, not_, abs_, add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, and_, or_ } kind = number;
  double value = 0;
  int a = -1, b = -1;
};

namespace {

constexpr std::size_t max_length = 10000;
constexpr int max_nesting = 200;

class parser {
public:
  parser(const std::string& text, const std::string& what, std::vector<formula::node>& nodes, std::vector<std::string>& vars)
      : s_(text), what_(what), nodes_(nodes), vars_(vars) {}

  int parse() {
    if (s_.size() > max_length) fail(0, "longer than " + std::to_string(max_length) + " characters");
    const int r = or_expr();
    skip();
    if (p_ < s_.size()) fail(p_, "unexpected '" + s_.substr(p_, 1) + "'");
    return r;
  }

private:
  const std::string& s_;
  const std::string& what_;
  std::vector<formula::node>& nodes_;
  std::vector<std::string>& vars_;
  std::size_t p_ = 0;
  int depth_ = 0;

  [[noreturn]] void fail(std::size_t at, const std::string& msg) const {
    throw input_error(what_ + ": " + msg + " at position " + std::to_string(at + 1) + "\n  " + s_ + "\n  " + std::string(at, ' ') + "^");
  }
  void skip() {
    while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
  }
  bool eat(const char* tok) {
    skip();
    const std::size_t n = std::char_traits<char>::length(tok);
    if (s_.compare(p_, n, tok) != 0) return false;
    p_ += n;
    return true;
  }
  int make(formula::node::kind_t k, int a = -1, int b = -1, double v = 0) {
    formula::node n;
    n.kind = k, n.a = a, n.b = b, n.value = v;
    nodes_.push_back(n);
    return int(nodes_.size() - 1);
  }
  int or_expr() {
    if (++depth_ > max_nesting) fail(p_, "nested too deeply");
    int l = and_expr();
    while (eat("||")) l = make(formula::node::or_, l, and_expr());
    --depth_;
    return l;
  }
  int and_expr() {
    int l = cmp_expr();
    while (eat("&&")) l = make(formula::node::and_, l, cmp_expr());
    return l;
  }
  int cmp_expr() {
    int l = add_expr();
    static const std::pair<const char*, formula::node::kind_t> ops[] = {
        {"==", formula::node::eq}, {"!=", formula::node::ne}, {"<=", formula::node::le},
        {">=", formula::node::ge}, {"<", formula::node::lt},  {">", formula::node::gt}};
    for (;;) {
      skip();
      bool found = false;
      for (const auto& [tok, k] : ops) {
        if (s_.compare(p_, std::char_traits<char>::length(tok), tok) == 0) {
          p_ += std::char_traits<char>::length(tok);
          skip();
          if (p_ < s_.size() && (s_[p_] == '>' || s_[p_] == '<' || s_[p_] == '=')) fail(p_, "unexpected '" + s_.substr(p_, 1) + "'");
          l = make(k, l, add_expr());
          found = true;
          break;
        }
      }
      if (!found) return l;
    }
  }
  int add_expr() {
    int l = mul_expr();
    for (;;) {
      if (eat("+")) l = make(formula::node::add, l, mul_expr());
      else if (peek_minus()) ++p_, l = make(formula::node::sub, l, mul_expr());
      else return l;
    }
  }
  bool peek_minus() {
    skip();
    return p_ < s_.size() && s_[p_] == '-';
  }
  int mul_expr() {
    int l = unary();
    for (;;) {
      skip();
      if (p_ < s_.size() && s_[p_] == '*') ++p_, l = make(formula::node::mul, l, unary());
      else if (p_ < s_.size() && s_[p_] == '/') ++p_, l = make(formula::node::div, l, unary());
      else if (p_ < s_.size() && s_[p_] == '%') ++p_, l = make(formula::node::mod, l, unary());
      else return l;
    }
  }
  int unary() {
    skip();
    if (p_ < s_.size() && s_[p_] == '!' && (p_ + 1 >= s_.size() || s_[p_ + 1] != '=')) {
      ++p_;
      if (++depth_ > max_nesting) fail(p_, "nested too deeply");
      const int r = make(formula::node::not_, unary());
      --depth_;
      return r;
    }
    if (p_ < s_.size() && (s_[p_] == '-' || s_[p_] == '+')) {
      const bool minus = s_[p_] == '-';
      ++p_;
      if (++depth_ > max_nesting) fail(p_, "nested too deeply");
      const int r = unary();
      --depth_;
      return minus ? make(formula::node::neg, r) : r;
    }
    return primary();
  }
  int primary() {
    skip();
    if (p_ >= s_.size()) fail(p_, "expression ends too early");
    const char c = s_[p_];
    if (c == '(') {
      ++p_;
      const int r = or_expr();
      if (!eat(")")) fail(p_, "')' expected");
      return r;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* begin = s_.c_str() + p_;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      if (end == begin) fail(p_, "bad number");
      p_ += std::size_t(end - begin);
      if (p_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_')) fail(p_, "bad number");
      return make(formula::node::number, -1, -1, v);
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = p_;
      while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_' || s_[p_] == '.')) ++p_;
      const std::string name = s_.substr(start, p_ - start);
      skip();
      if (p_ < s_.size() && s_[p_] == '(') {
        if (name != "abs" && name != "fabs" && name != "TMath::Abs")
          fail(start, "unknown function '" + name + "' (only abs is supported)");
        ++p_;
        const int r = or_expr();
        if (!eat(")")) fail(p_, "')' expected");
        return make(formula::node::abs_, r);
      }
      if (name.back() == '.') fail(start, "bad branch name '" + name + "'");
      int index = -1;
      for (std::size_t k = 0; k < vars_.size(); ++k)
        if (vars_[k] == name) index = int(k);
      if (index < 0) vars_.push_back(name), index = int(vars_.size() - 1);
      return make(formula::node::variable, -1, -1, index);
    }
    if (c == ':' && s_.compare(p_, 2, "::") == 0) fail(p_, "unexpected '::'");
    fail(p_, "unexpected '" + std::string(1, c) + "'");
  }
};

} // namespace

formula::formula(const std::string& text, const std::string& what) {
  parser p(text, what, nodes_, vars_);
  root_ = p.parse();
}
formula::~formula() = default;
formula::formula(formula&&) noexcept = default;
formula& formula::operator=(formula&&) noexcept = default;
const std::vector<std::string>& formula::variables() const { return vars_; }

double formula::evaluate(const double* values) const {
  // iterative post-order would need a stack; the depth is bounded at parse time
  struct eval {
    const std::vector<node>& n;
    const double* v;
    double at(int i) const {
      const node& x = n[std::size_t(i)];
      switch (x.kind) {
      case node::number: return x.value;
      case node::variable: return v[std::size_t(x.value)];
      case node::neg: return -at(x.a);
      case node::not_: return at(x.a) == 0 ? 1 : 0;
      case node::abs_: return std::fabs(at(x.a));
      case node::add: return at(x.a) + at(x.b);
      case node::sub: return at(x.a) - at(x.b);
      case node::mul: return at(x.a) * at(x.b);
      case node::div: return at(x.a) / at(x.b);
      case node::mod: {
        // TTreeFormula's %: on whole numbers
        const double a = at(x.a), b = at(x.b);
        if (!std::isfinite(a) || !std::isfinite(b) || std::fabs(a) >= 9.2e18 || std::fabs(b) >= 9.2e18) return NAN;
        const auto ib = static_cast<long long>(b);
        if (ib == 0) return NAN;
        return double(static_cast<long long>(a) % ib);
      }
      case node::eq: return at(x.a) == at(x.b);
      case node::ne: return at(x.a) != at(x.b);
      case node::lt: return at(x.a) < at(x.b);
      case node::le: return at(x.a) <= at(x.b);
      case node::gt: return at(x.a) > at(x.b);
      case node::ge: return at(x.a) >= at(x.b);
      case node::and_: return at(x.a) != 0 && at(x.b) != 0;
      case node::or_: return at(x.a) != 0 || at(x.b) != 0;
      }
      return 0;
    }
  };
  return eval{nodes_, values}.at(root_);
}

} // namespace hepnn::ntuple
