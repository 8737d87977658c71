"""Answer: question profile, scoping, retrieval, evidence, answerability, extractive and LLM answers, verification."""
