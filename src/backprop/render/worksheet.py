"""An exercise as text: its answer key (an answers file and a typed page) and the blank worksheet,
in Markdown and in LaTeX, every piece of user text escaped for its format."""

from __future__ import annotations

import re
from collections.abc import Sequence

from backprop.exercise import KeyLine, Variant, rounded
from backprop.notation import given
from backprop.render import latex

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&\"'=:;^])")
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\textasciicircum{}",
                "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "|": r"\textbar{}", '"': r"\textquotedbl{}"}


def md_text(text: str) -> str:
    """User text in Markdown: every ASCII punctuation mark that could start markup escaped, every
    unprintable character shown as its code."""
    return "".join(ch if ch.isprintable() else f"U+{ord(ch):04X}" for ch in _MD_SPECIAL.sub(r"\\\1", text))


def tex_text(text: str) -> str:
    """User text in LaTeX for stock pdflatex: the ten specials escaped; a character beyond Latin-1
    (which T1 and utf8 inputenc set without extra packages) written as its code point."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif not ch.isprintable():
            out.append(f"[U+{ord(ch):04X}]")
        elif ord(ch) < 0x80 or 0xA0 <= ord(ch) <= 0xFF:
            out.append(ch)
        else:
            out.append(f"[U+{ord(ch):04X}]")
    return "".join(out)


# ---------------------------------------------------------------- names as math

_INDEXED = re.compile(r"^([A-Za-z]+)([0-9]+)$")


def tex_name(name: str) -> str:
    """x1 → x_{1}, y_hat → \\hat{y}, o2 → o_{2}; the generated names only."""
    if name == "y_hat":
        return r"\hat{y}"
    m = _INDEXED.match(name)
    return f"{m[1]}_{{{m[2]}}}" if m else name.replace("_", r"\_")


def tex_quantity(line: KeyLine, loss: str) -> str:
    """A key quantity as LaTeX: \\frac{\\partial L}{\\partial w_{5}}, w_{5}^{\\text{new}}, z_{1}^{(2)}."""
    q = line.quantity
    sample = f"^{{({q.sample + 1})}}" if q.sample is not None and "[" in line.name else ""
    if q.kind == "loss":
        return tex_name(loss)
    if q.kind == "loss_new":
        return f"{tex_name(loss)}_{{\\text{{new}}}}"
    if q.kind == "updated":
        return f"{tex_name(q.a)}^{{\\text{{new}}}}"
    if q.kind == "value":
        return tex_name(q.a) + sample
    top, bottom = line.name.split("[")[0][1:].split("/d", 1)
    # sample k's factor: k on the node value it is taken at, ∂h₁⁽ᵏ⁾/∂z₁, ∂z₇⁽ᵏ⁾/∂w₇, or for the
    # loss's, on the denominator, ∂L/∂h₁⁽ᵏ⁾ — as a page writes it and check reads it
    at_top = q.kind in ("local", "jacobian", "param_factor")
    return (f"\\frac{{\\partial {tex_name(top)}{sample if at_top else ''}}}"
            f"{{\\partial {tex_name(bottom)}{'' if at_top else sample}}}")


# ---------------------------------------------------------------- the key

def answers_yaml(variant: Variant, decimals: int) -> str:
    """The key as an answers file (FORMAT §2): the quantities the worksheet asks, to `decimals`
    places (what `check` scores a sheet out of); then, as comments, the rest of the step:
    the givens and the factors a mistake would not show on at that precision."""
    asked = _asked(variant)
    # classroom._KEY_HEADER reads the decimals back from this first line
    lines = [f"# answer key: the {len(asked)} quantities the worksheet asks, to {decimals} "
             f"decimals, as `backprop check` reads it",
             f"# (mark answers at that precision: tell backprop check to require {decimals} decimals)"]
    lines += [f"{_yaml_key(line)}: {rounded(line.value, decimals)}" for line in asked]
    rest = [line for line in variant.key if line.quantity not in variant.verdict.asked]
    if rest:
        lines += ["# not asked (given in the exercise, or not worth marking at this precision):"]
        lines += [f"# {_yaml_key(line)}: {rounded(line.value, decimals)}" for line in rest]
    return "\n".join(lines) + "\n"


def _yaml_key(line: KeyLine) -> str:
    return f'"{line.name}"' if "[" in line.name else line.name


def _update_chain(variant: Variant, line: KeyLine, decimals: int) -> str:
    net = variant.network
    p = line.quantity.a
    g = variant.trace.gradients[p]
    g_text = rounded(g, decimals)
    g_text = f"({g_text})" if g_text.startswith("-") else g_text
    return (f"{tex_name(p)} - \\eta \\cdot \\frac{{\\partial {tex_name(net.loss.name)}}}"
            f"{{\\partial {tex_name(p)}}} = {given(net.params[p])} - {given(net.learning_rate)} "
            f"\\cdot {g_text} = ")


def answers_md(variant: Variant, decimals: int) -> str:
    """The key as a typed page: one `$…$` equation chain per quantity, the asked ones first."""
    net = variant.network
    title = md_text(net.title or "exercise")

    def chain(line: KeyLine) -> str:
        middle = _update_chain(variant, line, decimals) if line.quantity.kind == "updated" else ""
        return f"- ${tex_quantity(line, net.loss.name)} = {middle}{rounded(line.value, decimals)}$"

    out = [f"# Answer key: {title}", "", f"Every quantity to {decimals} decimals.", ""]
    out += [chain(line) for line in _asked(variant)]
    rest = [line for line in variant.key if line.quantity not in variant.verdict.asked]
    if rest:
        out += ["", "## Not asked", "",
                "Given in the exercise, or a quantity on which a catalogued mistake would not show "
                f"at {decimals} decimals:", ""]
        out += [chain(line) for line in rest]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the worksheet

def _asked(variant: Variant) -> list[KeyLine]:
    return [line for line in variant.key if line.quantity in variant.verdict.asked]


def _givens(variant: Variant) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Rows of the three tables: nodes, params, samples (inputs and targets)."""
    net = variant.network
    nodes = []
    for node in net.nodes:
        terms = " + ".join(f"{tex_name(e.param)} {tex_name(e.source)}" for e in node.edges)
        if node.bias:
            terms += f" + {tex_name(node.bias)}"
        nodes.append([f"{tex_name(node.sum)} = {terms}",
                      f"{tex_name(node.name)} = " + node.activation.latex_rule.format(
                          z=tex_name(node.sum), h=tex_name(node.name), slope=node.activation.slope,
                          h_j="h_j")])
    params = [[tex_name(p), given(v)] for p, v in net.params.items()]
    samples = []
    for k, s in enumerate(net.samples, start=1):
        row = [str(k)] + [given(s.inputs[x]) for x in net.inputs] + \
              [given(s.targets[o]) for o in net.outputs]
        samples.append(row)
    return nodes, params, samples


def _sample_header(variant: Variant) -> list[str]:
    net = variant.network
    return ["sample"] + [f"${tex_name(x)}$" for x in net.inputs] + \
           [f"target of ${tex_name(o)}$" for o in net.outputs]


def worksheet_md(variant: Variant, decimals: int) -> str:
    """The blank exercise in Markdown: the network as tables, the quantities to compute."""
    net = variant.network
    nodes, params, samples = _givens(variant)
    head = _sample_header(variant)
    out = [f"# {md_text(net.title or 'exercise')}", "",
           f"One training step: loss `{net.loss.loss.kind}` ({net.loss.reduction}), learning rate "
           f"$\\eta = {given(net.learning_rate)}$, update $p \\leftarrow p - \\eta \\cdot "
           f"\\partial {tex_name(net.loss.name)} / \\partial p$.", "",
           "## The network", "", "| sum | node |", "|---|---|"]
    out += [f"| ${z}$ | ${h}$ |" for z, h in nodes]
    out += ["", "| param | value |", "|---|---|"]
    out += [f"| ${p}$ | {v} |" for p, v in params]
    out += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(row) + " |" for row in samples]
    out += ["", "## Compute", "",
            f"Give every answer to {decimals} decimals. In an answers file for `backprop check`, "
            f"write each line as its name (in brackets) followed by `: number`; it is marked "
            f"at {decimals} decimals.", ""]
    out += [f"- ${tex_quantity(line, net.loss.name)}$ (`{line.name}`) = ______"
            for line in _asked(variant)]
    return "\n".join(out) + "\n"


def _tex_table(spec: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ([f"\\begin{{tabular}}{{{spec}}}", "\\hline", " & ".join(header) + r" \\", "\\hline"] +
            [" & ".join(row) + r" \\" for row in rows] + ["\\hline", "\\end{tabular}"])


def worksheet_tex(variant: Variant, decimals: int) -> str:
    """The blank exercise as a standalone LaTeX document (stock pdflatex: article, amsmath)."""
    net = variant.network
    nodes, params, samples = _givens(variant)
    head = [h.replace("target of ", "target ") for h in _sample_header(variant)]
    out = [f"\\section*{{{tex_text(net.title or 'exercise')}}}",
           f"One training step: loss \\texttt{{{tex_text(net.loss.loss.kind)}}} "
           f"({net.loss.reduction}), learning rate $\\eta = {given(net.learning_rate)}$, update "
           f"$p \\leftarrow p - \\eta \\cdot \\partial {tex_name(net.loss.name)} / \\partial p$.",
           "", r"\subsection*{The network}", "", r"\begin{center}"]
    out += _tex_table("ll", ["sum", "node"], [[f"${z}$", f"${h}$"] for z, h in nodes])
    out += [r"\quad"]
    out += _tex_table("lr", ["param", "value"], [[f"${p}$", f"${v}$"] for p, v in params])
    out += [r"\end{center}", "", r"\begin{center}"]
    out += _tex_table("l" + "r" * (len(head) - 1), head, samples)
    out += [r"\end{center}", "", r"\subsection*{Compute}", "",
            f"Give every answer to {decimals} decimals.", "", r"\begin{enumerate}"]
    out += [f"\\item ${tex_quantity(line, net.loss.name)} = $ \\rule{{3cm}}{{0.4pt}}"
            for line in _asked(variant)]
    out += [r"\end{enumerate}"]
    # T1 and utf8 set the Latin-1 letters tex_text keeps; a worksheet page has no number
    return latex.document("\n".join(out) + "\n", size="11pt", extra=(
        r"\usepackage[T1]{fontenc}", r"\usepackage[utf8]{inputenc}", r"\pagestyle{empty}"))


# ---------------------------------------------------------------- the files `new` writes

def documents(variant: Variant, name: str, decimals: int, answers: bool, worksheet: bool
              ) -> list[tuple[str, str]]:
    """(file name, text) for one variant: NAME[-vKK].yaml, and with the key
    .answers.yaml and .answers.md, with the worksheet .worksheet.md and .worksheet.tex."""
    stem = f"{name}-{variant.label}" if variant.label else name
    out = [(f"{stem}.yaml", variant.text)]
    if answers:
        out += [(f"{stem}.answers.yaml", answers_yaml(variant, decimals)),
                (f"{stem}.answers.md", answers_md(variant, decimals))]
    if worksheet:
        out += [(f"{stem}.worksheet.md", worksheet_md(variant, decimals)),
                (f"{stem}.worksheet.tex", worksheet_tex(variant, decimals))]
    return out


def report(variants: Sequence[Variant]) -> str:
    """The question tests, one row per variant: the draws it took, the quantities it asks, the
    core quantities left unasked, and for each mistake the number of asked quantities where it
    gives a number of its own; then, per variant, each core quantity left unasked and why."""
    from backprop.mistakes import CATALOGUE

    codes = [m.code for m in CATALOGUE]
    head = ["variant", "draws", "asked", "left out", *codes]
    rows = [[v.label or "-", str(v.draws), str(len(v.verdict.asked)), str(len(v.verdict.left_out)),
             *(str(v.verdict.shows.get(c, 0)) for c in codes)] for v in variants]
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]

    def fmt_row(r: Sequence[str]) -> str:
        cells = zip(r, widths, strict=True)
        return "  ".join(c.rjust(w) if k else c.ljust(w) for k, (c, w) in enumerate(cells)).rstrip()

    lines = ["Question tests: per mistake, the asked quantities where check tells its number apart",
             fmt_row(head), *(fmt_row(r) for r in rows)]
    gaps = [v for v in variants if v.verdict.left_out]
    if gaps:
        lines += ["", "Not asked (a catalogued mistake there would not be told apart, or the "
                      "value rounds to 0):"]
        for v in gaps:
            lines.append(f"{v.label or '-'}: " + "; ".join(f"{name} ({why})"
                                                           for name, why in v.verdict.left_out))
    return "\n".join(lines) + "\n"
