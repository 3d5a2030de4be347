"""An exercise as text: its answer key (an answers file and a typed page) and the blank worksheet,
in Markdown and in LaTeX, every piece of user text escaped as the Markdown and LaTeX writers
escape it (render.markdown, notation.latex_text), every name typeset as the LaTeX writer does."""

from __future__ import annotations

from collections.abc import Sequence

from backprop.exercise import KeyLine, Variant, rounded
from backprop.network import Network
from backprop.notation import given, latex_text
from backprop.render import latex, markdown
from backprop.render.layout import Text

# ---------------------------------------------------------------- names as math


def tex_name(name: str, net: Network) -> str:
    """A name in math as the LaTeX writer sets it: the file's spelling, else x1 → x_{1},
    y_hat → \\hat{y}, and any other name as escaped text."""
    return latex.Names(spellings=net.spellings).name(name)


def tex_quantity(line: KeyLine, net: Network) -> str:
    """A key quantity as LaTeX: \\frac{\\partial L}{\\partial w_{5}}, w_{5}^{\\text{new}}, z_{1}^{(2)}."""
    q = line.quantity
    sample = f"^{{({q.sample + 1})}}" if q.sample is not None and "[" in line.name else ""
    loss = net.loss.name
    if q.kind == "loss":
        return tex_name(loss, net)
    if q.kind == "loss_new":
        return f"{tex_name(loss, net)}_{{\\text{{new}}}}"
    if q.kind == "updated":
        return f"{tex_name(q.a, net)}^{{\\text{{new}}}}"
    if q.kind == "value":
        return tex_name(q.a, net) + sample
    top, bottom = line.name.split("[")[0][1:].split("/d", 1)
    # sample k's factor: k on the node value it is taken at, ∂h₁⁽ᵏ⁾/∂z₁, ∂z₇⁽ᵏ⁾/∂w₇, or for the
    # loss's, on the denominator, ∂L/∂h₁⁽ᵏ⁾ — as a page writes it and check reads it
    at_top = q.kind in ("local", "jacobian", "param_factor")
    return (f"\\frac{{\\partial {tex_name(top, net)}{sample if at_top else ''}}}"
            f"{{\\partial {tex_name(bottom, net)}{'' if at_top else sample}}}")


def _title(net: Network) -> str:
    return net.title if net.title and net.title.strip() else "exercise"


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
    return (f"{tex_name(p, net)} - \\eta \\cdot \\frac{{\\partial {tex_name(net.loss.name, net)}}}"
            f"{{\\partial {tex_name(p, net)}}} = {given(net.params[p])} - {given(net.learning_rate)} "
            f"\\cdot {g_text} = ")


def answers_md(variant: Variant, decimals: int) -> str:
    """The key as a typed page: one `$…$` equation chain per quantity, the asked ones first."""
    net = variant.network

    def chain(line: KeyLine) -> str:
        middle = _update_chain(variant, line, decimals) if line.quantity.kind == "updated" else ""
        return f"- ${tex_quantity(line, net)} = {middle}{rounded(line.value, decimals)}$"

    out = [markdown.heading(f"Answer key: {_title(net)}"), "", f"Every quantity to {decimals} decimals.", ""]
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
        terms = " + ".join(f"{tex_name(e.param, net)} {tex_name(e.source, net)}" for e in node.edges)
        if node.bias:
            terms += f" + {tex_name(node.bias, net)}"
        z, h = tex_name(node.sum, net), tex_name(node.name, net)
        nodes.append([f"{z} = {terms}",
                      f"{h} = " + node.activation.latex_rule.format(
                          z=z, h=h, slope=node.activation.slope,
                          h_j="h_j")])
    params = [[tex_name(p, net), given(v)] for p, v in net.params.items()]
    samples = []
    for k, s in enumerate(net.samples, start=1):
        row = [str(k)] + [given(s.inputs[x]) for x in net.inputs] + \
              [given(s.targets[o]) for o in net.outputs]
        samples.append(row)
    return nodes, params, samples


def _sample_header(variant: Variant) -> list[str]:
    net = variant.network
    return ["sample"] + [f"${tex_name(x, net)}$" for x in net.inputs] + \
           [f"target of ${tex_name(o, net)}$" for o in net.outputs]


def _md_row(cells: Sequence[str]) -> str:
    """A pipe-table row: a | inside a cell (a spelling's) escaped, as GFM reads one even in math."""
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def worksheet_md(variant: Variant, decimals: int) -> str:
    """The blank exercise in Markdown: the title and description as the Markdown writer escapes
    text, the network as tables, the quantities to compute."""
    net = variant.network
    nodes, params, samples = _givens(variant)
    head = _sample_header(variant)
    out = [markdown.heading(_title(net)), ""]
    if net.description and net.description.strip():
        out += [markdown.markdown(Text(net.description.strip())).rstrip("\n"), ""]
    out += [f"One training step: loss `{net.loss.loss.kind}` ({net.loss.reduction}), learning rate "
            f"$\\eta = {given(net.learning_rate)}$, update $p \\leftarrow p - \\eta \\cdot "
            f"\\partial {tex_name(net.loss.name, net)} / \\partial p$.", "",
            "## The network", "", "| sum | node |", "|---|---|"]
    out += [_md_row([f"${z}$", f"${h}$"]) for z, h in nodes]
    out += ["", "| param | value |", "|---|---|"]
    out += [_md_row([f"${p}$", v]) for p, v in params]
    out += ["", _md_row(head), "|" + "---|" * len(head)]
    out += [_md_row(row) for row in samples]
    out += ["", "## Compute", "",
            f"Give every answer to {decimals} decimals. In an answers file for `backprop check`, "
            f"write each line as its name (in brackets) followed by `: number`; it is marked "
            f"at {decimals} decimals.", ""]
    out += [f"- ${tex_quantity(line, net)}$ (`{line.name}`) = ______"
            for line in _asked(variant)]
    return "\n".join(out) + "\n"


def _tex_table(spec: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ([f"\\begin{{tabular}}{{{spec}}}", "\\hline", " & ".join(header) + r" \\", "\\hline"] +
            [" & ".join(row) + r" \\" for row in rows] + ["\\hline", "\\end{tabular}"])


def worksheet_tex(variant: Variant, decimals: int) -> str:
    """The blank exercise as a standalone LaTeX document (stock pdflatex: the LaTeX writer's
    preamble), the title escaped by notation.latex_text and the description set as the LaTeX
    writer sets a report's text."""
    net = variant.network
    nodes, params, samples = _givens(variant)
    head = [h.replace("target of ", "target ") for h in _sample_header(variant)]
    out = [f"\\section*{{{latex_text(_title(net))}}}"]
    if net.description and net.description.strip():
        out += [latex.latex(Text(net.description.strip()), latex.Names.of(net)).rstrip("\n"), ""]
    out += [f"One training step: loss \\texttt{{{latex_text(net.loss.loss.kind)}}} "
            f"({net.loss.reduction}), learning rate $\\eta = {given(net.learning_rate)}$, update "
            f"$p \\leftarrow p - \\eta \\cdot \\partial {tex_name(net.loss.name, net)} / "
            f"\\partial p$.", "", r"\subsection*{The network}", "", r"\begin{center}"]
    out += _tex_table("ll", ["sum", "node"], [[f"${z}$", f"${h}$"] for z, h in nodes])
    out += [r"\quad"]
    out += _tex_table("lr", ["param", "value"], [[f"${p}$", f"${v}$"] for p, v in params])
    out += [r"\end{center}", "", r"\begin{center}"]
    out += _tex_table("l" + "r" * (len(head) - 1), head, samples)
    out += [r"\end{center}", "", r"\subsection*{Compute}", "",
            f"Give every answer to {decimals} decimals.", "", r"\begin{enumerate}"]
    out += [f"\\item ${tex_quantity(line, net)} = $ \\rule{{3cm}}{{0.4pt}}"
            for line in _asked(variant)]
    out += [r"\end{enumerate}"]
    # latex_text writes Latin-1's letters as accent commands, so no font package; no page number
    return latex.document("\n".join(out) + "\n", size="11pt", extra=(r"\pagestyle{empty}",))


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
