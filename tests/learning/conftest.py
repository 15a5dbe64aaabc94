"""Fixtures of the HR certificate tests (helpers in `tests/certificates.py`)."""

import pytest

from home import roles
from tests.certificates import make_org, make_person, make_second_course
from tests.modules import make_course


@pytest.fixture
def hr_user(make_user, with_mfa):
    user = make_user(roles.HR, first_name="Hana", last_name="Reyes")
    with_mfa(user)
    return user


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


@pytest.fixture
def org(db):
    return make_org()


@pytest.fixture
def courses(db):
    return {"day_job": make_course(), "listening": make_second_course()}


@pytest.fixture
def people(make_user, org):
    return {
        "ada": make_person(make_user, "Ada", "Lovelace", org["sales"]),
        "bo": make_person(make_user, "Bo", "Northman", org["north"]),
        "cy": make_person(make_user, "Cy", "Carer", org["care"]),
    }
