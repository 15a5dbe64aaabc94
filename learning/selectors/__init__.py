"""Read queries for people, rollout and learning records, by topic."""
