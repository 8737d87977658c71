"""Text: decode, repair, headings, sentences and structure of documents; words and figures."""
