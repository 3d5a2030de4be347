"""The reports as LaTeX for a stock pdflatex: the same document the table format lays out, its
derivations set as align* blocks and its tables as longtables, names typeset by
notation.latex_name (and the file's spellings), every other piece of text escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backprop.notation import latex_name, latex_text
from backprop.render import CheckView, StepView, documents
from backprop.render.layout import Derivation, Group, Partial, Renderable, Table, Text

if TYPE_CHECKING:
    from backprop.classroom import Gradebook
    from backprop.explain import Explanation
    from backprop.network import Network, Spelling
    from backprop.trace import Trace

#: the packages the body needs: all in texlive's latex-base and latex-recommended
PACKAGES = ("amsmath", "amssymb", "array", "longtable")


def _preamble(size: str) -> tuple[str, ...]:
    return (rf"\documentclass[{size}]{{article}}", r"\usepackage{" + ",".join(PACKAGES) + "}",
            r"\usepackage[margin=2cm]{geometry}", r"\allowdisplaybreaks",
            r"\setlength{\parindent}{0pt}", r"\setlength{\parskip}{4pt}")


PREAMBLE = _preamble("10pt")


def step(trace: Trace, view: StepView) -> str:
    """The `latex` format of `backprop step` (render.STEP_FORMATS)."""
    return document(latex(documents.step_document(trace, view), Names.of(trace.network)),
                    view.fragment)


def explain(trace: Trace, ex: Explanation, view: StepView) -> str:
    """The `latex` format of `backprop explain` (render.EXPLAIN_FORMATS)."""
    return document(latex(documents.explain_document(trace, ex, view), Names.of(trace.network)),
                    view.fragment)


def check(book: Gradebook, view: CheckView) -> str:
    """The `latex` format of `backprop check` (render.CHECK_FORMATS): the quantities as the sheets
    wrote them, as text."""
    return document(latex(documents.check_document(book, view), Names()), view.fragment)


def document(body: str, fragment: bool = False, *, size: str = "10pt",
             extra: Sequence[str] = ()) -> str:
    """The one wrapper of backprop's LaTeX: `body` as a standalone document for a stock pdflatex
    (PREAMBLE, then `extra` preamble lines), or with `fragment` the body alone under a comment
    naming the packages it needs. `size` is the article's font size."""
    if fragment:
        return f"% backprop: needs \\usepackage{{{','.join(PACKAGES)}}}\n{body}"
    head = (*_preamble(size), *extra)
    return "\n".join(head) + "\n\\begin{document}\n\n" + body + "\\end{document}\n"


@dataclass(frozen=True, slots=True)
class Names:
    """The names a network defines, and its spellings: these are set as math by latex_name."""

    names: frozenset[str] = frozenset()
    spellings: Mapping[str, Spelling] | None = None

    @classmethod
    def of(cls, network: Network) -> Names:
        return cls(documents.names(network), network.spellings)

    def name(self, name: str) -> str:
        """The name in math; a spelling with a superscript braced, so that a square after it
        (h²) is no double superscript."""
        typeset = latex_name(name, self.spellings)
        return "{" + typeset + "}" if "^" in typeset or "'" in typeset else typeset


def latex(doc: Renderable, names: Names) -> str:
    """The document's LaTeX body: paragraphs, align* blocks and longtables."""
    return "".join(_blocks(doc, names))


def _blocks(doc: Renderable, names: Names) -> Iterator[str]:
    if isinstance(doc, Group):
        for part in doc.parts:
            yield from _blocks(part, names)
    elif isinstance(doc, Table):
        yield from _table(doc, names)
    elif isinstance(doc, Derivation) and doc.lhs is not None and doc.value is not None:
        yield _align([_derivation(doc, _lhs(doc.lhs, names), _math(doc.value, names), names)])
    elif doc.plain.strip():
        yield _styled(doc, names) + "\n\n"


def _lines(text: str, names: Names, started: bool = False) -> str:
    """Lines of text joined by \\newline, blank ones left out: a \\newline with no line before it
    (at the start of a paragraph or a cell) would stop pdflatex."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            out.append((r"\newline " if started or out else "") + _text(line, names))
    return "".join(out)


def _styled(text: Text, names: Names) -> str:
    out: list[str] = []
    for piece, style in text.pieces:
        body = _lines(piece, names, started=any(o.strip() for o in out))
        if not body:
            continue
        words = style.split()
        if "bold" in words:
            body = r"\textbf{" + body + "}"
        elif "italic" in words:
            body = r"\textit{" + body + "}"
        elif "dim" in words:
            body = r"{\small " + body + "}"
        out.append(body)
    return "".join(out)


# ---------------------------------------------------------------- derivations

CHAIN_LINE = 6  #: factors on one line of a derivation; a longer chain continues on the next
NUMBERS_LINE = 8


ALIGN_ROWS = 40  #: rows to one align* (TeX sets each block whole, twice: a bounded one fits memory)


def _align(rows: Sequence[str]) -> str:
    return "".join("\\begin{align*}\n" + " \\\\[3pt]\n".join(rows[i:i + ALIGN_ROWS])
                   + "\n\\end{align*}\n\n" for i in range(0, len(rows), ALIGN_ROWS))


def _partial(p: Partial, names: Names) -> str:
    tag = _math(p.tag, names) if p.tag else ""
    return (rf"\frac{{\partial {names.name(p.numerator)}}}"
            rf"{{\partial {names.name(p.denominator)}}}{tag}")


def _lhs(lhs: Partial | str, names: Names) -> str:
    return _partial(lhs, names) if isinstance(lhs, Partial) else _math(lhs, names)


def _products(terms: Sequence[str], per_line: int) -> str:
    lines = [r" \cdot ".join(terms[i:i + per_line]) for i in range(0, len(terms), per_line)]
    return " \\\\\n  &\\quad \\cdot ".join(lines)


def _derivation(d: Derivation, lhs: str, value: str, names: Names) -> str:
    """lhs = ∂L/∂ŷ · ∂ŷ/∂z₃ · … (next line) = −0.709 · 0.229 · … = value."""
    chain = _products([_partial(p, names) for p in d.chain], CHAIN_LINE)
    numbers = _products([_math(_paren(n), names) for n in d.numbers], NUMBERS_LINE)
    return f"{lhs} &= {chain} \\\\\n  &= {numbers} = {value}"


def _paren(number: str) -> str:
    return f"({number})" if number.startswith(("-", "−")) else number


def _row_lines(cells: Sequence[Text], names: Names) -> str:
    """A row with no derivation: its first cell = each further cell, a cell's lines continued."""
    lhs, *rest = [c.plain for c in cells]
    parts: list[str] = []
    for cell in rest:
        for k, line in enumerate(cell.split("\n")):
            line = line.strip()
            if not line:
                continue
            if k and line.startswith("="):
                parts.append(" \\\\\n  &= " + _math(line[1:].strip(), names))
            elif k:
                parts.append(" \\\\\n  &\\quad " + _math(line, names))
            else:
                parts.append((" = " if parts else "") + _math(line, names))
    body = "".join(parts)
    return f"{_math(lhs, names)} &= {body.removeprefix(' = ')}" if body else _math(lhs, names)


def _derivation_table(table: Table, names: Names) -> Iterator[str]:
    if table.title is not None and table.title.plain.strip():
        yield _heading(table.title, names)
    rows = []
    for cells, _ in table.rows:
        found = next((c for c in cells if isinstance(c, Derivation)), None)
        if found is None:
            rows.append(_row_lines(cells, names))
            continue
        lhs = _lhs(found.lhs if found.lhs is not None else cells[0].plain, names)
        value = found.value if found.value is not None else cells[-1].plain
        rows.append(_derivation(found, lhs, _math(value, names), names))
    yield _align(rows)


# ---------------------------------------------------------------- tables

def _heading(title: Text, names: Names) -> str:
    return r"\subsection*{" + _text(title.plain, names) + "}\n\n"


def _table(table: Table, names: Names) -> Iterator[str]:
    if not table.rows:  # nothing to set: a longtable or align* with no row would stop pdflatex
        if table.title is not None and table.title.plain.strip():
            yield _heading(table.title, names)
        return
    if any(isinstance(c, Derivation) for cells, _ in table.rows for c in cells):
        yield from _derivation_table(table, names)
        return
    if table.title is not None and table.title.plain.strip():
        yield _heading(table.title, names)
    n = len(table.columns)
    right = [c.justify == "right" for c in table.columns]
    natural = [max([len(line) for cells, _ in table.rows if k < len(cells)
                    for line in cells[k].plain.split("\n")] + [len(table.columns[k].header.plain), 1])
               for k in range(n)]
    room = 0.95 - 0.12 * sum(right)
    wide = sum(w for w, r in zip(natural, right, strict=True) if not r) or 1
    spec = "".join("r" if r else
                   rf">{{\raggedright\arraybackslash}}p{{{max(0.08, room * w / wide):.2f}\linewidth}}"
                   for w, r in zip(natural, right, strict=True))
    out = [f"\\begin{{longtable}}{{@{{}}{spec}@{{}}}}\n"]
    if any(c.header.plain for c in table.columns):
        out.append(" & ".join(r"\textbf{" + _text(c.header.plain, names) + "}"
                              for c in table.columns) + r" \\ \hline" + "\n\\endhead\n")
    for cells, style in table.rows:
        shown = []
        for k in range(n):
            plain = cells[k].plain if k < len(cells) else ""
            text = (" ".join(_text(line, names) for line in plain.split("\n")) if right[k]
                    else _lines(plain, names))
            if text and "bold" in style.split():
                text = r"\textbf{" + text + "}"
            shown.append(text)
        row = " & ".join(shown)
        # after \\ a row that starts with [ would be read as the line's spacing: {} ends that
        out.append(("{}" if row.startswith("[") else "") + row + r" \\" + "\n")
    out.append("\\end{longtable}\n\n")
    yield "".join(out)


# ---------------------------------------------------------------- text with math in it

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᶻ"
_WORD = rf"[^\W\d{_SUPERSCRIPTS}][^\W{_SUPERSCRIPTS}]*"  #: a name: no superscript in it (h²)
_TOKEN = re.compile(rf"""
    (?P<partial>∂(?P<num>{_WORD})/∂(?P<den>{_WORD}))
  | (?P<sup>[{_SUPERSCRIPTS}]+)
  | (?P<number>(?<![\w.)])-?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?|∞))  # signed where no term ends
  | (?P<ident>{_WORD})
  | (?P<space>\s+)
  | (?P<other>.)
""", re.X | re.S)

#: words of the reports' rules that are math
_MATH_WORDS = {"σ": r"\sigma", "η": r"\eta", "δ": r"\delta", "ℓ": r"\ell", "Σ": r"\Sigma",
               "β": r"\beta", "ε": r"\varepsilon", "λ": r"\lambda", "Φ": r"\Phi", "φ": r"\phi",
               "ln": r"\ln", "max": r"\max", "exp": r"\exp", "log": r"\log"}
_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789-z")
#: symbols set as math, and how
_MATH_SYMBOLS = {"∂": r"\partial ", "·": r"\cdot ", "−": "-", "+": "+", "=": "=",
                 "/": "/", "×": r"\times ", "←": r"\leftarrow ", "→": r"\to ", "≈": r"\approx ",
                 "′": "'", "½": r"\tfrac{1}{2}", "∞": r"\infty ", "≤": r"\le ", "≥": r"\ge ",
                 "^": "^", "*": r"\ast ", "<": "<", ">": ">", "|": r"\mid ", "…": r"\ldots ",
                 "√": r"\surd ", "∑": r"\sum "}
_OPEN, _CLOSE = frozenset("(["), frozenset(")],")  #: take the kind of the word after, before
#: text-mode spellings of characters latex_text would write as code points
_TEXT_SYMBOLS = {"—": "---", "–": "--", "✓": r"$\checkmark$", "✗": r"$\times$",
                 "’": "'", "‘": "`", "“": "``", "”": "''", "…": r"\ldots{}"}


def _mathable(word: str, names: Names) -> str | None:
    """A word's math form, when it is a name, a math word or one with a subscript (z_c, Σ_j); else
    None (it is set as text)."""
    if word in names.names:
        return names.name(word)
    if word in _MATH_WORDS:
        return _MATH_WORDS[word]
    base, _, sub = word.partition("_")
    if sub and sub.isascii() and sub.isalnum() and (base in _MATH_WORDS or _letter(base)):
        return f"{_MATH_WORDS.get(base, base)}_{{{sub}}}"
    return None


def _letter(word: str) -> bool:
    return len(word) == 1 and word.isascii() and word.isalpha()


Token = tuple[str, str]  #: (kind, its LaTeX); kinds: math, text, space, open, close, and
#: letter (a one-letter symbol, or the word "a") and dash (a slash: between words, text)


def _tokens(text: str, names: Names, display: bool) -> list[Token]:
    """The text's tokens; ∂L/∂w as a fraction in `display` math, else as ∂L/∂w."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        if m["partial"]:
            top, bottom = _mathable(m["num"], names), _mathable(m["den"], names)
            top = top if top is not None or not _letter(m["num"]) else m["num"]
            bottom = bottom if bottom is not None or not _letter(m["den"]) else m["den"]
            if top is not None and bottom is not None:
                out.append(("math", rf"\frac{{\partial {top}}}{{\partial {bottom}}}" if display
                            else rf"\partial {top}/\partial {bottom}"))
            else:
                out += [("math", _MATH_SYMBOLS["∂"]), *_tokens(m["num"], names, display),
                        ("dash", "/"), ("math", _MATH_SYMBOLS["∂"]),
                        *_tokens(m["den"], names, display)]
        elif m["number"]:
            out.append(("math", _number(m["number"])))
        elif m["ident"]:
            word = m["ident"]
            math = _mathable(word, names)
            out.append(("math", math) if math is not None else
                       ("letter", word) if _letter(word) else ("text", latex_text(word)))
        elif m["sup"]:
            out.append(("math", "^{" + m["sup"].translate(_SUPERSCRIPT) + "}"))
        elif m["space"]:
            out.append(("space", " "))
        else:
            ch = m["other"]
            if ch == "/":
                out.append(("dash", ch))
            elif ch in _MATH_SYMBOLS:
                out.append(("math", _MATH_SYMBOLS[ch]))
            elif ch in _OPEN:
                out.append(("open", ch))
            elif ch in _CLOSE:
                out.append(("close", ch))
            else:
                out.append(("text", _TEXT_SYMBOLS.get(ch) or latex_text(ch)))
    return _superscripts(_resolve(out))


def _number(text: str) -> str:
    """A number in math: 2.00e+20 as {2.00 \\times 10^{20}}, braced so that a square after it
    is no double superscript; ∞ as \\infty."""
    mantissa, e, exponent = text.partition("e")
    if not e:
        return text.replace("∞", r"\infty ")
    return "{" + mantissa + r" \times 10^{" + str(int(exponent)) + "}}"


def _resolve(tokens: list[Token]) -> list[Token]:
    """A one-letter word is math beside math (t − o) and text among words (a layer); a slash
    between two words is text (dL/dw5), else math (a division)."""
    def near(i: int, step: int) -> str:
        j = i + step
        while 0 <= j < len(tokens) and tokens[j][0] in ("space", "open", "close"):
            j += step
        kind = tokens[j][0] if 0 <= j < len(tokens) else ""
        return "math" if kind == "dash" else kind  # 1/N: a letter by a slash is math

    out = []
    for i, (kind, tex) in enumerate(tokens):
        if kind == "letter":
            kind = "math" if "math" in (near(i, -1), near(i, 1)) else "text"
        elif kind == "dash":
            glued = 0 < i < len(tokens) - 1 and tokens[i - 1][0] in ("text", "letter") and \
                tokens[i + 1][0] in ("text", "letter")
            kind, tex = ("text", tex) if glued else ("math", _MATH_SYMBOLS[tex])
        out.append((kind, tex))
    return out


def _superscripts(tokens: list[Token]) -> list[Token]:
    """e^(…): a ^ and the bracketed group after it made one math token, e^{(…)}."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        kind, tex = tokens[i]
        if tex == "^" and i + 1 < len(tokens) and tokens[i + 1][1] == "(":
            depth, j = 0, i + 1
            while j < len(tokens):
                depth += {"(": 1, ")": -1}.get(tokens[j][1], 0)
                if depth == 0:
                    break
                j += 1
            group = "".join(t if k != "text" else r"\text{" + t + "}" for k, t in tokens[i + 1:j + 1])
            out.append(("math", "^{" + group + "}"))
            i = j + 1
            continue
        out.append((kind, tex))
        i += 1
    return out


def _runs(tokens: list[Token]) -> list[tuple[str, list[str]]]:
    """Tokens grouped into math and text runs: an opening bracket joins the run after it, a
    closing one or a comma the run before it; a space is math only between two math tokens
    (math mode would drop it)."""
    kinds = [k if k in ("math", "text") else "" for k, _ in tokens]

    def nearest(i: int, step: int) -> str:
        j = i + step
        while 0 <= j < len(tokens) and not kinds[j] and tokens[j][0] == "space":
            j += step
        while 0 <= j < len(tokens) and not kinds[j]:
            j += step
        return kinds[j] if 0 <= j < len(tokens) else ""

    for i, (kind, _) in enumerate(tokens):
        if kind == "open":
            kinds[i] = nearest(i, 1) or nearest(i, -1) or "text"
    for i, (kind, _) in enumerate(tokens):
        if kind == "close":
            kinds[i] = nearest(i, -1) or nearest(i, 1) or "text"
    for i, (kind, _) in enumerate(tokens):
        if kind == "space":
            kinds[i] = "math" if nearest(i, -1) == nearest(i, 1) == "math" else "text"
    runs: list[tuple[str, list[str]]] = []
    for kind, (_, tex) in zip(kinds, tokens, strict=True):
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(tex)
        else:
            runs.append((kind, [tex]))
    return runs


def _join_math(parts: list[str]) -> str:
    """Math tokens joined; a ^ takes the token after it as its braced argument (none, {}, when
    that is another ^ or the end), and a ^ right after a superscript gets an empty base ({}^…),
    so any text a user wrote (x^2^3, a ^ ^ b, ^^5c) is set without a double superscript."""
    out: list[str] = []
    sup = raised = False  # a ^ waits for its argument; the last piece set was a superscript
    for part in parts:
        if not part.strip():
            out.append(part)
            continue
        if sup and part != "^":
            out.append("{" + part + "}")
            sup, raised = False, True
            continue
        if sup:
            out.append("{}")
            raised = True
        if part.startswith("^") and raised:
            out.append("{}")
        out.append(part)
        sup, raised = part == "^", part.startswith("^{")
    if sup:
        out.append("{}")
    return "".join(out).strip()


def _text(text: str, names: Names) -> str:
    """Report text in text mode: its math runs in $…$."""
    return "".join(f"${_join_math(parts)}$" if kind == "math" else "".join(parts)
                   for kind, parts in _runs(_tokens(text, names, display=False)))


def _math(text: str, names: Names) -> str:
    """Report text in math mode: its words in \\text{…}."""
    return "".join(_join_math(parts) if kind == "math" else r"\text{" + "".join(parts) + "}"
                   for kind, parts in _runs(_tokens(text, names, display=True)))
