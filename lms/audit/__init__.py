"""The audit trail: who changed someone else's record, and how."""
