"""Extension objects shared by the application factory and the rest of the code."""
from flask_appbuilder.models.sqla import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# FAB's Model carries its own metadata; the session and the migrations must use it (FAB_NOTES 1).
db = SQLA(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
