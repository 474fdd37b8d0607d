"""Loopback HTTP servers speaking the Vertex AI and KFP registry REST protocols, with fault injection."""
