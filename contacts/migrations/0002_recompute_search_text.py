from django.db import migrations

from contacts.search import searchable

BATCH = 2000


def recompute(apps, schema_editor):
    """Search now also ignores accents and apostrophe styles: refresh the stored text."""
    Contact = apps.get_model("contacts", "Contact")
    contacts = Contact.objects.only("id", "first_name", "last_name", "email", "company")
    batch = []
    for contact in contacts.iterator(chunk_size=BATCH):
        parts = (contact.first_name, contact.last_name, contact.email, contact.company)
        contact.search_text = searchable(" ".join(part for part in parts if part))
        batch.append(contact)
        if len(batch) >= BATCH:
            Contact.objects.bulk_update(batch, ["search_text"])
            batch = []
    Contact.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
