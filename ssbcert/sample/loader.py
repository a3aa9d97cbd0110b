"""Read a sample YAML file (and the indentation CSVs it points to) into a SampleRecord."""
from __future__ import annotations

import csv
from pathlib import Path

from ssbcert.errors import InputError
from ssbcert.sample.model import SampleRecord
from ssbcert.sample.plausibility import check_plausibility
from ssbcert.sample.validation import validate_with_hints
from ssbcert.yamlio import Loc, line_of, load_yaml_file, load_yaml_text

CURVE_COLUMNS = ("depth_nm", "load_mN")


def _read_curve_csv(path: Path, source: str, line: int | None, field: str) -> tuple[list[float], list[float]]:
    """Columns depth_nm, load_mN (header required); '#' lines are comments."""
    if not path.is_file():
        raise InputError(f"curve file not found: {path}", file=source, line=line, field=field)
    depth: list[float] = []
    load: list[float] = []
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    if not rows or tuple(c.strip() for c in rows[0][:2]) != CURVE_COLUMNS:
        raise InputError("curve CSV needs the header depth_nm,load_mN", file=str(path), line=1, field=field,
                         found=",".join(rows[0]) if rows else "empty file")
    for i, row in enumerate(rows[1:], start=2):
        try:
            depth.append(float(row[0]))
            load.append(float(row[1]))
        except (ValueError, IndexError):
            raise InputError("expected two numbers per row", file=str(path), line=i, field=field,
                             found=",".join(row)) from None
    if len(depth) < 8:
        raise InputError(f"a curve needs at least 8 points, found {len(depth)}", file=str(path), field=field)
    return depth, load


def _resolve_curves(record: SampleRecord, lines: dict[Loc, int], source: str, base_dir: Path) -> SampleRecord:
    ind = record.mechanics.indentation if record.mechanics else None
    if ind is None or not ind.curves:
        return record
    curves = []
    for i, curve in enumerate(ind.curves):
        if curve.csv is None:
            curves.append(curve)
            continue
        loc = ("mechanics", "indentation", "curves", i, "csv")
        field = f"mechanics.indentation.curves[{i}].csv"
        depth, load = _read_curve_csv(base_dir / curve.csv, source, line_of(lines, loc), field)
        curves.append(curve.model_copy(update={"depth_nm": depth, "load_mN": load}))
    new_ind = ind.model_copy(update={"curves": curves})
    return record.model_copy(update={"mechanics": record.mechanics.model_copy(update={"indentation": new_ind})})


def load_sample_text(text: str, source: str = "<sample>", base_dir: str | Path = ".") -> SampleRecord:
    data, lines = load_yaml_text(text, source)
    record = validate_with_hints(SampleRecord, data, lines, source)
    check_plausibility(record, lines, source)
    return _resolve_curves(record, lines, source, Path(base_dir))


def load_sample(path: str | Path) -> SampleRecord:
    """Validated record; every problem is an InputError naming file:line and field."""
    p = Path(path)
    data, lines = load_yaml_file(p)
    record = validate_with_hints(SampleRecord, data, lines, str(p))
    check_plausibility(record, lines, str(p))
    return _resolve_curves(record, lines, str(p), p.parent)


def default_sample_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "default_sample.yaml"


def load_default_sample() -> SampleRecord:
    """The embedded demo sample (25 µm Ga/Ta-LLZO film, matching the simulated bench)."""
    return load_sample(default_sample_path())
