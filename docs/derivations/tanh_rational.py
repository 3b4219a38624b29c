#!/usr/bin/env python3
"""Derives the rational approximation of tanh used by hepnn's float32 kernels
(src/kernels/simd.hpp): tanh(x) ~ x * P(x^2) / Q(x^2) on |x| <= LIMIT, with P
of degree P_DEG and Q of degree Q_DEG in x^2, Q(0) = 1. Fitted for relative
error with Sanathanan-Koerner iterations and Lawson weights (towards the
minimax fit), then checked in float32 arithmetic with Horner's rule.
Needs numpy (Debian: python3-numpy). Prints the coefficients and the error."""
import numpy as np

P_DEG, Q_DEG, LIMIT = 6, 3, 9.0

def fit():
    t = np.linspace(0, np.pi, 20000)
    x = LIMIT * (1 - np.cos(t)) / 2
    x = x[x > 1e-3]
    u = (x / LIMIT) ** 2          # scaled variable in (0, 1]
    y = np.tanh(x)
    lawson = np.ones_like(x)
    q = np.zeros(Q_DEG + 1); q[0] = 1
    for it in range(200):
        Qprev = np.polyval(q[::-1], u)
        w = lawson / (y * np.abs(Qprev))
        cols = [-(x * u**k) for k in range(P_DEG + 1)] + [y * u**k for k in range(1, Q_DEG + 1)]
        A = np.stack(cols, axis=1) * w[:, None]
        c, *_ = np.linalg.lstsq(A, -y * w, rcond=None)
        p, q = c[: P_DEG + 1], np.concatenate([[1.0], c[P_DEG + 1 :]])
        err = np.abs(x * np.polyval(p[::-1], u) / np.polyval(q[::-1], u) - y) / y
        lawson = lawson * (err / err.max()) ** 0.5 + 1e-12
        lawson /= lawson.sum()
    # back to powers of s = x^2
    p = p / LIMIT ** (2 * np.arange(P_DEG + 1))
    q = q / LIMIT ** (2 * np.arange(Q_DEG + 1))
    return p, q

def horner(coef, s):
    r = np.float32(coef[-1])
    for c in coef[-2::-1]:
        r = (r * s + np.float32(c)).astype(np.float32)
    return r

def check(p, q):
    x = np.linspace(-LIMIT, LIMIT, 4_000_001).astype(np.float32)
    s = (x * x).astype(np.float32)
    r = (x * horner(p, s) / horner(q, s)).astype(np.float32)
    ref = np.tanh(x.astype(np.float64))
    nz = np.abs(ref) > 0
    rel = np.abs(r[nz] - ref[nz]) / np.abs(ref[nz])
    ulp = np.abs(r.astype(np.float64) - ref)[nz] / np.spacing(np.abs(ref[nz]).astype(np.float32)).astype(np.float64)
    return rel.max(), ulp.max()

if __name__ == "__main__":
    p, q = fit()
    rel, ulp = check(p, q)
    for i, c in enumerate(p):
        print(f"p{i} = {float(np.float32(c))!r}f")
    for i, c in enumerate(q):
        print(f"q{i} = {float(np.float32(c))!r}f")
    print(f"max relative error in float32: {rel:.3g} ({ulp:.2f} ulp)")
