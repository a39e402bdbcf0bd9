"""`congvan-agent`: the command the leader starts on their PC."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from urllib.parse import urlsplit

from congvan_agent import __version__
from congvan_agent.server import Agent, Pairings, Prompts, serve
from congvan_agent.token import Token


def _ask(text: str, secret: bool) -> str:
    """Ask on the terminal; a PIN is not echoed (when there is no terminal, a line of standard input)."""
    if sys.stdin.isatty():
        return getpass.getpass(text) if secret else input(text)
    print(text, flush=True)
    return sys.stdin.readline().rstrip("\n")


def _origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/"):
        raise argparse.ArgumentTypeError("hãy ghi địa chỉ trang congvan, ví dụ https://congvan.example.gov.vn")
    return f"{parts.scheme}://{parts.netloc}"


def main(argv: list[str] | None = None) -> int:
    """Serve the congvan page of one origin until interrupted."""
    parser = argparse.ArgumentParser(prog="congvan-agent", description="Ký số bằng USB token cho congvan.")
    parser.add_argument("--service", type=_origin, required=True, help="địa chỉ trang congvan của cơ quan")
    parser.add_argument("--module", required=True, help="thư viện PKCS#11 của USB token (.so / .dll)")
    parser.add_argument("--token", default=None, help="nhãn của token (mặc định: token đầu tiên đang cắm)")
    parser.add_argument("--port", type=int, default=8990, help="cổng trên 127.0.0.1 (mặc định 8990)")
    parser.add_argument("--state", type=Path, default=Path.home() / ".config" / "congvan-agent")
    parser.add_argument("--version", action="version", version=__version__)
    args = parser.parse_args(argv)
    agent = Agent(args.service, Token(args.module, args.token), Pairings(args.state / "pairings.json"), Prompts(_ask))
    server = serve(agent, args.port)
    print(f"congvan-agent {__version__} phục vụ {args.service} tại http://127.0.0.1:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        agent.token.close()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
