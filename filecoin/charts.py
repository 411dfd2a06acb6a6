"""A history range as chart data (JSON for Chart.js), table rows and CSV.

Amounts stay exact decimal strings of FIL everywhere; the browser turns them into numbers
only to draw lines (a chart needs no 18th decimal; the table and the CSV keep every one).
"""

import csv
import io

from .display import fil_decimal
from .display import fil_text as fil_display
from .models import AMOUNT_FIGURES, SECTOR_FIGURES
from .selectors import History

LABEL_FORMATS = {"raw": "%m-%d %H:%M", "hour": "%m-%d %H:00", "day": "%Y-%m-%d"}


def _value(name: str, units: int) -> str | int:
    return fil_decimal(units) if name in AMOUNT_FIGURES else units


# What the charts draw: every figure's last value, plus the extremes that matter between two
# points (the most faulty sectors, the lowest available balance).
CHART_SERIES = [(name, "last") for name in SECTOR_FIGURES] + [
    ("faulty_sectors", "max"),
    ("available_balance", "min"),
]
_PART = {"min": 0, "max": 1, "last": 2}


def chart_data(history: History) -> dict:
    """{"labels", "series": {figure: {"last": […], "max"/"min": […]}}} — for
    static/js/filecoin.js."""
    fmt = LABEL_FORMATS[history.resolution]
    series: dict[str, dict[str, list]] = {name: {} for name in SECTOR_FIGURES}
    for name, part in CHART_SERIES:
        index = _PART[part]
        series[name][part] = [_value(name, p.figures[name][index]) for p in history.points]
    return {
        "range": history.range,
        "resolution": history.resolution,
        "labels": [p.at.strftime(fmt) for p in history.points],
        "series": series,
    }


def table_rows(history: History) -> list[dict]:
    """The range as table rows, formatted once here (the page shows hundreds of them)."""
    fmt = "%Y-%m-%d %H:%M"
    rows = []
    for p in history.points:
        f = p.figures
        faulty_low, faulty_high, faulty = f["faulty_sectors"]
        available_low, _, available = f["available_balance"]
        rows.append(
            {
                "at": p.at.strftime(fmt),
                "samples": p.samples,
                "active": f["active_sectors"][2],
                "live": f["live_sectors"][2],
                "faulty": faulty,
                "faulty_max": faulty_high if faulty_high != faulty else None,
                "live_penalty": fil_display(f["live_sectors_penalty"][2]),
                "faulty_penalty": fil_display(f["faulty_sectors_penalty"][2]),
                "available": fil_display(available),
                "in_debt": available < 0,
                "available_min": fil_display(available_low) if available_low != available else None,
                "locked": fil_display(f["locked_rewards"][2]),
            }
        )
    return rows


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
