from django.db import migrations

ROLES = ("Learners", "Managers", "Trainers", "HR")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    # Their permissions are applied after migrate by home.services.roles_sync_permissions,
    # once every app's permissions exist.


def remove_groups(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("home", "0003_create_homepage"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, remove_groups)]
