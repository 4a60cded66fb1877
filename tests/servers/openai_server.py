"""A small OpenAI-compatible HTTP server over a real GGUF model, for tests.

It serves ``GET /v1/models`` and ``POST /v1/chat/completions`` (plain JSON or SSE
streaming, ``response_format`` of type ``json_schema`` or ``json_object``, a forced
``tool_choice``, usage, and the usage chunk of ``stream_options.include_usage``) straight from llama-cpp-python's
``Llama.create_chat_completion``: independent of meddiag's own llama.cpp client (it
borrows only the faster grammar sampler), so a test through it checks our OpenAI client
against a real server. Run it as
``python tests/servers/openai_server.py MODEL.gguf [--port 0]``; it prints
``LISTENING <port>`` on stdout once it accepts connections.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from llama_cpp import Llama

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from meddiag.models.grammar_sampling import use_lazy_grammar  # noqa: E402  (keeps constrained tests fast)

ALLOWED = {"max_tokens", "temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty"}


def make_handler(llama: Llama, name: str) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._json(200, {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "tests"}]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if body.get("model") != name:
                self._json(404, {"error": {"message": f"model {body.get('model')!r} not found", "type": "not_found"}})
                return
            args = {k: v for k, v in body.items() if k in ALLOWED}
            if "max_completion_tokens" in body:
                args["max_tokens"] = body["max_completion_tokens"]
            fmt = body.get("response_format") or {}
            if fmt.get("type") == "json_schema":
                args["response_format"] = {"type": "json_object", "schema": fmt["json_schema"]["schema"]}
            elif fmt.get("type") == "json_object":
                args["response_format"] = {"type": "json_object"}
            if isinstance(body.get("tool_choice"), dict):  # llama-cpp-python handles forced tool calls
                args["tools"], args["tool_choice"] = body["tools"], body["tool_choice"]
            with lock:
                if body.get("stream"):
                    self._stream(body, args)
                else:
                    out = llama.create_chat_completion(messages=body["messages"], **args)
                    out["model"] = name
                    self._json(200, out)

        def _stream(self, body: dict[str, Any], args: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            text = []
            for chunk in llama.create_chat_completion(messages=body["messages"], stream=True, **args):
                chunk["model"] = name
                text.append(chunk["choices"][0]["delta"].get("content") or "")
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            if (body.get("stream_options") or {}).get("include_usage"):
                prompt = llama.tokenize(json.dumps(body["messages"]).encode(), add_bos=False)  # the server's own estimate
                completion = llama.tokenize("".join(text).encode(), add_bos=False, special=True)
                usage = {"prompt_tokens": len(prompt), "completion_tokens": len(completion),
                         "total_tokens": len(prompt) + len(completion)}
                last = {"id": "usage", "object": "chat.completion.chunk", "created": int(time.time()), "model": name,
                        "choices": [], "usage": usage}
                self.wfile.write(f"data: {json.dumps(last)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    llama = Llama(model_path=str(args.model), n_ctx=2048, n_threads=args.threads, verbose=False)
    use_lazy_grammar(llama)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(llama, "smollm2"))
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
