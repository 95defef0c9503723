"""What every command make runs is given: the instance profile and its home, and the
PostgreSQL URL with the driver dagster-postgres needs (asked of make, not read from it)."""

from __future__ import annotations

import os

from orchestration.settings import PROJECT_ROOT
from tests import make

PROFILE_VARIABLES = ("COMPUTE_WEEKLY_PG_URL", "DAGSTER_HOME")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROFILE_VARIABLES}
    return {**env, **extra}


def test_by_default_the_embedded_instance_in_dot_dagster():
    env = clean_env(DAGSTER_HOME="/somewhere/else")
    assert make.exported("DAGSTER_HOME", env) == str(PROJECT_ROOT / ".dagster")
    assert make.variable("INSTANCE_CONFIG", env) == "config/dagster.yaml"
    assert make.exported("COMPUTE_WEEKLY_PG_URL", env) == ""


def test_a_postgres_url_chooses_the_team_instance_and_names_the_psycopg2_driver():
    for given in ("postgresql://u:p@db:5432/dagster", "postgres://u:p@db:5432/dagster"):
        env = clean_env(COMPUTE_WEEKLY_PG_URL=given)
        assert (
            make.exported("COMPUTE_WEEKLY_PG_URL", env)
            == "postgresql+psycopg2://u:p@db:5432/dagster"
        )
        assert make.exported("DAGSTER_HOME", env) == str(PROJECT_ROOT / ".dagster-production")
        assert make.variable("INSTANCE_CONFIG", env) == "config/dagster.production.yaml"
    named = clean_env(COMPUTE_WEEKLY_PG_URL="postgresql+psycopg2://u@/dagster?host=/run/pg")
    assert (
        make.exported("COMPUTE_WEEKLY_PG_URL", named)
        == "postgresql+psycopg2://u@/dagster?host=/run/pg"
    )


def test_a_url_given_on_make_s_command_line_is_rewritten_too():
    url = make.exported(
        "COMPUTE_WEEKLY_PG_URL", clean_env(), COMPUTE_WEEKLY_PG_URL="postgresql://x@h/d"
    )
    assert url == "postgresql+psycopg2://x@h/d"


def test_the_team_home_can_be_moved_on_the_command_line():
    env = clean_env(COMPUTE_WEEKLY_PG_URL="postgresql://u@db/dagster")
    assert make.exported("DAGSTER_HOME", env, DAGSTER_HOME="/srv/dagster") == "/srv/dagster"
