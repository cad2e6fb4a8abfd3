"""The applicant's profile sections: one thin CRUD view per section over the profile rules."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import BooleanField, FileField, validators

from app.extensions import db
from app.models import (
    ACHIEVEMENT_CATEGORY_LABELS, EMPLOYER_NATURE_LABELS, PUBLICATION_KIND_LABELS, RECORD_STATUS_LABELS,
    Achievement, AchievementCategory, Education, EmployerNature, ExamScore, Honour, Position, Publication,
    PublicationKind, Training, WorkExperience,
)
from app.scope.filters import OWN
from app.security import roles as r
from app.views.base import ScopedModelView
from app.views.fields import DictSelectField, EnumSelectField, dict_formatter, enum_formatter
from app.workflow import profile as rules

RECORD_LABELS = {
    "status": _l("Completion"),
    "review_comment": _l("Review comment"),
    "attachment": _l("Attachment (PDF)"),
    "upload": _l("Upload attachment (PDF)"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "school": _l("School"),
    "major": _l("Major"),
    "education": _l("Education"),
    "degree": _l("Degree"),
    "study_mode": _l("Mode of study"),
    "employer": _l("Employer"),
    "post": _l("Post"),
    "duty": _l("Duty"),
    "witness": _l("Witness"),
    "employer_full_name": _l("Employer (full name)"),
    "employer_nature": _l("Employer type"),
    "supervising_department": _l("Supervising department"),
    "current_post": _l("Current post or duty"),
    "post_since": _l("In this post since"),
    "qualification_name": _l("Current professional qualification"),
    "approving_authority": _l("Approving authority"),
    "qualification_date": _l("Qualification obtained on"),
    "appointed_title": _l("Appointed professional post"),
    "appointed_date": _l("Appointed on"),
    "sanction": _l("Disciplinary sanction"),
    "sanction_date": _l("Sanction date"),
    "societies": _l("Academic societies or part-time posts"),
    "societies_since": _l("Member since"),
    "content": _l("Training content"),
    "organiser": _l("Organiser"),
    "hours": _l("Hours"),
    "exam_category": _l("Examination category"),
    "exam_name": _l("Examination name"),
    "score": _l("Score"),
    "exam_date": _l("Examination date"),
    "certificate_no": _l("Certificate number"),
    "completion_form": _l("Form of completion"),
    "project_name": _l("Project"),
    "own_work": _l("Own professional work in the project"),
    "completion_status": _l("State of completion"),
    "effect_evaluation": _l("Effect and evaluation"),
    "own_role": _l("Own role"),
    "project_level": _l("Project level"),
    "appraisal_conclusion": _l("Appraisal conclusion"),
    "award_name": _l("Award"),
    "award_grade": _l("Award grade"),
    "award_rank": _l("Rank in the award"),
    "award_date": _l("Award date"),
    "category": _l("Category"),
    "kind": _l("Type"),
    "title": _l("Title"),
    "publisher": _l("Journal or publisher"),
    "serial_no": _l("ISSN/CN or ISBN"),
    "published_on": _l("Published on"),
    "author_rank": _l("Author rank"),
    "is_representative": _l("Representative work"),
    "description": _l("Honorary title (where and what was awarded)"),
    "awarded_on": _l("Awarded on"),
}
TO_DATE = _l("Leave empty for “to date”.")


def attachment_link(attachment) -> Markup:
    """A download link for an attachment, or nothing."""
    if attachment is None:
        return Markup("")
    url = url_for("ProfileFileView.download", attachment_id=attachment.id)
    return Markup('<a href="{}">{}</a>').format(url, escape(attachment.original_name))


COMMON_FORMATTERS = {
    "status": enum_formatter(RECORD_STATUS_LABELS),
    "attachment": attachment_link,
    "education": dict_formatter("education"),
    "degree": dict_formatter("degree"),
    "study_mode": dict_formatter("study_mode"),
    "employer_nature": enum_formatter(EMPLOYER_NATURE_LABELS),
    "exam_category": dict_formatter("exam_category"),
    "completion_form": dict_formatter("completion_form"),
    "project_level": dict_formatter("project_level"),
    "category": enum_formatter(ACHIEVEMENT_CATEGORY_LABELS),
    "kind": enum_formatter(PUBLICATION_KIND_LABELS),
}


class ProfileSectionView(ScopedModelView):
    """A profile section: own records only; records under review locked; every change re-reviewed."""

    class_permission_name = r.PROFILE_RECORD
    # Personal pages: one's own records only, whatever else the role may reach (reviewers use their screens).
    base_filters = OWN
    label_columns = RECORD_LABELS
    formatters_columns = COMMON_FORMATTERS
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]
    exclude_route_methods = {"export"}  # the applicant's own pages: 导出Excel is for staff lists
    has_attachment = False
    page_size = 50

    def validate_item(self, item, is_new: bool) -> None:
        if is_new:
            item.user_id = g.user.id
        else:
            rules.check_changeable(item)
        rules.validate_record(item, g.user)
        rules.mark_changed(item)
        if self.has_attachment:
            rules.attach(item, "upload", request.files.get("upload"), item.user_id)

    def _edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None and item.locked:
            flash(str(_l("This record is under review and cannot be changed now.")), "warning")
            return None
        return super()._edit(pk)

    def pre_delete(self, item):
        rules.prepare_delete(item)

    def post_add_redirect(self):
        return self._back_to_profile()

    def post_edit_redirect(self):
        return self._back_to_profile()

    def post_delete_redirect(self):
        return self._back_to_profile()

    @expose("/delete/<pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        self._delete(pk)
        return self._back_to_profile()

    def _back_to_profile(self):
        return redirect(url_for("ProfileView.index", _anchor=self.section_code))


def _upload_field():
    return FileField(_l("Upload attachment (PDF)"), validators=[validators.Optional()],
                     description=_l("PDF only, checked by content."))


class EducationView(ProfileSectionView):
    """学历教育."""

    route_base = "/profile/education"
    section_code = "education"
    datamodel = SQLAInterface(Education, db.session)
    has_attachment = True
    list_title = show_title = _l("Education")
    add_title = _l("Add education")
    edit_title = _l("Edit education")
    list_columns = ["start_date", "end_date", "school", "major", "education", "study_mode", "attachment",
                    "status", "review_comment"]
    add_columns = ["start_date", "end_date", "school", "major", "education", "degree", "study_mode", "upload"]
    edit_columns = add_columns
    show_columns = list_columns[:-3] + ["degree", "status", "review_comment"]
    base_order = ("start_date", "desc")
    description_columns = {"end_date": TO_DATE}
    add_form_extra_fields = {
        "education": DictSelectField(_l("Education"), type_code="education", required=True),
        "degree": DictSelectField(_l("Degree"), type_code="degree"),
        "study_mode": DictSelectField(_l("Mode of study"), type_code="study_mode", required=True),
        "upload": _upload_field(),
    }
    edit_form_extra_fields = add_form_extra_fields


class WorkExperienceView(ProfileSectionView):
    """工作经历."""

    route_base = "/profile/work"
    section_code = "work"
    datamodel = SQLAInterface(WorkExperience, db.session)
    has_attachment = True
    list_title = show_title = _l("Work experience")
    add_title = _l("Add work experience")
    edit_title = _l("Edit work experience")
    list_columns = ["start_date", "end_date", "employer", "post", "duty", "witness", "attachment", "status",
                    "review_comment"]
    add_columns = ["start_date", "end_date", "employer", "post", "duty", "witness", "upload"]
    edit_columns = add_columns
    show_columns = list_columns
    base_order = ("start_date", "desc")
    description_columns = {"end_date": TO_DATE}
    add_form_extra_fields = {"upload": _upload_field()}
    edit_form_extra_fields = add_form_extra_fields


class PositionView(ProfileSectionView):
    """任职情况."""

    route_base = "/profile/position"
    section_code = "position"
    datamodel = SQLAInterface(Position, db.session)
    list_title = show_title = _l("Positions held")
    add_title = _l("Add position")
    edit_title = _l("Edit position")
    list_columns = ["employer_full_name", "employer_nature", "current_post", "post_since", "qualification_name",
                    "appointed_title", "status", "review_comment"]
    add_columns = ["employer_full_name", "employer_nature", "supervising_department", "current_post",
                   "post_since", "qualification_name", "approving_authority", "qualification_date",
                   "appointed_title", "appointed_date", "sanction", "sanction_date", "societies",
                   "societies_since"]
    edit_columns = add_columns
    show_columns = add_columns + ["status", "review_comment"]
    base_order = ("post_since", "desc")
    description_columns = {"sanction": _l("Leave empty when there is none.")}
    add_form_extra_fields = {
        "employer_nature": EnumSelectField(_l("Employer type"), enum=EmployerNature, labels=EMPLOYER_NATURE_LABELS),
    }
    edit_form_extra_fields = add_form_extra_fields


class TrainingView(ProfileSectionView):
    """继续教育及培训."""

    route_base = "/profile/training"
    section_code = "training"
    datamodel = SQLAInterface(Training, db.session)
    list_title = show_title = _l("Continuing education and training")
    add_title = _l("Add training")
    edit_title = _l("Edit training")
    list_columns = ["start_date", "end_date", "content", "organiser", "hours", "status", "review_comment"]
    add_columns = ["start_date", "end_date", "content", "organiser", "hours"]
    edit_columns = add_columns
    show_columns = list_columns
    base_order = ("start_date", "desc")


class ExamScoreView(ProfileSectionView):
    """考试成绩."""

    route_base = "/profile/exam"
    section_code = "exam"
    datamodel = SQLAInterface(ExamScore, db.session)
    list_title = show_title = _l("Examination results")
    add_title = _l("Add examination result")
    edit_title = _l("Edit examination result")
    list_columns = ["exam_category", "exam_name", "score", "exam_date", "certificate_no", "status",
                    "review_comment"]
    add_columns = ["exam_category", "exam_name", "score", "exam_date", "certificate_no"]
    edit_columns = add_columns
    show_columns = list_columns
    base_order = ("exam_date", "desc")
    add_form_extra_fields = {
        "exam_category": DictSelectField(_l("Examination category"), type_code="exam_category", required=True),
    }
    edit_form_extra_fields = add_form_extra_fields


class AchievementView(ProfileSectionView):
    """专业技术工作及业绩成果."""

    route_base = "/profile/achievement"
    section_code = "achievement"
    datamodel = SQLAInterface(Achievement, db.session)
    has_attachment = True
    list_title = show_title = _l("Professional work and achievements")
    add_title = _l("Add professional work")
    edit_title = _l("Edit professional work")
    list_columns = ["start_date", "end_date", "project_name", "completion_form", "category", "project_level",
                    "attachment", "status", "review_comment"]
    add_columns = ["start_date", "end_date", "completion_form", "project_name", "own_work", "completion_status",
                   "effect_evaluation", "own_role", "project_level", "appraisal_conclusion", "award_name",
                   "award_grade", "award_rank", "award_date", "category", "upload"]
    edit_columns = add_columns
    show_columns = add_columns[:-1] + ["attachment", "status", "review_comment"]
    base_order = ("start_date", "desc")
    description_columns = {"end_date": TO_DATE}
    add_form_extra_fields = {
        "completion_form": DictSelectField(_l("Form of completion"), type_code="completion_form", required=True),
        "project_level": DictSelectField(_l("Project level"), type_code="project_level"),
        "category": EnumSelectField(_l("Category"), enum=AchievementCategory, labels=ACHIEVEMENT_CATEGORY_LABELS),
        "upload": _upload_field(),
    }
    edit_form_extra_fields = add_form_extra_fields


class PublicationView(ProfileSectionView):
    """学术成果."""

    route_base = "/profile/publication"
    section_code = "publication"
    datamodel = SQLAInterface(Publication, db.session)
    has_attachment = True
    list_title = show_title = _l("Academic output")
    add_title = _l("Add academic output")
    edit_title = _l("Edit academic output")
    list_columns = ["kind", "title", "publisher", "serial_no", "published_on", "author_rank", "is_representative",
                    "attachment", "status", "review_comment"]
    add_columns = ["kind", "title", "publisher", "serial_no", "published_on", "author_rank",
                   "is_representative", "upload"]
    edit_columns = add_columns
    show_columns = list_columns
    base_order = ("published_on", "desc")
    add_form_extra_fields = {
        "kind": EnumSelectField(_l("Type"), enum=PublicationKind, labels=PUBLICATION_KIND_LABELS),
        # FAB makes a NOT NULL boolean "required", which an unticked box can never satisfy.
        "is_representative": BooleanField(_l("Representative work"), default=False),
        "upload": _upload_field(),
    }
    edit_form_extra_fields = add_form_extra_fields


class HonourView(ProfileSectionView):
    """荣誉称号."""

    route_base = "/profile/honour"
    section_code = "honour"
    datamodel = SQLAInterface(Honour, db.session)
    has_attachment = True
    list_title = show_title = _l("Honorary titles")
    add_title = _l("Add honorary title")
    edit_title = _l("Edit honorary title")
    list_columns = ["description", "awarded_on", "attachment", "status", "review_comment"]
    add_columns = ["description", "awarded_on", "upload"]
    edit_columns = add_columns
    show_columns = list_columns
    base_order = ("awarded_on", "desc")
    add_form_extra_fields = {"upload": _upload_field()}
    edit_form_extra_fields = add_form_extra_fields


SECTION_VIEWS = (
    EducationView, WorkExperienceView, PositionView, TrainingView, ExamScoreView, AchievementView,
    PublicationView, HonourView,
)
