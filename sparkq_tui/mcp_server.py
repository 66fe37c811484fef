"""``sparkq mcp``: an MCP server on stdin/stdout for agents (Claude Code and its peers). It is a
client of the daemon like any other (it never opens the database): each tool call is one
JSON-RPC call on the daemon's socket, and the tools are built from the daemon's method table
(see ``mcp_tools``). The ``mcp`` package is imported only here."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import mcp.types as types
from mcp.server import Server
from mcp.server.stdio import stdio_server

from sparkq_tui import __version__
from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import SparkQError
from sparkq_tui.mcp_tools import ToolSpec, build_tools

log = logging.getLogger("sparkq.mcp")

INSTRUCTIONS = (
    "SparkQ is a local task queue. Enqueue work with task_enqueue (tool run-bash with payload "
    '{"script": ...}, run-python, or an LLM tool with {"prompt": ...}; tool_list names them), '
    "then follow it with task_get / task_list: runners run the tasks, you observe them."
)


def _tool(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        description=spec.description,
        input_schema=spec.input_schema,
        annotations=types.ToolAnnotations(
            read_only_hint=spec.read_only,
            destructive_hint=spec.destructive if not spec.read_only else None,
            idempotent_hint=True if spec.read_only else None,
            open_world_hint=False,
        ),
    )


def _text(value: Any) -> list[types.TextContent]:
    return [types.TextContent(type="text", text=json.dumps(value, ensure_ascii=False, indent=1))]


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], is_error=True
    )


class SparkQTools:
    """The daemon connection and the tools built from its method table."""

    def __init__(self, client: AsyncClient, specs: list[ToolSpec]) -> None:
        self.client = client
        self.specs = {spec.name: spec for spec in specs}

    async def list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_tool(spec) for spec in self.specs.values()])

    async def call_tool(
        self, ctx: Any, params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        spec = self.specs.get(params.name)
        if spec is None:
            return _error(f"unknown tool {params.name!r} (known: {', '.join(self.specs)})")
        try:
            result = await self.client.call(spec.method, dict(params.arguments or {}))
        except SparkQError as exc:
            kind = (exc.data or {}).get("type") or type(exc).__name__
            return _error(f"{spec.method} refused ({kind}, code {exc.code}): {exc.message}")
        structured = result if isinstance(result, dict) else {"result": result}
        return types.CallToolResult(content=_text(result), structured_content=structured)


async def serve(socket_path: Path) -> None:
    """Serve MCP on stdin/stdout until the client closes it."""
    async with AsyncClient(socket_path) as client:
        methods = (await client.call("system.methods"))["methods"]
        tools = SparkQTools(client, build_tools(methods))
        server: Server[Any] = Server(
            "sparkq",
            version=__version__,
            instructions=INSTRUCTIONS,
            on_list_tools=tools.list_tools,
            on_call_tool=tools.call_tool,
        )
        log.info("serving %d tools for the daemon on %s", len(tools.specs), socket_path)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
