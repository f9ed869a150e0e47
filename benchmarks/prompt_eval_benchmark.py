"""Prompt evaluation of the embedded model on the PyPI runner's first request (no stack).

The request (``benchmarks/data/stigmer-runner-chat-request.json``, logged by the endpoint with
``STIGMER_LLM_LOG_LEVEL=DEBUG``) is deepagents' system prompt, 16 tools and a greeting. The
endpoint answers it in two llama.cpp calls: the tool decision, then the answer. Prints, per
call, the tokens evaluated and reused from the prompt cache, wall and CPU seconds (CPU seconds
are what to compare on a shared machine).

Usage: ``python benchmarks/prompt_eval_benchmark.py [--threads N] [--num-ctx N]
[--no-cache-prompt] [--model-path GGUF]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from reference.llm import conversation
from reference.llm.model import EngineSettings, LlamaEngine, default_model_path

REQUEST = Path(__file__).parent / "data" / "stigmer-runner-chat-request.json"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--num-ctx", type=int, default=8192)
    parser.add_argument("--no-cache-prompt", action="store_true")
    parser.add_argument("--model-path", type=Path, default=None)
    args = parser.parse_args()
    engine = LlamaEngine(EngineSettings(args.model_path or default_model_path(), args.num_ctx,
                                        args.threads, cache_prompt=not args.no_cache_prompt))
    engine.load()
    plan = conversation.plan_chat(json.loads(REQUEST.read_text()), "smollm2:135m")
    print(f"load average {os.getloadavg()[0]:.1f}; threads={args.threads} "
          f"num_ctx={args.num_ctx} cache_prompt={not args.no_cache_prompt}")
    for name, body in (("decision", plan.decision_body()), ("answer", plan.body())):
        cpu, wall = cpu_seconds(), time.monotonic()
        reply = engine.chat({**body, "n_predict": body.get("n_predict", 48)})
        cpu, wall = cpu_seconds() - cpu, time.monotonic() - wall
        timings = reply.get("timings") or {}
        print(f"{name}: evaluated {timings.get('prompt_n')} tokens, reused "
              f"{timings.get('cache_n')}, generated {timings.get('predicted_n')}; "
              f"{wall:.1f} s wall, {cpu:.1f} s CPU; "
              f"{(reply['choices'][0]['message'].get('content') or '')[:60]!r}")
    engine.close()


if __name__ == "__main__":
    main()
