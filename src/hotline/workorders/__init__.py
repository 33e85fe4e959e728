"""Work orders: the lifecycle (pure), deadlines (pure), storage, use cases and the API."""
