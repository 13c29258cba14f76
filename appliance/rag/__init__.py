"""Retrieval over a company's knowledge base: chunking, embeddings, the vector and keyword
indexes, and hybrid search over both."""
