"""A history range as chart data (JSON for Chart.js), table rows and CSV.

Amounts stay exact decimal strings of FIL everywhere; the browser turns them into numbers
only to draw lines (a chart needs no 18th decimal; the table and the CSV keep every one).
"""

import csv
import io

from custody_portal.money import from_base_units

from .models import AMOUNT_FIGURES, SECTOR_FIGURES
from .selectors import History

LABEL_FORMATS = {"raw": "%m-%d %H:%M", "hour": "%m-%d %H:00", "day": "%Y-%m-%d"}


def _value(name: str, units: int) -> str | int:
    return format(from_base_units(units, "fil"), "f") if name in AMOUNT_FIGURES else units


def chart_data(history: History) -> dict:
    """{"labels", "series": {figure: {"min", "max", "last"}}} — for static/js/filecoin.js."""
    fmt = LABEL_FORMATS[history.resolution]
    series = {name: {"min": [], "max": [], "last": []} for name in SECTOR_FIGURES}
    for point in history.points:
        for name in SECTOR_FIGURES:
            low, high, last = point.figures[name]
            series[name]["min"].append(_value(name, low))
            series[name]["max"].append(_value(name, high))
            series[name]["last"].append(_value(name, last))
    return {
        "range": history.range,
        "resolution": history.resolution,
        "labels": [p.at.strftime(fmt) for p in history.points],
        "series": series,
    }


CSV_COLUMNS = ["time_utc", "resolution", "readings"] + [
    f"{name}{'_fil' if name in AMOUNT_FIGURES else ''}_{part}"
    for name in SECTOR_FIGURES
    for part in ("min", "max", "last")
]


def history_csv(history: History) -> str:
    """Every point of the range, every figure's min / max / last; FIL amounts exact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for point in history.points:
        row = [point.at.isoformat(), history.resolution, point.samples]
        for name in SECTOR_FIGURES:
            row.extend(_value(name, v) for v in point.figures[name])
        writer.writerow(row)
    return out.getvalue()
