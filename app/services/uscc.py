"""统一社会信用代码 (GB 32100-2015) checks."""
from __future__ import annotations

from enum import Enum

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import InvalidChecksum, ValidationError


class UsccProblem(Enum):
    """Why a code failed; only a checksum failure may be overridden by an admin."""

    none = "none"
    format = "format"
    checksum = "checksum"


def normalise(code: str | None) -> str | None:
    """Upper-case and strip a code; empty becomes None."""
    code = (code or "").strip().upper().replace(" ", "")
    return code or None


def check(code: str) -> tuple[UsccProblem, str | None]:
    """Classify a normalised code; for a checksum failure also return the expected check character."""
    try:
        _uscc.validate(code)
    except InvalidChecksum:
        return UsccProblem.checksum, _uscc.calc_check_digit(code[:-1])
    except ValidationError:
        return UsccProblem.format, None
    return UsccProblem.none, None
