from payments.views.documents import *  # noqa: F403
from payments.views.manage import *  # noqa: F403
from payments.views.portal import *  # noqa: F403
from payments.views.trial import *  # noqa: F403
