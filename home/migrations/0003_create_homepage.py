from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("home.HomePage")

    # Replace the plain "Welcome to Wagtail" page (and its site) made by wagtailcore.
    page_type = ContentType.objects.get(model="page", app_label="wagtailcore")
    Page.objects.filter(content_type=page_type, slug="home", depth=2).delete()

    homepage_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="home")
    homepage = HomePage.objects.create(
        title="Home",
        draft_title="Home",
        slug="home",
        content_type=homepage_type,
        locale=Locale.objects.order_by("pk").first(),
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        live=True,
        hero_heading="Every conversation keeps a customer, or loses one",
        hero_text="",
        body=[],
    )
    Site.objects.create(
        hostname="localhost", port=80, root_page=homepage, is_default_site=True, site_name=""
    )


def remove_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    HomePage = apps.get_model("home.HomePage")
    HomePage.objects.filter(slug="home", depth=2).delete()
    ContentType.objects.filter(model="homepage", app_label="home").delete()


class Migration(migrations.Migration):
    dependencies = [("home", "0002_pages_and_settings")]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
