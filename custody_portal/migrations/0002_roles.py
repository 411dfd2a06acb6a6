"""Create the four role groups of DESIGN.md §2 with their permissions."""

from django.db import migrations

ROLE_PERMISSIONS = {
    "viewer": ("view_portal",),
    "operator": ("view_portal", "operate"),
    "approver": ("view_portal", "approve_payouts"),
    "admin": ("view_portal", "operate", "approve_payouts"),
}
LABELS = {
    "view_portal": "Read every page and the read API",
    "operate": "Create and edit sub-addresses, draft payouts, trigger refreshes",
    "approve_payouts": "Approve or reject payouts",
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="custody_portal", model="portalpermissions"
    )
    permissions = {
        codename: Permission.objects.get_or_create(
            codename=codename, content_type=content_type, defaults={"name": label}
        )[0]
        for codename, label in LABELS.items()
    }
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(permissions[c] for c in codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("custody_portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
