"""Documents the assistant quotes: SOPs, policies, playbooks and supplier contracts.

Local MiniLM embeddings (numpy), a Chroma store, idempotent ingestion, hybrid retrieval with role
filtering, the demo corpus and its labelled eval set. See knowledge/README.md.
"""
