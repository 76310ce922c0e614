"""The manager's phone: Today's route, the visit at the store and an offline outbox (a PWA)."""
