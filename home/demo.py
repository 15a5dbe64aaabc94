"""The fictional demo company: Northwind Motors, a car dealer group (like the stories)."""

from dataclasses import dataclass

from home import roles
from home.models import HomePage

DEMO_PASSWORD = "northwind-demo-2026"  # nosec B105 # the documented demo password


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    description: str
    roles: tuple[str, ...]
    is_superuser: bool = False


DEMO_PEOPLE = [
    DemoPerson(
        "admin@northwind.example",
        "Ada",
        "Admin",
        "platform administrator",
        (roles.HR,),
        is_superuser=True,
    ),
    DemoPerson("hr@northwind.example", "Hannah", "Reyes", "HR business partner", (roles.HR,)),
    DemoPerson("trainer@northwind.example", "Theo", "Marsh", "CX trainer", (roles.TRAINERS,)),
    DemoPerson(
        "ceo@northwind.example",
        "Leah",
        "Donovan",
        "managing director (leadership)",
        (roles.LEARNERS, roles.MANAGERS),
    ),
    DemoPerson(
        "sales.manager@northwind.example",
        "Marcus",
        "Webb",
        "sales manager",
        (roles.LEARNERS, roles.MANAGERS),
    ),
    DemoPerson(
        "service.manager@northwind.example",
        "Priya",
        "Shah",
        "service manager",
        (roles.LEARNERS, roles.MANAGERS),
    ),
    DemoPerson("sam.sales@northwind.example", "Sam", "Carter", "salesperson", (roles.LEARNERS,)),
    DemoPerson("jo.sales@northwind.example", "Jo", "Bennett", "salesperson", (roles.LEARNERS,)),
    DemoPerson(
        "alex.service@northwind.example", "Alex", "Kim", "service advisor", (roles.LEARNERS,)
    ),
    DemoPerson(
        "robin.service@northwind.example", "Robin", "Okafor", "technician", (roles.LEARNERS,)
    ),
]

HOME_BODY = [
    {
        "type": "pillars",
        "value": {
            "heading": "The three E's",
            "pillars": [
                {
                    "title": "Engagement",
                    "text": "Care about the person in front of you. Customers remember how "
                    "one employee made them feel long after they forget the price.",
                    "icon": "engage",
                },
                {
                    "title": "Education",
                    "text": "Know what good looks like: the policy, the product and the "
                    "words that turn a complaint into loyalty.",
                    "icon": "educate",
                },
                {
                    "title": "Empowerment",
                    "text": "Be allowed to fix it. Every employee can do the right thing "
                    "without waiting for a manager's signature.",
                    "icon": "empower",
                },
            ],
        },
    },
    {
        "type": "heading",
        "value": {"text": "Learn from real stories", "level": "h2"},
    },
    {
        "type": "paragraph",
        "value": "<p>Every module starts from a real customer-service failure: a car sold "
        "and never followed up, a recall letter that arrived too late, a refund refused by "
        "someone who was never allowed to say yes. You make the decisions, see what they "
        "cost, and leave knowing what to do on Monday.</p>",
    },
    {
        "type": "quote",
        "value": {
            "quote": "Customer experience starts at the top. Leadership goes first, then "
            "managers, then everyone who meets a customer.",
            "attribution": "How the Northwind rollout works",
        },
    },
]


def seed_home_page() -> HomePage:
    """Give the home page its demo content (once; a trainer's later edits are kept)."""
    home = HomePage.objects.get(depth=2)
    if not home.body:
        home.hero_heading = "Every conversation keeps a customer, or loses one"
        home.hero_text = (
            "<p>The Northwind CX Academy trains every one of us, from the showroom to the "
            "service desk, to <b>engage</b>, <b>educate</b> and <b>empower</b>, so that no "
            "customer is lost by a single bad conversation.</p>"
        )
        home.body = HOME_BODY
        home.save_revision().publish()
    return home
