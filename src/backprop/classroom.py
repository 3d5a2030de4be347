"""A class in one command: the sheets the arguments name (folders expanded), the variant each one
answers, and one row per sheet — its report, or the located reason it could not be marked."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from backprop.answers import Answer, Names, Quantity, load_answers, parse_answers, short
from backprop.check import ACCEPTED, CheckReport, Grader, Tolerance
from backprop.errors import BackpropError, SpecError, UsageError
from backprop.network import Network
from backprop.page import read_page, syntax_of
from backprop.pagecheck import entries_of_page, mark
from backprop.yamlsafe import MAX_BYTES, Document, load_text, read_text

#: a sheet in a folder: an answers file or a page (other files are skipped)
SHEET_SUFFIXES = (".yaml", ".yml", ".md", ".markdown", ".tex", ".latex", ".txt", ".text")
#: a variant network written by `backprop new --variants N --out DIR --name NAME`: NAME-vKK.yaml
VARIANT_FILE = re.compile(r"^(?P<name>.+)-v(?P<number>[0-9]{1,9})\.yaml$")
KEY_SUFFIX = ".answers.yaml"  #: the answer key written beside each variant: never a network
#: the sheet's top-level key naming its variant, reserved when NET is a folder of variants
VARIANT_KEY = "variant"
_VARIANT_VALUE = re.compile(r"^[vV]?0*(?P<number>[0-9]{1,9})$")
#: a variant in a sheet's file name: `v<digits>` standing alone between - _ . or a space
_VARIANT_TOKEN = re.compile(r"(?:^|[-_.\s])[vV](?P<number>[0-9]{1,9})(?=$|[-_.\s])")


@dataclass(frozen=True, slots=True)
class Variant:
    """One student's network: `v07` and the network file it names."""

    id: str  #: as the file names it, e.g. "v07"
    number: int  #: 7: a sheet's `variant: v7`, `variant: 07` or `bob_v7.yml` all name it
    network: Network
    #: what the variant asks: its key's quantities (NAME-vKK.answers.yaml beside it), in the
    #: key's order, each with the key's name for it; None without a key
    asked: tuple[tuple[str, Quantity], ...] | None = None
    stem: str = ""  #: NAME, the exercise's name in its file name (hw-v3 in hw-v3-v07.yaml)
    #: the decimals `new --decimals` rounded its key to, as the key's header says (None
    #: without a key, or for a key written by hand)
    key_decimals: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One sheet of the class: marked (report), or not (error, with the located reason)."""

    file: str  #: as given or found, e.g. class/ada.yaml
    variant: str | None = None  #: the variant marked against, e.g. "v07"
    report: CheckReport | None = None
    problem: BackpropError | None = None  #: why the sheet could not be marked

    @property
    def error(self) -> str | None:
        return None if self.problem is None else str(self.problem)


@dataclass(frozen=True, slots=True, kw_only=True)
class Gradebook:
    """Every sheet's row, in order, and the files of a folder that are no sheet."""

    rows: tuple[Row, ...]
    skipped: tuple[str, ...] = ()
    variants: bool = False  #: marked against a folder of per-student variants

    @property
    def unusable(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.problem is not None)

    @property
    def failed(self) -> bool:
        return any(r.report is not None and r.report.failed for r in self.rows)


def _listed(folder: str) -> list[str]:
    """A folder's file names, sorted; a folder that cannot be listed is a located error."""
    try:
        return sorted(os.listdir(folder))
    except OSError as err:
        raise UsageError(f"cannot list the folder: {err.strerror or err.__class__.__name__}",
                         file=folder) from None


def gather(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """The sheets the arguments name, in order, each folder's in sorted order; and the files of
    those folders that are no answers file (listed as skipped, never dropped in silence). A path
    that is no folder is a sheet, even if it cannot be read: its row says why."""
    sheets: list[str] = []
    skipped: list[str] = []
    seen: set[str] = set()  # a file named twice (class/ and class/ada.yaml) is one student

    def once(path: str) -> bool:
        where = os.path.normcase(os.path.abspath(path))
        if where in seen:
            return False
        seen.add(where)
        return True

    for arg in paths:
        if not os.path.isdir(arg):
            if once(arg):
                sheets.append(arg)
            continue
        for name in _listed(arg):
            path = os.path.join(arg, name)
            if not once(path):
                continue
            # a regular file (a FIFO, device or socket would never end; a folder is no sheet),
            # or a dangling link, whose row says it cannot be read
            if name.lower().endswith(SHEET_SUFFIXES) and \
                    (os.path.isfile(path) or not os.path.exists(path)) and _may_be_sheet(path):
                sheets.append(path)
            else:
                skipped.append(path)
    if not sheets:
        raise UsageError("no answers file (.yaml or .yml) or page (.md, .tex, .txt) among the "
                         "ANSWERS given",
                         file=paths[0] if len(paths) == 1 else None)
    return sheets, skipped


def _may_be_sheet(path: str) -> bool:
    """A folder's .yaml or .yml file, or a page (.md, .tex, .txt) with an equation in it: a
    README.txt or notes.md with none is no sheet (and is listed as skipped)."""
    if path.lower().endswith((".yaml", ".yml")):
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(MAX_BYTES + 1)
    except OSError:
        return True  # its row says why it cannot be read
    return b"=" in head or "≈".encode() in head or b"\\approx" in head


def load_variants(folder: str, load: Callable[[str], Network]) -> dict[int, Variant]:
    """The networks of a folder of variants (NAME-vKK.yaml, not NAME-vKK.answers.yaml), by number,
    each with what its key beside it asks."""
    found: dict[int, Variant] = {}
    names = _listed(folder)
    for name in names:
        m = VARIANT_FILE.match(name)
        if m is None or name.endswith(KEY_SUFFIX):
            continue
        number = int(m["number"])
        network = load(os.path.join(folder, name))
        key = name[: -len(".yaml")] + KEY_SUFFIX
        asked, decimals = read_key(os.path.join(folder, key), network) if key in names else (None, None)
        variant = Variant(id=f"v{m['number']}", number=number, network=network, asked=asked,
                          stem=m["name"], key_decimals=decimals)
        if number in found:
            raise UsageError(f"variant {number} is given twice: {short(found[number].id)} and "
                             f"{short(name)}", file=folder)
        found[number] = variant
    if not found:
        raise UsageError("a folder given as NET holds per-student variants, NAME-vKK.yaml "
                         "(as backprop new writes its variants); this one has none",
                         file=folder)
    return found


#: the first line of a key `new --answers` writes: the decimals it rounded the key to
_KEY_HEADER = re.compile(r"# answer key: the \d+ quantities the worksheet asks, to (?P<d>\d{1,2}) decimals")


def read_key(path: str, network: Network) -> tuple[tuple[tuple[str, Quantity], ...], int | None]:
    """An exercise's key (an answers file): the quantities it asks, in its order, and the
    decimals `new` rounded it to, as its header says (None for a key written otherwise). A key
    naming a quantity the network does not have is a located error (it is the teacher's file)."""
    names = Names(network)
    asked = []
    for a in load_answers(path):
        q = names.resolve(a.key).quantity
        if q is None:
            raise SpecError(f"the key names '{short(a.key)}', which is no quantity of its variant's "
                            f"network", file=path, line=a.line, column=a.column)
        asked.append((a.key, q))
    header = _KEY_HEADER.match(read_text(path, path))
    return tuple(asked), int(header["d"]) if header else None


def scored(report: CheckReport, asked: Sequence[tuple[str, Quantity]], names: Names) -> CheckReport:
    """The report scored out of the quantities asked: total is how many, correct the accepted
    answers to them, and an asked quantity the sheet does not answer is missing (not done).
    Answers to quantities not asked are marked as ever, and score nothing."""
    wanted = {q for _, q in asked}
    answered: set[Quantity] = set()
    unasked: list[int] = []
    credited = 0
    for k, r in enumerate(report.results):
        q = names.resolve(r.quantity).quantity
        if q is not None and q in wanted:
            answered.add(q)
            credited += r.verdict in ACCEPTED
        else:
            unasked.append(k)
    missing = tuple(name for name, q in asked if q not in answered)
    return replace(report, asked=tuple(name for name, _ in asked), missing=missing, scored=credited,
                   unasked=tuple(unasked))


def _named_variant(doc: Document) -> tuple[int | None, str]:
    """The variant the sheet's `variant:` key names (None without one), and its text."""
    root = doc.root
    if not isinstance(root, dict) or VARIANT_KEY not in root:
        return None, ""
    value = root[VARIANT_KEY]
    # as written (07 stays 07, whatever YAML makes of it); a quoted "v07" is not plain: its value
    text = doc.raw((VARIANT_KEY,))
    if text is None and isinstance(value, str):
        text = value
    if text is None or isinstance(value, bool) or not isinstance(value, str | int):
        text = None
    m = _VARIANT_VALUE.match(text.strip()) if text is not None else None
    if m is None:
        shown = f"'{short(str(value), 40)}'" if isinstance(value, str | int | float) else "a list or mapping"
        raise doc.error((VARIANT_KEY,), f"the variant this sheet answers: expected an id such as "
                                        f"v07 or a number such as 7, found {shown}")
    return int(m["number"]), text.strip()  # type: ignore[union-attr]  # m is None without text


def _file_variant(file: str, variants: Mapping[int, Variant]) -> int | None:
    """The variant a sheet's file name names (alice-v07.yaml, bob_v7.yml), None if none; a
    name with two different ones is refused. The exercise's own name is no variant: in
    alice-hw-v3-v07.yaml, against hw-v3-v01.yaml …, the variant is v07."""
    stem = Path(file).name
    for suffix in SHEET_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    for name in sorted({v.stem for v in variants.values() if _VARIANT_TOKEN.search(v.stem)},
                       key=len, reverse=True):
        stem = re.sub(re.escape(name), "-", stem, flags=re.IGNORECASE)
    numbers = {int(m["number"]) for m in _VARIANT_TOKEN.finditer(stem)}
    if len(numbers) > 1:
        raise SpecError(f"the file name names {len(numbers)} variants "
                        f"({', '.join(f'v{n}' for n in sorted(numbers))}); name one, or write "
                        f"'variant: vKK' in the sheet", file=file)
    return numbers.pop() if numbers else None


def _variant_of(doc: Document, file: str, variants: Mapping[int, Variant]) -> Variant:
    named, text = _named_variant(doc)
    from_name = _file_variant(file, variants)
    if named is not None and from_name is not None and named != from_name:
        said = variants[from_name].id if from_name in variants else f"v{from_name}"
        raise doc.error((VARIANT_KEY,), f"the sheet says variant {short(text, 20)} but its file "
                                        f"name says {said}; correct one of them")
    number = named if named is not None else from_name
    known = ", ".join(v.id for v in variants.values())
    if number is None:
        raise SpecError(f"which variant does this sheet answer? write 'variant: vKK' in it, or "
                        f"put vKK in its file name (variants: {short(known, 80)})", file=file)
    if number not in variants:
        message = f"names variant {number}, which is not in the folder (variants: {short(known, 80)})"
        if named is not None:
            raise doc.error((VARIANT_KEY,), f"the sheet {message}")
        raise SpecError(f"the file name {message}", file=file)
    return variants[number]


def grade(network: Network | Mapping[int, Variant], sheets: Sequence[str],
          tolerance: Tolerance | None = None, skipped: Sequence[str] = ()) -> Gradebook:
    """Mark every sheet against the network (or against the variant it names); a sheet that
    cannot be used becomes a row with the reason, and every other sheet is marked."""
    tolerance = tolerance or Tolerance()
    variants = network if isinstance(network, Mapping) else None
    # the true step, the catalogue and the plans: once per network, before any sheet
    graders = ({n: Grader.of(v.network, tolerance) for n, v in variants.items()}
               if variants is not None else {0: Grader.of(network, tolerance)})  # type: ignore[arg-type]
    for grader in graders.values():  # a tolerance as large as a network's numbers: refused
        tolerance.fits(grader.trace)

    rows = []
    for file in sheets:
        variant: Variant | None = None
        try:
            text = read_text(file, file)
            syntax = syntax_of(file, text)
            if syntax is not None:  # a page
                if variants is not None:
                    variant = _page_variant(file, variants)
                grader = graders[variant.number if variant is not None else 0]
                page = read_page(text, file, syntax)
                report = mark(grader, entries_of_page(page, grader), file)
            else:
                doc = load_text(text, file)
                if variants is not None:
                    variant = _variant_of(doc, file, variants)
                grader = graders[variant.number if variant is not None else 0]
                report = _mark_sheet(grader, doc, file, variants is not None)
            if variant is not None and variant.asked is not None:
                report = scored(report, variant.asked, grader.names)
        except BackpropError as err:
            rows.append(Row(file=file, variant=variant.id if variant else None, problem=err))
            continue
        rows.append(Row(file=file, variant=variant.id if variant else None, report=report))
    return Gradebook(rows=tuple(rows), skipped=tuple(skipped), variants=variants is not None)


def _page_variant(file: str, variants: Mapping[int, Variant]) -> Variant:
    """A page names its variant in its file name (alice-v07.md)."""
    number = _file_variant(file, variants)
    known = ", ".join(v.id for v in variants.values())
    if number is None:
        raise SpecError(f"which variant does this page answer? put vKK in its file name "
                        f"(variants: {short(known, 80)})", file=file)
    if number not in variants:
        raise SpecError(f"the file name names variant {number}, which is not in the folder "
                        f"(variants: {short(known, 80)})", file=file)
    return variants[number]


def _mark_sheet(grader: Grader, doc: Document, file: str, variants: bool) -> CheckReport:
    """A YAML answers file: numbers marked as ever; formulas in quotes marked as formulas."""
    formulas: list[tuple[int, str, str, int | None]] = []
    answers: list[Answer] = parse_answers(doc, reserved=(VARIANT_KEY,) if variants else (),
                                          formulas=formulas)
    if not formulas:
        return grader.check(answers, file, lines=True)
    from backprop.expr import ExprError
    from backprop.pagecheck import Entry, Sheet, Unread, formula_entry, symbols_of

    entries: list[Entry] = [Entry(key=a.key, answer=a, line=a.line) for a in answers]
    symbols = symbols_of(grader)
    for place, key, text, line in formulas:
        try:
            entry = formula_entry(key, text, line, symbols)
        except (ExprError, Unread) as err:
            where = doc.locate((key,))
            at = f"column {err.at}: " if isinstance(err, ExprError) else ""
            raise SpecError(f"expected a number or a formula, found '{short(text, 40)}': "
                            f"{at}{err.reason}", file=file,
                            line=where[0] if where else None,
                            column=where[1] if where else None, path=(short(key),)) from None
        entries.insert(place, entry)
    return mark(grader, Sheet(entries=tuple(entries)), file)


#: names a file may not take on Windows, whatever its extension
_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                      *(f"lpt{i}" for i in range(10))})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
FEEDBACK_NAME = 80  #: the longest a feedback file's stem is made


def feedback_names(rows: Sequence[Row], suffix: str = ".md") -> list[str]:
    """A file name per row for its feedback page, from the sheet's own name: only letters,
    digits, '.', '_' and '-' (anything else, a path separator or a control character among them,
    becomes '_'), never hidden, never a device name, at most FEEDBACK_NAME characters, and
    unique without regard to case (ada.yaml and ada.yml give ada.md and ada-2.md)."""
    taken: set[str] = set()
    out = []
    for row in rows:
        stem = os.path.basename(row.file.replace("\\", "/"))
        for ext in SHEET_SUFFIXES:
            if stem.lower().endswith(ext):
                stem = stem[: -len(ext)]
        stem = _UNSAFE_NAME.sub("_", stem).strip("._-")[:FEEDBACK_NAME] or "sheet"
        if stem.lower().split(".")[0] in _DEVICES:
            stem = f"_{stem}"
        name, k = stem, 1
        while name.lower() in taken:
            k += 1
            name = f"{stem}-{k}"
        taken.add(name.lower())
        out.append(name + suffix)
    return out
