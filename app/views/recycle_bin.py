"""回收站 of the administrator: deleted portal articles and dictionary values, with 恢复."""
from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.errors import DomainError
from app.security import roles as r
from app.services import recycle_bin


class RecycleBinView(BaseView):
    """/recycle-bin/: what the administrator deleted from the portal and the dictionaries."""

    route_base = "/recycle-bin"
    class_permission_name = r.RECYCLE_BIN
    method_permission_name = {"index": "list", "restore": "restore"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("recycle_bin.html", title=_("Recycle bin"), entries=recycle_bin.admin_deleted(),
                                    restore_endpoint="RecycleBinView.restore", back=None)

    @expose("/<code>/<int:pk>/restore", methods=["POST"])
    @has_access
    def restore(self, code: str, pk: int):
        try:
            recycle_bin.restore_admin(code, pk, g.user)
        except LookupError:
            abort(404)
        except DomainError as error:
            flash(str(error), "danger")
            return redirect(url_for(".index"))
        flash(_("The record was restored."), "success")
        return redirect(url_for(".index"))
