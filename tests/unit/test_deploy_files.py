"""The deployment files under deploy/ (systemd, Docker Compose, Helm) against the project.

No Docker engine, Kubernetes or systemd runs them here: these tests only keep them from
drifting from the code, the instance settings (config/dagster.production.yaml) and
uv.lock. What the test suite runs is `make serve` (deploy/Procfile).
"""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from orchestration.settings import PROJECT_ROOT
from tests import make

DEPLOY = PROJECT_ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
DOCKER = DEPLOY / "docker"
HELM = DEPLOY / "helm"
PRODUCTION_CONFIG = PROJECT_ROOT / "config" / "dagster.production.yaml"
CHECKOUT = "/opt/compute-weekly"
ALERT_MODULES = ("channels.py", "messages.py", "sensors.py")
UNITS = {
    "migrate": "compute-weekly-migrate.service",
    "code_server": "compute-weekly-code-server.service",
    "webserver": "compute-weekly-webserver.service",
    "daemon": "compute-weekly-daemon.service",
}
ENV_EXAMPLES = (
    SYSTEMD / "compute-weekly.env.example",
    DOCKER / "compute-weekly.env.example",
    DOCKER / "postgres.env.example",
)
ASSIGNMENT = re.compile(r"^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$")


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def env_example(path: Path, *, commented: bool = True) -> dict[str, str]:
    """The variables an env file assigns (and, with `commented`, those it shows commented)."""
    names = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = ASSIGNMENT.match(line)
        if match and (commented or not match.group(1)):
            names[match.group(2)] = match.group(3)
    return names


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section -> key -> values (a key may repeat, as ExecStartPre)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in (SYSTEMD / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{name}: {line!r} outside a section"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def read_by_project_text() -> str:
    """What reads environment variables: the package, the instance settings, the dbt
    project's YAML and the deployment files that run things (not the env examples or the
    READMEs, which only list them)."""
    paths = [*(PROJECT_ROOT / "orchestration").rglob("*.py")]
    paths += [p for p in (PROJECT_ROOT / "config").iterdir() if p.is_file()]
    paths += [p for p in (PROJECT_ROOT / "dbt_project").glob("*.yml")]
    paths += [*(PROJECT_ROOT / "dbt_project" / "models").rglob("*.yml")]
    paths += [
        p
        for p in DEPLOY.rglob("*")
        if p.is_file() and not p.name.endswith(".env.example") and p.name != "README.md"
    ]
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def alert_env_names() -> set[str]:
    """The values of the `*_ENV` constants the alerts modules define."""
    names = set()
    for module in ALERT_MODULES:
        tree = ast.parse((PROJECT_ROOT / "orchestration" / "alerts" / module).read_text())
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.endswith("_ENV")
                and isinstance(node.value, ast.Constant)
            ):
                names.add(node.value.value)
    return names


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {package["name"]: package["version"] for package in lock["package"]}


def pins(dockerfile: Path) -> dict[str, str]:
    return dict(re.findall(r"([a-z][a-z0-9-]*)==([0-9][0-9.]*)", dockerfile.read_text()))


# --- every file ---------------------------------------------------------------------------


def test_every_yaml_file_under_deploy_parses():
    files = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
    assert {f.name for f in files} >= {"docker-compose.yml", "dagster.yaml", "values.yaml"}
    for path in files:
        assert isinstance(load_yaml(path), dict), path


@pytest.mark.parametrize("readme", [SYSTEMD, DOCKER, HELM], ids=lambda p: p.name)
def test_each_readme_says_its_files_are_not_tested(readme):
    text = (readme / "README.md").read_text(encoding="utf-8")
    assert "not tested by the project" in text
    assert "make serve" in text


# --- systemd ------------------------------------------------------------------------------


def test_the_units_run_the_team_services_as_the_procfile_does():
    exec_start = {role: unit(name)["Service"]["ExecStart"] for role, name in UNITS.items()}
    assert all(len(lines) == 1 for lines in exec_start.values()), exec_start
    code_server = exec_start["code_server"][0]
    assert "dagster code-server start -m orchestration" in code_server
    assert "--location-name orchestration" in code_server
    assert "-h ${COMPUTE_WEEKLY_CODE_SERVER_HOST} -p ${COMPUTE_WEEKLY_CODE_SERVER_PORT}" in (
        code_server
    )
    webserver, daemon = exec_start["webserver"][0], exec_start["daemon"][0]
    for command, program in ((webserver, "dagster-webserver"), (daemon, "dagster-daemon run")):
        assert command.startswith(f"{CHECKOUT}/deploy/wait-for-code-server ")
        assert program in command
        assert f"-w {CHECKOUT}/deploy/workspace.yaml" in command
    assert "-h ${DAGSTER_WEBSERVER_HOST} -p ${DAGSTER_WEBSERVER_PORT}" in webserver
    assert exec_start["migrate"][0].endswith("dagster instance migrate")


def test_the_units_share_user_environment_and_folders():
    for role, name in UNITS.items():
        service = unit(name)["Service"]
        assert service["User"] == ["compute-weekly"], name
        assert service["WorkingDirectory"] == [CHECKOUT], name
        assert service["EnvironmentFile"] == ["/etc/compute-weekly/compute-weekly.env"], name
        assert "DAGSTER_HOME=/var/lib/compute-weekly/dagster" in service["Environment"], name
        if role != "migrate":
            assert service["Restart"] == ["on-failure"], name


def test_migrate_installs_the_instance_settings_and_gates_webserver_and_daemon():
    migrate = unit(UNITS["migrate"])["Service"]
    assert migrate["Type"] == ["oneshot"]
    assert migrate["RemainAfterExit"] == ["yes"]
    assert any(
        f"{CHECKOUT}/config/dagster.production.yaml ${{DAGSTER_HOME}}/dagster.yaml" in line
        for line in migrate["ExecStartPre"]
    )
    for role in ("webserver", "daemon"):
        section = unit(UNITS[role])["Unit"]
        assert UNITS["migrate"] in " ".join(section["Requires"])
        after = " ".join(section["After"])
        assert UNITS["migrate"] in after and UNITS["code_server"] in after
        assert UNITS["code_server"] in " ".join(section["Wants"])


def test_the_units_name_files_the_checkout_has():
    for name in UNITS.values():
        service = unit(name)["Service"]
        for line in service.get("ExecStartPre", []) + service["ExecStart"]:
            for path in re.findall(rf"{CHECKOUT}/([^\s]+)", line):
                if not path.startswith(".venv/"):
                    assert (PROJECT_ROOT / path).exists(), f"{name}: {path}"


# --- environment files --------------------------------------------------------------------


@pytest.mark.parametrize("example", ENV_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_variable_an_env_example_lists_is_read_by_the_project(example):
    text = read_by_project_text()
    names = env_example(example)
    assert names
    unread = [name for name in names if not re.search(rf"\b{name}\b", text)]
    assert not unread, f"{example.name} lists variables nothing reads: {unread}"


@pytest.mark.parametrize("example", ENV_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_env_examples_hold_no_real_secret(example):
    for name, value in env_example(example).items():
        if re.search(r"PASSWORD|_KEY$|TOKEN$|WEBHOOK_URL", name):
            assert value in ("", "CHANGE_ME"), f"{example.name}: {name} has a value"
    pg_url = env_example(example).get("COMPUTE_WEEKLY_PG_URL")
    assert pg_url is None or ":CHANGE_ME@" in pg_url


def test_the_systemd_env_example_lists_the_alert_variables_and_the_instance_url():
    names = env_example(SYSTEMD / "compute-weekly.env.example", commented=False)
    alerts = alert_env_names()
    assert len(alerts) >= 10
    assert alerts <= set(names), sorted(alerts - set(names))
    assert names["COMPUTE_WEEKLY_PG_URL"].startswith("postgresql+psycopg2://")
    assert names["DAGSTER_EVENT_BATCH_SIZE"] == "100"
    for name in ("COMPUTE_WEEKLY_RAW_DIR", "COMPUTE_WEEKLY_WAREHOUSE"):
        assert names[name].startswith("/var/lib/compute-weekly/")


def test_the_docker_env_files_set_every_variable_runs_receive():
    """DockerRunLauncher fails a launch when a variable of its env_vars is unset: each must
    be assigned in the env files, and every feed setting of the project's must be passed."""
    env_vars = load_yaml(DOCKER / "dagster.yaml")["run_launcher"]["config"]["env_vars"]
    project = env_example(DOCKER / "compute-weekly.env.example", commented=False)
    postgres = env_example(DOCKER / "postgres.env.example", commented=False)
    assert set(env_vars) <= set(project) | set(postgres)
    assert set(postgres) <= set(env_vars)
    alerts = alert_env_names()
    assert alerts - {"COMPUTE_WEEKLY_PG_URL"} <= set(project)
    assert set(project) - alerts == set(env_vars) - set(postgres)


def test_env_files_are_git_ignored():
    patterns = [
        line.strip()
        for line in (PROJECT_ROOT / ".gitignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    compose = load_yaml(DOCKER / "docker-compose.yml")
    env_files = {f for service in compose["services"].values() for f in service.get("env_file", [])}
    env_files |= {"compute-weekly.env"}
    for name in env_files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
    for example in ENV_EXAMPLES:
        assert not any(fnmatch.fnmatch(example.name, pattern) for pattern in patterns)


# --- Docker Compose -----------------------------------------------------------------------


def compose_services() -> dict[str, dict]:
    return load_yaml(DOCKER / "docker-compose.yml")["services"]


def command_of(service: dict) -> list[str]:
    return [*service.get("entrypoint", []), *service.get("command", [])]


def test_compose_runs_the_code_server_webserver_and_daemon():
    services = compose_services()
    user_code = [s for s in services.values() if "Dockerfile_user_code" in str(s.get("build"))]
    assert len(user_code) == 1
    commands = [" ".join(command_of(s)) for s in services.values()]
    assert any(c.startswith("dagster-webserver ") and "-w workspace.yaml" in c for c in commands)
    assert any(c.startswith("dagster-daemon run") for c in commands)
    assert "dagster instance migrate" in commands
    cmd = re.search(r"^CMD (\[.*\])$", (DOCKER / "Dockerfile_user_code").read_text(), re.M)
    code_server = " ".join(yaml.safe_load(cmd.group(1)))
    assert "dagster code-server start -m orchestration" in code_server
    assert "-p 4000 --location-name orchestration" in code_server


def test_compose_workspace_points_at_the_user_code_service():
    services = compose_services()
    workspace = load_yaml(DOCKER / "workspace.yaml")
    (server,) = [entry["grpc_server"] for entry in workspace["load_from"]]
    assert server["host"] in services
    assert "Dockerfile_user_code" in str(services[server["host"]]["build"])
    assert server["port"] == 4000
    assert server["location_name"] == "orchestration"


def test_compose_publishes_ports_on_loopback_only():
    published = []
    for name, service in compose_services().items():
        for port in service.get("ports", []):
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", name
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"
            published.append(name)
    assert published, "the webserver should be published on loopback"


def test_compose_sets_no_secret_inline():
    for name, service in compose_services().items():
        for key in service.get("environment", {}):
            assert not re.search(r"PASSWORD|KEY|TOKEN|SECRET|_URL", key), f"{name}: {key}"


def test_docker_instance_keeps_the_production_settings(tmp_path):
    from dagster._core.instance.config import dagster_instance_config

    docker = load_yaml(DOCKER / "dagster.yaml")
    production = load_yaml(PRODUCTION_CONFIG)
    for key in ("telemetry", "run_coordinator", "concurrency", "run_monitoring", "run_retries"):
        assert docker[key] == production[key], key
    launcher = docker["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_docker", "DockerRunLauncher")
    compose = load_yaml(DOCKER / "docker-compose.yml")
    assert launcher["config"]["network"] in {n["name"] for n in compose["networks"].values()}
    volume = launcher["config"]["container_kwargs"]["volumes"][0].split(":")[0]
    assert volume in {v["name"] for v in compose["volumes"].values() if v and "name" in v}
    postgres = docker["storage"]["postgres"]["postgres_db"]
    assert postgres["hostname"] in compose["services"]
    assert postgres["scheme"] == "postgresql+psycopg2"
    # Dagster's own validation of an instance's settings (env values are not resolved).
    (tmp_path / "dagster.yaml").write_text((DOCKER / "dagster.yaml").read_text())
    dagster_instance_config(str(tmp_path))


def test_images_pin_the_locked_dagster_versions():
    locked = locked_versions()
    dagster_image = pins(DOCKER / "Dockerfile_dagster")
    for package in ("dagster", "dagster-graphql", "dagster-webserver", "dagster-postgres"):
        assert dagster_image[package] == locked[package], package
    libraries = locked["dagster-postgres"]  # dagster's integration libraries share a version
    assert dagster_image["dagster-docker"] == libraries
    user_code = pins(DOCKER / "Dockerfile_user_code")
    assert user_code["dagster-docker"] == user_code["dagster-k8s"] == libraries
    assert user_code["uv"] == make.variable("UV_VERSION")
    for dockerfile in ("Dockerfile_dagster", "Dockerfile_user_code"):
        assert "FROM python:3.11-slim" in (DOCKER / dockerfile).read_text()
    helm_readme = (HELM / "README.md").read_text()
    assert f"--version {locked['dagster']}" in helm_readme  # the chart's version is Dagster's


def test_the_user_code_image_copies_what_exists_and_its_context_lets_it_through():
    dockerfile = (DOCKER / "Dockerfile_user_code").read_text()
    allowed = {
        line[1:].strip()
        for line in (DOCKER / "Dockerfile_user_code.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    sources = [
        source
        for line in re.findall(r"^COPY (.+)$", dockerfile, re.M)
        for source in line.split()[:-1]
    ]
    assert "orchestration" in sources and "dbt_project" in sources
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), source
        assert source in allowed, source
    assert "uv sync --frozen --no-dev" in dockerfile


# --- Helm ---------------------------------------------------------------------------------


def test_helm_values_run_the_location_with_the_k8s_run_launcher():
    values = load_yaml(HELM / "values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    secrets = values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"]
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["name"] == "orchestration"
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "orchestration"]
    assert deployment["envSecrets"] == secrets
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    postgresql = values["postgresql"]
    assert postgresql["enabled"] is False
    assert postgresql["postgresqlScheme"] == "postgresql+psycopg2"
    assert values["generatePostgresqlPasswordSecret"] is False
    # Pods share no disk: the landing zone, the warehouse and the reports are on object
    # storage, and no data volume is mounted; the keys come from the Secret, never from
    # this file.
    env = {item["name"]: item["value"] for item in deployment["env"]}
    for kind in ("RAW_DIR", "WAREHOUSE", "REPORTS_DIR"):
        assert env[f"COMPUTE_WEEKLY_{kind}"].startswith("s3://"), kind
    assert "volumes" not in deployment and "AWS_SECRET_ACCESS_KEY" not in env


def test_helm_values_match_the_production_instance_settings():
    values = load_yaml(HELM / "values.yaml")
    production = load_yaml(PRODUCTION_CONFIG)
    concurrency = values["concurrency"]
    assert concurrency["enabled"] is True
    assert (
        concurrency["runs"]["maxConcurrentRuns"]
        == (production["concurrency"]["runs"]["max_concurrent_runs"])
    )
    assert (
        concurrency["pools"]["defaultLimit"]
        == (production["concurrency"]["pools"]["default_limit"])
    )
    # With `concurrency` set, Dagster refuses a max_concurrent_runs under run_coordinator,
    # which the chart writes whenever the queued coordinator's config has a value.
    coordinator = values["dagsterDaemon"]["runCoordinator"]
    assert coordinator["type"] == "QueuedRunCoordinator"
    assert not any(coordinator["config"]["queuedRunCoordinator"].values())
    monitoring = values["dagsterDaemon"]["runMonitoring"]
    expected = production["run_monitoring"]
    assert monitoring["enabled"] is expected["enabled"]
    assert monitoring["startTimeoutSeconds"] == expected["start_timeout_seconds"]
    assert monitoring["pollIntervalSeconds"] == expected["poll_interval_seconds"]
    assert monitoring["maxResumeRunAttempts"] == expected["max_resume_run_attempts"]
    assert (
        monitoring["freeSlotsAfterRunEndSeconds"] == (expected["free_slots_after_run_end_seconds"])
    )
    retries = values["dagsterDaemon"]["runRetries"]
    assert retries["maxRetries"] == production["run_retries"]["max_retries"]
    assert (
        retries["retryOnAssetOrOpFailure"]
        is (production["run_retries"]["retry_on_asset_or_op_failure"])
    )
    assert values["telemetry"] == production["telemetry"]
