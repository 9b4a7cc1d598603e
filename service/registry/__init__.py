"""The model and job store: SQLite in the data directory by default, PostgreSQL when configured."""

from __future__ import annotations

from service.registry.base import ModelIsActive, Registry, UnknownModel
from service.registry.jobs import LostJob
from service.settings import RegistryError, Settings

__all__ = ["LostJob", "ModelIsActive", "Registry", "RegistryError", "UnknownModel", "open_registry"]


def open_registry(settings: Settings) -> Registry:
    """Open the store that settings name: ROASTNET_DATABASE_URL if set, else the data directory."""
    url = settings.database_url
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            scheme = url.split(":")[0]
            raise RegistryError(f"ROASTNET_DATABASE_URL must be a postgresql:// URL, got {scheme}:…")
        from service.registry.postgres import PostgresRegistry

        return PostgresRegistry(url, settings.database_pool_size)
    from service.registry.sqlite import SqliteRegistry

    return SqliteRegistry(settings.data_dir)
