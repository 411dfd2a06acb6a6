"""The Celery application: JSON only, time limits, queues `sync` and `payouts` (settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custody_portal.settings.local")

app = Celery("custody_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
