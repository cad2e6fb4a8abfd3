"""Administrator-managed Word templates: check an upload, keep every version, choose the one in use.

A document's shipped template (app/documents/templates) is its default. An uploaded replacement is stored only
after it has passed every check (a real .docx, Jinja that parses, only known fields, renders the sample); putting a
version in use checks it again against today's sample. `active_content` gives `registry.render` the bytes to use.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import OrderedDict

import docx
from docxtpl import DocxTemplate
from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.documents import samples
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import DocumentTemplateChoice, DocumentTemplateVersion
from app.models.mixins import utcnow
from app.services import audit

WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MAX_UNPACKED = 64 * 1024 * 1024  # a zip that unpacks to more than this is refused (zip bomb)
_BYTES_BY_SHA: OrderedDict[str, bytes] = OrderedDict()  # process-wide: template bytes never change for a sha
_BYTES_CACHE_SIZE = 32


# ---------------------------------------------------------------------------------------------- checks

def environment(**options) -> SandboxedEnvironment:
    """The Jinja environment documents render in: autoescaped (a value stays text in the XML) and sandboxed (a
    template, even an uploaded one, reaches no Python internals such as `__class__`)."""
    return SandboxedEnvironment(autoescape=True, **options)


def _tag_free(line: str) -> str:
    return re.sub(r"<[^>]+>", "", line).strip()


def _template_source(template: DocxTemplate) -> str:
    """The Jinja source docxtpl renders (body, headers, footers), one Word paragraph to a line."""
    document = template.docx
    xml = template.patch_xml(template.xml_to_string(document._element.body))
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for relation in document.part.rels.values():
            if relation.reltype == uri and relation.target_part.blob:
                xml += template.patch_xml(relation.target_part.blob.decode("utf-8", "replace"))
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _open(content: bytes) -> DocxTemplate:
    """The upload as a docxtpl template, or ValidationFailed when it is not a Word .docx file."""
    limit = current_app.config["DOCUMENT_TEMPLATE_MAX_BYTES"]
    if not content:
        raise ValidationFailed({"file": [_("The template file is empty.")]})
    if len(content) > limit:
        raise ValidationFailed({"file": [_("The template file is larger than %(size)s KB.", size=limit // 1024)]})
    not_word = _("The file is not a Word document (.docx); save it in Word as \"Word document (*.docx)\".")
    if not content.startswith(b"PK\x03\x04"):
        raise ValidationFailed({"file": [not_word]})
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise ValidationFailed({"file": [_("The template file unpacks to too large a size.")]})
            if "word/document.xml" not in names or "[Content_Types].xml" not in names \
                    or WORD_MAIN not in archive.read("[Content_Types].xml"):
                raise ValidationFailed({"file": [not_word]})
        template = DocxTemplate(io.BytesIO(content))
        template.init_docx()
    except ValidationFailed:
        raise
    except Exception:  # noqa: BLE001 - any failure to read the package means it is no usable .docx
        raise ValidationFailed({"file": [not_word]}) from None
    return template


def check(code: str, content: bytes) -> None:
    """Every check a template must pass to be used for the document `code`; ValidationFailed with the reason."""
    sample = samples.for_code(code)
    if sample is None:
        raise ValidationFailed({"file": [_("This document has no sample data, so no template can be checked for it.")]})
    template = _open(content)
    source = _template_source(template)
    try:
        parsed = environment().parse(source)
    except TemplateSyntaxError as exc:
        lines = source.splitlines()
        near = _tag_free(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
        raise ValidationFailed({"file": [_("Template syntax error (paragraph %(line)s, \"%(text)s\"): %(error)s",
                                           line=exc.lineno, text=near[:80], error=exc.message)]}) from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(sample))
    if unknown:
        raise ValidationFailed({"file": [_("The template uses unknown fields: %(names)s", names="、".join(unknown))]})
    try:
        template.render(sample, jinja_env=environment(undefined=StrictUndefined))
        buffer = io.BytesIO()
        template.save(buffer)
        docx.Document(io.BytesIO(buffer.getvalue()))
    except SecurityError:
        raise ValidationFailed({"file": [_("The template reaches into the program's internals, which is not "
                                           "allowed.")]}) from None
    except UndefinedError as exc:
        found = re.search(r"has no attribute '([^']+)'", str(exc))
        name = found.group(1) if found else str(exc)
        raise ValidationFailed({"file": [_("The template uses a field its records do not have: %(name)s",
                                           name=name)]}) from None
    except Exception as exc:  # noqa: BLE001 - whatever breaks the sample rendering is reported, never a 500
        raise ValidationFailed({"file": [_("The template cannot be filled with the sample data: %(error)s",
                                           error=str(exc)[:200])]}) from None


# ---------------------------------------------------------------------------------------------- versions

def choices() -> dict[str, DocumentTemplateChoice]:
    """The choice row of every document type that has one (code → row, its version joined)."""
    return {row.code: row for row in db.session.scalars(select(DocumentTemplateChoice))}


def history(code: str) -> list[DocumentTemplateVersion]:
    """Every uploaded version of a document, newest first (without the bytes)."""
    return list(db.session.scalars(select(DocumentTemplateVersion).where(DocumentTemplateVersion.code == code)
                                   .order_by(DocumentTemplateVersion.version.desc())))


def get(code: str, version_id: int) -> DocumentTemplateVersion | None:
    return db.session.scalar(select(DocumentTemplateVersion).where(
        DocumentTemplateVersion.id == version_id, DocumentTemplateVersion.code == code))


def upload(code: str, content: bytes, filename: str, note: str, actor, activate: bool = True
           ) -> DocumentTemplateVersion:
    """Check an uploaded template and store it as the document's next version (in use at once if `activate`)."""
    check(code, content)
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed({"note": [_("The note may have at most 500 characters.")]})
    name = (filename or "template.docx").replace("\\", "/").rsplit("/", 1)[-1][:255] or "template.docx"
    for _attempt in range(3):  # two uploads at once may pick the same number; the unique key decides
        number = (db.session.scalar(select(func.max(DocumentTemplateVersion.version))
                                    .where(DocumentTemplateVersion.code == code)) or 0) + 1
        record = DocumentTemplateVersion(code=code, version=number, content=content, size=len(content),
                                         sha256=hashlib.sha256(content).hexdigest(), filename=name,
                                         note=note or None, uploaded_by_id=getattr(actor, "id", None))
        db.session.add(record)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            continue
        audit.record("document_template.upload", record, actor, detail=f"{code} v{number} {record.sha256}")
        if activate:
            _choose(code, record.id, actor)
            audit.record("document_template.activate", record, actor, detail=f"{code} v{number}")
        db.session.commit()
        _forget()
        return record
    raise DomainError(_("Another version was uploaded at the same moment; please try again."))


def activate(code: str, version_id: int | None, actor) -> DocumentTemplateVersion | None:
    """Put an uploaded version (checked again against today's sample) or, with None, the shipped default in use."""
    record = None
    if version_id is not None:
        record = get(code, version_id)
        if record is None:
            raise DomainError(_("This template version does not exist."))
        check(code, record.content)
    _choose(code, version_id, actor)
    audit.record("document_template.activate", record or "DocumentTemplateDefault", actor,
                 detail=f"{code} v{record.version}" if record else f"{code} default")
    db.session.commit()
    _forget()
    return record


def _choose(code: str, version_id: int | None, actor) -> None:
    """Point the document at a version in one statement (an upsert on its code), so concurrent choices never
    leave two versions in use: the last one to commit wins."""
    values = {"code": code, "version_id": version_id, "changed_by_id": getattr(actor, "id", None),
              "changed_at": utcnow()}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(DocumentTemplateChoice).values(**values)
    statement = statement.on_conflict_do_update(index_elements=["code"], set_={
        k: statement.excluded[k] for k in ("version_id", "changed_by_id", "changed_at")})
    db.session.execute(statement)


# ---------------------------------------------------------------------------------------------- rendering

def _forget() -> None:
    if has_app_context():
        g.pop("zp_template_choices", None)


def active_content(code: str) -> bytes | None:
    """The bytes of the version in use for a document, or None for the shipped default.

    Which version is in use is read once per application context (a batch of renders in one request asks the
    database once); the bytes are cached per process by their SHA-256, so a newly chosen version is used by the
    next request at once while an unchanged one is never loaded again.
    """
    if not has_app_context():
        return None
    in_use = g.get("zp_template_choices")
    if in_use is None:
        rows = db.session.execute(select(DocumentTemplateChoice.code, DocumentTemplateVersion.id,
                                         DocumentTemplateVersion.sha256)
                                  .join(DocumentTemplateVersion,
                                        DocumentTemplateVersion.id == DocumentTemplateChoice.version_id))
        in_use = g.zp_template_choices = {code_: (version_id, sha) for code_, version_id, sha in rows}
    if code not in in_use:
        return None
    version_id, sha = in_use[code]
    content = _BYTES_BY_SHA.get(sha)
    if content is None:
        content = db.session.scalar(select(DocumentTemplateVersion.content)
                                    .where(DocumentTemplateVersion.id == version_id))
        _BYTES_BY_SHA[sha] = content
        while len(_BYTES_BY_SHA) > _BYTES_CACHE_SIZE:
            _BYTES_BY_SHA.popitem(last=False)
    else:
        _BYTES_BY_SHA.move_to_end(sha)
    return content


def version_counts() -> dict[str, int]:
    """How many versions each document has (one query)."""
    return dict(db.session.execute(select(DocumentTemplateVersion.code, func.count())
                                   .group_by(DocumentTemplateVersion.code)).all())
