"""The client core (sans-I/O requests and decoding) and its transports."""
