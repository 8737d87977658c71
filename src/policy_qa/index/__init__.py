"""Index: the catalog of documents, chunks and sentences, their vectors on disk, uploads."""
