"""An Ollama-compatible HTTP endpoint over a real small model (llama.cpp + SmolLM2-135M).

Run it with ``python -m reference.llm --port 0``; see ``reference/llm/README.md``.
"""
