"""Business rules as plain async functions taking a database session, one module per domain."""
