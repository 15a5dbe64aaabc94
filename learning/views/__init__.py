"""Views for employees (My learning, stories) and managers (team), by topic."""
