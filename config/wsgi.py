import os

from django.core.wsgi import get_wsgi_application

from config.charset import sound_charsets_only

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = sound_charsets_only(get_wsgi_application())
