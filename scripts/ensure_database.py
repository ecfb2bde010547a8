"""Create the database named by DATABASE_URL if it is missing, and PostGIS in it.

Runs before Django so that both the project-local cluster and an existing
server (DATABASE_URL) are provisioned the same way. Prints one line on
failure and exits non-zero.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import environ
import psycopg
from psycopg import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:55432/tanbinh")
    config = environ.Env.db_url_config(url)
    params: dict[str, Any] = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "connect_timeout": 10,
    }
    name = config["NAME"]
    where = f"{params['host'] or 'local socket'}:{params['port'] or 5432}"
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"setup: created database {name} on {where}")
        with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: cannot reach PostgreSQL at {where} ({first}); check DATABASE_URL", file=sys.stderr)
        return 1
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0]
        print(
            f"error: PostGIS is not usable in database {name} on {where} ({first}); "
            "install the PostGIS package for that server's PostgreSQL version",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
