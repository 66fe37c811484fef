"""Call a provider through its official SDK (``anthropic``, ``openai``), streaming the reply's
text to a callback. The SDKs are imported here, on first use only: the runner's script path
never loads them. The SDKs' own retries are off; a failure becomes a ``ProviderError``."""

from __future__ import annotations

import email.utils
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sparkq_tui.runner.llm_request import LlmRequest
from sparkq_tui.runner.tools import TaskSetupError

INSTALL_HINT = "pip install 'sparkq[llm]'"


@dataclass
class LlmReply:
    """What the task's result holds."""

    text: str
    model: str | None
    usage: dict[str, Any]
    stop_reason: str | None

    def as_result(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "model": self.model,
            "usage": self.usage,
            "stop_reason": self.stop_reason,
        }


class ProviderError(Exception):
    """A provider refused or could not be reached. ``retryable`` is False for a 4xx other
    than 429; ``retry_after`` is the wait in seconds a 429 asked for, when it said."""

    def __init__(
        self, message: str, *, status: int | None, retryable: bool, retry_after: float | None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after

    def describe(self) -> str:
        """The task's error: the provider's message and whether a retry may help."""
        return f"{self.message} [{'retryable' if self.retryable else 'not retryable'}]"


def _sdk(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise TaskSetupError(
            f"provider {name} needs the {name} package: install it with {INSTALL_HINT} "
            f"(or pip install {name}) where the runner runs"
        ) from None


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, when.timestamp() - time.time()) if when else None


def _provider_message(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    return fallback


def _translate(sdk: Any, provider: str, exc: Exception) -> ProviderError | None:
    """The ``ProviderError`` for an SDK exception (None when it is not one of the SDK's)."""
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        message = _provider_message(exc.body, str(exc))
        retryable = status == 429 or not 400 <= status < 500
        after = _retry_after(exc.response.headers) if status == 429 else None
        return ProviderError(
            f"{provider}: HTTP {status}: {message}",
            status=status,
            retryable=retryable,
            retry_after=after,
        )
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = f"{exc} ({cause})" if cause else str(exc)
        return ProviderError(
            f"{provider}: could not reach the API: {detail}",
            status=None,
            retryable=True,
            retry_after=None,
        )
    if isinstance(exc, sdk.APIError):
        return ProviderError(f"{provider}: {exc}", status=None, retryable=True, retry_after=None)
    return None


async def call_provider(request: LlmRequest, on_text: Callable[[str], None]) -> LlmReply:
    """Send ``request``; each piece of the reply's text goes to ``on_text`` as it arrives."""
    call = _anthropic if request.provider == "anthropic" else _openai
    sdk = _sdk(request.provider)
    try:
        return await call(sdk, request, on_text)
    except Exception as exc:
        error = _translate(sdk, request.provider, exc)
        if error is None:
            raise
        raise error from exc


async def _anthropic(sdk: Any, request: LlmRequest, on_text: Callable[[str], None]) -> LlmReply:
    client = sdk.AsyncAnthropic(api_key=request.api_key, base_url=request.base_url, max_retries=0)
    params: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": [{"role": "user", "content": request.prompt}],
    }
    if request.system:
        params["system"] = request.system
    if request.temperature is not None:
        # Gone from the SDK's signature (1.0+); the API takes it where the model allows.
        params["extra_body"] = {"temperature": request.temperature}
    async with client:
        if request.stream:
            async with client.messages.stream(**params) as stream:
                async for text in stream.text_stream:
                    on_text(text)
                message = await stream.get_final_message()
        else:
            message = await client.messages.create(**params)
            on_text(_anthropic_text(message))
    usage = message.usage.model_dump(exclude_none=True) if message.usage else {}
    return LlmReply(_anthropic_text(message), message.model, usage, message.stop_reason)


def _anthropic_text(message: Any) -> str:
    return "".join(getattr(block, "text", "") for block in message.content)


async def _openai(sdk: Any, request: LlmRequest, on_text: Callable[[str], None]) -> LlmReply:
    client = sdk.AsyncOpenAI(api_key=request.api_key, base_url=request.base_url, max_retries=0)
    messages = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    messages.append({"role": "user", "content": request.prompt})
    params: dict[str, Any] = {"model": request.model, "messages": messages}
    if request.max_tokens is not None:
        # OpenAI's own API has renamed it; servers that speak its older form (Ollama,
        # llama.cpp, LM Studio …) know max_tokens.
        key = "max_tokens" if request.base_url else "max_completion_tokens"
        params[key] = request.max_tokens
    if request.temperature is not None:
        params["temperature"] = request.temperature
    async with client:
        if not request.stream:
            completion = await client.chat.completions.create(**params)
            choice = completion.choices[0] if completion.choices else None
            text = (choice.message.content or "") if choice else ""
            on_text(text)
            usage = completion.usage.model_dump(exclude_none=True) if completion.usage else {}
            reason = choice.finish_reason if choice else None
            return LlmReply(text, completion.model, usage, reason)
        parts: list[str] = []
        model = None
        usage = {}
        reason = None
        stream = await client.chat.completions.create(
            **params, stream=True, stream_options={"include_usage": True}
        )
        async for chunk in stream:
            model = chunk.model or model
            if chunk.usage is not None:
                usage = chunk.usage.model_dump(exclude_none=True)
            for choice in chunk.choices:
                if choice.delta and choice.delta.content:
                    parts.append(choice.delta.content)
                    on_text(choice.delta.content)
                if choice.finish_reason:
                    reason = choice.finish_reason
    return LlmReply("".join(parts), model, usage, reason)
