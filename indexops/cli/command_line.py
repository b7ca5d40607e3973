"""The command a person typed, shown back to them (to resume it) without anything that could be a secret."""

from __future__ import annotations

import shlex

from indexops.signing.keytext import looks_like_private_key

RPC_URL_OPTION = "--rpc-url"
URL_PLACEHOLDER = "<RPC URL>"  # providers put API keys in a URL's path, query or credentials
KEY_PLACEHOLDER = "<removed: looked like a private key>"


def shown_command(arguments: list[str]) -> str:
    """`indexops ARGS...` quoted for a POSIX shell, with an --rpc-url that carries more than scheme, host
    and port, and any value that looks like a private key, replaced by placeholders."""
    shown, after_rpc_flag = [], False
    for argument in arguments:
        if after_rpc_flag:
            argument = _url(argument)
        elif argument.startswith(RPC_URL_OPTION + "="):
            argument = f"{RPC_URL_OPTION}={_url(argument.partition('=')[2])}"
        after_rpc_flag = argument == RPC_URL_OPTION
        shown.append(KEY_PLACEHOLDER if looks_like_private_key(argument.rpartition("=")[2]) else argument)
    return shlex.join(["indexops", *shown])


def _url(urls: str) -> str:
    """Each of the comma-separated URLs as is when it is only scheme, host and port, else the placeholder."""
    from indexops.chain.connection import display_url

    return ",".join(url if display_url(url) == url.rstrip("/") else URL_PLACEHOLDER for url in urls.split(","))
