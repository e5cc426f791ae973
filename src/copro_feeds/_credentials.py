"""Partner feeds' logins: ``[[sources]] credentials_env``, read from the environment.

The value is read at each fetch, never kept in the configuration, the store or the
outputs; its problems name the variable, never its value.
"""

from __future__ import annotations

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


def credential_problems(config: Config, environ: Mapping[str, str]) -> list[str]:
    """What :func:`source_credentials` would refuse, for every enabled source."""
    problems: list[str] = []
    for source in config.active_sources:
        try:
            source_credentials(source, environ)
        except ConfigError as error:
            problems.extend(error.problems)
    return problems
