"""Partner feeds' logins: ``[[sources]] credentials_env`` and the ``${VARIABLE}``s of
``[[sources]] headers``, read from the environment.

The values are read at each fetch, never kept in the configuration, the store or the
outputs; their problems name the variable, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from copro_feeds.config import Config, SourceConfig
from copro_feeds.exceptions import ConfigError


def source_credentials(source: SourceConfig, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The (user, password) the source's ``credentials_env`` variable holds, else None.

    The variable's value is ``user:password``. Raises ConfigError naming the variable,
    never its value, when it is unset, empty or has no ``:``. Read at each fetch, so the
    password is never kept in the configuration, the store or the outputs.
    """
    name = source.credentials_env
    if name is None:
        return None
    where = f"sources[{source.key!r}].credentials_env"
    value = environ.get(name)
    if not value:
        problem = f"{where}: the environment variable {name} is not set"
    elif not value.partition(":")[0] or ":" not in value:
        problem = f"{where}: the environment variable {name} must hold user:password"
    else:
        user, _, password = value.partition(":")
        return user, password
    raise ConfigError("the environment", [problem])


_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def source_headers(source: SourceConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """The source's ``headers``, each ``${VARIABLE}`` replaced by the variable's value.

    Raises ConfigError naming the header and the variable, never a value, when a
    variable is unset or empty, or holds a line break or NUL (header injection).
    """
    problems: list[str] = []
    resolved: dict[str, str] = {}
    for name, template in source.headers:
        where = f"sources[{source.key!r}].headers.{name}"

        def value_of(match: re.Match[str], where: str = where) -> str:
            variable = match[1]
            value = environ.get(variable)
            if not value:
                problems.append(f"{where}: the environment variable {variable} is not set")
                return ""
            if any(character in value for character in "\r\n\0"):
                problems.append(
                    f"{where}: the environment variable {variable} holds a line break or NUL"
                )
                return ""
            return value

        resolved[name] = _REFERENCE.sub(value_of, template)
    if problems:
        raise ConfigError("the environment", problems)
    return resolved


def credential_problems(config: Config, environ: Mapping[str, str]) -> list[str]:
    """What :func:`source_credentials` and :func:`source_headers` would refuse, for
    every enabled source."""
    problems: list[str] = []
    for source in config.active_sources:
        for read in (source_credentials, source_headers):
            try:
                read(source, environ)
            except ConfigError as error:
                problems.extend(error.problems)
    return problems
