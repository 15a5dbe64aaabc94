"""Operations that change the organisation, rollout and learning records, by topic."""
