"""The patient's case in the database: applying read objects, re-running the rules, reconciling items."""
