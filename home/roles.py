"""The four roles, and what each may do in the Wagtail admin.

Groups are created by a migration; their permissions are (re)applied after every
`migrate` by `home.services.roles_sync_permissions`, so an app that adds models only
adds their codenames here.
"""

LEARNERS = "Learners"
MANAGERS = "Managers"
TRAINERS = "Trainers"
HR = "HR"

ALL_ROLES = (LEARNERS, MANAGERS, TRAINERS, HR)
# Roles that change content or people's records: they must use two-factor authentication.
STAFF_ROLES = frozenset({TRAINERS, HR})

# "app_label.codename" granted globally.
MODEL_PERMISSIONS = {
    LEARNERS: [],
    MANAGERS: [],
    TRAINERS: [
        "wagtailadmin.access_admin",
        "courses.add_story",
        "courses.change_story",
        "courses.delete_story",
        "courses.publish_story",
        "courses.lock_story",
        "courses.unlock_story",
    ],
    HR: [
        "wagtailadmin.access_admin",
        "home.add_user",
        "home.change_user",
        "home.view_user",
        "home.change_brandingsettings",
    ],
}

# Wagtail page permissions granted on the root of the page tree.
PAGE_PERMISSIONS = {
    TRAINERS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}

# Wagtail collection permissions ("app_label.codename") on the root collection.
COLLECTION_PERMISSIONS = {
    TRAINERS: [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
    HR: [
        "wagtailimages.add_image",
        "wagtailimages.choose_image",
    ],
}
