"""Models: the OpenAI-protocol LLM client, the local llama.cpp server, the offline embedding model."""
