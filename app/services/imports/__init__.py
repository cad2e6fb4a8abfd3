"""Excel imports (orgs, staff accounts, persons, dictionary values): template, dry run, all-or-nothing commit."""
from __future__ import annotations

from app.services.imports.accounts import PersonImport, StaffImport
from app.services.imports.dictionary import DictItemImport
from app.services.imports.orgs import OrgImport
from app.services.imports.runner import ImportKind, Outcome, run
from app.services.imports.workbook import FileRejected

KINDS: dict[str, ImportKind] = {kind.code: kind for kind in (OrgImport(), StaffImport(), PersonImport(), DictItemImport())}

__all__ = ["KINDS", "FileRejected", "ImportKind", "Outcome", "run"]
