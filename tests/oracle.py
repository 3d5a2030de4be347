"""Independent oracles for the tests: sympy's symbolic derivative and central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import sympy as sp

from backprop.engine import run
from backprop.network import Network, frozen_map


def _activate(name: str, z: sp.Expr, slope: float | None) -> sp.Expr:
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1 / (1 + sp.exp(-z))
    if name == "tanh":
        return sp.tanh(z)
    if name == "relu":
        return sp.Piecewise((z, z > 0), (0, True))
    if name == "leaky_relu":
        return sp.Piecewise((z, z > 0), (sp.Float(slope) * z, True))
    if name == "softplus":
        return sp.log(1 + sp.exp(z))
    if name == "gelu":  # the erf form, PyTorch's nn.GELU() default: z·Φ(z)
        return z * (1 + sp.erf(z / sp.sqrt(2))) / 2
    if name == "silu":  # z·σ(z)
        return z / (1 + sp.exp(-z))
    raise AssertionError(name)


def sympy_step(net: Network) -> tuple[float, dict[str, float]]:
    """The loss and every ∂L/∂p, by sympy: a second, symbolic implementation of FORMAT §1.

    Each ∂L/∂p is differentiated with p the only symbol (the others are numbers), which keeps the
    expressions small enough for sympy to be quick.
    """
    grads = {}
    p = sp.Symbol("p")
    for name in net.params:
        total = _sympy_loss(net, {name: p})
        grads[name] = float(sp.diff(total, p).evalf(30, subs={p: sp.Float(net.params[name], 30)}))
    loss = float(_sympy_loss(net, {}).evalf(30))
    return loss, grads


def symbolic_gradient(net: Network) -> Callable[[Mapping[str, float]], dict[str, float]]:
    """params → every ∂L/∂p of `net`'s loss: differentiated once by sympy with every param a
    symbol, evaluated by mpmath at the params given (for steps of training: one derivation)."""
    symbols = {p: sp.Symbol(p) for p in net.params}
    loss = _sympy_loss(net, symbols)
    f = sp.lambdify(list(symbols.values()), [sp.diff(loss, s) for s in symbols.values()], "mpmath")
    return lambda params: dict(zip(symbols, map(float, f(*(params[p] for p in symbols))),
                                   strict=True))


def _sympy_loss(net: Network, symbols: Mapping[str, sp.Symbol]) -> sp.Expr:
    syms = {p: symbols.get(p, sp.Float(v, 30)) for p, v in net.params.items()}
    total = sp.Integer(0)
    for sample in net.samples:
        vals: dict[str, sp.Expr] = {k: sp.Float(v, 30) for k, v in sample.inputs.items()}
        zs: dict[str, sp.Expr] = {}
        groups: dict[str | None, list[str]] = {}
        for node in net.nodes:
            z = sp.Add(*[vals[e.source] * syms[e.param] for e in node.edges])
            if node.bias is not None:
                z += net.bias_sign * syms[node.bias]
            zs[node.name] = z
            if node.activation.name == "softmax":
                groups.setdefault(node.activation.group, []).append(node.name)
                members = [n.name for n in net.nodes if n.activation.name == "softmax"
                           and n.activation.group == node.activation.group]
                if node.name == members[-1]:
                    denom = sp.Add(*[sp.exp(zs[m]) for m in members])
                    for m in members:
                        vals[m] = sp.exp(zs[m]) / denom
            else:
                vals[node.name] = _activate(node.activation.name, z, node.activation.slope)
        for out in net.outputs:
            o, t = vals[out], sp.Float(sample.targets[out], 30)
            kind = net.loss.loss.kind
            if kind in ("sse", "mse"):
                total += (t - o) ** 2
            elif kind == "half_sse":
                total += (t - o) ** 2 / 2
            elif kind == "bce":
                total += -(t * sp.log(o) + (1 - t) * sp.log(1 - o))
            elif kind == "cross_entropy":
                total += -t * sp.log(o)
    if net.loss.reduction == "mean":
        n = len(net.samples) * (1 if net.loss.loss.per_sample_mean else len(net.outputs))
        total = total / n
    return total


def with_params(net: Network, params: Mapping[str, float]) -> Network:
    return replace(net, params=frozen_map(params))


def finite_difference(net: Network, param: str, h: float = 1e-6) -> float:
    """Central difference (L(p + h) − L(p − h)) / 2h of the engine's own loss value."""
    up = dict(net.params)
    down = dict(net.params)
    up[param] += h
    down[param] -= h
    return (run(with_params(net, up)).loss - run(with_params(net, down)).loss) / (2 * h)
