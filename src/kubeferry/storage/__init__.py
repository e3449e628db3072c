"""Object storage: one interface, SQLite (WAL) for durability and memory for tests, with watch history."""
