"""The AI reply pipeline: analysis, retrieval, confidence, generation, hand-over to a person."""
