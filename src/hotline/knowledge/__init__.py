"""The knowledge base call-takers answer from."""
