"""Flask extensions, created once and bound to the app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


#: Statement parameters are contact details, answers and hashes: never in a log line or an error
#: message, even with SQLAlchemy's logging turned up. (Bind engines take their options from
#: here, not from SQLALCHEMY_ENGINE_OPTIONS.)
db = SQLAlchemy(model_class=Base, engine_options={"hide_parameters": True})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Limits are checked by hand where they apply (login), so no default limits here. Storage is
#: ``PORTAL_RATELIMIT_STORAGE_URI`` (e.g. ``redis://...``) so every worker counts together.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
