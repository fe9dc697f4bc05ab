"""The LLM layer: the only package that imports openai for chat."""
