"""Wind codes, the report's identifiers, mapped to other providers' symbols."""

from __future__ import annotations

# Wind suffix -> Yahoo suffix ("" = bare US ticker).
_YAHOO_SUFFIX = {"O": "", "N": "", "SH": ".SS", "SZ": ".SZ", "HK": ".HK", "KS": ".KS", "TW": ".TW"}


def wind_to_yahoo(wind_code: str) -> str:
    """`NVDA.O` -> `NVDA`, `688256.SH` -> `688256.SS`, `0020.HK` -> `0020.HK` (4 digits)."""
    code, _, suffix = wind_code.rpartition(".")
    if not code or suffix not in _YAHOO_SUFFIX:
        raise ValueError(
            f"{wind_code!r} is not a Wind code this project maps (suffixes {sorted(_YAHOO_SUFFIX)})"
        )
    if suffix == "HK":
        code = code.lstrip("0").zfill(4)
    return code + _YAHOO_SUFFIX[suffix]
