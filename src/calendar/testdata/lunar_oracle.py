#!/usr/bin/env python3
"""Generate lunar_oracle.tsv: lunar-calendar and solar-term dates for 2020-2056.

Every date is computed with two independent libraries, borax and lunar_python
(6tail), and the script fails unless both agree. It also checks the output
against dates published by the State Council for 2025 and 2026.

Usage:
    pip install borax lunar_python
    python3 lunar_oracle.py > lunar_oracle.tsv
"""
import datetime
import sys
from importlib.metadata import version

from borax.calendars.lunardate import LunarDate, TermUtils
from lunar_python import Lunar, LunarMonth, LunarYear

FIRST_YEAR, LAST_YEAR = 2020, 2056
COLUMNS = ["chuxi", "chunjie", "qingming", "duanwu", "zhongqiu"]


def with_borax(y):
    """Dates for Gregorian year y according to borax."""
    return {
        # 除夕 = last day of lunar year y-1 (this also works if that year has a leap 12th month).
        "chuxi": LunarDate.last_day(y - 1).to_solar_date(),
        "chunjie": LunarDate(y, 1, 1).to_solar_date(),
        # borax's solar-term tables use China time (UTC+8).
        "qingming": TermUtils.nth_term_day(y, term_name="清明"),
        "duanwu": LunarDate(y, 5, 5).to_solar_date(),
        "zhongqiu": LunarDate(y, 8, 15).to_solar_date(),
    }


def with_lunar_python(y):
    """Dates for Gregorian year y according to lunar_python (leap months are negative there)."""
    def solar(lunar):
        return datetime.date.fromisoformat(lunar.getSolar().toYmd())

    # 除夕 = last day of the last month of lunar year y-1 (a leap 12th month, if any, is month -12).
    last_month = -12 if LunarYear.fromYear(y - 1).getLeapMonth() == 12 else 12
    days = LunarMonth.fromYm(y - 1, last_month).getDayCount()
    # The solar-term table of lunar year y contains 清明 of Gregorian year y (China time).
    qingming = Lunar.fromYmd(y, 1, 1).getJieQiTable()["清明"]
    return {
        "chuxi": solar(Lunar.fromYmd(y - 1, last_month, days)),
        "chunjie": solar(Lunar.fromYmd(y, 1, 1)),
        "qingming": datetime.date.fromisoformat(qingming.toYmd()),
        "duanwu": solar(Lunar.fromYmd(y, 5, 5)),
        "zhongqiu": solar(Lunar.fromYmd(y, 8, 15)),
    }


# Dates published by the State Council (holiday notices for 2025 and 2026).
PUBLISHED = {
    2025: {"chuxi": "2025-01-28", "qingming": "2025-04-04", "duanwu": "2025-05-31", "zhongqiu": "2025-10-06"},
    2026: {"chuxi": "2026-02-16", "qingming": "2026-04-05", "duanwu": "2026-06-19", "zhongqiu": "2026-09-25"},
}


def main():
    rows, disagreements = [], []
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        a, b = with_borax(y), with_lunar_python(y)
        bad = [c for c in COLUMNS if a[c] != b[c]]
        if bad:
            disagreements += [f"{y} {c}: borax {a[c]} vs lunar_python {b[c]}" for c in bad]
            continue  # never write a row the two libraries disagree on
        # Sanity: 除夕 is the day before 春节 and falls in Jan/Feb of year y.
        assert a["chunjie"] - a["chuxi"] == datetime.timedelta(days=1), y
        assert a["chuxi"].year == y and a["chuxi"].month in (1, 2), y
        for c, want in PUBLISHED.get(y, {}).items():
            assert a[c].isoformat() == want, f"{y} {c}: got {a[c]}, published {want}"
        rows.append([str(y)] + [a[c].isoformat() for c in COLUMNS])

    for d in disagreements:
        print("DISAGREEMENT:", d, file=sys.stderr)

    print(f"# Lunar and solar-term dates {FIRST_YEAR}–{LAST_YEAR}, computed independently with "
          f"borax {version('borax')} and lunar_python {version('lunar_python')} "
          f"(both agree on every row). Used as the test oracle for src/calendar/provisional.rs.")
    print("\t".join(["year"] + COLUMNS))
    for r in rows:
        print("\t".join(r))
    if disagreements:
        sys.exit(1)


if __name__ == "__main__":
    main()
