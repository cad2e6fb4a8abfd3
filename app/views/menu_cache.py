"""The navbar's menu, rendered once per set of grants and language instead of on every page."""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

# Distinct role combinations times languages: a few dozen in practice; the least used go beyond this.
MAX_ENTRIES = 128


class KeptMenus:
    """One application's rendered menus, by (grants, language, root URL), least recently used dropped first."""

    def __init__(self) -> None:
        self._html: OrderedDict[tuple, Markup] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple) -> Markup | None:
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
            return html

    def put(self, key: tuple, html: Markup) -> None:
        with self._lock:
            self._html[key] = html
            while len(self._html) > MAX_ENTRIES:
                self._html.popitem(last=False)


def menu_html() -> Markup:
    """The menu's entries for the signed-in user.

    What the menu shows depends only on the user's grants (each entry's visibility), the language (its labels) and
    the application's root URL, so the HTML is kept under exactly that key. Anonymous visitors, API keys and
    built-in roles, which FAB's own rules answer, get it rendered afresh.
    """
    grants = current_app.appbuilder.sm.signed_in_grants()
    if grants is None:
        return _render()
    kept: KeptMenus = current_app.extensions["zp_menus"]
    key = (grants, str(get_locale()), request.script_root)
    html = kept.get(key)
    if html is None:
        html = _render()
        kept.put(key, html)
    return html


def _render() -> Markup:
    return Markup(render_template("appbuilder/navbar_menu.html", menu=current_app.appbuilder.menu))


def install(app: Flask) -> None:
    """Make the kept menu available to the navbar template."""
    app.extensions["zp_menus"] = KeptMenus()
    app.jinja_env.globals["zp_menu_html"] = menu_html
